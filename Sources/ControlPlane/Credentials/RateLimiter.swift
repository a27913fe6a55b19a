import Foundation
import Synchronization

/// Token buckets keyed by credential (or anything hashable), shared by all
/// request handlers.
///
/// A `Mutex` owns the buckets; each decision is O(1) and nothing else runs
/// under the lock. Memory is bounded: beyond `maximumKeys` the least recently
/// used bucket is dropped. A dropped key starts again with a full bucket, so
/// the bound should comfortably exceed the number of credentials active at
/// once — it is there to survive a flood of distinct keys, not to limit.
public final class RateLimiter<Key: Hashable & Sendable>: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// The bucket used for a key unless ``RateLimiter/take(_:now:bucket:)`` names another.
        public var bucket: TokenBucket.Configuration
        /// The most buckets kept; default 100,000 (a few MB).
        public var maximumKeys: Int

        public init(bucket: TokenBucket.Configuration, maximumKeys: Int = 100_000) {
            self.bucket = bucket
            self.maximumKeys = max(1, maximumKeys)
        }
    }

    public let configuration: Configuration
    private let buckets: Mutex<LRUCache<Key, TokenBucket>>

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.buckets = Mutex(LRUCache(capacity: configuration.maximumKeys))
    }

    /// Takes a token from `key`'s bucket, creating a full one on first use.
    ///
    /// - Parameter bucket: this key's limits when they differ from the
    ///   default (a per-credential plan); a changed configuration keeps the
    ///   tokens already earned.
    public func take(_ key: Key, now: Date, bucket: TokenBucket.Configuration? = nil) -> TokenBucket.Decision {
        let wanted = bucket ?? configuration.bucket
        return buckets.withLock { cache in
            cache.withValue(forKey: key, default: TokenBucket(configuration: wanted, now: now)) { bucket in
                if bucket.configuration != wanted { bucket.reconfigure(wanted, now: now) }
                return bucket.take(now: now)
            }
        }
    }

    /// Forgets `key` (for example when its credential is revoked or rotated).
    public func remove(_ key: Key) {
        buckets.withLock { _ = $0.removeValue(forKey: key) }
    }

    /// The number of buckets held.
    public var count: Int { buckets.withLock { $0.count } }

    /// Keys from most to least recently used (for tests and diagnostics).
    public var keysByRecency: [Key] { buckets.withLock { $0.keysByRecency } }
}

/// A bounded map that evicts the least recently used entry, in O(1): a
/// dictionary into a doubly linked list held in an array (indices, not
/// references, so the value stays a plain `Sendable` struct).
struct LRUCache<Key: Hashable, Value> {
    private struct Node {
        var key: Key
        var value: Value
        var newer: Int?
        var older: Int?
    }

    let capacity: Int
    private var index: [Key: Int] = [:]
    private var nodes: [Node?] = []
    private var free: [Int] = []
    /// Most recently used.
    private var newest: Int?
    /// Least recently used: the next to go.
    private var oldest: Int?

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { index.count }

    /// Looks up `key` and marks it used.
    mutating func value(forKey key: Key) -> Value? {
        guard let slot = index[key] else { return nil }
        moveToFront(slot)
        return nodes[slot]?.value
    }

    /// Runs `body` on `key`'s value, inserting `defaultValue` first if absent
    /// (evicting the oldest entry when full); marks `key` used.
    mutating func withValue<Result>(
        forKey key: Key, default defaultValue: @autoclosure () -> Value, _ body: (inout Value) -> Result
    ) -> Result {
        let slot = index[key] ?? insert(key, defaultValue())
        moveToFront(slot)
        guard var node = nodes[slot] else {
            // Unreachable: every slot in `index` holds a node.
            var value = defaultValue()
            return body(&value)
        }
        nodes[slot] = nil
        let result = body(&node.value)
        nodes[slot] = node
        return result
    }

    /// Sets `value` for `key`, returning the key evicted to make room, if any.
    @discardableResult
    mutating func setValue(_ value: Value, forKey key: Key) -> Key? {
        if let slot = index[key] {
            nodes[slot]?.value = value
            moveToFront(slot)
            return nil
        }
        let evicted = count >= capacity ? oldest.flatMap { nodes[$0]?.key } : nil
        let slot = insert(key, value)
        moveToFront(slot)
        return evicted
    }

    @discardableResult
    mutating func removeValue(forKey key: Key) -> Value? {
        guard let slot = index.removeValue(forKey: key) else { return nil }
        unlink(slot)
        let value = nodes[slot]?.value
        nodes[slot] = nil
        free.append(slot)
        return value
    }

    /// Keys from most to least recently used.
    var keysByRecency: [Key] {
        var keys: [Key] = []
        var cursor = newest
        while let slot = cursor, let node = nodes[slot] {
            keys.append(node.key)
            cursor = node.older
        }
        return keys
    }

    /// Stores a new node (after evicting the oldest if full) and returns its
    /// slot, unlinked; the caller moves it to the front.
    private mutating func insert(_ key: Key, _ value: Value) -> Int {
        if count >= capacity, let victim = oldest, let victimKey = nodes[victim]?.key {
            removeValue(forKey: victimKey)
        }
        let node = Node(key: key, value: value, newer: nil, older: nil)
        let slot: Int
        if let reused = free.popLast() {
            slot = reused
            nodes[slot] = node
        } else {
            slot = nodes.count
            nodes.append(node)
        }
        index[key] = slot
        return slot
    }

    private mutating func moveToFront(_ slot: Int) {
        guard newest != slot else { return }
        unlink(slot)
        nodes[slot]?.older = newest
        nodes[slot]?.newer = nil
        if let previous = newest { nodes[previous]?.newer = slot }
        newest = slot
        if oldest == nil { oldest = slot }
    }

    /// Removes `slot` from the list (a no-op for an unlinked slot).
    private mutating func unlink(_ slot: Int) {
        guard let node = nodes[slot] else { return }
        let linked = node.newer != nil || node.older != nil || newest == slot
        guard linked else { return }
        if let newer = node.newer { nodes[newer]?.older = node.older } else { newest = node.older }
        if let older = node.older { nodes[older]?.newer = node.newer } else { oldest = node.newer }
        nodes[slot]?.newer = nil
        nodes[slot]?.older = nil
    }
}
