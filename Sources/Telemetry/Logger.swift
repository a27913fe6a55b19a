import Foundation
import Synchronization

/// Severity of a log record, ordered from most to least verbose.
public enum LogLevel: String, Sendable, Comparable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical

    /// A switch rather than a search of `allCases`, which built an array on
    /// every level check (each access-log line makes several).
    private var rank: Int {
        switch self {
        case .trace: 0
        case .debug: 1
        case .info: 2
        case .notice: 3
        case .warning: 4
        case .error: 5
        case .critical: 6
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rank < rhs.rank }
}

/// Structured context attached to a log record. Values are strings so that a
/// record can always be serialized; secrets are wrapped in ``Redacted`` before
/// they could ever be put here.
public typealias LogMetadata = [String: String]

/// One log event as handed to a ``LogHandler``.
public struct LogRecord: Sendable {
    public var time: Date
    public var level: LogLevel
    public var label: String
    public var message: String
    public var metadata: LogMetadata

    public init(time: Date, level: LogLevel, label: String, message: String, metadata: LogMetadata) {
        self.time = time
        self.level = level
        self.label = label
        self.message = message
        self.metadata = metadata
    }
}

/// Destination of log records. Implementations must be thread-safe.
public protocol LogHandler: Sendable {
    func write(_ record: LogRecord)
}

/// A small logging facade: a label, a minimum level, metadata carried along
/// (request id, tenant) and a handler that does the writing. The trace of the
/// work in progress (``TraceContext/current``) is added to every line as
/// `trace_id` and `span_id`.
///
/// `Logger` is a value: `with(_:_:)` returns a copy with more metadata, so a
/// request handler can enrich its own logger without affecting anyone else's.
public struct Logger: Sendable {
    public var label: String
    public var minimumLevel: LogLevel
    public var metadata: LogMetadata
    public let handler: any LogHandler

    public init(label: String, minimumLevel: LogLevel = .info, metadata: LogMetadata = [:], handler: any LogHandler) {
        self.label = label
        self.minimumLevel = minimumLevel
        self.metadata = metadata
        self.handler = handler
    }

    /// A logger that discards everything; for code paths that have no logger to hand.
    public static let disabled = Logger(label: "disabled", minimumLevel: .critical, handler: DiscardingLogHandler())

    /// A copy of this logger that adds `value` under `key` to every record.
    public func with(_ key: String, _ value: String) -> Logger {
        var copy = self
        copy.metadata[key] = value
        return copy
    }

    /// A copy of this logger with a different label.
    public func labelled(_ label: String) -> Logger {
        var copy = self
        copy.label = label
        return copy
    }

    public func isEnabled(_ level: LogLevel) -> Bool { level >= minimumLevel }

    public func log(
        _ level: LogLevel, _ message: @autoclosure () -> String, metadata extra: @autoclosure () -> LogMetadata = [:]
    ) {
        guard isEnabled(level) else { return }
        let extra = extra()
        // Most loggers carry no metadata of their own: then the line's own is taken as is, without a merge.
        var merged = metadata.isEmpty ? extra : metadata
        if !metadata.isEmpty {
            for (key, value) in extra { merged[key] = value }
        }
        // Explicit fields win: a line about another unit of work names that work's trace.
        if merged["trace_id"] == nil, let trace = TraceContext.current {
            merged["trace_id"] = trace.traceID
            merged["span_id"] = trace.spanID
        }
        handler.write(LogRecord(time: Date(), level: level, label: label, message: message(), metadata: merged))
    }

    public func trace(_ message: @autoclosure () -> String, metadata: @autoclosure () -> LogMetadata = [:]) {
        log(.trace, message(), metadata: metadata())
    }
    public func debug(_ message: @autoclosure () -> String, metadata: @autoclosure () -> LogMetadata = [:]) {
        log(.debug, message(), metadata: metadata())
    }
    public func info(_ message: @autoclosure () -> String, metadata: @autoclosure () -> LogMetadata = [:]) {
        log(.info, message(), metadata: metadata())
    }
    public func notice(_ message: @autoclosure () -> String, metadata: @autoclosure () -> LogMetadata = [:]) {
        log(.notice, message(), metadata: metadata())
    }
    public func warning(_ message: @autoclosure () -> String, metadata: @autoclosure () -> LogMetadata = [:]) {
        log(.warning, message(), metadata: metadata())
    }
    public func error(_ message: @autoclosure () -> String, metadata: @autoclosure () -> LogMetadata = [:]) {
        log(.error, message(), metadata: metadata())
    }
    public func critical(_ message: @autoclosure () -> String, metadata: @autoclosure () -> LogMetadata = [:]) {
        log(.critical, message(), metadata: metadata())
    }
}

/// Drops every record.
public struct DiscardingLogHandler: LogHandler {
    public init() {}
    public func write(_ record: LogRecord) {}
}

/// Keeps records in memory so that tests can assert on what was logged.
public final class InMemoryLogHandler: LogHandler {
    private let storage = Mutex<[LogRecord]>([])

    public init() {}

    public func write(_ record: LogRecord) { storage.withLock { $0.append(record) } }

    public var records: [LogRecord] { storage.withLock { $0 } }
}
