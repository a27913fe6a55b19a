import ControlPlane
import Cryptography
import Events
import Foundation
import Ingest
import Mapping

/// Imports historical documents from a CSV file through the normal ingest
/// path, in batches.
///
/// Everything is mapped and validated first, and any problem stops the
/// import before anything is stored, each reported with its CSV row. Then
/// each batch of documents is one ingest submission (one commit), with the
/// batch's CSV rows as the events' lineage. Running the same import again
/// stores no event twice (event ids decide, as for any resend) and reports
/// them as already stored; no idempotency key is used, because a repeated key
/// would answer with the first run's counts.
public struct CSVDocumentImport: Sendable {
    public struct Summary: Sendable, Equatable {
        public var documents = 0
        public var events = 0
        public var accepted = 0
        public var duplicates = 0
        public var batches = 0
    }

    /// A batch mapped and ready to ingest.
    public struct Batch: Sendable {
        public let events: [ValidatedEvent]
        public let raw: RawPayload
        public let documents: Int
    }

    public let ingest: IngestService
    public let references: ReferenceCache

    public init(ingest: IngestService, references: ReferenceCache) {
        self.ingest = ingest
        self.references = references
    }

    /// Maps every document and cuts the result into batches, or throws every problem (up to 20) with its row.
    public static func prepare(
        header: [String], documents: [CSVDocument], mapping: MappingDocument, eventType: String,
        lookups: some ReferenceLookup, catalog: EventCatalog, batchSize: Int, translation: String
    ) throws -> [Batch] {
        var problems: [String] = []
        var mapped: [(document: CSVDocument, events: [ValidatedEvent])] = []
        for document in documents {
            let rows = document.rowNumbers.count == 1
                ? "row \(document.rowNumbers[0])" : "rows \(document.rowNumbers.map(String.init).joined(separator: ","))"
            do {
                let events = try mapping.plan.applyValidated(payload: document.payload, lookups: lookups, catalog: catalog)
                if let other = events.first(where: { $0.type != eventType }) {
                    problems.append("\(rows): the mapping produced \(other.type), not \(eventType)")
                } else if events.isEmpty {
                    problems.append("\(rows): the mapping produced no event")
                } else {
                    mapped.append((document, events))
                }
            } catch {
                problems.append("\(rows): \(error.message)")
            }
            if problems.count >= 20 { break }
        }
        guard problems.isEmpty else {
            throw MiddlewareError(
                code: "import_invalid",
                message: "nothing was imported; fix these rows and run the import again:\n" + problems.joined(separator: "\n"),
                httpStatus: 422)
        }
        let size = max(1, batchSize)
        return try stride(from: 0, to: mapped.count, by: size).map { start in
            let slice = mapped[start..<min(start + size, mapped.count)]
            let text = CSVDocuments.encode([header] + slice.flatMap(\.document.cells))
            return Batch(
                events: slice.flatMap(\.events),
                raw: try RawPayload(body: Array(text.utf8), contentType: "text/csv", translation: translation),
                documents: slice.count)
        }
    }

    /// Ingests prepared batches in order; stops at the first refused batch (earlier ones stay stored).
    public func run(_ batches: [Batch], tenant: Slug, context: IngestContext, progress: (Summary) -> Void = { _ in })
        async throws -> Summary
    {
        var summary = Summary()
        for batch in batches {
            let answer = try await ingest.ingest(
                translated: batch.events, from: batch.raw, tenant: tenant, idempotencyKey: nil, context: context)
            let body = try JSONParser().parse(answer.body)
            guard answer.status < 300 else {
                throw MiddlewareError(
                    code: body["error"]?["code"]?.stringValue ?? "import_refused",
                    message: "batch \(summary.batches + 1) was refused: "
                        + (body["error"]?["message"]?.stringValue ?? answer.body),
                    httpStatus: answer.status)
            }
            summary.batches += 1
            summary.documents += batch.documents
            summary.events += batch.events.count
            summary.accepted += Int(body["accepted"]?.numberText ?? "") ?? 0
            summary.duplicates += Int(body["duplicates"]?.numberText ?? "") ?? 0
            progress(summary)
        }
        return summary
    }
}

extension JSONValue {
    fileprivate var numberText: String? {
        if case .number(let text) = self { return text }
        return nil
    }
}
