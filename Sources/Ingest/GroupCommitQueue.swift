import Synchronization

/// Groups concurrent submissions for the same key into one flush, so that
/// many requests share one transaction and one commit.
///
/// Each key has a lane. A submission joins its lane's queue; if fewer than
/// `maximumConcurrentFlushes` flushes are running for the lane, one starts and
/// keeps taking everything queued (up to `maximumWeight`) until the queue is
/// empty. While a flush waits for its commit, new submissions pile up and go
/// together in the next one: the busier the lane, the larger the batches,
/// with no timer adding latency when it is quiet.
///
/// The flush returns one result per item, in order; it decides itself how to
/// keep one bad item from failing the others. It is told its slot (0 up to
/// `maximumConcurrentFlushes`), unique among the flushes running for its key,
/// so concurrent flushes can stay off each other's rows.
public final class GroupCommitQueue<Key: Hashable & Sendable, Item: Sendable, Outcome: Sendable>: Sendable {
    public typealias Flush = @Sendable (_ key: Key, _ slot: Int, _ items: [Item]) async -> [Result<Outcome, any Error>]

    private struct Waiter: Sendable {
        let item: Item
        let weight: Int
        let continuation: CheckedContinuation<Outcome, any Error>
    }

    private struct Lane: Sendable {
        var pending: [Waiter] = []
        var flushing = 0
        var freeSlots: [Int]

        /// Queues `waiter`; returns a slot when a flush should start for it.
        mutating func admit(_ waiter: Waiter, maximumConcurrentFlushes: Int) -> Int? {
            pending.append(waiter)
            guard flushing < maximumConcurrentFlushes else { return nil }
            flushing += 1
            return freeSlots.popLast()
        }

        /// Takes the next batch (up to `maximumWeight`, at least one waiter) for the flusher holding `slot`;
        /// when nothing is queued, that flusher retires: nil, and its slot is free again.
        mutating func takeBatch(maximumWeight: Int, orRetire slot: Int) -> [Waiter]? {
            guard !pending.isEmpty else {
                flushing -= 1
                freeSlots.append(slot)
                return nil
            }
            var weight = 0
            var count = 0
            for waiter in pending {
                if count > 0 && weight + waiter.weight > maximumWeight { break }
                weight += waiter.weight
                count += 1
            }
            let batch = Array(pending.prefix(count))
            pending.removeFirst(count)
            return batch
        }
    }

    public let maximumWeight: Int
    public let maximumConcurrentFlushes: Int
    private let flush: Flush
    private let lanes = Mutex<[Key: Lane]>([:])

    /// - Parameters:
    ///   - maximumWeight: the most work one flush takes (for events: rows per
    ///     transaction); a single heavier item still goes alone.
    ///   - maximumConcurrentFlushes: flushes in flight per key; two lets one
    ///     batch be built while the previous one commits.
    public init(maximumWeight: Int = 1_000, maximumConcurrentFlushes: Int = 2, flush: @escaping Flush) {
        self.maximumWeight = max(1, maximumWeight)
        self.maximumConcurrentFlushes = max(1, maximumConcurrentFlushes)
        self.flush = flush
    }

    /// Queues `item` and returns its outcome once the flush that took it has finished.
    public func submit(_ item: Item, weight: Int = 1, for key: Key) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            // The lane is changed where it lies: a copy taken out of the dictionary would share the
            // pending array with it, and the append would copy the whole queue on every submission.
            let slot: Int? = lanes.withLock { lanes in
                lanes[key, default: Lane(freeSlots: Array((0..<maximumConcurrentFlushes).reversed()))].admit(
                    Waiter(item: item, weight: max(1, weight), continuation: continuation),
                    maximumConcurrentFlushes: maximumConcurrentFlushes)
            }
            if let slot {
                Task { await self.drain(key, slot: slot) }
            }
        }
    }

    /// Flushes batches for `key` until its queue is empty.
    private func drain(_ key: Key, slot: Int) async {
        while let batch = takeBatch(key, slot: slot) {
            let results = await flush(key, slot, batch.map(\.item))
            for (index, waiter) in batch.enumerated() {
                if index < results.count {
                    waiter.continuation.resume(with: results[index])
                } else {
                    waiter.continuation.resume(throwing: GroupCommitError.missingOutcome)
                }
            }
        }
    }

    /// The next batch, or nil (and this flusher retires) when nothing is queued.
    private func takeBatch(_ key: Key, slot: Int) -> [Waiter]? {
        lanes.withLock { lanes in
            let batch = lanes[key]?.takeBatch(maximumWeight: maximumWeight, orRetire: slot)
            if batch == nil, lanes[key]?.flushing == 0 { lanes[key] = nil }
            return batch
        }
    }
}

/// A flush returned fewer outcomes than it was given items: a bug in the flush.
public struct GroupCommitError: Error, Equatable {
    public static let missingOutcome = GroupCommitError()
}
