import Foundation
import Synchronization

/// Random lowercase-hex identifiers for request, trace and span ids.
///
/// The bytes come from the kernel's CSPRNG, so ids are not guessable; that
/// matters because request ids appear in error bodies. They are read 4 KB at
/// a time: `SystemRandomNumberGenerator` makes a system call per eight bytes,
/// five per request (request id, trace id, span id), which was 2 % of the
/// server's CPU under ingest load.
public enum RandomIdentifier {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)
    private static let pool = Mutex(RandomPool())

    /// `byteCount` random bytes as `2 * byteCount` hex digits, never all zero
    /// (W3C trace context forbids all-zero trace and span ids).
    public static func hex(byteCount: Int) -> String {
        var bytes = [UInt8](repeating: 0, count: byteCount)
        pool.withLock { $0.take(into: &bytes) }
        return String(unsafeUninitializedCapacity: byteCount * 2) { buffer in
            var allZero = true
            for (index, byte) in bytes.enumerated() {
                if byte != 0 { allZero = false }
                buffer[2 * index] = digits[Int(byte >> 4)]
                buffer[2 * index + 1] = digits[Int(byte & 0x0F)]
            }
            if allZero && byteCount > 0 { buffer[byteCount * 2 - 1] = UInt8(ascii: "1") }
            return byteCount * 2
        }
    }
}

/// Kernel random bytes read in bulk and handed out once each.
struct RandomPool: ~Copyable {
    private var buffer = [UInt8](repeating: 0, count: 4096)
    private var next = 4096

    mutating func take(into bytes: inout [UInt8]) {
        var filled = 0
        while filled < bytes.count {
            if next == buffer.count { refill() }
            let count = min(bytes.count - filled, buffer.count - next)
            for offset in 0..<count {
                bytes[filled + offset] = buffer[next + offset]
                buffer[next + offset] = 0  // handed out bytes are not kept
            }
            next += count
            filled += count
        }
    }

    /// The kernel's CSPRNG as a file, opened once (getrandom(2) is outside Swift's Glibc module).
    private let source = open("/dev/urandom", O_RDONLY | O_CLOEXEC)

    deinit {
        if source >= 0 { close(source) }
    }

    private mutating func refill() {
        let count = buffer.count
        let read = source < 0 ? -1 : buffer.withUnsafeMutableBytes { raw in Foundation.read(source, raw.baseAddress, count) }
        if read != count {
            // Short only when interrupted, or without /dev/urandom: the generator reads the same source.
            var generator = SystemRandomNumberGenerator()
            for index in buffer.indices { buffer[index] = generator.next() }
        }
        next = 0
    }
}
