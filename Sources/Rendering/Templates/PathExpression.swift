/// A variable reference as written in a tag, parsed once at compile time.
///
/// `name.field` looks `name` up from the innermost scope outwards (an `each`
/// item, then its parent, up to the render context), `../name` starts one
/// scope further out, `.`/`this` is the innermost scope itself, and `@index`,
/// `@first`, `@last` describe the innermost `each` iteration.
struct PathExpression: Sendable, Equatable {
    enum Head: Sendable, Equatable {
        case current
        case name(String)
        case iteration(IterationField)
    }

    enum IterationField: String, Sendable {
        case index, first, last
    }

    let head: Head
    let tail: [String]
    let parentHops: Int
    /// The path as written, for error messages.
    let text: String

    /// - Returns: `nil` when `text` is not a valid path.
    static func parse(_ text: String) -> PathExpression? {
        var rest = Substring(text)
        var hops = 0
        while rest.hasPrefix("../") {
            hops += 1
            rest = rest.dropFirst(3)
        }
        if rest == "." || rest == "this" {
            return PathExpression(head: .current, tail: [], parentHops: hops, text: text)
        }
        if rest.hasPrefix("@") {
            guard let field = IterationField(rawValue: String(rest.dropFirst())) else { return nil }
            return PathExpression(head: .iteration(field), tail: [], parentHops: hops, text: text)
        }
        let segments = rest.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let first = segments.first, segments.allSatisfy(isIdentifier) else { return nil }
        if first == "this" {
            return PathExpression(head: .current, tail: Array(segments.dropFirst()), parentHops: hops, text: text)
        }
        return PathExpression(head: .name(first), tail: Array(segments.dropFirst()), parentHops: hops, text: text)
    }

    private static func isIdentifier(_ segment: String) -> Bool {
        guard let first = segment.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            return false
        }
        return segment.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default: false
            }
        }
    }
}
