/// Escapes text for HTML element content and quoted attribute values alike.
///
/// One escaper for both contexts keeps the template rule simple: `{{ x }}` is
/// safe between tags and inside `"…"` or `'…'` attributes. The backtick is
/// escaped too because old IE treated it as an attribute quote. Works on UTF-8
/// bytes: every byte that needs escaping is ASCII, so multi-byte sequences
/// pass through untouched and whole runs are copied at once.
enum HTMLEscaper {
    static func escape(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 16)
        append(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func append(_ text: String, to buffer: inout [UInt8]) {
        var text = text
        text.withUTF8 { append(bytes: $0, to: &buffer) }
    }

    static func append(bytes: UnsafeBufferPointer<UInt8>, to buffer: inout [UInt8]) {
        var runStart = 0
        for index in 0..<bytes.count {
            let replacement: StaticString
            switch bytes[index] {
            case UInt8(ascii: "&"): replacement = "&amp;"
            case UInt8(ascii: "<"): replacement = "&lt;"
            case UInt8(ascii: ">"): replacement = "&gt;"
            case UInt8(ascii: "\""): replacement = "&quot;"
            case UInt8(ascii: "'"): replacement = "&#39;"
            case UInt8(ascii: "`"): replacement = "&#96;"
            default: continue
            }
            if runStart < index {
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            }
            replacement.withUTF8Buffer { buffer.append(contentsOf: $0) }
            runStart = index + 1
        }
        if runStart < bytes.count {
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
    }
}
