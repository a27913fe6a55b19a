import ControlPlane
import Cryptography
import EDI
import Events
import Foundation
import Ingest
import Platform
import Postgres
import Telemetry

/// The answer to an X12 interchange: the 997 as EDI, or a JSON body.
public struct EDIResponse: Sendable, Equatable {
    public let status: Int
    public let contentType: String
    public let body: String
}

/// `POST /v1/edi`: an X12 interchange is parsed, its 850/856/810 sets mapped
/// to canonical events and validated, and the events stored in one commit
/// with the interchange as their lineage; the answer is the 997.
///
/// All or nothing: a malformed interchange, a set that cannot be read or
/// mapped, or an event the catalog refuses stores no event, keeps the raw
/// interchange as a dead letter and answers 422 naming the segment position.
/// Idempotent by sender (ISA06) and interchange control number (ISA13): a
/// resend with the same bytes gets the first 997 again; the same control
/// number with other content is refused (409), as X12 requires control
/// numbers to be unique per sender. The 997 takes ISA13 and GS06 from the
/// received interchange's ISA13, so it is unique per partner as theirs are.
/// Replaying a dead-lettered interchange reads it again the same way
/// (``DeadLetterReplayPath``), with the reference tables as they are then.
public struct EDIIngest: DeadLetterReplayPath {
    let ingest: IngestService
    let references: ReferenceCache
    let deadLetters: DeadLetterRecorder
    let parser: X12Parser
    let now: @Sendable () -> Date

    public init(
        ingest: IngestService, references: ReferenceCache, parser: X12Parser = X12Parser(), logger: Logger = .disabled,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.ingest = ingest
        self.references = references
        self.parser = parser
        self.now = now
        deadLetters = DeadLetterRecorder(databases: ingest.databases, logger: logger)
    }

    public func ingest(body: [UInt8], tenant: Slug, context: IngestContext) async throws -> EDIResponse {
        try await process(body, tenant: tenant, context: context, replaying: false).response
    }

    /// Reads a dead-lettered interchange again; the answer is ingest's for the events it stored.
    public func replay(_ letter: DeadLetter, tenant: Slug, context: IngestContext) async throws -> IngestResponse {
        let outcome = try await process(letter.payload, tenant: tenant, context: context, replaying: true)
        return outcome.stored ?? IngestResponse(status: outcome.response.status, body: outcome.response.body)
    }

    /// The interchange's answer, and ingest's answer when events were stored (or found stored).
    ///
    /// A replay keeps no new dead letter, and does not stop at an interchange
    /// already acknowledged with the same content: ingest's idempotency then
    /// returns the first answer instead of storing the events twice.
    private func process(_ body: [UInt8], tenant: Slug, context: IngestContext, replaying: Bool) async throws
        -> (response: EDIResponse, stored: IngestResponse?)
    {
        let keep = !replaying
        let interchange: Interchange
        do {
            interchange = try parser.parse(body)
        } catch {
            try await refuse(body, error, tenant: tenant, context: context, keep: keep)
        }
        let sender = interchange.senderID
        let control = interchange.controlNumber
        let hash = try SHA256.hash(data: body).hexString
        if let earlier = try await acknowledged(tenant: tenant, sender: sender, control: control) {
            guard earlier.hash == hash else { throw Self.controlNumberReused(sender: sender, control: control) }
            if !replaying {
                return (EDIResponse(status: 200, contentType: "application/edi-x12", body: earlier.acknowledgment), nil)
            }
        }

        let lookups = try await references.lookups(tenant: tenant, tables: [EDIPartnerOptions.table])
        let options = EDIPartnerOptions.options(
            sender: sender, entry: lookups.lookup(table: EDIPartnerOptions.table, key: sender))
        let events: [ValidatedEvent]
        let acknowledgment: String
        do {
            let mapped = try X12EventMapper.events(for: interchange, options: options)
            var validated: [ValidatedEvent] = []
            for (index, event) in mapped.enumerated() {
                do {
                    validated.append(try ingest.catalog.validate(event))
                } catch {
                    throw error.describingSet(index, of: interchange)
                }
            }
            events = validated
            let number = min(max(Int(control) ?? 1, 1), 999_999_999)
            acknowledgment = try AcknowledgmentGenerator().acknowledge(
                interchange, controlNumbers: .init(interchange: number, group: number), createdAt: now())
        } catch let error as X12Error {
            try await refuse(body, error, tenant: tenant, context: context, keep: keep)
        } catch let error as EventError {
            try await refuse(body, error, tenant: tenant, context: context, keep: keep)
        }

        let answer = try await ingest.ingest(
            translated: events, from: try RawPayload(body: body, contentType: "application/edi-x12", translation: "x12"),
            tenant: tenant, idempotencyKey: "edi:\(sender):\(control)", context: context)
        guard answer.status < 300 else {
            return (EDIResponse(status: answer.status, contentType: "application/json", body: answer.body), answer)
        }
        let stored = try await ingest.databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                WITH inserted AS (
                    INSERT INTO edi_interchanges (sender_id, control_number, request_hash, acknowledgment, event_ids)
                    VALUES (\(sender), \(control), \(hash), \(acknowledgment), \(events.map(\.id))::text[])
                    ON CONFLICT (sender_id, control_number) DO NOTHING
                    RETURNING acknowledgment
                )
                SELECT acknowledgment FROM inserted
                UNION ALL
                SELECT acknowledgment FROM edi_interchanges WHERE sender_id = \(sender) AND control_number = \(control)
                LIMIT 1
                """)
        }
        let text = try stored.first?.decode("acknowledgment", as: String.self) ?? acknowledgment
        return (EDIResponse(status: 200, contentType: "application/edi-x12", body: text), answer)
    }

    private func acknowledged(tenant: Slug, sender: String, control: String) async throws
        -> (hash: String, acknowledgment: String)?
    {
        let rows = try await ingest.databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                SELECT request_hash, acknowledgment FROM edi_interchanges
                WHERE sender_id = \(sender) AND control_number = \(control)
                """)
        }
        guard let row = rows.first else { return nil }
        return (try row.decode("request_hash", as: String.self), try row.decode("acknowledgment", as: String.self))
    }

    /// Dead-letters the raw interchange (unless `keep` is false: a replay's letter exists) and throws
    /// `error` (413s are not kept: they were never read).
    private func refuse(_ body: [UInt8], _ error: some CodedError, tenant: Slug, context: IngestContext, keep: Bool)
        async throws -> Never
    {
        if keep, error.httpStatus != 413 {
            let reason = (error as? X12Error)?.description ?? error.message
            try await deadLetters.record(
                body, code: error.code, reason: reason, tenant: tenant, context: context, translation: "x12",
                origin: .x12, contentType: "application/edi-x12")
        }
        throw error
    }

    static func controlNumberReused(sender: String, control: String) -> MiddlewareError {
        MiddlewareError(
            code: "x12_control_number_reused",
            message: "interchange \(control) from \(sender) was already received with different content; "
                + "send a new interchange control number",
            httpStatus: 409, field: "ISA13")
    }
}

extension EventError {
    /// The error with the message naming which mapped event (in interchange order) the catalog refused.
    func describingSet(_ index: Int, of interchange: Interchange) -> EventError {
        EventError(
            code: code, message: "mapped event \(index + 1) of interchange \(interchange.controlNumber): \(message)",
            httpStatus: 422, field: field, violations: violations)
    }
}
