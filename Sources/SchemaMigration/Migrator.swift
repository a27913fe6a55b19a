import Foundation
import Postgres
import Telemetry

/// Applies migrations to the control schema and to every tenant schema.
///
/// - Each migration runs in its own transaction together with the row that
///   records it, so it is applied entirely or not at all.
/// - Applied migrations are recorded in `<schema>.schema_migrations` with their
///   checksum; a file edited after it was applied is an error naming the file.
///   Tenant schemas keep their own record, so a tenant schema never refers to
///   another schema (a requirement for distributing schemas with Citus).
/// - Runners are serialized by a session advisory lock, so two processes that
///   start at once apply each migration once.
/// - Tenant rollouts are resumable: each schema is brought up to date in turn
///   and an interrupted rollout continues where it stopped.
public struct Migrator: Sendable {
    /// Key of the advisory lock that serializes migration runners ("CSMIGRAT").
    public static let advisoryLockKey: Int64 = 0x4353_4D49_4752_4154

    public static let controlSchema = "control"

    public let pool: PostgresPool
    public let controlMigrations: [Migration]
    public let tenantMigrations: [Migration]
    public let logger: Logger

    public init(pool: PostgresPool, controlMigrations: [Migration], tenantMigrations: [Migration], logger: Logger = .disabled) {
        self.pool = pool
        self.controlMigrations = controlMigrations
        self.tenantMigrations = tenantMigrations
        self.logger = logger
    }

    /// Loads `Migrations/control` and `Migrations/tenant` under `root`.
    public init(pool: PostgresPool, migrationsDirectory root: URL, logger: Logger = .disabled) throws {
        self.init(
            pool: pool,
            controlMigrations: try MigrationLoader.load(from: root.appendingPathComponent("control")),
            tenantMigrations: try MigrationLoader.load(from: root.appendingPathComponent("tenant")),
            logger: logger)
    }

    /// Progress of a run, reported after each schema.
    public struct Progress: Sendable {
        public let schema: String
        /// 1-based position of this schema in the run, and the number of schemas.
        public let position: Int
        public let total: Int
        public let applied: [String]
    }

    /// What one run did.
    public struct Report: Sendable {
        public var applied: [(schema: String, fileName: String)] = []
        public var schemas: Int = 0
    }

    /// Brings the control schema and then every tenant schema up to date.
    @discardableResult
    public func migrate(progress: @Sendable (Progress) -> Void = { _ in }) async throws -> Report {
        try await withLockedConnection { connection in
            var report = Report()
            let control = try SQLIdentifier(Self.controlSchema)
            try await connection.execute("CREATE SCHEMA IF NOT EXISTS \(identifier: control)")
            let applied = try await apply(controlMigrations, to: control, on: connection)
            report.applied += applied.map { (Self.controlSchema, $0) }
            report.schemas += 1
            let tenants = try await Self.tenantSchemas(on: connection)
            progress(Progress(schema: Self.controlSchema, position: 1, total: tenants.count + 1, applied: applied))
            for (index, schema) in tenants.enumerated() {
                let done = try await apply(tenantMigrations, to: schema, on: connection)
                report.applied += done.map { (schema.name, $0) }
                report.schemas += 1
                progress(Progress(schema: schema.name, position: index + 2, total: tenants.count + 1, applied: done))
            }
            return report
        }
    }

    /// Brings one tenant schema up to date (used when provisioning a tenant).
    @discardableResult
    public func migrateTenant(_ schema: SQLIdentifier) async throws -> [String] {
        try await withLockedConnection { connection in
            try await apply(tenantMigrations, to: schema, on: connection)
        }
    }

    /// One line of `migrate --status`.
    public struct Entry: Sendable, Equatable {
        public enum State: String, Sendable { case applied, pending }
        public let schema: String
        public let fileName: String
        public let state: State
        public let appliedAt: Date?
    }

    /// Applied and pending migrations of the control schema and of every tenant schema.
    public func status() async throws -> [Entry] {
        try await pool.withConnection { connection in
            var entries = try await status(of: controlMigrations, in: try SQLIdentifier(Self.controlSchema), on: connection)
            for schema in try await Self.tenantSchemas(on: connection) {
                entries += try await status(of: tenantMigrations, in: schema, on: connection)
            }
            return entries
        }
    }

    /// Tenant schemas present in the database: `t_<slug>`, in name order.
    public static func tenantSchemas(on connection: PostgresConnection) async throws -> [SQLIdentifier] {
        let rows = try await connection.query(
            "SELECT nspname FROM pg_namespace WHERE nspname ~ \("^t_[a-z][a-z0-9_]{1,40}$") ORDER BY nspname")
        return try rows.map { try SQLIdentifier($0.decode("nspname", as: String.self)) }
    }

    // MARK: - Mechanism

    private func withLockedConnection<Result: Sendable>(
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await pool.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(Self.advisoryLockKey))")
            do {
                let result = try await body(connection)
                try await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))")
                return result
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))")
                throw error
            }
        }
    }

    private func ensureLedger(in schema: SQLIdentifier, on connection: PostgresConnection) async throws {
        let exists = try await connection.query("SELECT 1 FROM pg_namespace WHERE nspname = \(schema.name)")
        guard !exists.isEmpty else {
            throw MigrationError(.failed, "schema \(schema.name) does not exist")
        }
        try await connection.execute(
            """
            CREATE TABLE IF NOT EXISTS \(identifier: schema, try SQLIdentifier("schema_migrations")) (
                version integer PRIMARY KEY,
                file_name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
    }

    private struct AppliedRow {
        let version: Int
        let fileName: String
        let checksum: String
        let appliedAt: Date
    }

    private func appliedRows(in schema: SQLIdentifier, on connection: PostgresConnection) async throws -> [AppliedRow] {
        let table = try SQLIdentifier("schema_migrations")
        let rows = try await connection.query(
            "SELECT version, file_name, checksum, applied_at FROM \(identifier: schema, table) ORDER BY version")
        return try rows.map {
            AppliedRow(
                version: try $0.decode("version"), fileName: try $0.decode("file_name"),
                checksum: try $0.decode("checksum"), appliedAt: try $0.decode("applied_at"))
        }
    }

    /// Checks what is recorded against the files, then applies what is pending.
    private func apply(_ migrations: [Migration], to schema: SQLIdentifier, on connection: PostgresConnection)
        async throws -> [String]
    {
        try await ensureLedger(in: schema, on: connection)
        let applied = try await appliedRows(in: schema, on: connection)
        try verify(applied, against: migrations, schema: schema.name)
        let done = Set(applied.map(\.version))
        var names: [String] = []
        let table = try SQLIdentifier("schema_migrations")
        for migration in migrations where !done.contains(migration.version) {
            do {
                try await connection.withTransaction { transaction in
                    try await transaction.setLocal("search_path", to: schema.quoted)
                    try await transaction.executeScript(unsafeSQL: migration.sql)
                    try await transaction.execute(
                        """
                        INSERT INTO \(identifier: schema, table) (version, file_name, checksum)
                        VALUES (\(migration.version), \(migration.fileName), \(migration.checksum))
                        """)
                }
            } catch {
                throw MigrationError(
                    .failed, "migration \(migration.fileName) failed in schema \(schema.name): \(error)",
                    underlying: error)
            }
            logger.info("applied migration", metadata: ["schema": schema.name, "file": migration.fileName])
            names.append(migration.fileName)
        }
        return names
    }

    private func verify(_ applied: [AppliedRow], against migrations: [Migration], schema: String) throws {
        let byVersion = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for row in applied {
            guard let file = byVersion[row.version] else {
                throw MigrationError(
                    .missingFile,
                    "migration \(row.fileName) is applied in schema \(schema) but its file is missing")
            }
            guard file.checksum == row.checksum else {
                throw MigrationError(
                    .checksumMismatch,
                    "migration \(file.fileName) was edited after it was applied to schema \(schema) (checksum differs); add a new migration instead"
                )
            }
        }
    }

    private func status(of migrations: [Migration], in schema: SQLIdentifier, on connection: PostgresConnection)
        async throws -> [Entry]
    {
        let ledger = try await connection.query(
            """
            SELECT 1 FROM pg_tables WHERE schemaname = \(schema.name) AND tablename = 'schema_migrations'
            """)
        let applied = ledger.isEmpty ? [] : try await appliedRows(in: schema, on: connection)
        let appliedAt = Dictionary(uniqueKeysWithValues: applied.map { ($0.version, $0.appliedAt) })
        return migrations.map { migration in
            let at = appliedAt[migration.version]
            return Entry(
                schema: schema.name, fileName: migration.fileName, state: at == nil ? .pending : .applied, appliedAt: at)
        }
    }
}

extension Migrator {
    /// Control migrations not yet applied; cheap enough for a readiness probe
    /// (it does not visit tenant schemas).
    public func pendingControlMigrations() async throws -> [String] {
        try await pool.withConnection { connection in
            try await status(of: controlMigrations, in: try SQLIdentifier(Self.controlSchema), on: connection)
                .filter { $0.state == .pending }.map(\.fileName)
        }
    }
}
