import Foundation

/// A parsed JSON document that keeps numbers exactly as they were written.
///
/// Events carry money and quantities; `JSONSerialization` turns `12.50` into a
/// `Double` (and on Linux sometimes loses digits), so numbers are kept as their
/// source text and only interpreted where a schema asks for it.
public enum JSONValue: Sendable, Hashable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    /// The number's text exactly as it appeared in the input (RFC 8259 grammar).
    case number(String)
    case bool(Bool)
    case null

    /// The JSON type name used in error messages and by the `type` keyword.
    public var typeName: String {
        switch self {
        case .object: "object"
        case .array: "array"
        case .string: "string"
        case .number: "number"
        case .bool: "boolean"
        case .null: "null"
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// JSON Schema equality: numbers compare by value (`1` equals `1.0`), objects
    /// regardless of key order. `==` (synthesised) compares number text instead.
    public func jsonEquals(_ other: JSONValue) -> Bool {
        switch (self, other) {
        case (.number(let a), .number(let b)):
            if a == b { return true }
            guard let x = Decimal(string: a, locale: posixLocale), let y = Decimal(string: b, locale: posixLocale) else {
                return false
            }
            return x == y
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.jsonEquals($1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let counterpart = b[key], value.jsonEquals(counterpart) else { return false }
            }
            return true
        default:
            return self == other
        }
    }

    /// Compact JSON text with object keys sorted, so output is deterministic
    /// (stored as an event's canonical form, served as schemas, and used in
    /// error messages for `const`/`enum`). Numbers are written as they were read.
    public func serialized() -> String {
        var out = JSONOutput(capacity: estimatedSize)
        write(to: &out)
        return out.string()
    }

    /// A first guess at the serialised size, so a typical document is written
    /// without growing its buffer more than once; an under-estimate costs one copy.
    private var estimatedSize: Int {
        switch self {
        case .object(let members): members.count * 48 + 2
        case .array(let items): items.count * 48 + 2
        case .string(let text): text.utf8.count + 2
        case .number(let text): text.utf8.count
        case .bool, .null: 5
        }
    }

    private func write(to out: inout JSONOutput) {
        switch self {
        case .null: out.append("null")
        case .bool(let value): out.append(value ? "true" : "false")
        case .number(let text): out.append(text)
        case .string(let text): JSONValue.writeString(text, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            var first = true
            for item in items {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            var first = true
            // `String` ordering (Unicode canonical), as before; sorting the pairs saves a lookup per key.
            for (key, value) in members.sorted(by: { $0.key < $1.key }) {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                JSONValue.writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Writes `text` as a JSON string: `"` and `\` escaped, control characters as
    /// `\n`, `\r`, `\t` or `\u00xx`, everything else (DEL and non-ASCII included) as UTF-8.
    static func writeString(_ text: String, to out: inout JSONOutput) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            var ignored: UInt64 = 0
            while true {
                let index = JSONStringScan.plainRunEnd(in: bytes, from: runStart, bitsSeen: &ignored)
                out.append(UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                guard index < bytes.count else { break }
                let byte = bytes[index]
                runStart = index + 1
                out.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "\n"): out.append(UInt8(ascii: "n"))
                case UInt8(ascii: "\r"): out.append(UInt8(ascii: "r"))
                case UInt8(ascii: "\t"): out.append(UInt8(ascii: "t"))
                default:
                    out.append("u00")
                    out.append(UInt8(ascii: "0") + (byte >> 4))  // 0 or 1: the byte is below 0x20
                    let low = byte & 0x0F
                    out.append(low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "a") + low - 10)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// The serialiser's output buffer. Every event is serialised on ingest, a
/// byte or a short run at a time; appending to an `Array` checks uniqueness
/// and capacity through the runtime on each call (a fifth of the time), this
/// checks capacity inline.
struct JSONOutput: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0

    init(capacity: Int) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        let grown = max(capacity * 2, count + extra)
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        larger.update(from: base, count: count)
        base.deallocate()
        base = larger
        capacity = grown
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append($0) }
    }

    consuming func string() -> String {
        String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self)
    }
}

/// Number text is always in JSON's `.`-decimal notation, whatever the process locale.
let posixLocale = Locale(identifier: "en_US_POSIX")

/// Why a byte sequence is not acceptable JSON; `offset` is the byte position.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case syntax
        case tooDeep
        case tooLarge
    }

    public let kind: Kind
    public let offset: Int
    public let reason: String

    public var description: String { "\(reason) at byte \(offset)" }
}

/// A strict RFC 8259 parser with bounded work.
///
/// Own parser rather than `JSONSerialization` because it must keep number text,
/// refuse duplicate object keys (two readers could disagree on which one counts),
/// and stop at a configured nesting depth and size before doing unbounded work.
public struct JSONParser {
    /// Largest accepted input in bytes.
    public var maxBytes: Int
    /// Deepest accepted nesting of arrays and objects (the top level is depth 1).
    public var maxDepth: Int

    public init(maxBytes: Int = 1 << 20, maxDepth: Int = 32) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
    }

    public func parse(_ data: Data) throws(JSONParseError) -> JSONValue {
        guard data.count <= maxBytes else {
            throw JSONParseError(kind: .tooLarge, offset: maxBytes, reason: "document larger than \(maxBytes) bytes")
        }
        // Read the bytes where they are rather than copying them into an array first.
        return try data.withUnsafeBytes { raw in parse(raw.assumingMemoryBound(to: UInt8.self)) }.get()
    }

    /// A request body as received, read in place: no copy into `Data` first.
    public func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        guard bytes.count <= maxBytes else {
            throw JSONParseError(kind: .tooLarge, offset: maxBytes, reason: "document larger than \(maxBytes) bytes")
        }
        return try bytes.withUnsafeBufferPointer { parse($0) }.get()
    }

    public func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        guard text.utf8.count <= maxBytes else {
            throw JSONParseError(kind: .tooLarge, offset: maxBytes, reason: "document larger than \(maxBytes) bytes")
        }
        var text = text
        return try text.withUTF8 { parse($0) }.get()
    }

    private func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> {
        do throws(JSONParseError) {
            var reader = Reader(bytes: bytes, maxDepth: maxDepth)
            // A UTF-8 byte order mark may be ignored (RFC 8259 §8.1).
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.index = 3 }
            reader.skipWhitespace()
            let value = try reader.parseValue(depth: 0)
            reader.skipWhitespace()
            guard reader.index == bytes.count else {
                throw reader.error("unexpected content after the JSON value")
            }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    /// Reads one document from bytes that stay valid while it exists (inside `withUnsafeBytes`).
    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        func error(_ reason: String, kind: JSONParseError.Kind = .syntax) -> JSONParseError {
            JSONParseError(kind: kind, offset: index, reason: reason)
        }

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        mutating func expectLiteral(_ literal: StaticString, value: JSONValue) throws(JSONParseError) -> JSONValue {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw error("invalid literal") }
            for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] {
                throw error("invalid literal")
            }
            index += count
            return value
        }

        mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
            guard let byte = current else { throw error("unexpected end of input") }
            switch byte {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): return try expectLiteral("true", value: .bool(true))
            case UInt8(ascii: "f"): return try expectLiteral("false", value: .bool(false))
            case UInt8(ascii: "n"): return try expectLiteral("null", value: .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            default: throw error("unexpected character")
            }
        }

        mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
            guard depth <= maxDepth else { throw error("nesting deeper than \(maxDepth) levels", kind: .tooDeep) }
            index += 1
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                index += 1
                return .object([:])
            }
            // Room for a typical object's members without growing (and rehashing) several times.
            var members = [String: JSONValue](minimumCapacity: 8)
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let keyOffset = index
                let key = try parseString()
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw error("expected ':'") }
                index += 1
                skipWhitespace()
                let value = try parseValue(depth: depth)
                guard members.updateValue(value, forKey: key) == nil else {
                    throw JSONParseError(kind: .syntax, offset: keyOffset, reason: "duplicate key \"\(key)\"")
                }
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"):
                    index += 1
                    return .object(members)
                default: throw error("expected ',' or '}'")
                }
            }
        }

        mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
            guard depth <= maxDepth else { throw error("nesting deeper than \(maxDepth) levels", kind: .tooDeep) }
            index += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            while true {
                skipWhitespace()
                items.append(try parseValue(depth: depth))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"):
                    index += 1
                    return .array(items)
                default: throw error("expected ',' or ']'")
                }
            }
        }

        mutating func parseNumber() throws(JSONParseError) -> JSONValue {
            let start = index
            if current == UInt8(ascii: "-") { index += 1 }
            guard let first = current, isDigit(first) else { throw error("invalid number") }
            if first == UInt8(ascii: "0") {
                index += 1
                if let next = current, isDigit(next) { throw error("leading zeros are not allowed") }
            } else {
                skipDigits()
            }
            if current == UInt8(ascii: ".") {
                index += 1
                guard let byte = current, isDigit(byte) else { throw error("expected a digit after '.'") }
                skipDigits()
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard let byte = current, isDigit(byte) else { throw error("expected a digit in the exponent") }
                skipDigits()
            }
            return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
        }

        mutating func skipDigits() {
            while index < bytes.count && isDigit(bytes[index]) { index += 1 }
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        mutating func parseString() throws(JSONParseError) -> String {
            index += 1
            let start = index
            // Most strings have no escapes: find the closing quote and make the String from the bytes in place.
            var bitsSeen: UInt64 = 0
            index = JSONStringScan.plainRunEnd(in: bytes, from: start, bitsSeen: &bitsSeen)
            guard index < bytes.count else { throw error("unterminated string") }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                let text = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                // ASCII is valid UTF-8; anything else is checked before `decoding` could repair it.
                guard bitsSeen & JSONStringScan.highBits == 0 || Self.isValidUTF8(text) else {
                    throw error("string is not valid UTF-8")
                }
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                break
            default:
                throw error("control character in string")
            }
            var buffer: [UInt8] = []
            buffer.reserveCapacity(index - start + 16)
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
            return try parseEscapedString(into: &buffer)
        }

        /// The rest of a string from its first backslash, unescaping into `buffer`.
        mutating func parseEscapedString(into buffer: inout [UInt8]) throws(JSONParseError) -> String {
            var ignored: UInt64 = 0
            while true {
                let runStart = index
                index = JSONStringScan.plainRunEnd(in: bytes, from: index, bitsSeen: &ignored)
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                guard let byte = current else { throw error("unterminated string") }
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return try buffer.withUnsafeBufferPointer { (text) throws(JSONParseError) -> String in
                        guard Self.isValidUTF8(text) else { throw error("string is not valid UTF-8") }
                        return String(decoding: text, as: UTF8.self)
                    }
                case UInt8(ascii: "\\"):
                    index += 1
                    guard let escape = current else { throw error("unterminated escape") }
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""): buffer.append(0x22)
                    case UInt8(ascii: "\\"): buffer.append(0x5C)
                    case UInt8(ascii: "/"): buffer.append(0x2F)
                    case UInt8(ascii: "b"): buffer.append(0x08)
                    case UInt8(ascii: "f"): buffer.append(0x0C)
                    case UInt8(ascii: "n"): buffer.append(0x0A)
                    case UInt8(ascii: "r"): buffer.append(0x0D)
                    case UInt8(ascii: "t"): buffer.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = try readHex4()
                        if (0xD800...0xDBFF).contains(code) {
                            guard current == UInt8(ascii: "\\"), index + 1 < bytes.count,
                                bytes[index + 1] == UInt8(ascii: "u")
                            else { throw error("unpaired surrogate") }
                            index += 2
                            let low = try readHex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00...0xDFFF).contains(code) {
                            throw error("unpaired surrogate")
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
                        UTF8.encode(scalar) { buffer.append($0) }
                    default: throw error("invalid escape")
                    }
                default:
                    throw error("control character in string")
                }
            }
        }

        /// RFC 3629 well-formedness: no overlong forms, surrogates or values above U+10FFFF.
        /// (`String(validating:as:)` does the same but, being generic, costs several times more.)
        static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            func isContinuation(_ index: Int) -> Bool { index < bytes.count && bytes[index] & 0xC0 == 0x80 }
            var index = 0
            while index < bytes.count {
                let lead = bytes[index]
                switch lead {
                case 0x00...0x7F:
                    index += 1
                case 0xC2...0xDF:
                    guard isContinuation(index + 1) else { return false }
                    index += 2
                case 0xE0...0xEF:
                    guard index + 1 < bytes.count else { return false }
                    let second = bytes[index + 1]
                    let low: UInt8 = lead == 0xE0 ? 0xA0 : 0x80
                    let high: UInt8 = lead == 0xED ? 0x9F : 0xBF
                    guard second >= low, second <= high, isContinuation(index + 2) else { return false }
                    index += 3
                case 0xF0...0xF4:
                    guard index + 1 < bytes.count else { return false }
                    let second = bytes[index + 1]
                    let low: UInt8 = lead == 0xF0 ? 0x90 : 0x80
                    let high: UInt8 = lead == 0xF4 ? 0x8F : 0xBF
                    guard second >= low, second <= high, isContinuation(index + 2), isContinuation(index + 3) else {
                        return false
                    }
                    index += 4
                default:
                    return false
                }
            }
            return true
        }

        mutating func readHex4() throws(JSONParseError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw error("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw error("invalid \\u escape")
                }
                value = value * 16 + digit
                index += 1
            }
            return value
        }
    }
}

/// Finds where a run of string content that needs no escaping ends, eight bytes at a time.
enum JSONStringScan {
    static let highBits: UInt64 = 0x8080_8080_8080_8080
    private static let ones: UInt64 = 0x0101_0101_0101_0101

    /// The index of the first byte at or after `start` that is `"`, `\` or below 0x20
    /// (JSON's characters that must be escaped), or `bytes.count`. Every byte passed over is
    /// ORed into `bitsSeen`, so `bitsSeen & highBits == 0` tells that the run was ASCII.
    @inline(__always)
    static func plainRunEnd(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, bitsSeen: inout UInt64) -> Int {
        var index = start
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index + 8 <= bytes.count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if needsEscaping(word) { break }
                bitsSeen |= word
                index += 8
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { break }
            bitsSeen |= UInt64(byte)
            index += 1
        }
        return index
    }

    /// Whether any of the eight bytes is below 0x20, `"` or `\` (exact, by the
    /// "has a byte less than n" and "has a zero byte" word tricks).
    @inline(__always)
    static func needsEscaping(_ word: UInt64) -> Bool {
        let control = (word &- ones &* 0x20) & ~word & highBits
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let hasQuote = (quote &- ones) & ~quote & highBits
        let hasBackslash = (backslash &- ones) & ~backslash & highBits
        return (control | hasQuote | hasBackslash) != 0
    }
}
