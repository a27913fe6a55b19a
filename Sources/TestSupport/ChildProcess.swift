#if canImport(Glibc)
    import Glibc
#endif
import CLinux
import Foundation

/// A child process started with nothing inherited but /dev/null for its
/// standard streams.
///
/// Tests run in parallel in one process, and their sockets are not all
/// close-on-exec: a child started with Foundation's `Process` can inherit
/// another test's connection and keep it open after that test closed it, so
/// the peer never sees the close. `posix_spawn` with `addclosefrom` closes
/// every descriptor above the standard ones in the child.
public final class ChildProcess: Sendable {
    public let pid: pid_t

    public init(executable: String, arguments: [String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        _ = countersign_spawn_add_closefrom(&actions, 3)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, nil, argv, environ)
        guard status == 0 else {
            throw ChildProcessError(message: "cannot start \(executable): \(String(cString: strerror(status)))")
        }
        pid = child
    }

    /// Sends `signal` and waits for the child to end.
    public func kill(_ signal: Int32) {
        _ = Glibc.kill(pid, signal)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
