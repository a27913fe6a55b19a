import ControlPlane
import Foundation
import Ingest
import Postgres
import Telemetry

/// Keeps a payload that could not be translated (a mapping error, a malformed
/// X12 interchange) as a dead letter holding the raw bytes, so nothing sent is
/// lost, the partner's payload can be inspected as it arrived, and a replay
/// knows which path (``DeadLetter/Origin``) to take it along again.
struct DeadLetterRecorder: Sendable {
    let databases: TenantDatabases
    let logger: Logger

    func record(
        _ body: [UInt8], code: String, reason: String, tenant: Slug, context: IngestContext, translation: String,
        origin: DeadLetter.Origin, contentType: String
    ) async throws {
        let (originName, originSource) = origin.columns
        try await databases.withTransaction(for: tenant) { tx in
            try await tx.query(
                """
                INSERT INTO dead_letters (kind, reason_code, reason, ingress, ingress_detail, request_id, traceparent,
                                          payload, origin, origin_source, content_type)
                VALUES ('event', \(code), \(reason), \(context.ingress.rawValue),
                        \(context.detail + " (" + translation + ")"), \(context.requestID), \(context.traceparent),
                        \(Data(body)), \(originName), \(originSource), \(contentType))
                """)
        }
        logger.info(
            "payload refused",
            metadata: ["tenant": tenant.value, "code": code, "translation": translation, "ingress": context.ingress.rawValue])
    }
}
