import ControlPlane
import Cryptography
import Foundation
import Platform
import Postgres

/// An outbound webhook endpoint of a tenant.
public struct Endpoint: Sendable {
    public let id: UUID
    public let url: String
    public let description: String
    /// Empty means every event type.
    public let eventTypes: [String]
    public let enabled: Bool
    public let disabledReason: String?
    public let createdAt: Date
    public let updatedAt: Date
    public let breakerState: String
    public let consecutiveFailures: Int
    public let openUntil: Date?
    public let failingSince: Date?
}

/// A request to create or change an endpoint that cannot be honoured.
public struct EndpointError: CodedError, Equatable {
    public let code: String
    public let message: String
    public let httpStatus: Int
    public let field: String?

    static func invalid(_ message: String, field: String) -> EndpointError {
        EndpointError(code: "invalid_endpoint", message: message, httpStatus: 422, field: field)
    }

    static func notFound(_ id: String) -> EndpointError {
        EndpointError(code: "endpoint_not_found", message: "there is no endpoint \(id)", httpStatus: 404, field: nil)
    }
}

/// A tenant's outbound endpoints, on the tenant's own connections. Every
/// change is audited in the tenant's log in the same transaction; secrets
/// are sealed under the master key and shown once, when made.
public struct EndpointStore: Sendable {
    public struct Changes: Sendable {
        public var url: String?
        public var description: String?
        public var eventTypes: [String]?
        public var enabled: Bool?

        public init(url: String? = nil, description: String? = nil, eventTypes: [String]? = nil, enabled: Bool? = nil) {
            self.url = url
            self.description = description
            self.eventTypes = eventTypes
            self.enabled = enabled
        }
    }

    let databases: TenantDatabases
    let keyRing: KeyRing
    /// Event types that exist, to refuse a filter that could never match.
    let knownEventTypes: Set<String>

    public init(databases: TenantDatabases, keyRing: KeyRing, knownEventTypes: Set<String>) {
        self.databases = databases
        self.keyRing = keyRing
        self.knownEventTypes = knownEventTypes
    }

    /// Creates an endpoint; the returned secret is the only time it is shown.
    public func create(tenant: Slug, url: String, description: String, eventTypes: [String], actor: String)
        async throws -> (Endpoint, WebhookSecret)
    {
        try validate(url: url, description: description, eventTypes: eventTypes)
        let secret = try WebhookSecret.generate()
        let id = UUID()
        let sealed = try seal(secret, tenant: tenant, endpoint: id)
        let endpoint = try await databases.withTransaction(for: tenant) { tx in
            let rows = try await tx.query(
                """
                INSERT INTO endpoints (id, url, description, event_types, secret_sealed)
                VALUES (\(id), \(url), \(description), \(eventTypes.sorted()), \(ByteA(sealed)))
                RETURNING \(fragment: Self.columns)
                """)
            try await audit(tx, tenant: tenant, actor: actor, action: "endpoint.created", id: id, details: ["url": url])
            return try Self.decode(rows[0])
        }
        return (endpoint, secret)
    }

    public func list(tenant: Slug) async throws -> [Endpoint] {
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query("SELECT \(fragment: Self.columns) FROM endpoints ORDER BY created_at, id")
        }
        return try rows.map(Self.decode)
    }

    public func endpoint(tenant: Slug, id: UUID) async throws -> Endpoint {
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query("SELECT \(fragment: Self.columns) FROM endpoints WHERE id = \(id)")
        }
        guard let row = rows.first else { throw EndpointError.notFound(id.uuidString.lowercased()) }
        return try Self.decode(row)
    }

    /// Applies `changes`; enabling an endpoint also resets its circuit breaker.
    public func update(tenant: Slug, id: UUID, changes: Changes, actor: String) async throws -> Endpoint {
        let current = try await endpoint(tenant: tenant, id: id)
        let url = changes.url ?? current.url
        let description = changes.description ?? current.description
        let eventTypes = changes.eventTypes ?? current.eventTypes
        try validate(url: url, description: description, eventTypes: eventTypes)
        let enabling = changes.enabled == true && !current.enabled
        return try await databases.withTransaction(for: tenant) { tx in
            let rows = try await tx.query(
                """
                UPDATE endpoints SET url = \(url), description = \(description), event_types = \(eventTypes.sorted()),
                    enabled = \(changes.enabled ?? current.enabled),
                    disabled_reason = CASE WHEN \(changes.enabled ?? current.enabled) THEN NULL
                                           ELSE coalesce(disabled_reason, 'disabled by ' || \(actor)) END,
                    breaker_state = CASE WHEN \(enabling) THEN 'closed' ELSE breaker_state END,
                    consecutive_failures = CASE WHEN \(enabling) THEN 0 ELSE consecutive_failures END,
                    open_until = CASE WHEN \(enabling) THEN NULL ELSE open_until END,
                    trial_started_at = CASE WHEN \(enabling) THEN NULL ELSE trial_started_at END,
                    failing_since = CASE WHEN \(enabling) THEN NULL ELSE failing_since END,
                    reopen_count = CASE WHEN \(enabling) THEN 0 ELSE reopen_count END,
                    updated_at = now()
                WHERE id = \(id)
                RETURNING \(fragment: Self.columns)
                """)
            guard let row = rows.first else { throw EndpointError.notFound(id.uuidString.lowercased()) }
            var details: [String: String] = [:]
            if changes.url != nil { details["url"] = url }
            if changes.eventTypes != nil { details["event_types"] = eventTypes.sorted().joined(separator: ",") }
            if let enabled = changes.enabled { details["enabled"] = String(enabled) }
            try await audit(tx, tenant: tenant, actor: actor, action: "endpoint.updated", id: id, details: details)
            return try Self.decode(row)
        }
    }

    /// Deletes the endpoint with its queued messages and their attempts.
    public func delete(tenant: Slug, id: UUID, actor: String) async throws {
        try await databases.withTransaction(for: tenant) { tx in
            let deleted = try await tx.execute("DELETE FROM endpoints WHERE id = \(id)")
            guard deleted == 1 else { throw EndpointError.notFound(id.uuidString.lowercased()) }
            try await audit(tx, tenant: tenant, actor: actor, action: "endpoint.deleted", id: id, details: [:])
        }
    }

    /// A new signing secret; deliveries carry signatures made with both the
    /// new and the old one for `overlap`, so the receiver can switch over.
    public func rotateSecret(tenant: Slug, id: UUID, overlap: Duration, actor: String) async throws -> WebhookSecret {
        let secret = try WebhookSecret.generate()
        let sealed = try seal(secret, tenant: tenant, endpoint: id)
        let seconds = Int(overlap.components.seconds)
        try await databases.withTransaction(for: tenant) { tx in
            let updated = try await tx.execute(
                """
                UPDATE endpoints SET previous_secret_sealed = secret_sealed,
                    previous_valid_until = now() + \(seconds) * interval '1 second',
                    secret_sealed = \(ByteA(sealed)), updated_at = now()
                WHERE id = \(id)
                """)
            guard updated == 1 else { throw EndpointError.notFound(id.uuidString.lowercased()) }
            try await audit(
                tx, tenant: tenant, actor: actor, action: "endpoint.secret_rotated", id: id,
                details: ["overlap_seconds": String(seconds)])
        }
        return secret
    }

    // MARK: Sealing

    func seal(_ secret: WebhookSecret, tenant: Slug, endpoint: UUID) throws -> [UInt8] {
        try secret.key.withUnsafeBytes { try keyRing.seal($0, aad: Self.aad(tenant: tenant, endpoint: endpoint)).combined }
    }

    static func open(_ sealed: [UInt8], keyRing: KeyRing, tenant: Slug, endpoint: UUID) throws -> WebhookSecret {
        var bytes = try keyRing.open(combined: sealed, aad: aad(tenant: tenant, endpoint: endpoint))
        defer { bytes.resetBytes(in: bytes.indices) }
        return try WebhookSecret(bytes: bytes)
    }

    /// Binds a sealed secret to its tenant and endpoint, so a copied blob opens nowhere else.
    static func aad(tenant: Slug, endpoint: UUID) -> [UInt8] {
        Array("endpoint:\(tenant):\(endpoint.uuidString.lowercased())".utf8)
    }

    // MARK: Validation

    func validate(url: String, description: String, eventTypes: [String]) throws(EndpointError) {
        guard url.utf8.count <= 2048, let parsed = URLComponents(string: url), let scheme = parsed.scheme?.lowercased(),
            scheme == "https" || scheme == "http", let host = parsed.host, !host.isEmpty, parsed.user == nil,
            parsed.password == nil
        else {
            throw EndpointError.invalid(
                "url must be an absolute http(s) URL without credentials, at most 2048 characters", field: "url")
        }
        guard description.count <= 500 else {
            throw EndpointError.invalid("description is at most 500 characters", field: "description")
        }
        guard eventTypes.count <= 100 else {
            throw EndpointError.invalid("at most 100 event types per endpoint", field: "event_types")
        }
        for type in eventTypes where !knownEventTypes.contains(type) {
            throw EndpointError.invalid(
                "unknown event type \"\(type)\"; GET /v1/event-types lists them", field: "event_types")
        }
    }

    private func audit(
        _ tx: PostgresConnection, tenant: Slug, actor: String, action: String, id: UUID, details: [String: String]
    ) async throws {
        try await AuditLog(schema: try SQLIdentifier(tenant.tenantSchemaName)).append(
            AuditEntry(actor: actor, action: action, subject: "endpoint:\(id.uuidString.lowercased())", details: details),
            on: tx)
    }

    static let columns: StaticString = """
        id, url, description, event_types, enabled, disabled_reason, created_at, updated_at, breaker_state,
        consecutive_failures, open_until, failing_since
        """

    static func decode(_ row: PostgresRow) throws -> Endpoint {
        Endpoint(
            id: try row.decode("id", as: UUID.self), url: try row.decode("url", as: String.self),
            description: try row.decode("description", as: String.self),
            eventTypes: try row.decode("event_types", as: [String].self),
            enabled: try row.decode("enabled", as: Bool.self),
            disabledReason: try row.decode("disabled_reason", as: String?.self),
            createdAt: try row.decode("created_at", as: Date.self), updatedAt: try row.decode("updated_at", as: Date.self),
            breakerState: try row.decode("breaker_state", as: String.self),
            consecutiveFailures: try row.decode("consecutive_failures", as: Int.self),
            openUntil: try row.decode("open_until", as: Date?.self),
            failingSince: try row.decode("failing_since", as: Date?.self))
    }
}
