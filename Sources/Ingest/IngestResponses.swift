import Events
import Foundation
import Telemetry

/// The bodies ingest answers with. They are built here, not by the HTTP
/// layer, because they are stored with the idempotency key and must be
/// returned byte for byte to every repeat.
enum IngestResponses {
    /// Stored: 201 if anything new was written, 200 if every event was a harmless re-send.
    /// A batch stamps every new event with one `receivedAt`.
    ///
    /// Written out directly rather than through ``JSONValue`` (a dictionary
    /// per event, then sorted again): this is every ingest request's answer.
    /// The bytes are the same, keys in sorted order.
    static func stored(plan: [(PreparedEvent, isNew: Bool)], receivedAt: Date, shape: IngestSubmission.Shape)
        -> IngestResponse
    {
        let accepted = plan.filter(\.isNew).count
        let status = accepted > 0 || plan.isEmpty ? 201 : 200
        let receivedText = accepted > 0 ? UTCTimestamp.milliseconds(receivedAt) : ""
        var out: [UInt8] = []
        out.reserveCapacity(96 * max(1, plan.count) + 48)
        func append(_ event: PreparedEvent, isNew: Bool) {
            out.append(contentsOf: #"{"id":"#.utf8)
            JSONString.append(event.id, to: &out)
            if isNew {
                out.append(contentsOf: #","received_at":"#.utf8)
                JSONString.append(receivedText, to: &out)
            }
            out.append(contentsOf: (isNew ? #","status":"accepted","type":"# : #","status":"duplicate","type":"#).utf8)
            JSONString.append(event.type, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        switch shape {
        case .single:
            if let (event, isNew) = plan.first {
                append(event, isNew: isNew)
            } else {
                out.append(contentsOf: "{}".utf8)
            }
        case .batch:
            out.append(contentsOf: #"{"accepted":\#(accepted),"duplicates":\#(plan.count - accepted),"events":["#.utf8)
            for (position, (event, isNew)) in plan.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                append(event, isNew: isNew)
            }
            out.append(contentsOf: "]}".utf8)
        }
        return IngestResponse(status: status, body: String(decoding: out, as: UTF8.self))
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
