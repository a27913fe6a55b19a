#if canImport(Glibc)
    import Glibc
#endif
import Platform

/// Why ``HTTPClient/send(_:)`` produced no response.
///
/// `message` names the host, the port and what went wrong; it never contains
/// request headers, the request body, or the URL's path and query, since
/// webhook requests carry signatures and URLs may carry tokens. So it is safe
/// to store with a delivery attempt and to show to the tenant who owns the
/// endpoint.
public struct HTTPClientError: CodedError, Sendable {
    /// What failed; the raw value is the stable ``code``.
    public enum Kind: String, Sendable, CaseIterable {
        /// The URL is not an absolute `http` or `https` URL this client accepts.
        case invalidURL = "invalid_url"
        /// The request cannot be sent as given: a framing header, a malformed field, an unsupported method.
        case invalidRequest = "invalid_request"
        /// The host is, or resolves to, an address that is not on the public internet.
        case blockedAddress = "blocked_address"
        /// The host name did not resolve.
        case resolutionFailed = "resolution_failed"
        /// No address of the host accepted a TCP connection (refused, unreachable, reset).
        case connectFailed = "connect_failed"
        /// The TLS handshake failed: untrusted certificate, wrong host name, no common protocol.
        case tlsFailed = "tls_failed"
        /// A time limit passed: connect, read, or the request's overall deadline.
        case timeout = "timeout"
        /// The peer closed or reset the connection before the response was complete.
        case connectionClosed = "connection_closed"
        /// The response does not follow HTTP/1.1's syntax or framing rules.
        case malformedResponse = "malformed_response"
        /// The response's head, or its body under ``HTTPClient/Configuration/OversizedBodyPolicy/fail``, is too large.
        case responseTooLarge = "response_too_large"
        /// The calling task was cancelled; the connection was closed.
        case cancelled = "cancelled"
    }

    public var kind: Kind
    public var message: String
    /// `errno` of the failing system call, when there was one; `message` already names it.
    public var systemError: Int32?
    public var throwSite: ThrowSite

    public init(_ kind: Kind, _ message: String, systemError: Int32? = nil, file: String = #fileID, line: UInt = #line)
    {
        self.kind = kind
        self.message = message
        self.systemError = systemError
        self.throwSite = ThrowSite(file: file, line: line)
    }

    public var code: String { kind.rawValue }

    /// The status an API answers with if this error reaches it: 422 when the
    /// caller's URL or request is at fault, 504 for time-outs, 502 for a bad upstream.
    public var httpStatus: Int {
        switch kind {
        case .invalidURL, .invalidRequest, .blockedAddress: 422
        case .timeout: 504
        case .cancelled: 503
        default: 502
        }
    }

    /// `": <strerror>"` for a nonzero `errno`, to end a message with; empty for 0.
    static func reason(_ code: Int32) -> String {
        code == 0 ? "" : ": \(String(cString: strerror(code)))"
    }
}
