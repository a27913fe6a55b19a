import Telemetry

/// Gives every request an id, puts it in `request.context.requestID` and
/// echoes it as `X-Request-Id`, so a caller's report, the access log and an
/// error body can be matched up.
///
/// An incoming id from a proxy or caller is kept when it is sane (bounded
/// length, a conservative character set); anything else is replaced rather
/// than echoed, so the header cannot carry log or header injection.
public struct RequestIDMiddleware: HTTPMiddleware {
    public struct Configuration: Sendable {
        /// Header read and written. Default `X-Request-Id`.
        public var headerName: String = "X-Request-Id"
        /// Longest incoming id honoured, in bytes. Default 128.
        public var maximumLength: Int = 128
        /// Whether to keep a caller's id at all. Default true; turn off when
        /// the server is exposed directly and ids must be unforgeable.
        public var trustsIncoming: Bool = true

        public init() {}
    }

    public let configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public func respond(to request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        var request = request
        let id: String
        if configuration.trustsIncoming, let incoming = request.headers[configuration.headerName],
            Self.isAcceptable(incoming, maximumLength: configuration.maximumLength)
        {
            id = incoming
        } else {
            id = Self.generate()
        }
        request.context.requestID = id
        var response = try await next.respond(to: request)
        response.headers.set(configuration.headerName, id)
        return response
    }

    /// A fresh id: 128 random bits as 32 hex digits.
    public static func generate() -> String { RandomIdentifier.hex(byteCount: 16) }

    /// Letters, digits and `-_.:+=@/`, 1 to `maximumLength` bytes.
    public static func isAcceptable(_ id: String, maximumLength: Int = 128) -> Bool {
        let bytes = id.utf8
        guard !bytes.isEmpty, bytes.count <= maximumLength else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "+"),
                UInt8(ascii: "="), UInt8(ascii: "@"), UInt8(ascii: "/"):
                return true
            default:
                return false
            }
        }
    }
}
