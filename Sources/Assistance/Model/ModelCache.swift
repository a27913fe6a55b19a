import ControlPlane
import Foundation
import Postgres
import Synchronization
import Triage

/// One ``TenantKnowledge`` per tenant, kept between recommendations and brought up to date from the database.
///
/// Design: training on a large history takes far longer than a recommendation, so the built model
/// is cached per tenant with the model epoch and the last case `seq` it has seen. Each use reads
/// those two numbers (one indexed row); rows appended since are learned incrementally, and a new
/// epoch (cases replaced) or a large backlog rebuilds from scratch so the calibration stays
/// honest. The lock only guards the dictionary: building happens outside it, and two builders
/// racing for one tenant both produce a correct model, the later simply replacing the earlier.
/// Process-wide on purpose: every workflow engine in the process serves the same tenants' data.
public final class ModelCache: Sendable {
    public static let shared = ModelCache()

    public struct Configuration: Sendable {
        /// Tenants kept at once; the least recently used is dropped beyond this.
        public var capacity = 256
        /// Appended cases beyond this share of the learned ones trigger a full rebuild.
        public var rebuildShare = 0.2
        public var model = TenantModel.Configuration()
        public init() {}
    }

    private struct Entry {
        var epoch: UUID
        var lastSeq: Int64
        var knowledge: TenantKnowledge
        var used: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var tick: UInt64 = 0
    }

    public let configuration: Configuration
    private let state = Mutex(State())

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// The tenant's knowledge as of its stored cases; nil while it has none.
    ///
    /// `connection` must be the tenant's own (its role reads only its schema).
    public func knowledge(for tenant: Slug, on connection: PostgresConnection) async throws -> TenantKnowledge? {
        let id = try TenantID(tenant.value)
        let rows = try await connection.query(
            """
            SELECT model_epoch, (SELECT coalesce(max(seq), 0) FROM triage_cases) AS last_seq FROM triage_settings
            """)
        guard let row = rows.first else { return nil }
        let epoch = try row.decode("model_epoch", as: UUID.self)
        let lastSeq = try row.decode("last_seq", as: Int64.self)
        let cached = state.withLock { state -> Entry? in
            guard var entry = state.entries[tenant.value] else { return nil }
            state.tick += 1
            entry.used = state.tick
            state.entries[tenant.value] = entry
            return entry
        }
        if let cached, cached.epoch == epoch, cached.lastSeq == lastSeq { return cached.knowledge }
        if lastSeq == 0 {
            forget(tenant)
            return nil
        }
        var knowledge: TenantKnowledge
        var learnedUpTo: Int64
        if let cached, cached.epoch == epoch, cached.lastSeq < lastSeq,
            Double(lastSeq - cached.lastSeq) <= Double(cached.knowledge.model.caseCount) * configuration.rebuildShare
        {
            knowledge = cached.knowledge
            let fresh = try await CaseStore.load(tenant: id, after: cached.lastSeq, on: connection)
            for resolved in fresh.cases { try knowledge.learn(resolved) }
            learnedUpTo = fresh.lastSeq
        } else {
            let all = try await CaseStore.load(tenant: id, on: connection)
            guard !all.cases.isEmpty else { return nil }
            knowledge = try TenantKnowledge(tenant: id, cases: all.cases, configuration: configuration.model)
            learnedUpTo = all.lastSeq
        }
        store(Entry(epoch: epoch, lastSeq: learnedUpTo, knowledge: knowledge, used: 0), for: tenant)
        return knowledge
    }

    /// Drops the tenant's cached model (its schema was dropped or its cases replaced).
    public func forget(_ tenant: Slug) {
        state.withLock { _ = $0.entries.removeValue(forKey: tenant.value) }
    }

    private func store(_ entry: Entry, for tenant: Slug) {
        state.withLock { state in
            state.tick += 1
            var entry = entry
            entry.used = state.tick
            state.entries[tenant.value] = entry
            while state.entries.count > max(1, configuration.capacity),
                let oldest = state.entries.min(by: { $0.value.used < $1.value.used })?.key
            {
                state.entries.removeValue(forKey: oldest)
            }
        }
    }
}
