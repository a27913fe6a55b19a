@testable import Postgres
import Testing

@Suite("Pool group state machine")
struct PoolGroupStateMachineTests {
    typealias Machine = PoolGroupStateMachine<String, String>
    let t0 = ContinuousClock.now

    func at(_ seconds: Int) -> ContinuousClock.Instant { t0 + .seconds(seconds) }

    @Test func theGlobalCapHoldsAcrossKeysAndPerKeyLimits() {
        var machine = Machine(maximumConnections: 3, maximumConnectionsPerKey: 2)
        #expect(opens(machine.checkout("a", waiterID: 1, now: at(0))))
        #expect(opens(machine.checkout("a", waiterID: 2, now: at(0))))
        // The key's own limit: waits although the budget has room.
        #expect(waits(machine.checkout("a", waiterID: 3, now: at(0))))
        #expect(opens(machine.checkout("b", waiterID: 4, now: at(0))))
        // The global cap: nothing idle anywhere, so wait.
        #expect(waits(machine.checkout("c", waiterID: 5, now: at(0))))
        #expect(machine.openCount == 3)
        #expect(machine.peakOpenCount == 3)
        #expect(machine.waiters.map(\.id) == [3, 5])
        #expect(machine.members["a"]?.openCount == 2)
        #expect(machine.members["c"]?.openCount == 0)
    }

    @Test func aFullBudgetEvictsTheLeastRecentlyReleasedIdleConnectionFirst() {
        var machine = Machine(maximumConnections: 3, maximumConnectionsPerKey: 1)
        for key in ["a", "b", "c"] { _ = machine.checkout(key, waiterID: 0, now: at(0)) }
        let generation = { (key: String) in machine.members[key]?.generation ?? -1 }
        #expect(isKeepIdle(machine.release("c1", key: "c", generation: generation("c"), reusable: true, now: at(1))))
        #expect(isKeepIdle(machine.release("a1", key: "a", generation: generation("a"), reusable: true, now: at(2))))
        #expect(isKeepIdle(machine.release("b1", key: "b", generation: generation("b"), reusable: true, now: at(3))))

        #expect(evicted(machine.checkout("d", waiterID: 1, now: at(4))) == "c1")
        #expect(evicted(machine.checkout("e", waiterID: 2, now: at(5))) == "a1")
        #expect(evicted(machine.checkout("f", waiterID: 3, now: at(6))) == "b1")
        #expect(machine.evictions == 3)
        #expect(machine.openCount == 3)
        #expect(machine.peakOpenCount == 3)
        #expect(["a", "b", "c"].allSatisfy { machine.members[$0]?.openCount == 0 })
        // Nothing idle is left: the next key waits.
        #expect(waits(machine.checkout("g", waiterID: 4, now: at(7))))
    }

    @Test func aKeyReusesItsOwnIdleConnectionRatherThanEvicting() {
        var machine = Machine(maximumConnections: 2, maximumConnectionsPerKey: 2)
        _ = machine.checkout("a", waiterID: 1, now: at(0))
        _ = machine.checkout("b", waiterID: 2, now: at(0))
        let a = machine.members["a"]?.generation ?? -1
        _ = machine.release("a1", key: "a", generation: a, reusable: true, now: at(1))
        guard case .use(let connection, let generation) = machine.checkout("a", waiterID: 3, now: at(2)) else {
            Issue.record("expected reuse")
            return
        }
        #expect(connection == "a1" && generation == a)
        #expect(machine.evictions == 0)
    }

    @Test func aWaiterOfAnotherKeyGetsTheSlotOfAReturnedConnection() {
        var machine = Machine(maximumConnections: 2, maximumConnectionsPerKey: 2)
        _ = machine.checkout("a", waiterID: 1, now: at(0))
        _ = machine.checkout("b", waiterID: 2, now: at(0))
        #expect(waits(machine.checkout("c", waiterID: 3, now: at(0))))
        let a = machine.members["a"]?.generation ?? -1
        guard case .grantSlot(let waiter, let generation) = machine.release("a1", key: "a", generation: a, reusable: true, now: at(1))
        else {
            Issue.record("expected the slot to go to c")
            return
        }
        #expect(waiter == 3 && generation == machine.members["c"]?.generation)
        #expect(machine.members["a"]?.openCount == 0)
        #expect(machine.members["c"]?.openCount == 1)
        #expect(machine.openCount == 2)
        #expect(machine.evictions == 1)
    }

    @Test func waitersAreServedFirstInFirstOutAcrossKeys() {
        var machine = Machine(maximumConnections: 1, maximumConnectionsPerKey: 1)
        _ = machine.checkout("a", waiterID: 1, now: at(0))
        _ = machine.checkout("b", waiterID: 2, now: at(0))
        _ = machine.checkout("a", waiterID: 3, now: at(0))
        let a = machine.members["a"]?.generation ?? -1
        // b has waited longer than a's second caller, so b gets the slot.
        guard case .grantSlot(let first, _) = machine.release("a1", key: "a", generation: a, reusable: true, now: at(1)) else {
            Issue.record("expected b to be served first")
            return
        }
        #expect(first == 2)
        let b = machine.members["b"]?.generation ?? -1
        guard case .grantSlot(let second, _) = machine.release("b1", key: "b", generation: b, reusable: true, now: at(2)) else {
            Issue.record("expected a to be served next")
            return
        }
        #expect(second == 3)
    }

    @Test func aSameKeyWaiterIsHandedTheConnectionItself() {
        var machine = Machine(maximumConnections: 4, maximumConnectionsPerKey: 1)
        _ = machine.checkout("a", waiterID: 1, now: at(0))
        #expect(waits(machine.checkout("a", waiterID: 2, now: at(0))))
        let a = machine.members["a"]?.generation ?? -1
        guard case .handOver(let waiter, let connection, _) = machine.release("a1", key: "a", generation: a, reusable: true, now: at(1))
        else {
            Issue.record("expected hand-over")
            return
        }
        #expect(waiter == 2 && connection == "a1")
        #expect(machine.openCount == 1)
    }

    @Test func aWaiterAtItsKeysLimitIsSkippedForAnotherKeysSlot() {
        var machine = Machine(maximumConnections: 3, maximumConnectionsPerKey: 1)
        _ = machine.checkout("a", waiterID: 1, now: at(0))
        _ = machine.checkout("b", waiterID: 2, now: at(0))
        #expect(waits(machine.checkout("a", waiterID: 3, now: at(0))))  // a's own limit
        #expect(opens(machine.checkout("c", waiterID: 4, now: at(0))))  // budget had room
        #expect(waits(machine.checkout("d", waiterID: 5, now: at(0))))  // budget full
        let b = machine.members["b"]?.generation ?? -1
        guard case .grantSlot(let waiter, _) = machine.release("b1", key: "b", generation: b, reusable: true, now: at(1)) else {
            Issue.record("expected d to get b's slot")
            return
        }
        #expect(waiter == 5)
        #expect(machine.waiters.map(\.id) == [3])
    }

    @Test func aFailedOpenPassesItsSlotOn() {
        var machine = Machine(maximumConnections: 1, maximumConnectionsPerKey: 1)
        _ = machine.checkout("a", waiterID: 1, now: at(0))
        _ = machine.checkout("b", waiterID: 2, now: at(0))
        let a = machine.members["a"]?.generation ?? -1
        guard case .grantSlot(let waiter, _) = machine.slotFreed("a", generation: a, now: at(1)) else {
            Issue.record("expected the slot to go to b")
            return
        }
        #expect(waiter == 2)
        #expect(machine.evictions == 0)
        let b = machine.members["b"]?.generation ?? -1
        #expect(isClose(machine.slotFreed("b", generation: b, now: at(2))))
        #expect(machine.openCount == 0)
    }

    @Test func idleConnectionsAndThenIdlePoolsAreClosed() {
        var machine = Machine(maximumConnections: 4, maximumConnectionsPerKey: 2)
        _ = machine.checkout("a", waiterID: 1, now: at(0))
        _ = machine.checkout("b", waiterID: 2, now: at(0))
        _ = machine.checkout("c", waiterID: 3, now: at(0))
        let generation = { (key: String) in machine.members[key]?.generation ?? -1 }
        _ = machine.release("a1", key: "a", generation: generation("a"), reusable: true, now: at(0))
        _ = machine.release("b1", key: "b", generation: generation("b"), reusable: true, now: at(50))
        // c stays leased.
        let first = machine.closeIdle(now: at(60), idleTimeout: .seconds(60))
        #expect(first.idle == ["a1"])
        #expect(first.droppedKeys == ["a"])
        #expect(machine.members["b"]?.idle.count == 1)
        // The slot stays taken until the session is gone.
        #expect(machine.openCount == 3 && machine.closingCount == 1)
        #expect(machine.closeFinished().isEmpty)
        #expect(machine.openCount == 2 && machine.closingCount == 0)

        let second = machine.closeIdle(now: at(200), idleTimeout: .seconds(60))
        #expect(second.idle == ["b1"])
        #expect(second.droppedKeys == ["b"])
        // A pool with a leased connection is never dropped.
        #expect(machine.members.keys.sorted() == ["c"])
        _ = machine.closeFinished()
        #expect(machine.openCount == 1)
    }

    @Test func aClosingConnectionKeepsItsSlotUntilTheCloseHasFinished() {
        var machine = Machine(maximumConnections: 1, maximumConnectionsPerKey: 1)
        _ = machine.checkout("a", waiterID: 1, now: at(0))
        let a = machine.members["a"]?.generation ?? -1
        // Handed back broken: to be closed; nobody waits yet.
        #expect(isClose(machine.release("a1", key: "a", generation: a, reusable: false, now: at(1))))
        #expect(machine.openCount == 1 && machine.closingCount == 1 && machine.leasedCount == 0)
        // b arrives while the server session still exists: it must wait.
        #expect(waits(machine.checkout("b", waiterID: 2, now: at(2))))
        let grants = machine.closeFinished()
        #expect(grants.map(\.waiter) == [2])
        #expect(grants.first?.generation == machine.members["b"]?.generation)
        #expect(machine.openCount == 1 && machine.closingCount == 0)
        #expect(machine.members["b"]?.openCount == 1)
    }

    @Test func anEvictedKeyKeepsItsPoolUntilItHasBeenUnusedForTheIdleTimeout() {
        var machine = Machine(maximumConnections: 1, maximumConnectionsPerKey: 1)
        _ = machine.checkout("a", waiterID: 1, now: at(0))
        _ = machine.release("a1", key: "a", generation: machine.members["a"]?.generation ?? -1, reusable: true, now: at(1))
        #expect(evicted(machine.checkout("b", waiterID: 2, now: at(2))) == "a1")
        #expect(machine.closeIdle(now: at(30), idleTimeout: .seconds(60)).droppedKeys.isEmpty)
        #expect(machine.closeIdle(now: at(61), idleTimeout: .seconds(60)).droppedKeys == ["a"])
    }

    @Test func removingAKeyClosesItsIdleFailsItsWaitersAndRetiresItsLeasedConnections() {
        var machine = Machine(maximumConnections: 2, maximumConnectionsPerKey: 2)
        _ = machine.checkout("a", waiterID: 1, now: at(0))
        _ = machine.checkout("a", waiterID: 2, now: at(0))
        #expect(waits(machine.checkout("b", waiterID: 3, now: at(0))))
        #expect(waits(machine.checkout("a", waiterID: 4, now: at(0))))
        let old = machine.members["a"]?.generation ?? -1

        let removed = machine.remove("a")
        #expect(removed.idle.isEmpty)
        #expect(removed.waiters == [4])
        #expect(machine.members["a"] == nil)
        #expect(machine.openCount == 2)

        // A leased connection of the removed pool comes back: closed, its slot goes to b.
        guard case .grantSlot(let waiter, let generation) = machine.release("a1", key: "a", generation: old, reusable: true, now: at(1))
        else {
            Issue.record("expected b to get the slot")
            return
        }
        #expect(waiter == 3 && generation == machine.members["b"]?.generation)
        #expect(isClose(machine.release("a2", key: "a", generation: old, reusable: true, now: at(2))))
        #expect(machine.openCount == 2 && machine.closingCount == 1)
        #expect(machine.closeFinished().isEmpty)
        #expect(machine.openCount == 1)

        // Using the key again starts a fresh pool; the old generation stays retired.
        #expect(opens(machine.checkout("a", waiterID: 5, now: at(3))))
        #expect(machine.members["a"]?.generation != old)
        #expect(!machine.isCurrent("a", generation: old))
    }

    @Test func theSlotOfARemovedKeysConnectionGoesToAWaiterWhenItComesBack() {
        var machine = Machine(maximumConnections: 2, maximumConnectionsPerKey: 2)
        _ = machine.checkout("a", waiterID: 1, now: at(0))
        _ = machine.checkout("a", waiterID: 2, now: at(0))
        let a = machine.members["a"]?.generation ?? -1
        _ = machine.release("a1", key: "a", generation: a, reusable: true, now: at(1))
        // b evicts a's idle connection rather than waiting.
        #expect(evicted(machine.checkout("b", waiterID: 3, now: at(2))) == "a1")
        #expect(waits(machine.checkout("c", waiterID: 4, now: at(3))))
        #expect(machine.remove("a").idle.isEmpty)  // its remaining connection is leased
        guard case .grantSlot(let waiter, _) = machine.release("a2", key: "a", generation: a, reusable: true, now: at(4)) else {
            Issue.record("expected c to get the slot")
            return
        }
        #expect(waiter == 4)
        #expect(machine.openCount == 2)
    }

    @Test func closingFailsWaitersReturnsIdleAndClosesWhatComesBack() {
        var machine = Machine(maximumConnections: 2, maximumConnectionsPerKey: 1)
        _ = machine.checkout("a", waiterID: 1, now: at(0))
        _ = machine.checkout("b", waiterID: 2, now: at(0))
        _ = machine.release("b1", key: "b", generation: machine.members["b"]?.generation ?? -1, reusable: true, now: at(1))
        #expect(waits(machine.checkout("a", waiterID: 3, now: at(1))))
        let a = machine.members["a"]?.generation ?? -1
        let closed = machine.close()
        #expect(closed.idle == ["b1"])
        #expect(closed.waiters == [3])
        guard case .failClosed = machine.checkout("c", waiterID: 4, now: at(2)) else {
            Issue.record("expected failure after close")
            return
        }
        #expect(isClose(machine.release("a1", key: "a", generation: a, reusable: true, now: at(2))))
        #expect(machine.closeFinished(count: 2).isEmpty)
        #expect(machine.openCount == 0)
    }

    @Test func abandonedWaitersAreForgotten() {
        var machine = Machine(maximumConnections: 1, maximumConnectionsPerKey: 1)
        _ = machine.checkout("a", waiterID: 1, now: at(0))
        _ = machine.checkout("b", waiterID: 2, now: at(0))
        let first = machine.abandon(waiterID: 2)
        let second = machine.abandon(waiterID: 2)
        #expect(first && !second)
        let a = machine.members["a"]?.generation ?? -1
        #expect(isKeepIdle(machine.release("a1", key: "a", generation: a, reusable: true, now: at(1))))
        // A broken connection with nobody waiting frees its slot.
        _ = machine.checkout("a", waiterID: 3, now: at(2))
        #expect(isClose(machine.release("a1", key: "a", generation: a, reusable: false, now: at(3))))
        _ = machine.closeFinished()
        #expect(machine.openCount == 0)
    }

    /// Random interleavings of every event, checking after each step that the
    /// counts match the connections that exist, the caps hold, and no waiter
    /// that could open is left waiting while budget or an idle connection is free.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func invariantsHoldUnderRandomInterleavings(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var machine = Machine(maximumConnections: 4, maximumConnectionsPerKey: 2)
        let keys = ["a", "b", "c", "d", "e", "f"]
        struct Held { var key: String; var generation: Int; var connection: String }
        var leased: [Held] = []
        var opening: [Held] = []
        var waiting: [Int: String] = [:]
        var closing = 0
        var nextID = 0
        var clock = 0

        func grant(_ action: Machine.ReleaseAction, returned: Held?) {
            switch action {
            case .keepIdle: break
            case .close: if returned != nil { closing += 1 }
            case .handOver(let waiter, let connection, let generation):
                if let key = waiting.removeValue(forKey: waiter) { leased.append(Held(key: key, generation: generation, connection: connection)) }
            case .grantSlot(let waiter, let generation):
                if let key = waiting.removeValue(forKey: waiter) { opening.append(Held(key: key, generation: generation, connection: "")) }
            }
        }

        for _ in 0..<3000 {
            clock += Int(random.next() % 3)
            let now = at(clock)
            switch random.next() % 10 {
            case 0, 1, 2:
                nextID += 1
                let key = keys[Int(random.next() % UInt64(keys.count))]
                switch machine.checkout(key, waiterID: nextID, now: now) {
                case .use(let connection, let generation): leased.append(Held(key: key, generation: generation, connection: connection))
                case .open(let generation, _): opening.append(Held(key: key, generation: generation, connection: ""))
                case .wait: waiting[nextID] = key
                case .failClosed: Issue.record("not closed")
                }
            case 3, 4:
                guard !opening.isEmpty else { continue }
                var held = opening.remove(at: Int(random.next() % UInt64(opening.count)))
                if random.next() % 5 == 0 {
                    grant(machine.slotFreed(held.key, generation: held.generation, now: now), returned: nil)
                } else {
                    nextID += 1
                    held.connection = "\(held.key)#\(nextID)"
                    leased.append(held)
                }
            case 5, 6, 7:
                guard !leased.isEmpty else { continue }
                let held = leased.remove(at: Int(random.next() % UInt64(leased.count)))
                let reusable = random.next() % 6 != 0
                grant(machine.release(held.connection, key: held.key, generation: held.generation, reusable: reusable, now: now), returned: held)
            case 8:
                if random.next() % 2 == 0, closing > 0 {
                    closing -= 1
                    for g in machine.closeFinished() { grant(.grantSlot(waiter: g.waiter, generation: g.generation), returned: nil) }
                } else if let id = waiting.keys.sorted().first, machine.abandon(waiterID: id) {
                    waiting.removeValue(forKey: id)
                }
            default:
                if random.next() % 4 == 0 {
                    let removed = machine.remove(keys[Int(random.next() % UInt64(keys.count))])
                    for id in removed.waiters { waiting.removeValue(forKey: id) }
                    closing += removed.idle.count
                } else {
                    closing += machine.closeIdle(now: now, idleTimeout: .seconds(10)).idle.count
                }
            }

            #expect(machine.openCount == leased.count + opening.count + machine.idleCount + closing)
            #expect(machine.closingCount == closing)
            #expect(machine.openCount <= machine.maximumConnections)
            #expect(Set(machine.waiters.map(\.id)) == Set(waiting.keys))
            for (key, member) in machine.members {
                let live = (leased + opening).count { $0.key == key && $0.generation == member.generation }
                #expect(member.openCount == live + member.idle.count)
                #expect(member.openCount <= machine.maximumConnectionsPerKey)
            }
            let couldOpen = machine.waiters.contains { (machine.members[$0.key]?.openCount ?? 0) < machine.maximumConnectionsPerKey }
            if couldOpen {
                #expect(machine.openCount == machine.maximumConnections)
                #expect(machine.idleCount == 0)
            }
        }
    }

    // MARK: - Helpers

    private func opens(_ action: Machine.CheckoutAction) -> Bool {
        if case .open(_, nil) = action { return true }
        return false
    }

    private func evicted(_ action: Machine.CheckoutAction) -> String? {
        if case .open(_, let closing?) = action { return closing }
        return nil
    }

    private func waits(_ action: Machine.CheckoutAction) -> Bool {
        if case .wait = action { return true }
        return false
    }

    private func isKeepIdle(_ action: Machine.ReleaseAction) -> Bool {
        if case .keepIdle = action { return true }
        return false
    }

    private func isClose(_ action: Machine.ReleaseAction) -> Bool {
        if case .close = action { return true }
        return false
    }
}

/// A small deterministic generator, so a failing interleaving can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
