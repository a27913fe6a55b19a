import ControlPlane
import Synchronization

/// Takes a refused payload along the path it first came in by, so that a
/// replay repeats what the sender's request did: canonical ingest for
/// canonical events, the source's mapping for a partner's payload, the X12
/// reader for an interchange.
public protocol DeadLetterReplayPath: Sendable {
    /// Translates and stores `letter.payload` as ingest would, without
    /// keeping another dead letter; a payload refused again throws the
    /// refusal (a ``Platform/CodedError`` with a 4xx status).
    func replay(_ letter: DeadLetter, tenant: Slug, context: IngestContext) async throws -> IngestResponse
}

/// The replay paths of the translating origins (mapping, X12), registered by
/// whatever provides them (the middleware of the process), so that every
/// replay — API or portal — takes the same path for the same origin.
///
/// Canonical ingest needs no registration: it is ingest itself.
public final class DeadLetterReplayPaths: Sendable {
    private let paths = Mutex<[DeadLetter.Origin.Kind: any DeadLetterReplayPath]>([:])

    public init() {}

    /// Makes `path` the one that replays letters of `kind` (a later registration replaces an earlier one).
    public func register(_ path: any DeadLetterReplayPath, for kind: DeadLetter.Origin.Kind) {
        paths.withLock { $0[kind] = path }
    }

    func path(for kind: DeadLetter.Origin.Kind) -> (any DeadLetterReplayPath)? {
        paths.withLock { $0[kind] }
    }
}

/// Canonical events go through ingest's own parsing and validation again.
struct CanonicalReplay: DeadLetterReplayPath {
    let ingest: IngestService

    func replay(_ letter: DeadLetter, tenant: Slug, context: IngestContext) async throws -> IngestResponse {
        try await ingest.ingestWithoutRecording(body: letter.payload, tenant: tenant, context: context)
    }
}
