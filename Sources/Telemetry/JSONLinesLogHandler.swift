import Foundation
import Synchronization

/// Writes one JSON object per line: `time`, `level`, `label`, `message`, then
/// the metadata keys (`request_id`, `trace_id`, `tenant`, …) at the top level.
///
/// Lines are built in memory, outside any lock, and handed to the
/// ``LineOutput`` of their file descriptor, which writes them whole and in
/// order. Lines below `warning` are written within a few milliseconds, many
/// at a time; warnings and errors are written before `write(_:)` returns.
public final class JSONLinesLogHandler: LogHandler {
    private let output: LineOutput

    /// - Parameter fileDescriptor: where lines go; standard error by default so
    ///   that standard output stays free for command results.
    public init(fileDescriptor: Int32 = 2) {
        output = LineOutput.shared(for: fileDescriptor)
    }

    public func write(_ record: LogRecord) {
        var line = Self.encode(record)
        line.append(0x0A)
        output.append(line, immediately: record.level >= .warning)
    }

    /// Writes every line handed over so far; before closing the descriptor, for example.
    public func flush() {
        output.flush()
    }

    /// The JSON text of one record, without the trailing newline.
    public static func encode(_ record: LogRecord) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + record.message.utf8.count)
        out.append(UInt8(ascii: "{"))
        appendField("time", UTCTimestamp.milliseconds(record.time), to: &out, first: true)
        appendField("level", record.level.rawValue, to: &out)
        appendField("label", record.label, to: &out)
        appendField("message", record.message, to: &out)
        // Sorting the pairs, not the keys, spares a hash lookup per field; every access-log line comes here.
        for (key, value) in record.metadata.sorted(by: { $0.key < $1.key }) where !isReserved(key) {
            appendField(key, value, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The record's own fields, which metadata cannot replace.
    private static func isReserved(_ key: String) -> Bool {
        switch key {
        case "time", "level", "label", "message": true
        default: false
        }
    }

    private static func appendField(_ key: String, _ value: String, to out: inout [UInt8], first: Bool = false) {
        if !first { out.append(UInt8(ascii: ",")) }
        JSONString.append(key, to: &out)
        out.append(UInt8(ascii: ":"))
        JSONString.append(value, to: &out)
    }
}

/// JSON string escaping per RFC 8259, shared by everything that writes JSON by hand.
public enum JSONString {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Copies the runs between characters that need escaping whole, rather
    /// than byte by byte: every access-log line goes through here.
    public static func append(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var runStart = 0
            for position in 0..<bytes.count {
                let byte = bytes[position]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                runStart = position + 1
                out.append(0x5C)
                switch byte {
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0..<0x20:
                    out.append(UInt8(ascii: "u"))
                    out.append(0x30)
                    out.append(0x30)
                    out.append(hex[Int(byte >> 4)])
                    out.append(hex[Int(byte & 0x0F)])
                default: out.append(byte)
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    public static func quoted(_ string: String) -> String {
        var out: [UInt8] = []
        append(string, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
