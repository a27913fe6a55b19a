import Events

/// A compiled path into the payload: `$.order.lines[0].qty`, `@.qty`, `$["odd key"]`.
///
/// Parsed once when the document compiles; resolving walks the segments
/// without building strings. Text for error messages is produced only when an
/// error is thrown.
struct SourcePath: Sendable, Equatable {
    enum Anchor: Sendable, Equatable {
        /// `$`: the payload's root.
        case root
        /// `@`: the element of the innermost iteration (the root outside any).
        case current
    }

    enum Segment: Sendable, Equatable {
        case key(String)
        /// Zero-based; negative counts from the end (`[-1]` is the last element).
        case index(Int)
    }

    let anchor: Anchor
    let segments: [Segment]

    /// The value at this path, or nil when any step is absent (a missing key,
    /// an index out of range, or a step into a scalar).
    @inline(__always)
    func resolve(root: JSONValue, current: JSONValue) -> JSONValue? {
        var value = anchor == .root ? root : current
        for segment in segments {
            switch (segment, value) {
            case (.key(let key), .object(let members)):
                guard let next = members[key] else { return nil }
                value = next
            case (.index(let index), .array(let items)):
                let position = index < 0 ? items.count + index : index
                guard position >= 0, position < items.count else { return nil }
                value = items[position]
            default:
                return nil
            }
        }
        return value
    }

    /// The segments written after a base path, such as `.qty` or `["a b"][2]`.
    var segmentsText: String {
        var text = ""
        for segment in segments {
            switch segment {
            case .key(let key):
                if Self.isPlainKey(key) {
                    text += "." + key
                } else {
                    text += "[" + JSONValue.string(key).serialized() + "]"
                }
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }

    /// The path as it would be written in a mapping document.
    var text: String { (anchor == .root ? "$" : "@") + segmentsText }

    static func isPlainKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy(isKeyByte)
    }

    static func isKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }
}

extension SourcePath {
    /// Parses path text; the error is a reason for the document issue.
    static func parse(_ text: String) -> Result<SourcePath, SyntaxProblem> {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, first == UInt8(ascii: "$") || first == UInt8(ascii: "@") else {
            return .failure(SyntaxProblem("a path starts with $ (the payload) or @ (the current element)"))
        }
        guard bytes.count <= 1_000 else { return .failure(SyntaxProblem("a path is at most 1000 characters")) }
        var segments: [Segment] = []
        var index = 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "."):
                let start = index + 1
                var end = start
                while end < bytes.count, isKeyByte(bytes[end]) { end += 1 }
                guard end > start else {
                    return .failure(
                        SyntaxProblem(
                            "expected a key of letters, digits, '_' or '-' after '.' at character \(index + 1)"))
                }
                segments.append(.key(String(decoding: bytes[start..<end], as: UTF8.self)))
                index = end
            case UInt8(ascii: "["):
                guard let close = bytes[index...].firstIndex(of: UInt8(ascii: "]")) else {
                    return .failure(SyntaxProblem("unclosed '[' at character \(index + 1)"))
                }
                if bytes[index + 1] == UInt8(ascii: "\"") {
                    guard case .success(let (key, end)) = parseQuotedKey(bytes, from: index + 1),
                        end < bytes.count, bytes[end] == UInt8(ascii: "]")
                    else {
                        return .failure(SyntaxProblem("expected [\"key\"] at character \(index + 1)"))
                    }
                    segments.append(.key(key))
                    index = end + 1
                } else {
                    let digits = String(decoding: bytes[(index + 1)..<close], as: UTF8.self)
                    guard let number = Int(digits), digits.count <= 7, !digits.hasPrefix("+") else {
                        return .failure(
                            SyntaxProblem(
                                "expected an array index such as [0] or [-1] at character \(index + 1); iteration uses for_each or each"
                            ))
                    }
                    segments.append(.index(number))
                    index = close + 1
                }
            default:
                return .failure(SyntaxProblem("unexpected character at character \(index + 1); use .key or [\"key\"]"))
            }
            guard segments.count <= 32 else { return .failure(SyntaxProblem("a path has at most 32 steps")) }
        }
        return .success(SourcePath(anchor: first == UInt8(ascii: "$") ? .root : .current, segments: segments))
    }

    /// A `"…"` key with `\"` and `\\` escapes; returns the key and the index after the closing quote.
    private static func parseQuotedKey(_ bytes: [UInt8], from start: Int) -> Result<(String, Int), SyntaxProblem> {
        var buffer: [UInt8] = []
        var index = start + 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < bytes.count else { break }
                let escaped = bytes[index + 1]
                guard escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\") else { break }
                buffer.append(escaped)
                index += 2
            } else if byte == UInt8(ascii: "\"") {
                return .success((String(decoding: buffer, as: UTF8.self), index + 1))
            } else {
                buffer.append(byte)
                index += 1
            }
        }
        return .failure(SyntaxProblem("bad quoted key"))
    }
}

struct SyntaxProblem: Error, Sendable {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
