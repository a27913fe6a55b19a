import ControlPlane
import Cryptography
import Finance
import Foundation
import Postgres

/// A tenant's assistant settings (`triage_settings`): the materiality threshold and the optional external model.
public struct AssistantSettings: Sendable, Equatable {
    /// At or above this exposure the assistant only recommends.
    public var materialityThreshold: Money
    public var external: ExternalEndpoint?
    /// Changes when the tenant's cases are replaced, so a cached model rebuilds.
    public var modelEpoch: UUID

    /// Where the tenant's external model answers, and how long it may take.
    public struct ExternalEndpoint: Sendable, Equatable {
        public var url: String
        public var timeout: Duration
        /// The signing secret, sealed with the master key and bound to the tenant.
        public var sealedSecret: [UInt8]
    }
}

/// Reads and changes ``AssistantSettings``; every change is audited in the same transaction.
///
/// Settings are changed from the command line only (`countersign triage settings|external`): they
/// decide what the assistant may do on its own, which is an operator's call, not an API client's.
public enum SettingsStore {
    public static func load(on connection: PostgresConnection) async throws -> AssistantSettings {
        let rows = try await connection.query(
            """
            SELECT materiality_minor, currency, external_url, external_secret_sealed, external_timeout_ms, model_epoch
            FROM triage_settings
            """)
        guard let row = rows.first else {
            throw AssistanceError(.invalidSettings, "the tenant has no assistant settings row; run the migrations")
        }
        let currency: Currency
        do { currency = try Currency(try row.decode("currency", as: String.self)) } catch {
            throw AssistanceError(.invalidSettings, "the stored currency is not an ISO 4217 code", field: "currency")
        }
        var external: AssistantSettings.ExternalEndpoint?
        if let url = try row.decode("external_url", as: String?.self),
            let sealed = try row.decode("external_secret_sealed", as: ByteA?.self)
        {
            external = .init(
                url: url, timeout: .milliseconds(try row.decode("external_timeout_ms", as: Int.self)),
                sealedSecret: sealed.bytes)
        }
        return AssistantSettings(
            materialityThreshold: Money(
                minorUnits: try row.decode("materiality_minor", as: Int64.self), currency: currency),
            external: external, modelEpoch: try row.decode("model_epoch", as: UUID.self))
    }

    /// Sets the materiality threshold (and with it the currency the assistant's thresholds are in).
    public static func setMateriality(
        _ threshold: Money, tenant: Slug, actor: String, on transaction: PostgresConnection
    )
        async throws
    {
        guard !threshold.isNegative else {
            throw AssistanceError(
                .invalidSettings, "the materiality threshold cannot be negative", field: "materiality")
        }
        try await transaction.query(
            """
            UPDATE triage_settings SET materiality_minor = \(threshold.minorUnits), currency = \(threshold.currency.code),
                   updated_at = now(), updated_by = \(actor)
            """)
        try await AuditLog(schema: SQLIdentifier(tenant.tenantSchemaName)).append(
            AuditEntry(
                actor: actor, action: "assistant.materiality_set", subject: "tenant:\(tenant)",
                details: ["materiality": threshold.description]), on: transaction)
    }

    /// Points the tenant's assistant at an external model and returns its new signing secret, shown only now.
    ///
    /// - Throws: `invalid_assistant_settings` for a URL that is not http(s) or a timeout outside 50 ms…30 s.
    public static func setExternal(
        url: String, timeout: Duration, tenant: Slug, keyRing: KeyRing, actor: String,
        on transaction: PostgresConnection
    ) async throws -> WebhookSecret {
        guard url.utf8.count <= 2000, let parsed = URLComponents(string: url),
            ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host?.isEmpty == false,
            parsed.user == nil, parsed.password == nil
        else {
            throw AssistanceError(
                .invalidSettings, "the external model URL must be an http or https URL without credentials",
                field: "url")
        }
        let milliseconds = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        guard (50...30_000).contains(milliseconds) else {
            throw AssistanceError(
                .invalidSettings, "the external model timeout must be between 50 ms and 30 s", field: "timeout")
        }
        let secret = try WebhookSecret.generate()
        let sealed = try secret.key.withUnsafeBytes { try keyRing.seal($0, aad: aad(tenant)).combined }
        try await transaction.query(
            """
            UPDATE triage_settings SET external_url = \(url), external_secret_sealed = \(ByteA(sealed)),
                   external_timeout_ms = \(Int(milliseconds)), updated_at = now(), updated_by = \(actor)
            """)
        // The URL's path and query may carry tokens: the audit entry names the host only.
        try await AuditLog(schema: SQLIdentifier(tenant.tenantSchemaName)).append(
            AuditEntry(
                actor: actor, action: "assistant.external_model_set", subject: "tenant:\(tenant)",
                details: ["host": parsed.host ?? "", "timeout_ms": String(milliseconds)]), on: transaction)
        return secret
    }

    /// Stops asking an external model: the built-in model answers alone.
    public static func clearExternal(tenant: Slug, actor: String, on transaction: PostgresConnection) async throws {
        try await transaction.query(
            """
            UPDATE triage_settings SET external_url = NULL, external_secret_sealed = NULL, updated_at = now(),
                   updated_by = \(actor)
            """)
        try await AuditLog(schema: SQLIdentifier(tenant.tenantSchemaName)).append(
            AuditEntry(actor: actor, action: "assistant.external_model_cleared", subject: "tenant:\(tenant)"),
            on: transaction)
    }

    /// The signing key of a sealed external-model secret.
    static func openSecret(_ sealed: [UInt8], tenant: Slug, keyRing: KeyRing) throws -> SymmetricKey {
        var bytes = try keyRing.open(combined: sealed, aad: aad(tenant))
        defer { bytes.resetBytes(in: bytes.indices) }
        return SymmetricKey(data: bytes)
    }

    /// Binds a sealed secret to its tenant, so a copied blob opens nowhere else.
    static func aad(_ tenant: Slug) -> [UInt8] { Array("triage-external:\(tenant)".utf8) }
}
