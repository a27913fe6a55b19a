/// Which statements a session has prepared, so that each SQL text is parsed
/// and analysed once per session instead of on every execution.
///
/// Every query goes through the extended protocol with bound parameters; the
/// statements that matter (ingest's batch inserts, the engine's step updates)
/// are long CTEs whose parse and analysis cost PostgreSQL more than executing
/// them. Preparing is safe across schemas because PostgreSQL re-analyses a
/// cached statement when the `search_path` it was planned under changes, and
/// after DDL on the tables it uses.
///
/// Bounded: texts built at run time (identifiers of many tenant schemas) must
/// not grow a session's memory without limit, so beyond `capacity` the least
/// recently used statement is deallocated. Touched only on the session's thread.
struct PreparedStatements {
    struct Key: Hashable {
        let sql: String
        let types: [UInt32]
    }

    static let capacity = 256

    private var names: [Key: (name: String, lastUse: Int)] = [:]
    private var counter = 0
    private var clock = 0

    mutating func name(for key: Key) -> String? {
        guard let entry = names[key] else { return nil }
        clock += 1
        names[key] = (entry.name, clock)
        return entry.name
    }

    /// The statement to deallocate before preparing another, when full.
    mutating func evictionCandidate() -> String? {
        guard names.count >= Self.capacity,
            let oldest = names.min(by: { $0.value.lastUse < $1.value.lastUse })
        else { return nil }
        names.removeValue(forKey: oldest.key)
        return oldest.value.name
    }

    mutating func nextName() -> String {
        counter += 1
        return "cs_\(counter)"
    }

    mutating func insert(_ key: Key, name: String) {
        clock += 1
        names[key] = (name, clock)
    }

    mutating func remove(_ key: Key) {
        names.removeValue(forKey: key)
    }

    var count: Int { names.count }
}
