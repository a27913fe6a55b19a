import Foundation

/// Bounds how many tests hold a database at once.
///
/// Swift Testing runs every test concurrently, and database tests spend their
/// time waiting on I/O rather than on a core, so nothing else limits them: with
/// a thousand tests, each with its pools and tenant sessions, the cluster's
/// `max_connections` runs out and tests fail with "too many clients". A test
/// waits here for a slot before creating its database; a task that already
/// holds one (nested helpers) does not take a second, so nesting cannot
/// deadlock. The holder is recognised by its task rather than by a task-local
/// value, which every task a test starts would otherwise copy and carry.
/// `COUNTERSIGN_TEST_DATABASE_SLOTS` overrides the default of 12.
actor TestDatabaseSlots {
    static let shared = TestDatabaseSlots(
        limit: Int(ProcessInfo.processInfo.environment["COUNTERSIGN_TEST_DATABASE_SLOTS"] ?? "").flatMap { $0 > 0 ? $0 : nil }
            ?? 12)

    private let limit: Int
    private var holders: [Int: Int] = [:]
    private var inUse = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = limit }

    /// Takes a slot for `holder`, or counts one more use of the slot it holds.
    func acquire(_ holder: Int) async {
        if let uses = holders[holder] {
            holders[holder] = uses + 1
            return
        }
        if inUse < limit {
            inUse += 1
        } else {
            await withCheckedContinuation { waiting.append($0) }
        }
        holders[holder] = 1
    }

    /// Gives the slot back after the holder's last use: to the first waiter, or free.
    func release(_ holder: Int) {
        guard let uses = holders[holder] else { return }
        if uses > 1 {
            holders[holder] = uses - 1
            return
        }
        holders.removeValue(forKey: holder)
        if waiting.isEmpty {
            inUse -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }

    /// Runs `body` holding a slot (or the one the current task already holds).
    static func withSlot<Result>(
        isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> Result
    ) async throws -> Result {
        let holder = withUnsafeCurrentTask { $0?.hashValue } ?? 0
        await shared.acquire(holder)
        do {
            let result = try await body()
            await shared.release(holder)
            return result
        } catch {
            await shared.release(holder)
            throw error
        }
    }
}
