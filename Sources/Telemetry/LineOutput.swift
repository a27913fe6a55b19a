import Foundation
import Synchronization

/// The lines bound for one file descriptor, written in batches.
///
/// Under load every request logs a line, and a `write(2)` per line was 2–3%
/// of ingest's CPU, with threads sleeping on the lock through each other's
/// writes. Here a line is appended to a buffer; a thread of the output's own
/// writes the buffer a few milliseconds after it stops being empty, so a
/// busy server makes one system call per interval instead of one per line.
/// That is the trade nginx's buffered access log makes: a process killed
/// outright loses at most the last interval's lines. Lines that must not
/// wait (warnings and errors) are written at once, after what is buffered,
/// and everything left is written when the process exits normally.
final class LineOutput: @unchecked Sendable {
    /// How long a line may wait for others to join it: 5 ms.
    static let intervalMicroseconds: UInt32 = 5_000
    /// Past this much buffered, the thread appending writes the buffer itself: when the descriptor
    /// is slow (a pipe nobody drains), loggers wait for it as they did when every line was written
    /// at once, instead of the buffer growing without bound.
    static let highWater = 1 << 20

    private let fileDescriptor: Int32
    /// Guards `pending` and `writerStarted`; the writer thread waits on it while there is nothing to write.
    private let condition = NSCondition()
    private var pending: [UInt8] = []
    private var writerStarted = false
    /// Held while a batch is taken and written, so that batches reach the file in the order they were taken.
    private let writing = Mutex<Void>(())

    private static let outputs = Mutex<[Int32: LineOutput]>([:])

    private init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    /// The one output for `fileDescriptor` in this process, so that every logger's lines to it stay in order.
    static func shared(for fileDescriptor: Int32) -> LineOutput {
        outputs.withLock { outputs in
            if let output = outputs[fileDescriptor] { return output }
            if outputs.isEmpty { atexit { LineOutput.flushAll() } }
            let output = LineOutput(fileDescriptor: fileDescriptor)
            outputs[fileDescriptor] = output
            return output
        }
    }

    /// Writes what every output holds; run at exit.
    static func flushAll() {
        for output in outputs.withLock({ Array($0.values) }) { output.flush() }
    }

    func append(_ line: [UInt8], immediately: Bool) {
        condition.lock()
        let wasEmpty = pending.isEmpty
        pending.append(contentsOf: line)
        if !writerStarted {
            writerStarted = true
            let thread = Thread { [self] in writeLoop() }
            thread.name = "log-writer"
            thread.start()
        }
        if wasEmpty && !immediately { condition.signal() }
        let isFull = pending.count >= Self.highWater
        condition.unlock()
        if immediately || isFull { flush() }
    }

    /// Writes everything appended before the call.
    func flush() {
        writing.withLock { _ in
            condition.lock()
            let batch = pending
            pending.removeAll(keepingCapacity: true)
            condition.unlock()
            write(batch)
        }
    }

    private func writeLoop() {
        while true {
            condition.lock()
            while pending.isEmpty { condition.wait() }
            condition.unlock()
            usleep(Self.intervalMicroseconds)
            flush()
        }
    }

    private func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
