import Cryptography
import Foundation
import Platform
import Postgres
import Telemetry

/// One thing an auditor may ask about: who did what to which object, when,
/// from where, and a before/after summary. Never secrets: callers put only
/// non-secret, human-readable values in `details`.
public struct AuditEntry: Sendable, Equatable {
    /// `user:<uuid>`, `credential:<prefix>`, `cli:<os user>`, `system:<component>`.
    public var actor: String
    /// A dotted verb: `tenant.created`, `credential.revoked`.
    public var action: String
    /// The object acted on: `tenant:acme`, `partner:northwind`.
    public var subject: String
    /// Flat before/after summary, e.g. `["status.before": "active", "status.after": "suspended"]`.
    public var details: [String: String]
    public var sourceIP: String?
    public var requestID: String?
    public var traceID: String?

    public init(
        actor: String, action: String, subject: String, details: [String: String] = [:], sourceIP: String? = nil,
        requestID: String? = nil, traceID: String? = nil
    ) {
        self.actor = actor
        self.action = action
        self.subject = subject
        self.details = details
        self.sourceIP = sourceIP
        self.requestID = requestID
        self.traceID = traceID
    }
}

/// The append-only, hash-chained audit log of one schema (`control` or a tenant's).
///
/// Each entry stores the previous entry's hash and its own:
/// `hash = SHA-256(previous hash ‖ canonical encoding)`. The canonical encoding
/// is length-prefixed fields (so no two entries encode alike) with the time as
/// integer microseconds (so that it round-trips exactly through `timestamptz`).
/// Appends are serialized per log by a transaction-scoped advisory lock, so the
/// chain never forks (the schema's `audit_append` function takes it, reads the
/// newest hash after it and inserts, in one round trip); the database refuses UPDATE, DELETE and TRUNCATE (a
/// trigger, plus privileges for tenant roles). `verify` recomputes the chain
/// and names the first entry that does not match. Deleting the newest entries
/// is not detectable from the chain alone; export the latest hash elsewhere
/// (for example in monthly statements) to anchor it.
public struct AuditLog: Sendable {
    public let schema: SQLIdentifier

    public init(schema: SQLIdentifier) { self.schema = schema }

    /// The control plane's own log.
    public static func control() throws -> AuditLog { AuditLog(schema: try ControlSchema.identifier()) }

    /// Appends `entry` inside the caller's transaction, so that the audit
    /// entry commits or rolls back together with the change it describes.
    /// Origin fields the entry leaves unset come from ``AuditOrigin/current``.
    public func append(_ entry: AuditEntry, on transaction: PostgresConnection, at time: Date = Date()) async throws {
        let entry = entry.filling(from: AuditOrigin.current)
        let micros = Int64((time.timeIntervalSince1970 * 1_000_000).rounded(.down))
        let details = try JSONDocument(encoding: entry.details)
        // One round trip: the schema's audit_append takes the lock, reads the newest hash and inserts
        // (tenant migration 0012, control 0007); the database computes `hash` from the encoding given here.
        let function = try SQLIdentifier("audit_append")
        try await transaction.query(
            """
            SELECT \(identifier: schema, function)(
                \("audit:" + schema.name), timestamptz 'epoch' + \(micros) * interval '1 microsecond', \(entry.actor),
                \(entry.action), \(entry.subject), \(details), \(entry.sourceIP), \(entry.requestID), \(entry.traceID),
                \(ByteA(Self.canonicalEncoding(entry, micros: micros))))
            """)
    }

    /// Appends `entries`, in order, in one round trip and under one take of
    /// the log's lock (`audit_append_many`: tenant migration 0013, control
    /// 0008): what a batch of engine transitions writes. The chain is the one
    /// ``append(_:on:at:)`` makes.
    public func append(contentsOf entries: [AuditEntry], on transaction: PostgresConnection, at time: Date = Date())
        async throws
    {
        guard !entries.isEmpty else { return }
        let micros = Int64((time.timeIntervalSince1970 * 1_000_000).rounded(.down))
        // Written by hand: a pass of the engine appends hundreds of entries, and JSONEncoder cost more than the rest.
        var json: [UInt8] = [UInt8(ascii: "[")]
        for (index, entry) in entries.enumerated() {
            let entry = entry.filling(from: AuditOrigin.current)
            if index > 0 { json.append(UInt8(ascii: ",")) }
            json += Array(#"{"micros":\#(micros),"actor":"#.utf8)
            JSONString.append(entry.actor, to: &json)
            for (key, value) in [
                ("action", entry.action), ("subject", entry.subject), ("source_ip", entry.sourceIP),
                ("request_id", entry.requestID), ("trace_id", entry.traceID),
                ("encoding", Data(Self.canonicalEncoding(entry, micros: micros)).base64EncodedString()),
            ] {
                guard let value else { continue }
                json += Array(",\"\(key)\":".utf8)
                JSONString.append(value, to: &json)
            }
            json += Array(#","details":{"#.utf8)
            for (position, key) in entry.details.keys.sorted().enumerated() {
                if position > 0 { json.append(UInt8(ascii: ",")) }
                JSONString.append(key, to: &json)
                json.append(UInt8(ascii: ":"))
                JSONString.append(entry.details[key] ?? "", to: &json)
            }
            json += Array("}}".utf8)
        }
        json.append(UInt8(ascii: "]"))
        let function = try SQLIdentifier("audit_append_many")
        try await transaction.query(
            """
            SELECT \(identifier: schema, function)(\("audit:" + schema.name), \(JSONDocument(rawJSON: String(decoding: json, as: UTF8.self))))
            """)
    }

    /// The outcome of ``verify(on:)``.
    public struct Verification: Sendable, Equatable {
        public var entriesChecked: Int
        /// The id of the first entry whose link or hash does not match, and why.
        public var firstBroken: (id: Int64, reason: String)?

        public var isIntact: Bool { firstBroken == nil }

        public static func == (lhs: Verification, rhs: Verification) -> Bool {
            lhs.entriesChecked == rhs.entriesChecked && lhs.firstBroken?.id == rhs.firstBroken?.id
                && lhs.firstBroken?.reason == rhs.firstBroken?.reason
        }
    }

    /// Recomputes the whole chain in id order.
    public func verify(on connection: PostgresConnection) async throws -> Verification {
        let table = try SQLIdentifier("audit_log")
        let rows = try await connection.query(
            """
            SELECT id, (extract(epoch FROM occurred_at) * 1000000)::bigint AS micros, actor, action, subject,
                   details, source_ip, request_id, trace_id, prev_hash, hash
            FROM \(identifier: schema, table) ORDER BY id
            """)
        var previousHash: [UInt8]?
        var checked = 0
        for row in rows {
            let id = try row.decode("id", as: Int64.self)
            let storedPrevious = try row.decode("prev_hash", as: ByteA?.self)?.bytes
            guard storedPrevious == previousHash else {
                return Verification(
                    entriesChecked: checked, firstBroken: (id, "its previous-hash link does not match the entry before it"))
            }
            let entry = AuditEntry(
                actor: try row.decode("actor"), action: try row.decode("action"), subject: try row.decode("subject"),
                details: try row.decode("details", as: JSONDocument.self).decode([String: String].self),
                sourceIP: try row.decode("source_ip"), requestID: try row.decode("request_id"),
                traceID: try row.decode("trace_id"))
            let expected = try Self.hash(entry, micros: try row.decode("micros"), previousHash: storedPrevious)
            let stored = try row.decode("hash", as: ByteA.self).bytes
            guard ConstantTime.equals(expected, stored) else {
                return Verification(entriesChecked: checked, firstBroken: (id, "its content does not match its hash"))
            }
            previousHash = stored
            checked += 1
        }
        return Verification(entriesChecked: checked, firstBroken: nil)
    }

    /// Whether an exported entry's stored hash is the hash of its content and
    /// its previous hash: what an evidence bundle's reader checks offline.
    public static func entryIsIntact(_ entry: AuditEntry, micros: Int64, previousHash: [UInt8]?, hash: [UInt8]) throws
        -> Bool
    {
        ConstantTime.equals(try Self.hash(entry, micros: micros, previousHash: previousHash), hash)
    }

    /// `SHA-256(previous ‖ encoding)`; see the type's documentation.
    static func hash(_ entry: AuditEntry, micros: Int64, previousHash: [UInt8]?) throws -> [UInt8] {
        var bytes = previousHash ?? []
        bytes += canonicalEncoding(entry, micros: micros)
        return try SHA256.hash(data: bytes).bytes
    }

    /// Version tag, then each field as `<byte length>:<bytes>;`. Details are
    /// sorted by key; a missing optional is `-` (distinct from an empty `0:;`).
    static func canonicalEncoding(_ entry: AuditEntry, micros: Int64) -> [UInt8] {
        var out = Array("audit-v1;".utf8)
        func field(_ value: String?) {
            guard let value else {
                out += Array("-;".utf8)
                return
            }
            let utf8 = Array(value.utf8)
            out += Array("\(utf8.count):".utf8) + utf8 + [UInt8(ascii: ";")]
        }
        field(String(micros))
        field(entry.actor)
        field(entry.action)
        field(entry.subject)
        field(String(entry.details.count))
        for key in entry.details.keys.sorted() {
            field(key)
            field(entry.details[key])
        }
        field(entry.sourceIP)
        field(entry.requestID)
        field(entry.traceID)
        return out
    }
}

/// The control schema's name, in one place.
public enum ControlSchema {
    public static let name = "control"
    public static func identifier() throws -> SQLIdentifier { try SQLIdentifier(name) }
}
