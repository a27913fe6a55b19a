#if canImport(Glibc)
    import Glibc
#endif
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
    public func write(_ text: String) { Self.write(text, to: STDOUT_FILENO) }
    public func writeError(_ text: String) { Self.write(text, to: STDERR_FILENO) }

    /// FileHandle's write traps on any error (a closed pipe, an interrupted
    /// call); a command's output must not crash it, so this retries EINTR and
    /// gives up quietly on anything else.
    private static func write(_ text: String, to descriptor: Int32) {
        let bytes = Array((text + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                offset += count
            } else if count == -1 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }
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
