/// Where something is in an expression's source, for messages a template
/// author can act on.
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// UTF-8 bytes from the start of the source.
    public let offset: Int
    /// 1-based; only `\n` starts a new line.
    public let line: Int
    /// 1-based, counted in Unicode scalars so that an accented letter before
    /// the fault moves the caret by one, as an editor would.
    public let column: Int

    public init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }

    public static let start = SourcePosition(offset: 0, line: 1, column: 1)

    public var description: String { "line \(line), column \(column)" }

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool { lhs.offset < rhs.offset }
}
