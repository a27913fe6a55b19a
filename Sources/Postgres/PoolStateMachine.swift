/// The pool's bookkeeping as a plain state machine: events in, actions out.
/// It holds no locks and does no I/O, so every interleaving can be tested
/// directly; ``PostgresPool`` owns it behind a mutex and performs the actions.
struct PoolStateMachine<Connection> {
    enum CheckoutAction {
        /// Reuse this idle connection (after a health check).
        case use(Connection)
        /// Open a new connection: a slot has been reserved for it.
        case open
        /// Wait; the waiter was queued under this id.
        case wait
        case failClosed
    }

    enum ReleaseAction {
        /// Hand this connection to the waiter.
        case handOver(waiter: Int, Connection)
        /// The waiter may open a new connection in the freed slot.
        case grantSlot(waiter: Int)
        /// Keep the connection idle; nobody is waiting.
        case keepIdle
        /// Close the connection (pool closed or connection unusable); nobody to give the slot to.
        case close
    }

    let maximumConnections: Int
    private(set) var idle: [Connection] = []
    /// Connections that exist or are being opened (idle + leased + opening).
    private(set) var openCount = 0
    private(set) var waiters: [Int] = []
    private(set) var isClosed = false

    init(maximumConnections: Int) { self.maximumConnections = maximumConnections }

    var leasedCount: Int { openCount - idle.count }

    mutating func checkout(waiterID: Int) -> CheckoutAction {
        if isClosed { return .failClosed }
        if let connection = idle.popLast() { return .use(connection) }
        if openCount < maximumConnections {
            openCount += 1
            return .open
        }
        waiters.append(waiterID)
        return .wait
    }

    /// A waiter gave up (timeout or cancellation). Returns false if it had
    /// already been served, in which case whatever it was given must be released.
    mutating func abandon(waiterID: Int) -> Bool {
        guard let index = waiters.firstIndex(of: waiterID) else { return false }
        waiters.remove(at: index)
        return true
    }

    /// A leased connection comes back; `reusable` is false when it is broken
    /// or was left inside a transaction.
    mutating func release(_ connection: Connection, reusable: Bool) -> ReleaseAction {
        if reusable && !isClosed {
            if !waiters.isEmpty { return .handOver(waiter: waiters.removeFirst(), connection) }
            idle.append(connection)
            return .keepIdle
        }
        return slotFreed()
    }

    /// Opening a connection failed, or a connection was discarded after a failed health check.
    mutating func slotFreed() -> ReleaseAction {
        if !isClosed, !waiters.isEmpty { return .grantSlot(waiter: waiters.removeFirst()) }
        openCount -= 1
        return .close
    }

    /// Closes the pool: returns idle connections to close and waiters to fail.
    mutating func close() -> (idle: [Connection], waiters: [Int]) {
        isClosed = true
        let toClose = idle
        openCount -= idle.count
        idle.removeAll()
        let toFail = waiters
        waiters.removeAll()
        return (toClose, toFail)
    }
}
