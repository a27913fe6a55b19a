#if canImport(Glibc)
    import Glibc
#endif
import CLinux
import Foundation
import Synchronization

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
    /// Set once the child has been waited for: its pid may belong to another process after that.
    private let ended = Mutex(false)

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

    /// Sends `signal` and waits for the child to end; nothing once it has ended.
    public func kill(_ signal: Int32) {
        ended.withLock { ended in
            guard !ended else { return }
            _ = Glibc.kill(pid, signal)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            ended = true
        }
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

extension ChildProcess {
    public struct Completed: Sendable {
        /// The exit status, or 128 + the signal that ended the child.
        public var status: Int32
        public var output: [UInt8]
        public var errorOutput: [UInt8]
    }

    /// Runs a program to completion with `input` on its standard input and
    /// collects what it writes. Blocks the calling thread.
    ///
    /// Foundation's `FileHandle.readDataToEndOfFile` traps when a read is
    /// interrupted by a signal (EINTR), which happens under load; this reads
    /// with poll(2) and retries interrupted calls.
    public static func run(executable: String, arguments: [String], input: [UInt8] = []) throws -> Completed {
        // A child that exits without reading its input must not kill the tests.
        signal(SIGPIPE, SIG_IGN)
        var stdinPipe: [Int32] = [-1, -1]
        var stdoutPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        for index in 0..<3 {
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else {
                throw ChildProcessError(message: "pipe: \(String(cString: strerror(errno)))")
            }
            // Every spawn here closes inherited descriptors itself; this keeps
            // the pipes out of anything else that forks.
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
            switch index {
            case 0: stdinPipe = fds
            case 1: stdoutPipe = fds
            default: stderrPipe = fds
            }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        _ = countersign_spawn_add_closefrom(&actions, 3)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let spawnStatus = posix_spawn(&child, executable, &actions, nil, argv, environ)
        close(stdinPipe[0])
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard spawnStatus == 0 else {
            close(stdinPipe[1])
            close(stdoutPipe[0])
            close(stderrPipe[0])
            throw ChildProcessError(message: "cannot start \(executable): \(String(cString: strerror(spawnStatus)))")
        }
        let completed = exchange(
            input: input, stdin: stdinPipe[1], stdout: stdoutPipe[0], stderr: stderrPipe[0])
        var status: Int32 = 0
        while waitpid(child, &status, 0) == -1 && errno == EINTR {}
        let signalled = status & 0x7f
        let exitStatus = signalled == 0 ? (status >> 8) & 0xff : 128 + signalled
        return Completed(status: exitStatus, output: completed.output, errorOutput: completed.errorOutput)
    }

    /// Writes `input` and reads both outputs until the child closes them,
    /// closing every descriptor it is given.
    private static func exchange(
        input: [UInt8], stdin: Int32, stdout: Int32, stderr: Int32
    ) -> (output: [UInt8], errorOutput: [UInt8]) {
        var output: [UInt8] = []
        var errorOutput: [UInt8] = []
        var writer: Int32 = stdin
        var written = 0
        if input.isEmpty {
            close(writer)
            writer = -1
        } else {
            _ = fcntl(writer, F_SETFL, fcntl(writer, F_GETFL) | O_NONBLOCK)
        }
        var readers: [Int32] = [stdout, stderr]
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while writer >= 0 || readers.contains(where: { $0 >= 0 }) {
            var fds = [
                pollfd(fd: writer, events: Int16(POLLOUT), revents: 0),
                pollfd(fd: readers[0], events: Int16(POLLIN), revents: 0),
                pollfd(fd: readers[1], events: Int16(POLLIN), revents: 0),
            ]
            if poll(&fds, nfds_t(fds.count), -1) == -1 {
                if errno == EINTR { continue }
                break
            }
            if writer >= 0 && fds[0].revents != 0 {
                let count = input[written...].withUnsafeBytes { write(writer, $0.baseAddress, $0.count) }
                if count > 0 { written += count }
                if (count == -1 && errno != EINTR && errno != EAGAIN) || written == input.count {
                    close(writer)
                    writer = -1
                }
            }
            for index in 0..<2 where readers[index] >= 0 && fds[index + 1].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(readers[index], $0.baseAddress, $0.count) }
                if count > 0 {
                    if index == 0 {
                        output += buffer[0..<count]
                    } else {
                        errorOutput += buffer[0..<count]
                    }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(readers[index])
                    readers[index] = -1
                }
            }
        }
        if writer >= 0 { close(writer) }
        for reader in readers where reader >= 0 { close(reader) }
        return (output, errorOutput)
    }
}
