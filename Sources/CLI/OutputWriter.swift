import Foundation
import Synchronization

/// Where commands write their results and diagnostics; injected so that tests read them.
public protocol OutputWriter: Sendable {
    func write(_ text: String)
    func writeError(_ text: String)
}

/// Standard output for results, standard error for diagnostics.
public struct StandardOutputWriter: OutputWriter {
    public init() {}
    public func write(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
    public func writeError(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
}

/// Collects output in memory, for tests.
public final class CapturedOutput: OutputWriter {
    private let state = Mutex<(out: [String], err: [String])>(([], []))
    public init() {}
    public func write(_ text: String) { state.withLock { $0.out.append(text) } }
    public func writeError(_ text: String) { state.withLock { $0.err.append(text) } }
    public var standardOutput: String { state.withLock { $0.out.joined(separator: "\n") } }
    public var standardError: String { state.withLock { $0.err.joined(separator: "\n") } }
}
