/// Splits template source into text runs and tags, then removes the lines
/// that only hold a block, partial or comment tag (Mustache's "standalone"
/// rule), so that `{{#each}}` on its own line does not leave blank lines
/// in every row of a table.
struct TemplateTokenizer {
    enum BlockKind: String, Sendable {
        case each, `if`, unless
    }

    enum Kind: Equatable {
        case text
        case variable(String)
        case trusted(String)
        case open(BlockKind, String)
        case otherwise
        case close(String)
        case partial(String)
        case comment
        case layout(String)

        var canStandAlone: Bool {
            switch self {
            case .text, .variable, .trusted: false
            case .open, .otherwise, .close, .partial, .comment, .layout: true
            }
        }
    }

    struct Token {
        var kind: Kind
        let line: Int
        /// Byte range in the source; for text it shrinks when standalone lines are removed.
        var start: Int
        var end: Int
    }

    let source: [UInt8]
    let view: String

    func tokenize() throws(TemplateError) -> [Token] {
        var tokens = try scan()
        removeStandaloneLines(&tokens)
        return tokens
    }

    private func scan() throws(TemplateError) -> [Token] {
        var tokens: [Token] = []
        var index = 0
        var line = 1
        var textStart = 0
        let brace = UInt8(ascii: "{")
        while index < source.count {
            guard source[index] == brace, index + 1 < source.count, source[index + 1] == brace else {
                if source[index] == UInt8(ascii: "\n") { line += 1 }
                index += 1
                continue
            }
            if textStart < index { tokens.append(Token(kind: .text, line: line, start: textStart, end: index)) }
            let tagLine = line
            let isTriple = index + 2 < source.count && source[index + 2] == brace
            let isLongComment = !isTriple && starts(with: "{{!--", at: index)
            let opener = isTriple ? 3 : (isLongComment ? 5 : 2)
            let closer = isTriple ? "}}}" : (isLongComment ? "--}}" : "}}")
            guard let closeAt = find(closer, from: index + opener) else {
                throw TemplateError(
                    .syntax, view: view, line: tagLine, "the tag opened here is never closed with \(closer)")
            }
            let inner = String(decoding: source[(index + opener)..<closeAt], as: UTF8.self)
            line += inner.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            let end = closeAt + closer.utf8.count
            let kind: Kind = isLongComment ? .comment : try classify(inner, triple: isTriple, line: tagLine)
            tokens.append(Token(kind: kind, line: tagLine, start: index, end: end))
            index = end
            textStart = end
        }
        if textStart < source.count {
            tokens.append(Token(kind: .text, line: line, start: textStart, end: source.count))
        }
        return tokens
    }

    private func classify(_ raw: String, triple: Bool, line: Int) throws(TemplateError) -> Kind {
        let inner = raw.trimmingSpaces()
        if triple { return .trusted(inner) }
        guard let sigil = inner.first else {
            throw TemplateError(.syntax, view: view, line: line, "empty tag {{}}")
        }
        let rest = String(inner.dropFirst()).trimmingSpaces()
        switch sigil {
        case "!":
            if inner.hasPrefix("!layout ") {
                return .layout(rest.dropFirst("layout".count).description.trimmingSpaces())
            }
            return .comment
        case "#":
            let words = rest.split(separator: " ", maxSplits: 1).map { String($0).trimmingSpaces() }
            guard let helper = words.first, let block = BlockKind(rawValue: helper) else {
                throw TemplateError(
                    .syntax, view: view, line: line, "unknown block {{#\(rest)}}; use #each, #if or #unless")
            }
            guard words.count == 2 else {
                throw TemplateError(
                    .syntax, view: view, line: line, "{{#\(helper)}} needs a variable, e.g. {{#\(helper) items}}")
            }
            return .open(block, words[1])
        case "/": return .close(rest)
        case ">": return .partial(rest)
        case "^", "&", "=":
            throw TemplateError(
                .syntax, view: view, line: line,
                "{{\(sigil)…}} is not supported; use {{#unless}} or {{{ }}} with ViewValue.html")
        default:
            return inner == "else" ? .otherwise : .variable(inner)
        }
    }

    /// A standalone tag is the only thing on its line apart from spaces and tabs;
    /// its whole line, newline included, disappears from the output.
    private func removeStandaloneLines(_ tokens: inout [Token]) {
        let original = tokens
        for (position, token) in original.enumerated() where token.kind.canStandAlone {
            let previous = position > 0 ? original[position - 1] : nil
            let next = position + 1 < original.count ? original[position + 1] : nil
            guard let lineStart = startOfLineBlank(before: previous, isFirst: position == 0),
                let lineEnd = endOfLineBlank(after: next, isLast: position + 1 == original.count)
            else { continue }
            if let lineStart { tokens[position - 1].end = min(tokens[position - 1].end, lineStart) }
            if let lineEnd { tokens[position + 1].start = max(tokens[position + 1].start, lineEnd) }
        }
    }

    /// `.some(nil)`: the tag starts the template; `.some(offset)`: blank from `offset` to the tag;
    /// `nil`: something else shares the line.
    private func startOfLineBlank(before previous: Token?, isFirst: Bool) -> Int?? {
        if isFirst { return .some(nil) }
        guard let previous, previous.kind == .text else { return nil }
        var index = previous.end
        while index > previous.start {
            let byte = source[index - 1]
            if byte == UInt8(ascii: "\n") { return .some(index) }
            guard byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") else { return nil }
            index -= 1
        }
        // The text run is all blanks: standalone only if it began the template.
        return previous.start == 0 ? .some(previous.start) : nil
    }

    private func endOfLineBlank(after next: Token?, isLast: Bool) -> Int?? {
        if isLast { return .some(nil) }
        guard let next, next.kind == .text else { return nil }
        var index = next.start
        while index < next.end {
            let byte = source[index]
            if byte == UInt8(ascii: "\n") { return .some(index + 1) }
            if byte == UInt8(ascii: "\r"), index + 1 < next.end, source[index + 1] == UInt8(ascii: "\n") {
                return .some(index + 2)
            }
            guard byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") else { return nil }
            index += 1
        }
        return next.end == source.count ? .some(next.end) : nil
    }

    private func starts(with prefix: String, at offset: Int) -> Bool {
        let bytes = Array(prefix.utf8)
        guard offset + bytes.count <= source.count else { return false }
        return source[offset..<(offset + bytes.count)].elementsEqual(bytes)
    }

    private func find(_ needle: String, from offset: Int) -> Int? {
        let bytes = Array(needle.utf8)
        var index = offset
        while index + bytes.count <= source.count {
            if source[index] == bytes[0], source[index..<(index + bytes.count)].elementsEqual(bytes) { return index }
            index += 1
        }
        return nil
    }
}

extension String {
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
