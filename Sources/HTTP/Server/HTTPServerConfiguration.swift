import Foundation

extension HTTPServer {
    /// Everything an ``HTTPServer`` can be told. Every limit has a default that
    /// suits an internet-facing API server; units are in the names or the docs.
    public struct Configuration: Sendable {
        /// Address to listen on. Default `127.0.0.1`; use `0.0.0.0` or `::` to listen everywhere.
        public var host: String
        /// TCP port. `0` asks the kernel for a free one (read it back with ``HTTPServer/listeningPort``). Default 8080.
        public var port: Int
        /// Event loop threads, each with its own epoll set and listener. Default: one per core.
        public var eventLoopCount: Int
        /// Pending-connection queue length per listener (`listen(2)` backlog). Default 1024.
        public var backlog: Int32
        /// Size limits of requests.
        public var limits: HTTPRequestParser.Limits
        /// Time limits of connections.
        public var timeouts: Timeouts
        /// Most open client connections across all loops; excess connections get 503 and are closed. Default 10,000.
        public var maxConnections: Int
        /// Bounds on handler concurrency.
        public var handlers: Handlers
        /// Serve HTTPS with these credentials; `nil` (the default) serves plain HTTP.
        public var tls: TLS?

        public init(
            host: String = "127.0.0.1", port: Int = 8080,
            eventLoopCount: Int = ProcessInfo.processInfo.activeProcessorCount,
            backlog: Int32 = 1024, limits: HTTPRequestParser.Limits = .init(), timeouts: Timeouts = .init(),
            maxConnections: Int = 10_000, handlers: Handlers = .init(), tls: TLS? = nil
        ) {
            self.host = host
            self.port = port
            self.eventLoopCount = eventLoopCount
            self.backlog = backlog
            self.limits = limits
            self.timeouts = timeouts
            self.maxConnections = maxConnections
            self.handlers = handlers
            self.tls = tls
        }

        /// Connection time limits. A slow client is closed, with 408 when it had started a request.
        public struct Timeouts: Sendable, Equatable {
            /// From the first byte of a request to the end of its header section. Default 10 s.
            public var headerRead: Duration
            /// From the end of the header section to the end of the body. Default 30 s.
            public var bodyRead: Duration
            /// How long a kept-alive connection may sit between requests. Default 60 s.
            public var idle: Duration
            /// How long a response may take to drain into a slow reader. Default 30 s.
            public var write: Duration
            /// After an error response, how long unread request bytes are drained before
            /// closing, so the client reads the response instead of a reset. Default 2 s.
            public var linger: Duration

            public init(
                headerRead: Duration = .seconds(10), bodyRead: Duration = .seconds(30), idle: Duration = .seconds(60),
                write: Duration = .seconds(30), linger: Duration = .seconds(2)
            ) {
                self.headerRead = headerRead
                self.bodyRead = bodyRead
                self.idle = idle
                self.write = write
                self.linger = linger
            }
        }

        /// Handler pool bounds: handlers run as Swift tasks, never on an event loop thread.
        public struct Handlers: Sendable, Equatable {
            /// Most handlers running at once. Default 512.
            public var maxConcurrent: Int
            /// Complete requests waiting for a handler slot; beyond this the server answers 503. Default 1024.
            public var queueCapacity: Int
            /// `Retry-After` of those 503 answers, in seconds. Default 1.
            public var retryAfterSeconds: Int

            public init(maxConcurrent: Int = 512, queueCapacity: Int = 1024, retryAfterSeconds: Int = 1) {
                self.maxConcurrent = maxConcurrent
                self.queueCapacity = queueCapacity
                self.retryAfterSeconds = retryAfterSeconds
            }
        }

        /// HTTPS credentials. TLS 1.2 and 1.3 only, with forward-secret AEAD ciphers.
        public struct TLS: Sendable, Equatable {
            /// PEM file with the certificate, followed by any intermediates.
            public var certificatePath: String
            /// PEM file with the private key.
            public var privateKeyPath: String

            public init(certificatePath: String, privateKeyPath: String) {
                self.certificatePath = certificatePath
                self.privateKeyPath = privateKeyPath
            }
        }
    }
}

extension Duration {
    /// Whole nanoseconds, saturating; for deadlines on the monotonic clock.
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        if seconds < 0 { return 0 }
        if seconds >= Int64(UInt64.max / 1_000_000_000) - 1 { return UInt64.max / 2 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}
