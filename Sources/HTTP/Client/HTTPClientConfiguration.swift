extension HTTPClient {
    /// Everything an ``HTTPClient`` can be told. The defaults suit delivering
    /// webhooks to endpoints on the public internet.
    public struct Configuration: Sendable {
        /// Time limits of a request.
        public var timeouts: Timeouts
        /// Size limits of a response.
        public var limits: Limits
        /// Allow connections to loopback, private, link-local, shared (CGNAT),
        /// multicast, reserved and documentation addresses. Default false: a
        /// tenant-supplied URL must not reach the deployment's own network or a
        /// cloud metadata service. Tests that talk to a local server set it true.
        public var allowPrivateNetworks: Bool
        /// A PEM file of CA certificates trusted in addition to the system
        /// trust store, for private CAs and tests. Default nil. There is no
        /// option to turn certificate or host-name verification off.
        public var additionalTrustedCertificatesFile: String?
        /// Sent as `User-Agent` unless the request sets its own; nil sends none. Default `Countersign`.
        public var userAgent: String?

        public init(
            timeouts: Timeouts = Timeouts(), limits: Limits = Limits(), allowPrivateNetworks: Bool = false,
            additionalTrustedCertificatesFile: String? = nil, userAgent: String? = "Countersign"
        ) {
            self.timeouts = timeouts
            self.limits = limits
            self.allowPrivateNetworks = allowPrivateNetworks
            self.additionalTrustedCertificatesFile = additionalTrustedCertificatesFile
            self.userAgent = userAgent
        }

        /// Time limits, all on the monotonic clock. Whichever ends first applies.
        public struct Timeouts: Sendable, Equatable {
            /// Longest wait for name resolution, and for each TCP connection
            /// attempt (a host with several addresses tries them in turn). Default 5 s.
            public var connect: Duration
            /// Longest the server may go without making progress once connected:
            /// each wait in the TLS handshake, while sending, and for response bytes. Default 10 s.
            public var read: Duration
            /// Deadline for the whole request, from ``HTTPClient/send(_:)`` to the
            /// last byte of the response. Default 10 s.
            public var total: Duration

            public init(connect: Duration = .seconds(5), read: Duration = .seconds(10), total: Duration = .seconds(10))
            {
                self.connect = connect
                self.read = read
                self.total = total
            }
        }

        /// Response size limits.
        public struct Limits: Sendable, Equatable {
            /// Largest response head (status line and header fields), and
            /// separately the trailer section, in bytes; larger fails with
            /// `responseTooLarge`. Default 32 KiB.
            public var maxHeaderBytes: Int
            /// Most header fields (and trailer fields); more fails with `responseTooLarge`. Default 100.
            public var maxHeaderCount: Int
            /// Most body bytes kept, after chunked decoding. Default 64 KiB.
            public var maxBodyBytes: Int
            /// What happens to a body longer than ``maxBodyBytes``. Default ``OversizedBodyPolicy/truncate``.
            public var oversizedBody: OversizedBodyPolicy

            public init(
                maxHeaderBytes: Int = 32 * 1024, maxHeaderCount: Int = 100, maxBodyBytes: Int = 64 * 1024,
                oversizedBody: OversizedBodyPolicy = .truncate
            ) {
                self.maxHeaderBytes = maxHeaderBytes
                self.maxHeaderCount = maxHeaderCount
                self.maxBodyBytes = maxBodyBytes
                self.oversizedBody = oversizedBody
            }
        }

        /// What to do with a response body longer than ``Limits/maxBodyBytes``.
        public enum OversizedBodyPolicy: Sendable, Equatable {
            /// Keep the first `maxBodyBytes` bytes, stop reading, close the
            /// connection and return the response with
            /// ``HTTPClientResponse/isBodyTruncated`` set. Suits webhooks, where
            /// the status decides and the body is only kept as an excerpt.
            case truncate
            /// Fail with `responseTooLarge`; the response is not returned.
            case fail
        }
    }
}
