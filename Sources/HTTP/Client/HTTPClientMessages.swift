/// A request for ``HTTPClient/send(_:)``.
///
/// The client writes `Host`, `Content-Length` and `Connection: close` itself;
/// a request that sets those, or any other framing or hop-by-hop field
/// (`Transfer-Encoding`, `TE`, `Trailer`, `Upgrade`, `Keep-Alive`,
/// `Proxy-Connection`), is refused with `invalidRequest`.
public struct HTTPClientRequest: Sendable {
    public var method: HTTPMethod
    /// An absolute `http` or `https` URL; see ``HTTPClientURL`` for what is accepted.
    public var url: String
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: HTTPMethod = .get, url: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// A final (non-1xx) response as received. Redirects are returned, never followed.
public struct HTTPClientResponse: Sendable {
    public var status: HTTPStatus
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// Trailer fields of a chunked body, if any.
    public var trailers: HTTPHeaders
    /// The body after chunked decoding, at most ``HTTPClient/Configuration/Limits/maxBodyBytes`` bytes.
    public var body: [UInt8]
    /// The server sent more than ``body`` holds; the rest was not read.
    public var isBodyTruncated: Bool
    /// From the call to ``HTTPClient/send(_:)`` until the response was complete.
    public var elapsed: Duration
    /// The address the request went to, with its port: `203.0.113.9:443`, `[2001:db8::1]:443`.
    public var remoteAddress: String

    public init(
        status: HTTPStatus, version: HTTPVersion = .http1_1, headers: HTTPHeaders = HTTPHeaders(),
        trailers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], isBodyTruncated: Bool = false,
        elapsed: Duration = .zero, remoteAddress: String = ""
    ) {
        self.status = status
        self.version = version
        self.headers = headers
        self.trailers = trailers
        self.body = body
        self.isBodyTruncated = isBodyTruncated
        self.elapsed = elapsed
        self.remoteAddress = remoteAddress
    }
}
