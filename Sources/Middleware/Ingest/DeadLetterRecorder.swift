import ControlPlane
import Foundation
import Ingest
import Postgres
import Telemetry

/// Keeps a payload that could not be translated (a mapping error, a malformed
/// X12 interchange) as a dead letter holding the raw bytes, so nothing sent is
/// lost and the partner's payload can be inspected as it arrived.
struct DeadLetterRecorder: Sendable {
    let databases: TenantDatabases
    let logger: Logger

    func record(
        _ body: [UInt8], code: String, reason: String, tenant: Slug, context: IngestContext, translation: String
    ) async throws {
        try await databases.withTransaction(for: tenant) { tx in
            try await tx.query(
                """
                INSERT INTO dead_letters (kind, reason_code, reason, ingress, ingress_detail, request_id, traceparent,
                                          payload)
                VALUES ('event', \(code), \(reason), \(context.ingress.rawValue),
                        \(context.detail + " (" + translation + ")"), \(context.requestID), \(context.traceparent),
                        \(Data(body)))
                """)
        }
        logger.info(
            "payload refused",
            metadata: ["tenant": tenant.value, "code": code, "translation": translation, "ingress": context.ingress.rawValue])
    }
}
