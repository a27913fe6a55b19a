import CLibPQ
import Foundation
import Platform
import Telemetry

/// Owns a `PGconn` and finishes it exactly once. Touched only on the
/// connection's dedicated thread.
final class LibPQHandle: @unchecked Sendable {
    private(set) var connection: OpaquePointer?
    /// The session's prepared statements by SQL text and parameter types.
    var statements = PreparedStatements()

    init(_ connection: OpaquePointer) { self.connection = connection }

    func finish() {
        if let connection { PQfinish(connection) }
        connection = nil
        statements = PreparedStatements()
    }

    deinit { finish() }
}

/// Discards NOTICE messages (libpq would print them on standard error, where
/// they would interleave with our JSON log lines).
private func discardNotice(_ argument: UnsafeMutableRawPointer?, _ message: UnsafePointer<CChar>?) {}

/// `close(2)`, named apart from ``PostgresConnection/close()``.
private func closeDescriptor(_ descriptor: Int32) { _ = close(descriptor) }

/// One session with PostgreSQL. See ``PostgresModule`` for the concurrency model.
///
/// A connection is not meant to be shared by concurrent tasks: take one from a
/// ``PostgresPool`` with `withConnection {}` or `withTransaction {}`.
public final class PostgresConnection: @unchecked Sendable {
    private let handle: LibPQHandle
    private let thread: DedicatedThread
    /// The server process id of this session (for `pg_terminate_backend`, logs).
    public let backendPID: Int32
    let logger: Logger
    /// When the pool last handed this connection back; read and written by the pool only.
    var lastReleased = ContinuousClock.now

    private init(handle: LibPQHandle, thread: DedicatedThread, backendPID: Int32, logger: Logger) {
        self.handle = handle
        self.thread = thread
        self.backendPID = backendPID
        self.logger = logger
    }

    /// Opens a session. Fails with `connectionFailed` (the libpq reason is in the debug description).
    public static func connect(_ configuration: PostgresConfiguration, logger: Logger = .disabled) async throws
        -> PostgresConnection
    {
        let thread = DedicatedThread(name: "postgres")
        do {
            let (handle, pid) = try await thread.run { () throws -> (LibPQHandle, Int32) in
                try Self.open(configuration)
            }
            return PostgresConnection(handle: handle, thread: thread, backendPID: pid, logger: logger)
        } catch {
            thread.stop()
            throw error
        }
    }

    static func open(_ configuration: PostgresConfiguration) throws -> (LibPQHandle, Int32) {
        let pairs = configuration.keywordValues
        let keywords = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        var keywordPointers = keywords.map { UnsafePointer($0) } + [nil]
        var valuePointers = values.map { UnsafePointer($0) } + [nil]
        guard let raw = PQconnectdbParams(&keywordPointers, &valuePointers, 1) else {
            throw PostgresError(.connectionFailed, summary: "could not connect to PostgreSQL: out of memory")
        }
        let handle = LibPQHandle(raw)
        guard PQstatus(raw) == CONNECTION_OK else {
            let reason = String(cString: PQerrorMessage(raw)).trimmingCharacters(in: .whitespacesAndNewlines)
            handle.finish()
            throw PostgresError(
                .connectionFailed, summary: "could not connect to PostgreSQL", serverMessage: reason)
        }
        PQsetNoticeProcessor(raw, discardNotice, nil)
        return (handle, PQbackendPID(raw))
    }

    /// Runs a statement and returns all its rows.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await thread.run { [handle] in try Self.execute(query, on: handle) }
    }

    /// Runs `body` on the connection's thread with the session in hand.
    /// `body` must not wait for anything but this database session.
    public func withSession<Result: Sendable>(_ body: @escaping @Sendable (PostgresSession) throws -> Result)
        async throws -> Result
    {
        try await thread.run { [handle] in try body(PostgresSession(handle: handle)) }
    }

    /// Runs a statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PostgresQuery) async throws -> Int {
        try await self.query(query).affectedRows
    }

    /// Runs several statements separated by semicolons with the simple query
    /// protocol (no parameters possible). For migration files only.
    public func executeScript(unsafeSQL script: String) async throws {
        try await thread.run { [handle] in
            guard let connection = handle.connection else { throw Self.closedError() }
            let result = PQexec(connection, script)
            _ = try Self.consume(result, connection: connection)
        }
    }

    /// Whether the session is usable. Cheap when it is idle and recently used:
    /// a socket that is readable while idle means the server said something
    /// (typically that it terminated us), so then, or after `pingAfter`, a
    /// `SELECT 1` decides.
    ///
    /// The first look runs on the caller's thread: it only reads libpq's
    /// state and polls the socket without waiting, and the connection is idle
    /// in the pool's hands, so nothing else touches it. Only the ping, which
    /// blocks, goes to the dedicated thread.
    func isHealthy(pingAfter: Duration) async -> Bool {
        let idleFor = ContinuousClock.now - lastReleased
        guard let connection = handle.connection, PQstatus(connection) == CONNECTION_OK,
            PQtransactionStatus(connection) == PQTRANS_IDLE
        else { return false }
        var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
        let readable = poll(&descriptor, 1, 0) != 0
        guard readable || idleFor > pingAfter else { return true }
        let result = try? await thread.run { [handle] () -> Bool in
            guard let connection = handle.connection else { return false }
            guard let ping = PQexec(connection, "SELECT 1") else { return false }
            defer { PQclear(ping) }
            return PQresultStatus(ping) == PGRES_TUPLES_OK && PQstatus(connection) == CONNECTION_OK
        }
        return result ?? false
    }

    /// Whether the session is open and outside any transaction, so it may be
    /// reused. Reads libpq's state on the caller's thread (no call blocks, and
    /// the session's user has just finished with it).
    func isReusable() -> Bool {
        guard let connection = handle.connection else { return false }
        return PQstatus(connection) == CONNECTION_OK && PQtransactionStatus(connection) == PQTRANS_IDLE
    }

    /// Closes the session and ends its thread.
    public func close() async {
        _ = try? await thread.run { [handle] in handle.finish() }
        thread.stop()
    }

    /// Closes the session and waits, up to `timeout`, until the server has
    /// ended it: until the backend process has exited and so left
    /// `pg_stat_activity` and freed its `max_connections` slot.
    ///
    /// `PQfinish` only sends Terminate; the backend exits a moment later. A
    /// pool that closes one tenant's session to open another's would
    /// otherwise briefly have one session more on the server than its cap.
    /// The backend closes its end of the socket only when it exits, so a
    /// duplicate of our descriptor, kept open across `PQfinish`, reads EOF then.
    func closeAwaitingServerExit(timeout: Duration = .seconds(1)) async {
        _ = try? await thread.run { [handle] in Self.finishAwaitingServerExit(handle, timeout: timeout) }
        thread.stop()
    }

    private static func finishAwaitingServerExit(_ handle: LibPQHandle, timeout: Duration) {
        guard let connection = handle.connection else { return }
        let socket = PQsocket(connection)
        let watched = socket >= 0 ? fcntl(socket, F_DUPFD_CLOEXEC, 0) : -1
        handle.finish()
        guard watched >= 0 else { return }
        defer { closeDescriptor(watched) }
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return }
            let millis = remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1
            var descriptor = pollfd(fd: watched, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(clamping: millis))
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return }  // timed out, or poll failed
            // Discards anything still in flight (a TLS close_notify); 0 is EOF: the backend is gone.
            let count = buffer.withUnsafeMutableBytes { read(watched, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
        }
    }

    // MARK: - Statement execution (on the dedicated thread)

    private static func closedError() -> PostgresError {
        PostgresError(.closed, summary: "the database connection is closed")
    }

    static func execute(_ query: PostgresQuery, on handle: LibPQHandle) throws -> PostgresRows {
        guard let connection = handle.connection else { throw closedError() }
        let bindings = query.bindings
        var types: [UInt32] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        var buffers: [UnsafeMutablePointer<CChar>?] = []
        types.reserveCapacity(bindings.count)
        lengths.reserveCapacity(bindings.count)
        formats.reserveCapacity(bindings.count)
        buffers.reserveCapacity(bindings.count)
        defer { buffers.forEach { free($0) } }
        for bind in bindings {
            types.append(bind.type.oid)
            formats.append(bind.isBinary ? 1 : 0)
            guard let bytes = bind.bytes else {
                lengths.append(0)
                buffers.append(nil)
                continue
            }
            // Text values must be NUL-terminated; one extra byte serves both formats.
            guard let buffer = malloc(bytes.count + 1)?.assumingMemoryBound(to: CChar.self) else {
                throw PostgresError(.server, summary: "out of memory binding a parameter")
            }
            bytes.withUnsafeBytes { source in
                if let base = source.baseAddress { memcpy(buffer, base, bytes.count) }
            }
            buffer[bytes.count] = 0
            lengths.append(Int32(bytes.count))
            buffers.append(buffer)
        }
        let values = buffers.map { UnsafePointer($0) }
        let key = PreparedStatements.Key(sql: query.sql, types: types)
        let name: String
        if let known = handle.statements.name(for: key) {
            name = known
        } else {
            if let evicted = handle.statements.evictionCandidate() {
                // Outside a failed transaction this frees the server's copy; inside one it
                // fails harmlessly and the name is simply never reused.
                PQclear(PQexec(connection, "DEALLOCATE \(evicted)"))
            }
            name = handle.statements.nextName()
            let prepared = PQprepare(connection, name, query.sql, Int32(bindings.count), types)
            _ = try consume(prepared, connection: connection)
            handle.statements.insert(key, name: name)
        }
        let result = PQexecPrepared(connection, name, Int32(bindings.count), values, lengths, formats, 0)
        do {
            return try consume(result, connection: connection)
        } catch let error as PostgresError where error.invalidatesPreparedStatement {
            handle.statements.remove(key)
            throw error
        }
    }

    private static func consume(_ result: OpaquePointer?, connection: OpaquePointer) throws -> PostgresRows {
        guard let result else { throw connectionError(connection) }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
            return PostgresRows(columns: [], cells: [], affectedRows: affected)
        case PGRES_TUPLES_OK:
            let columnCount = Int(PQnfields(result))
            let rowCount = Int(PQntuples(result))
            var columns: [PostgresColumn] = []
            columns.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                columns.append(
                    PostgresColumn(
                        name: String(cString: PQfname(result, Int32(column))),
                        type: PostgresType(oid: PQftype(result, Int32(column)))))
            }
            var cells: [String?] = []
            cells.reserveCapacity(rowCount * columnCount)
            for row in 0..<rowCount {
                for column in 0..<columnCount {
                    if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                        cells.append(nil)
                    } else {
                        let length = Int(PQgetlength(result, Int32(row), Int32(column)))
                        let start = UnsafeRawPointer(PQgetvalue(result, Int32(row), Int32(column)))
                        let bytes = UnsafeRawBufferPointer(start: start, count: length)
                        cells.append(String(decoding: bytes, as: UTF8.self))
                    }
                }
            }
            return PostgresRows(columns: columns, cells: cells, affectedRows: rowCount)
        default:
            throw serverError(result, connection: connection)
        }
    }

    private static func field(_ result: OpaquePointer, _ code: Character) -> String? {
        guard let ascii = code.asciiValue, let value = PQresultErrorField(result, Int32(ascii)) else { return nil }
        return String(cString: value)
    }

    private static func serverError(_ result: OpaquePointer, connection: OpaquePointer) -> PostgresError {
        let sqlState = field(result, "C").map(SQLState.init(rawValue:))
        let lost = PQstatus(connection) != CONNECTION_OK || sqlState?.meansConnectionLost == true
        let primary =
            field(result, "M")
            ?? String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
        return PostgresError(
            lost ? .connectionLost : .server,
            summary: lost ? "the database connection was lost" : "the database rejected the statement",
            sqlState: sqlState, serverMessage: primary, detail: field(result, "D"), hint: field(result, "H"),
            constraint: field(result, "n"), table: field(result, "t"), column: field(result, "c"))
    }

    private static func connectionError(_ connection: OpaquePointer) -> PostgresError {
        let reason = String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
        return PostgresError(
            .connectionLost, summary: "the database connection was lost", serverMessage: reason)
    }
}
