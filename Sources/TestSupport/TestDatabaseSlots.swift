import Foundation

/// Bounds how many tests hold a database at once.
///
/// Swift Testing runs every test concurrently, and database tests spend their
/// time waiting on I/O rather than on a core, so nothing else limits them: with
/// a thousand tests, each with its pools and tenant sessions, the cluster's
/// `max_connections` runs out and tests fail with "too many clients". A test
/// waits here for a slot before creating its database; a test that already
/// holds one (nested helpers) does not take a second, so nesting cannot
/// deadlock. `COUNTERSIGN_TEST_DATABASE_SLOTS` overrides the default of 12.
actor TestDatabaseSlots {
    static let shared = TestDatabaseSlots(
        limit: Int(ProcessInfo.processInfo.environment["COUNTERSIGN_TEST_DATABASE_SLOTS"] ?? "").flatMap { $0 > 0 ? $0 : nil }
            ?? 12)

    @TaskLocal static var holding = false

    private let limit: Int
    private var inUse = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = limit }

    func acquire() async {
        if inUse < limit {
            inUse += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Hands the slot to the first waiter, or frees it.
    func release() {
        if waiting.isEmpty {
            inUse -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }

    /// Runs `body` holding a slot (or the one the task already holds).
    static func withSlot<Result>(
        isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> Result
    ) async throws -> Result {
        if holding { return try await body() }
        await shared.acquire()
        do {
            let result = try await $holding.withValue(true) { try await body() }
            await shared.release()
            return result
        } catch {
            await shared.release()
            throw error
        }
    }
}
