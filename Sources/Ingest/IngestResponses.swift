import Events
import Foundation
import Telemetry

/// The bodies ingest answers with. They are built here, not by the HTTP
/// layer, because they are stored with the idempotency key and must be
/// returned byte for byte to every repeat.
enum IngestResponses {
    /// Stored: 201 if anything new was written, 200 if every event was a harmless re-send.
    /// A batch stamps every new event with one `receivedAt`.
    static func stored(plan: [(PreparedEvent, isNew: Bool)], receivedAt: Date, shape: IngestSubmission.Shape)
        -> IngestResponse
    {
        let results: [JSONValue] = plan.map { event, isNew in
            var members: [String: JSONValue] = [
                "id": .string(event.id), "type": .string(event.type), "status": .string(isNew ? "accepted" : "duplicate"),
            ]
            if isNew { members["received_at"] = .string(UTCTimestamp.milliseconds(receivedAt)) }
            return .object(members)
        }
        let accepted = plan.filter(\.isNew).count
        let status = accepted > 0 || plan.isEmpty ? 201 : 200
        switch shape {
        case .single:
            return IngestResponse(status: status, body: (results.first ?? .object([:])).serialized())
        case .batch:
            let body = JSONValue.object([
                "accepted": .number(String(accepted)), "duplicates": .number(String(plan.count - accepted)),
                "events": .array(results),
            ])
            return IngestResponse(status: status, body: body.serialized())
        }
    }

    /// Some event id is already stored with different content: nothing of the request is written.
    static func conflict(ids: [String], submission: IngestSubmission) -> IngestResponse {
        let list = ids.prefix(10).map { JSONValue.string($0).serialized() }.joined(separator: ", ")
        let more = ids.count > 10 ? " and \(ids.count - 10) more" : ""
        return error(
            status: 409, code: "event_id_conflict",
            message: "an event with id \(list)\(more) was already received with different content; "
                + "give a changed event a new id. Nothing from this request was stored.",
            field: submission.shape == .single ? "$.id" : "$.events", submission: submission)
    }

    /// The idempotency key was used before for a different body.
    static func keyReused(submission: IngestSubmission) -> IngestResponse {
        let header = submission.context.ingress == .webhook ? "webhook-id" : "Idempotency-Key"
        return error(
            status: 409, code: "idempotency_key_reused",
            message: "this \(header) was already used for a request with a different body; "
                + "use a new key for a new request",
            field: header, submission: submission)
    }

    static let internalError = IngestResponse(
        status: 500,
        body: #"{"error":{"code":"internal_error","field":null,"message":"An internal error occurred.","request_id":null}}"#)

    /// The same shape as every other error the API returns.
    private static func error(status: Int, code: String, message: String, field: String?, submission: IngestSubmission)
        -> IngestResponse
    {
        let body = JSONValue.object([
            "error": .object([
                "code": .string(code), "message": .string(message), "field": field.map(JSONValue.string) ?? .null,
                "request_id": submission.context.requestID.map(JSONValue.string) ?? .null,
            ])
        ])
        return IngestResponse(status: status, body: body.serialized())
    }
}
