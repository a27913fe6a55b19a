import Postgres
import Telemetry

/// Connections for tenant-scoped work, each logged in as the tenant's own
/// role, so PostgreSQL itself keeps one tenant away from another's data.
///
/// One pool per tenant under one global cap (``PostgresPoolGroup``). The slug
/// must come from an authenticated principal or a verified signature, never
/// from unauthenticated request input.
public typealias TenantDatabases = PostgresPoolGroup<Slug>

extension PostgresPoolGroup where Key == Slug {
    /// A group that logs in with each tenant's sealed database password.
    /// Resolving fails for tenants that are not active, so a suspended
    /// tenant gets no new connections; callers check the tenant's status
    /// before each request (credentials and webhook secrets do).
    public convenience init(
        service: TenantService, configuration: Configuration = Configuration(), logger: Logger = .disabled
    ) {
        self.init(configuration: configuration, logger: logger) { slug in
            try await service.databaseConfiguration(for: slug)
        }
    }
}
