/// Adds browser hardening headers to every response, errors included.
///
/// A header the handler already set is left alone, so a page that needs a
/// looser Content-Security-Policy sets its own. Set a field to nil to omit it.
public struct SecurityHeadersMiddleware: HTTPMiddleware {
    public struct Configuration: Sendable {
        /// Stops browsers guessing a type other than the declared Content-Type.
        public var contentTypeOptions: String? = "nosniff"
        /// Keeps portal URLs (tenant slugs, ids) out of other sites' logs.
        public var referrerPolicy: String? = "no-referrer"
        /// Clickjacking defence for browsers that predate `frame-ancestors`.
        public var frameOptions: String? = "DENY"
        /// Strict by default: our own scripts, styles and images only, no
        /// inline script, no plugins, no framing, forms post back to us only.
        public var contentSecurityPolicy: String? =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
            + "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        /// Isolates our windows from cross-origin openers.
        public var crossOriginOpenerPolicy: String? = "same-origin"
        /// Only set when serving HTTPS directly (or always behind a TLS proxy);
        /// nil by default because plain HTTP is the development default.
        public var strictTransportSecurity: String? = nil

        public init() {}

        var fields: [(String, String)] {
            [
                ("X-Content-Type-Options", contentTypeOptions), ("Referrer-Policy", referrerPolicy),
                ("X-Frame-Options", frameOptions), ("Content-Security-Policy", contentSecurityPolicy),
                ("Cross-Origin-Opener-Policy", crossOriginOpenerPolicy),
                ("Strict-Transport-Security", strictTransportSecurity),
            ].compactMap { name, value in value.map { (name, $0) } }
        }
    }

    private let fields: [(String, String)]

    public init(configuration: Configuration = Configuration()) {
        self.fields = configuration.fields
    }

    public func respond(to request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        var response = try await next.respond(to: request)
        for (name, value) in fields where !response.headers.contains(name) {
            response.headers.add(name, value)
        }
        return response
    }
}
