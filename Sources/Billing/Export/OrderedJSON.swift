/// A JSON value whose objects keep their keys in the order written.
///
/// Exports promise a stable field order (a golden test and the storage's
/// hash depend on it), which `JSONSerialization` and `JSONEncoder` do not
/// give; this small writer does, and escapes strings itself.
enum OrderedJSON: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case bool(Bool)
    case null
    case array([OrderedJSON])
    case object([(String, OrderedJSON)])

    static func == (lhs: OrderedJSON, rhs: OrderedJSON) -> Bool { lhs.compact == rhs.compact }

    /// One line, no spaces: the canonical form a hash is taken over.
    var compact: String {
        var output = ""
        write(to: &output, indent: nil, depth: 0)
        return output
    }

    /// Two-space indentation and a final newline: the form people read and diff.
    var pretty: String {
        var output = ""
        write(to: &output, indent: "  ", depth: 0)
        return output + "\n"
    }

    private func write(to output: inout String, indent: String?, depth: Int) {
        switch self {
        case .string(let text): Self.writeString(text, to: &output)
        case .integer(let value): output += String(value)
        case .bool(let value): output += value ? "true" : "false"
        case .null: output += "null"
        case .array(let items):
            writeContainer(
                open: "[", close: "]", count: items.count, to: &output, indent: indent, depth: depth
            ) { index, output in
                items[index].write(to: &output, indent: indent, depth: depth + 1)
            }
        case .object(let members):
            writeContainer(
                open: "{", close: "}", count: members.count, to: &output, indent: indent, depth: depth
            ) { index, output in
                Self.writeString(members[index].0, to: &output)
                output += indent == nil ? ":" : ": "
                members[index].1.write(to: &output, indent: indent, depth: depth + 1)
            }
        }
    }

    private func writeContainer(
        open: String, close: String, count: Int, to output: inout String, indent: String?, depth: Int,
        element: (Int, inout String) -> Void
    ) {
        output += open
        guard count > 0 else {
            output += close
            return
        }
        for index in 0..<count {
            if index > 0 { output += "," }
            if let indent { output += "\n" + String(repeating: indent, count: depth + 1) }
            element(index, &output)
        }
        if let indent { output += "\n" + String(repeating: indent, count: depth) }
        output += close
    }

    private static func writeString(_ text: String, to output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                // U+2028/2029 are legal JSON but end lines in JavaScript; escaping them is harmless.
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
