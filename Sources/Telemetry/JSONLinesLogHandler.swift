import Foundation
import Synchronization

/// Writes one JSON object per line: `time`, `level`, `label`, `message`, then
/// the metadata keys (`request_id`, `trace_id`, `tenant`, …) at the top level.
///
/// Lines are built in memory and written with a single `write(2)` under a lock,
/// so records from concurrent tasks never interleave.
public final class JSONLinesLogHandler: LogHandler {
    private let fileDescriptor: Int32
    private let lock = Mutex<Void>(())

    /// - Parameter fileDescriptor: where lines go; standard error by default so
    ///   that standard output stays free for command results.
    public init(fileDescriptor: Int32 = 2) {
        self.fileDescriptor = fileDescriptor
    }

    public func write(_ record: LogRecord) {
        var line = Self.encode(record)
        line.append(0x0A)
        lock.withLock { _ in
            line.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Foundation.write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
    }

    /// The JSON text of one record, without the trailing newline.
    public static func encode(_ record: LogRecord) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + record.message.utf8.count)
        out.append(UInt8(ascii: "{"))
        appendField("time", Self.timestamp(record.time), to: &out, first: true)
        appendField("level", record.level.rawValue, to: &out)
        appendField("label", record.label, to: &out)
        appendField("message", record.message, to: &out)
        for key in record.metadata.keys.sorted() where !reserved.contains(key) {
            appendField(key, record.metadata[key] ?? "", to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    private static let reserved: Set<String> = ["time", "level", "label", "message"]

    private static func appendField(_ key: String, _ value: String, to out: inout [UInt8], first: Bool = false) {
        if !first { out.append(UInt8(ascii: ",")) }
        JSONString.append(key, to: &out)
        out.append(UInt8(ascii: ":"))
        JSONString.append(value, to: &out)
    }

    private static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// JSON string escaping per RFC 8259, shared by everything that writes JSON by hand.
public enum JSONString {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    public static func append(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    public static func quoted(_ string: String) -> String {
        var out: [UInt8] = []
        append(string, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
