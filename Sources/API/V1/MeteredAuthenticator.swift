import ControlPlane
import Metering

/// Counts every authenticated `/v1` call of a tenant for the `api_calls` meter, wrapping the real authenticator.
///
/// Counting at authentication sees exactly the calls that got past the key
/// check and the rate limit, before any route runs, and needs no route to
/// remember it. Calls of partner and provider keys belong to no tenant and
/// are not metered. A personal token also marks its person active that day.
public struct MeteredAuthenticator: Authenticator {
    private let base: any Authenticator
    private let meter: APICallMeter

    public init(_ base: any Authenticator, meter: APICallMeter) {
        self.base = base
        self.meter = meter
    }

    public func authenticate(bearerToken: String, remoteAddress: String) async throws -> Principal {
        let principal = try await base.authenticate(bearerToken: bearerToken, remoteAddress: remoteAddress)
        if case .tenant(let tenant, _) = principal.organization {
            meter.record(tenant: tenant, user: principal.user?.email)
        }
        return principal
    }
}
