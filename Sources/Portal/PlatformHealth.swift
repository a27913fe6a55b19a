/// What the provider's health page shows. The figures are computed where
/// they already are — the `/readyz` probe and the `/metrics` collectors, in
/// the API module, which depends on this one — and handed in as a closure.
public struct PlatformHealth: Sendable {
    public struct Pool: Sendable, Equatable {
        public var name: String
        public var open: Int
        public var idle: Int
        public var leased: Int
        public var waiting: Int
        /// The configured cap; nil when the pool has none of its own to show.
        public var maximum: Int?

        public init(name: String, open: Int, idle: Int, leased: Int, waiting: Int, maximum: Int?) {
            self.name = name
            self.open = open
            self.idle = idle
            self.leased = leased
            self.waiting = waiting
            self.maximum = maximum
        }
    }

    /// One tenant's queues, as the `countersign_*` tenant gauges report them.
    public struct TenantQueues: Sendable, Equatable {
        public var tenant: String
        public var openExceptions: Int
        public var deadLetters: Int
        public var outboxPending: Int
        public var runnable: Int

        public init(tenant: String, openExceptions: Int, deadLetters: Int, outboxPending: Int, runnable: Int) {
            self.tenant = tenant
            self.openExceptions = openExceptions
            self.deadLetters = deadLetters
            self.outboxPending = outboxPending
            self.runnable = runnable
        }
    }

    public struct Report: Sendable {
        /// Nil when the database answers; otherwise the probe's short reason.
        public var databaseProblem: String?
        /// Nil when every control migration is applied; otherwise the probe's short reason.
        public var migrationProblem: String?
        public var pools: [Pool]
        /// Nil when the per-tenant figures are not available on this server (no metrics endpoint, or they failed).
        public var tenants: [TenantQueues]?

        public init(databaseProblem: String?, migrationProblem: String?, pools: [Pool], tenants: [TenantQueues]?) {
            self.databaseProblem = databaseProblem
            self.migrationProblem = migrationProblem
            self.pools = pools
            self.tenants = tenants
        }
    }

    public var report: @Sendable () async -> Report

    public init(report: @escaping @Sendable () async -> Report) {
        self.report = report
    }
}
