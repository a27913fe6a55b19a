import Ingest
import Synchronization
import Testing

@Suite("Group commit: batches, flushes in flight, slots")
struct GroupCommitQueueTests {
    /// Records what each flush was given, and the most flushes that ran at once.
    final class Flushes: Sendable {
        struct State {
            var batches: [[Int]] = []
            var running = 0
            var mostRunning = 0
            var slotsInUse: Set<Int> = []
            var slotClash = false
        }
        let state = Mutex(State())
    }

    /// 200 concurrent submissions with weights 1–3: each answered with its own outcome, every flush
    /// under the weight cap, at most two flushes at once, on distinct slots, every item flushed once.
    @Test func concurrentSubmissionsAreBatchedUnderTheCapsAndEachAnsweredOnce() async throws {
        let flushes = Flushes()
        let queue = GroupCommitQueue<String, Int, Int>(maximumWeight: 10, maximumConcurrentFlushes: 2) {
            _, slot, items in
            flushes.state.withLock { state in
                state.running += 1
                state.mostRunning = max(state.mostRunning, state.running)
                if !state.slotsInUse.insert(slot).inserted { state.slotClash = true }
                state.batches.append(items)
            }
            try? await Task.sleep(for: .milliseconds(2))
            flushes.state.withLock { state in
                state.running -= 1
                state.slotsInUse.remove(slot)
            }
            return items.map { .success($0 * 10) }
        }
        let outcomes = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for item in 0..<200 {
                group.addTask { (item, try await queue.submit(item, weight: item % 3 + 1, for: "tenant")) }
            }
            var outcomes: [Int: Int] = [:]
            for try await (item, outcome) in group { outcomes[item] = outcome }
            return outcomes
        }
        #expect(outcomes.count == 200)
        #expect(outcomes.allSatisfy { $0.value == $0.key * 10 })
        let state = flushes.state.withLock { $0 }
        #expect(state.mostRunning <= 2)
        #expect(!state.slotClash)
        #expect(state.batches.flatMap { $0 }.sorted() == Array(0..<200))
        #expect(state.batches.allSatisfy { batch in batch.map { $0 % 3 + 1 }.reduce(0, +) <= 10 })
        // Concurrent submissions share flushes.
        #expect(state.batches.count < 200)
    }

    /// A flush that returns fewer outcomes than items fails the items left out with a clear error.
    @Test func missingOutcomesFailTheItemsLeftOut() async throws {
        let queue = GroupCommitQueue<String, Int, Int>(maximumWeight: 1, maximumConcurrentFlushes: 1) { _, _, _ in [] }
        await #expect(throws: GroupCommitError.missingOutcome) { _ = try await queue.submit(1, for: "t") }
    }
}
