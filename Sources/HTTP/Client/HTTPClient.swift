import Platform

/// A small HTTP/1.1 client for delivering webhooks to tenants' endpoints.
///
/// One request per connection: every request opens a connection, sends
/// `Connection: close`, reads one response and closes. There is no
/// connection reuse, no proxy support, no redirect following (3xx responses
/// are returned as they are), no compression and no `Expect: 100-continue`.
///
/// Each request runs on a thread of its own (a ``DedicatedThread`` that ends
/// with the request) with non-blocking sockets and `poll(2)`, so no blocking
/// call ever occupies Swift's cooperative pool; name resolution runs on a
/// second short-lived thread so that its time, too, counts against the limits.
/// Callers bound concurrency (one thread per request in flight).
///
/// Safety for tenant-supplied URLs: the URL grammar is strict
/// (``HTTPClientURL``); every address the host resolves to must be public
/// unless ``Configuration/allowPrivateNetworks`` is set, and the socket
/// connects to exactly the checked address, so DNS rebinding cannot redirect
/// it; `https` verifies the certificate chain against the system trust store
/// and the host name (or IP address) with OpenSSL, TLS 1.2 or later; response
/// heads and bodies are size-limited; errors never repeat request headers or
/// the URL's path and query. Cancelling the calling task closes the connection
/// and throws ``HTTPClientError/Kind/cancelled``.
///
/// Create one client and share it: it holds the TLS context (trust store loaded once).
public struct HTTPClient: Sendable {
    public let configuration: Configuration
    private let tlsContext: Result<ClientTLSContext, HTTPClientError>

    /// Prepares the TLS context. A trust-store or CA-file problem is not thrown
    /// here but by every `https` request, as ``HTTPClientError/Kind/tlsFailed``.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        do throws(HTTPClientError) {
            tlsContext = .success(
                try ClientTLSContext(
                    additionalTrustedCertificatesFile: configuration.additionalTrustedCertificatesFile))
        } catch {
            tlsContext = .failure(error)
        }
    }

    /// Sends `request` and returns the final response, whatever its status.
    ///
    /// - Throws: ``HTTPClientError``; never for an HTTP error status.
    public func send(_ request: HTTPClientRequest) async throws(HTTPClientError) -> HTTPClientResponse {
        let clock = RequestClock(started: .now, total: configuration.timeouts.total)
        let url = try HTTPClientURL(request.url)
        let bytes = try RequestEncoder.encode(request, url: url, userAgent: configuration.userAgent)
        let tls = url.scheme == .https ? try tlsContext.get() : nil
        let exchange = ClientExchange(
            url: url, requestBytes: bytes, isHead: request.method == .head, configuration: configuration,
            tlsContext: tls, clock: clock)
        let cancellation = CancellationSignal()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<HTTPClientResponse, HTTPClientError>, Never>) in
                let thread = DedicatedThread(name: "http-client")
                let accepted = thread.submit {
                    continuation.resume(returning: exchange.run(cancellation: cancellation))
                }
                thread.stop()
                if !accepted {
                    continuation.resume(
                        returning: .failure(HTTPClientError(.connectFailed, "the request thread did not start")))
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
        return try result.get()
    }
}

/// Serializes a request head and body, refusing what would be ambiguous on the wire.
enum RequestEncoder {
    /// Fields the client owns: framing, connection management and the host.
    static let reservedFields = [
        "host", "content-length", "transfer-encoding", "connection", "keep-alive", "proxy-connection", "upgrade",
        "te", "trailer",
    ]

    static func encode(_ request: HTTPClientRequest, url: HTTPClientURL, userAgent: String?) throws(HTTPClientError)
        -> [UInt8]
    {
        let method = request.method.rawValue
        guard !method.isEmpty, method.utf8.allSatisfy(ByteClass.isToken) else {
            throw HTTPClientError(.invalidRequest, "the method is not a valid token")
        }
        guard method != "CONNECT" else { throw HTTPClientError(.invalidRequest, "CONNECT is not supported") }
        var head = "\(method) \(url.target) HTTP/1.1\r\nHost: \(url.hostHeader)\r\n"
        for field in request.headers {
            guard !field.name.isEmpty, field.name.utf8.allSatisfy(ByteClass.isToken) else {
                throw HTTPClientError(.invalidRequest, "a header field name is not a valid token")
            }
            // Names only in messages: values carry signatures.
            guard !reservedFields.contains(where: { field.name.caseInsensitiveEquals($0) }) else {
                throw HTTPClientError(.invalidRequest, "the \(field.name) header field is set by the client")
            }
            guard field.value.utf8.allSatisfy(ByteClass.isFieldValueByte) else {
                throw HTTPClientError(.invalidRequest, "the value of \(field.name) contains a control character")
            }
            head += "\(field.name): \(field.value)\r\n"
        }
        if let userAgent, !request.headers.contains("User-Agent"),
            userAgent.utf8.allSatisfy(ByteClass.isFieldValueByte)
        {
            head += "User-Agent: \(userAgent)\r\n"
        }
        if !request.body.isEmpty || [HTTPMethod.post, .put, .patch].contains(request.method) {
            head += "Content-Length: \(request.body.count)\r\n"
        }
        head += "Connection: close\r\n\r\n"
        return Array(head.utf8) + request.body
    }
}
