import ControlPlane
import Foundation
import HTTP

/// Authenticates `/v1` calls with API keys from ``ControlPlane/CredentialStore``
/// and applies the per-credential rate limit (a token bucket per key prefix)
/// before any route runs.
public struct CredentialAuthenticator: Authenticator {
    public struct Configuration: Sendable {
        /// Burst size per key. Default 100 requests.
        public var burst: Int = 100
        /// Sustained requests per second per key. Default 50.
        public var perSecond: Double = 50
        public init() {}
    }

    private let store: CredentialStore
    private let limiter: RateLimiter<String>
    private let now: @Sendable () -> Date

    public init(store: CredentialStore, configuration: Configuration = Configuration(), now: @escaping @Sendable () -> Date = Date.init) throws {
        self.store = store
        self.now = now
        limiter = RateLimiter(
            configuration: .init(bucket: try TokenBucket.Configuration(capacity: configuration.burst, refillPerSecond: configuration.perSecond)))
    }

    public func authenticate(bearerToken: String, remoteAddress: String) async throws -> Principal {
        let time = now()
        let authenticated = try await store.authenticate(bearerToken, remoteAddress: remoteAddress, now: time)
        try limiter.take(authenticated.credential.prefix, now: time).check()
        return authenticated.principal
    }
}

extension RateLimitedError: HTTPResponseHeaderProviding {
    public var responseHeaders: HTTPHeaders { ["Retry-After": String(retryAfterSeconds)] }
}
