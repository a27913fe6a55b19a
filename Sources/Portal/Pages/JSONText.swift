import Events

/// Stored JSON (step results) indented for people to read in a `<pre>`.
/// Keys sorted so the same result always reads the same.
enum JSONText {
    static func indented(_ value: JSONValue, depth: Int = 0) -> String {
        let pad = String(repeating: "  ", count: depth + 1)
        let close = String(repeating: "  ", count: depth)
        switch value {
        case .object(let fields) where !fields.isEmpty:
            let lines = fields.keys.sorted().map { key in
                "\(pad)\(JSONValue.string(key).serialized()): \(indented(fields[key] ?? .null, depth: depth + 1))"
            }
            return "{\n" + lines.joined(separator: ",\n") + "\n\(close)}"
        case .array(let items) where !items.isEmpty:
            return "[\n" + items.map { pad + indented($0, depth: depth + 1) }.joined(separator: ",\n") + "\n\(close)]"
        default:
            return value.serialized()
        }
    }
}
