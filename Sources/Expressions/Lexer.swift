import Finance
import Foundation

/// One lexical token with where it starts.
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Hashable {
        case number(Decimal)
        case string(String)
        case identifier(String)
        case trueKeyword, falseKeyword, nullKeyword, andKeyword, orKeyword, notKeyword
        case dot, comma, leftParen, rightParen, leftBracket, rightBracket
        case plus, minus, star, slash
        case equal, notEqual, less, lessEqual, greater, greaterEqual
        case coalesce
        case end
    }

    let kind: Kind
    let position: SourcePosition
    /// The source text, for messages; only kept for short tokens.
    let text: String

    /// How a message names this token: the template's own text, shortened.
    var quoted: String {
        switch kind {
        case .end: "the end of the expression"
        case .string: "a string"
        default: "'\(text.count > 24 ? text.prefix(24) + "…" : Substring(text))'"
        }
    }

    static let keywords: [String: Kind] = [
        "true": .trueKeyword, "false": .falseKeyword, "null": .nullKeyword,
        "and": .andKeyword, "or": .orKeyword, "not": .notKeyword,
    ]
}

/// Splits source into tokens, byte by byte over UTF-8.
///
/// Identifiers, numbers and operators are ASCII; anything else is only
/// allowed inside string literals, so a stray non-ASCII byte is a syntax
/// error at its own position.
struct Lexer {
    /// More digits than `Decimal` keeps exactly (38) would silently round a
    /// literal; 30 leaves room and matches ``Finance/DecimalText``.
    static let maximumNumberDigits = 30

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    /// The last position computed on the current line: tokens come in order,
    /// so counting columns from here keeps a long single line linear.
    private var mark = SourcePosition.start

    init(_ source: String) {
        bytes = Array(source.utf8)
    }

    static func tokens(_ source: String) throws(ExpressionError) -> [Token] {
        var lexer = Lexer(source)
        var tokens: [Token] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    /// The position of `offset`, which must be on the current line.
    private mutating func position(_ offset: Int) -> SourcePosition {
        var column = 1
        var cursor = lineStart
        if mark.line == line, mark.offset >= lineStart, mark.offset <= offset {
            column = mark.column
            cursor = mark.offset
        }
        while cursor < offset, cursor < bytes.count {
            // Continuation bytes (10xxxxxx) belong to the scalar already counted.
            if bytes[cursor] & 0xC0 != 0x80 { column += 1 }
            cursor += 1
        }
        mark = SourcePosition(offset: offset, line: line, column: column)
        return mark
    }

    private func peek(_ ahead: Int = 0) -> UInt8? {
        index + ahead < bytes.count ? bytes[index + ahead] : nil
    }

    private func text(from start: Int) -> String {
        String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func syntax(_ detail: String, at offset: Int) -> ExpressionError {
        ExpressionError(.syntax, detail, at: position(offset))
    }

    private mutating func next() throws(ExpressionError) -> Token {
        skipWhitespace()
        let start = index
        guard let byte = peek() else {
            return Token(kind: .end, position: position(start), text: "")
        }
        if isDigit(byte) { return try number() }
        if isIdentifierStart(byte) { return identifier() }
        if byte == UInt8(ascii: "\"") { return try string() }
        index += 1
        let kind: Token.Kind
        switch byte {
        case UInt8(ascii: "."): kind = .dot
        case UInt8(ascii: ","): kind = .comma
        case UInt8(ascii: "("): kind = .leftParen
        case UInt8(ascii: ")"): kind = .rightParen
        case UInt8(ascii: "["): kind = .leftBracket
        case UInt8(ascii: "]"): kind = .rightBracket
        case UInt8(ascii: "+"): kind = .plus
        case UInt8(ascii: "-"): kind = .minus
        case UInt8(ascii: "*"): kind = .star
        case UInt8(ascii: "/"): kind = .slash
        case UInt8(ascii: "="):
            guard consume("=") else { throw syntax("use == to compare two values", at: start) }
            kind = .equal
        case UInt8(ascii: "!"):
            guard consume("=") else { throw syntax("use not instead of !", at: start) }
            kind = .notEqual
        case UInt8(ascii: "<"): kind = consume("=") ? .lessEqual : .less
        case UInt8(ascii: ">"): kind = consume("=") ? .greaterEqual : .greater
        case UInt8(ascii: "?"):
            guard consume("?") else { throw syntax("expected ?? (a default for null)", at: start) }
            kind = .coalesce
        case UInt8(ascii: "&"):
            throw syntax("use and instead of &", at: start)
        case UInt8(ascii: "|"):
            throw syntax("use or instead of |", at: start)
        case UInt8(ascii: "'"):
            throw syntax("strings are written in double quotes", at: start)
        default:
            throw syntax("unexpected character \(describeCharacter(at: start))", at: start)
        }
        return Token(kind: kind, position: position(start), text: text(from: start))
    }

    private mutating func skipWhitespace() {
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: "\n"):
                index += 1
                line += 1
                lineStart = index
            default:
                return
            }
        }
    }

    private mutating func consume(_ scalar: Unicode.Scalar) -> Bool {
        guard peek() == UInt8(ascii: scalar) else { return false }
        index += 1
        return true
    }

    private mutating func number() throws(ExpressionError) -> Token {
        let start = index
        var digits = 0
        while let byte = peek(), isDigit(byte) {
            index += 1
            digits += 1
        }
        // `lines[0].qty`: a point starts a fraction only when a digit follows it.
        if peek() == UInt8(ascii: "."), let after = peek(1), isDigit(after) {
            index += 1
            while let byte = peek(), isDigit(byte) {
                index += 1
                digits += 1
            }
        }
        if let byte = peek(), isIdentifierStart(byte) {
            throw syntax("a number cannot run into a name; put a space or an operator between them", at: index)
        }
        guard digits <= Self.maximumNumberDigits else {
            throw syntax("a number has at most \(Self.maximumNumberDigits) digits", at: start)
        }
        let text = text(from: start)
        guard let value = DecimalText.parse(text) else {
            throw syntax("'\(text)' is not a number", at: start)
        }
        return Token(kind: .number(value), position: position(start), text: text)
    }

    private mutating func identifier() -> Token {
        let start = index
        while let byte = peek(), isIdentifierStart(byte) || isDigit(byte) { index += 1 }
        let text = text(from: start)
        return Token(kind: Token.keywords[text] ?? .identifier(text), position: position(start), text: text)
    }

    private mutating func string() throws(ExpressionError) -> Token {
        let start = index
        index += 1
        var scalars = String.UnicodeScalarView()
        var runStart = index
        func flush(_ end: Int) {
            scalars.append(contentsOf: String(decoding: bytes[runStart..<end], as: UTF8.self).unicodeScalars)
        }
        while true {
            guard let byte = peek(), byte != UInt8(ascii: "\n") else {
                throw syntax("this string has no closing double quote on its line", at: start)
            }
            if byte == UInt8(ascii: "\"") {
                flush(index)
                index += 1
                return Token(kind: .string(String(scalars)), position: position(start), text: text(from: start))
            }
            if byte < 0x20 && byte != UInt8(ascii: "\t") {
                throw syntax("a control character cannot appear in a string; write \\n, \\t or \\r", at: index)
            }
            guard byte == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            flush(index)
            let escape = index
            index += 1
            switch peek() {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "u"):
                index += 1
                scalars.append(try unicodeEscape(escape))
                index -= 1
            default:
                throw syntax("unknown escape in a string; use \\\" \\\\ \\n \\t \\r or \\u{…}", at: escape)
            }
            index += 1
            runStart = index
        }
    }

    /// `\u{1F600}`: one to six hex digits naming a Unicode scalar; leaves
    /// `index` after the closing brace.
    private mutating func unicodeEscape(_ escape: Int) throws(ExpressionError) -> Unicode.Scalar {
        let problem = syntax("\\u needs one to six hex digits in braces naming a character, as in \\u{E9}", at: escape)
        guard consume("{") else { throw problem }
        var value: UInt32 = 0
        var count = 0
        while let byte = peek(), let digit = hexValue(byte) {
            guard count < 6 else { throw problem }
            value = value * 16 + digit
            count += 1
            index += 1
        }
        guard count > 0, consume("}"), let scalar = Unicode.Scalar(value) else { throw problem }
        return scalar
    }

    private func describeCharacter(at offset: Int) -> String {
        let end = bytes[offset...].dropFirst().firstIndex { $0 & 0xC0 != 0x80 } ?? bytes.count
        let text = String(decoding: bytes[offset..<end], as: UTF8.self)
        guard let scalar = text.unicodeScalars.first else { return "" }
        if scalar.properties.isWhitespace || scalar.value < 0x20 || !scalar.isASCII && !scalar.properties.isAlphabetic {
            return "U+" + String(scalar.value, radix: 16, uppercase: true)
        }
        return "'\(scalar)'"
    }

    private func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }

    private func isIdentifierStart(_ byte: UInt8) -> Bool {
        (65...90).contains(byte) || (97...122).contains(byte) || byte == UInt8(ascii: "_")
    }

    private func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case 48...57: UInt32(byte - 48)
        case 65...70: UInt32(byte - 55)
        case 97...102: UInt32(byte - 87)
        default: nil
        }
    }
}
