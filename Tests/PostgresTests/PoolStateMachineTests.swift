@testable import Postgres
import Testing

@Suite("Pool state machine")
struct PoolStateMachineTests {
    @Test func opensUpToTheLimitThenQueuesWaiters() {
        var machine = PoolStateMachine<String>(maximumConnections: 2)
        #expect(isOpen(machine.checkout(waiterID: 1)))
        #expect(isOpen(machine.checkout(waiterID: 2)))
        #expect(isWait(machine.checkout(waiterID: 3)))
        #expect(machine.waiters == [3])
        #expect(machine.openCount == 2)
    }

    @Test func releaseHandsTheConnectionToTheOldestWaiter() {
        var machine = PoolStateMachine<String>(maximumConnections: 1)
        _ = machine.checkout(waiterID: 1)
        _ = machine.checkout(waiterID: 2)
        _ = machine.checkout(waiterID: 3)
        guard case .handOver(let waiter, let connection) = machine.release("a", reusable: true) else {
            Issue.record("expected hand-over")
            return
        }
        #expect(waiter == 2 && connection == "a")
        #expect(machine.waiters == [3])
    }

    @Test func aBrokenConnectionFreesItsSlotForAWaiter() {
        var machine = PoolStateMachine<String>(maximumConnections: 1)
        _ = machine.checkout(waiterID: 1)
        _ = machine.checkout(waiterID: 2)
        guard case .grantSlot(let waiter) = machine.release("a", reusable: false) else {
            Issue.record("expected slot grant")
            return
        }
        #expect(waiter == 2)
        #expect(machine.openCount == 1)
        guard case .close = machine.release("b", reusable: false) else {
            Issue.record("expected close")
            return
        }
        #expect(machine.openCount == 0)
    }

    @Test func idleConnectionsAreReusedLastInFirstOut() {
        var machine = PoolStateMachine<String>(maximumConnections: 3)
        _ = machine.checkout(waiterID: 1)
        _ = machine.checkout(waiterID: 2)
        _ = machine.release("a", reusable: true)
        _ = machine.release("b", reusable: true)
        guard case .use(let connection) = machine.checkout(waiterID: 3) else {
            Issue.record("expected reuse")
            return
        }
        #expect(connection == "b")
    }

    @Test func abandonedWaitersAreForgottenAndClosingFailsTheRest() {
        var machine = PoolStateMachine<String>(maximumConnections: 1)
        _ = machine.checkout(waiterID: 1)
        _ = machine.checkout(waiterID: 2)
        _ = machine.checkout(waiterID: 3)
        let abandoned = machine.abandon(waiterID: 2)
        let abandonedTwice = machine.abandon(waiterID: 2)
        #expect(abandoned)
        #expect(!abandonedTwice)
        let closed = machine.close()
        #expect(closed.waiters == [3])
        guard case .failClosed = machine.checkout(waiterID: 4) else {
            Issue.record("expected failure after close")
            return
        }
        guard case .close = machine.release("a", reusable: true) else {
            Issue.record("a connection returned after close must be closed")
            return
        }
        #expect(machine.openCount == 0)
    }

    private func isOpen(_ action: PoolStateMachine<String>.CheckoutAction) -> Bool {
        if case .open = action { return true }
        return false
    }

    private func isWait(_ action: PoolStateMachine<String>.CheckoutAction) -> Bool {
        if case .wait = action { return true }
        return false
    }
}
