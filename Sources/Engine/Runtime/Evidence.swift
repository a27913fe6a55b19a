import ControlPlane
import Cryptography
import Events
import Foundation
import Postgres

/// One self-verifying bundle per run, for auditors: the events that drove it
/// (with their lineage), every step, every human decision, the outbound
/// deliveries it caused, and the tenant audit entries about it with their
/// hash-chain links, plus a digest over the whole.
///
/// Verification needs nothing but the bundle: each audit entry's hash is
/// recomputed from its content and previous hash (``verify(_:)``), and the
/// digest from the bundle's content. `chain_head` records the newest entry of
/// the tenant's log at export, so a later `audit verify` can show the entries
/// are still in the chain.
public struct Evidence: Sendable {
    let databases: TenantDatabases

    public init(databases: TenantDatabases) { self.databases = databases }

    public func export(tenant: Slug, run id: UUID, at time: Date = Date()) async throws -> JSONValue {
        try await databases.withTransaction(for: tenant, level: .repeatableRead) { tx in
            let runs = try await tx.query(
                """
                SELECT r.id, r.template_slug, r.template_version, r.correlation_key, r.status, r.error, r.created_at,
                       r.completed_at, r.context::text AS context, d.document::text AS template, d.parameters::text AS parameters,
                       d.deployed_by, d.deployed_at
                FROM runs r JOIN deployments d ON d.id = r.deployment_id WHERE r.id = \(id)
                """)
            guard let run = runs.first else {
                throw EngineError(code: "run_not_found", message: "there is no run \(id.uuidString.lowercased())", httpStatus: 404, field: nil)
            }
            let template = try WorkflowTemplate.parse(Data(try run.decode("template", as: String.self).utf8))
            let key = try run.decode("correlation_key", as: String.self)
            // The trigger, every correlated document, and what the run emitted.
            var eventTypes = Set(template.correlation.documents.values.map(\.event))
            eventTypes.insert(template.trigger)
            var events: [JSONValue] = []
            for type in eventTypes.sorted() {
                let path = (type == template.trigger ? template.correlation.key : template.correlation.documents.values.first { $0.event == type }?.key ?? template.correlation.key)
                    .split(separator: ".").map(String.init)
                let rows = try await tx.query(
                    """
                    SELECT \(fragment: Self.eventColumns) FROM events
                    WHERE type = \(type) AND document #>> \(path)::text[] = \(key) ORDER BY seq
                    """)
                events += try rows.map(Self.event)
            }
            let emitted = try await tx.query(
                "SELECT \(fragment: Self.eventColumns) FROM events WHERE ingress = 'internal' AND ingress_detail = \(id.uuidString.lowercased()) ORDER BY seq")
            let steps = try await tx.query(
                "SELECT step_id, kind, outcome, result::text AS result, started_at, finished_at FROM run_steps WHERE run_id = \(id) ORDER BY id")
            let tasks = try await tx.query(
                """
                SELECT id, step_id, title, role, amount_minor, currency, status, excluded_users::text AS excluded, due_at,
                       escalated_at, decided_by, decided_at, decision_comment, created_at
                FROM tasks WHERE run_id = \(id) ORDER BY created_at
                """)
            let taskIDs = try tasks.map { "task:" + (try $0.decode("id", as: UUID.self)).uuidString.lowercased() }
            let deliveries = try await tx.query(
                """
                SELECT o.seq, o.message_id, o.endpoint_id, o.event_type, o.state, o.attempts, o.delivered_at,
                       coalesce((SELECT json_agg(json_build_object('attempt', a.attempt, 'started_at', a.started_at,
                                 'status_code', a.status_code, 'latency_ms', a.latency_ms, 'error', a.error) ORDER BY a.id)
                                 FROM delivery_attempts a WHERE a.outbox_seq = o.seq), '[]')::text AS attempts_json
                FROM outbox o JOIN events e ON e.seq = o.event_seq
                WHERE e.ingress = 'internal' AND e.ingress_detail = \(id.uuidString.lowercased()) ORDER BY o.seq
                """)
            let subjects = ["run:" + id.uuidString.lowercased()] + taskIDs
            let audit = try await tx.query(
                """
                SELECT id, (extract(epoch FROM occurred_at) * 1000000)::bigint AS micros, actor, action, subject,
                       details::text AS details, source_ip, request_id, trace_id, prev_hash, hash
                FROM audit_log WHERE subject = ANY(\(subjects)::text[]) ORDER BY id
                """)
            let head = try await tx.query("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
            let parse = { (text: String) throws -> JSONValue in try JSONParser(maxBytes: 16 << 20, maxDepth: 64).parse(text) }
            var content: [String: JSONValue] = [
                "format": .string("countersign-evidence/1"),
                "tenant": .string(tenant.value),
                "exported_at": .string(time.formatted(.iso8601)),
                "run": .object([
                    "id": .string(id.uuidString.lowercased()),
                    "template": .string(try run.decode("template_slug", as: String.self)),
                    "version": .string(try run.decode("template_version", as: String.self)),
                    "parameters": try parse(run.decode("parameters", as: String.self)),
                    "deployed_by": .string(try run.decode("deployed_by", as: String.self)),
                    "correlation_key": .string(key), "status": .string(try run.decode("status", as: String.self)),
                    "error": (try run.decode("error", as: String?.self)).map(JSONValue.string) ?? .null,
                    "created_at": .string(try run.decode("created_at", as: Date.self).formatted(.iso8601)),
                    "completed_at": (try run.decode("completed_at", as: Date?.self)).map { .string($0.formatted(.iso8601)) } ?? .null,
                    "results": try parse(run.decode("context", as: String.self))["steps"] ?? .object([:]),
                ]),
                "events": .array(events),
                "emitted": .array(try emitted.map(Self.event)),
                "steps": .array(
                    try steps.map { row in
                        .object([
                            "step": .string(try row.decode("step_id", as: String.self)), "kind": .string(try row.decode("kind", as: String.self)),
                            "outcome": .string(try row.decode("outcome", as: String.self)),
                            "result": try parse(row.decode("result", as: String.self)),
                            "started_at": .string(try row.decode("started_at", as: Date.self).formatted(.iso8601)),
                            "finished_at": .string(try row.decode("finished_at", as: Date.self).formatted(.iso8601)),
                        ])
                    }),
                "decisions": .array(
                    try tasks.map { row in
                        .object([
                            "task": .string(try row.decode("id", as: UUID.self).uuidString.lowercased()),
                            "step": .string(try row.decode("step_id", as: String.self)),
                            "title": .string(try row.decode("title", as: String.self)), "role": .string(try row.decode("role", as: String.self)),
                            "amount_minor": (try row.decode("amount_minor", as: Int64?.self)).map { .number(String($0)) } ?? .null,
                            "currency": (try row.decode("currency", as: String?.self)).map(JSONValue.string) ?? .null,
                            "status": .string(try row.decode("status", as: String.self)),
                            "excluded_users": try parse(row.decode("excluded", as: String.self)),
                            "decided_by": (try row.decode("decided_by", as: String?.self)).map(JSONValue.string) ?? .null,
                            "decided_at": (try row.decode("decided_at", as: Date?.self)).map { .string($0.formatted(.iso8601)) } ?? .null,
                            "comment": (try row.decode("decision_comment", as: String?.self)).map(JSONValue.string) ?? .null,
                        ])
                    }),
                "deliveries": .array(
                    try deliveries.map { row in
                        .object([
                            "message_seq": .number(String(try row.decode("seq", as: Int64.self))),
                            "webhook_id": .string(try row.decode("message_id", as: String.self)),
                            "endpoint_id": .string(try row.decode("endpoint_id", as: UUID.self).uuidString.lowercased()),
                            "event_type": .string(try row.decode("event_type", as: String.self)),
                            "state": .string(try row.decode("state", as: String.self)),
                            "attempts": try parse(row.decode("attempts_json", as: String.self)),
                        ])
                    }),
                "audit": .array(
                    try audit.map { row in
                        .object([
                            "id": .number(String(try row.decode("id", as: Int64.self))),
                            "micros": .number(String(try row.decode("micros", as: Int64.self))),
                            "actor": .string(try row.decode("actor", as: String.self)),
                            "action": .string(try row.decode("action", as: String.self)),
                            "subject": .string(try row.decode("subject", as: String.self)),
                            "details": try parse(row.decode("details", as: String.self)),
                            "source_ip": (try row.decode("source_ip", as: String?.self)).map(JSONValue.string) ?? .null,
                            "request_id": (try row.decode("request_id", as: String?.self)).map(JSONValue.string) ?? .null,
                            "trace_id": (try row.decode("trace_id", as: String?.self)).map(JSONValue.string) ?? .null,
                            "prev_hash": (try row.decode("prev_hash", as: ByteA?.self)).map { .string(Hex.encode($0.bytes)) } ?? .null,
                            "hash": .string(Hex.encode(try row.decode("hash", as: ByteA.self).bytes)),
                        ])
                    }),
            ]
            if let head = head.first {
                content["chain_head"] = .object([
                    "id": .number(String(try head.decode("id", as: Int64.self))),
                    "hash": .string(Hex.encode(try head.decode("hash", as: ByteA.self).bytes)),
                ])
            }
            var bundle = content
            bundle["digest"] = .string(try Self.digest(.object(content)))
            return JSONValue.object(bundle)
        }
    }

    /// The problems in a bundle; empty when every audit entry matches its
    /// hash and the digest matches the content.
    public static func verify(_ bundle: JSONValue) throws -> [String] {
        guard case .object(var content) = bundle, let digest = content.removeValue(forKey: "digest")?.stringValue else {
            return ["not an evidence bundle: no digest"]
        }
        var problems: [String] = []
        if try Self.digest(.object(content)) != digest { problems.append("the digest does not match the bundle's content") }
        for entry in content["audit"]?.arrayValue ?? [] {
            let id = entry["id"]?.numberText ?? "?"
            guard let micros = entry["micros"]?.numberText.flatMap({ Int64($0) }), let hash = entry["hash"]?.stringValue,
                let actor = entry["actor"]?.stringValue, let action = entry["action"]?.stringValue,
                let subject = entry["subject"]?.stringValue
            else {
                problems.append("audit entry \(id) is incomplete")
                continue
            }
            var details: [String: String] = [:]
            for (name, value) in entry["details"]?.objectValue ?? [:] { details[name] = value.stringValue ?? value.serialized() }
            let record = AuditEntry(
                actor: actor, action: action, subject: subject, details: details, sourceIP: entry["source_ip"]?.stringValue,
                requestID: entry["request_id"]?.stringValue, traceID: entry["trace_id"]?.stringValue)
            let previous = try entry["prev_hash"]?.stringValue.map { try Hex.decode($0) }
            if try !AuditLog.entryIsIntact(record, micros: micros, previousHash: previous, hash: try Hex.decode(hash)) {
                problems.append("audit entry \(id) does not match its hash")
            }
        }
        return problems
    }

    static func digest(_ content: JSONValue) throws -> String {
        try SHA256.hash(data: content.serialized().utf8).hexString
    }

    static let eventColumns: StaticString = """
        seq, event_id, type, source, occurred_at, received_at, ingress, ingress_detail, caused_by, traceparent,
        request_id, content_hash, document::text AS document
        """

    static func event(_ row: PostgresRow) throws -> JSONValue {
        .object([
            "id": .string(try row.decode("event_id", as: String.self)), "type": .string(try row.decode("type", as: String.self)),
            "received_at": .string(try row.decode("received_at", as: Date.self).formatted(.iso8601)),
            "lineage": .object([
                // A webhook event is stored only after its signature verified; the source names the secret.
                "ingress": .string(try row.decode("ingress", as: String.self)),
                "via": .string(try row.decode("ingress_detail", as: String.self)),
                "caused_by": (try row.decode("caused_by", as: String?.self)).map(JSONValue.string) ?? .null,
                "traceparent": (try row.decode("traceparent", as: String?.self)).map(JSONValue.string) ?? .null,
                "request_id": (try row.decode("request_id", as: String?.self)).map(JSONValue.string) ?? .null,
                "content_sha256": .string(try row.decode("content_hash", as: String.self)),
            ]),
            "document": try JSONParser(maxBytes: 16 << 20, maxDepth: 64).parse(row.decode("document", as: String.self)),
        ])
    }
}
