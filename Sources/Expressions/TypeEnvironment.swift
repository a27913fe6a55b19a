/// The declared shape of the names an expression may use: checked when a
/// template is published, so that a misspelt field or a money/number mix-up
/// is reported to its author with a position instead of failing a run.
///
/// Shapes are declared by path, as templates write them:
///
/// ```
/// "params.auto_approve_limit": money
/// "match.lines": list<object>
/// "match.lines[].qty": decimal        // [] is "each element"
/// "invoice.due_date": date?
/// ```
public struct TypeEnvironment: Sendable, Equatable {
    /// The type of each root name.
    public private(set) var roots: [String: ValueType]

    public init(roots: [String: ValueType] = [:]) {
        self.roots = roots.mapValues(\.normalized)
    }

    /// Declares every path; shorter paths first, so `invoice: object?` shapes
    /// `invoice.total: money` whatever order a dictionary gives.
    ///
    /// - Throws: `expression_declaration` for a malformed path or two
    ///   declarations that contradict each other.
    public init(declarations: [String: ValueType]) throws(ExpressionError) {
        self.init()
        let ordered = try declarations.map { (path, type) throws(ExpressionError) in
            (path: path, segments: try Self.segments(of: path), type: type)
        }
        .sorted { ($0.segments.count, $0.path) < ($1.segments.count, $1.path) }
        for declaration in ordered {
            try declare(declaration.segments, as: declaration.type, path: declaration.path)
        }
    }

    /// Declarations as templates store them: path to type text.
    public init(declarationText: [String: String]) throws(ExpressionError) {
        var types: [String: ValueType] = [:]
        for (path, text) in declarationText {
            do {
                types[path] = try ValueType(declaration: text)
            } catch {
                throw ExpressionError(.declaration, error.detail, path: path)
            }
        }
        try self.init(declarations: types)
    }

    public subscript(root: String) -> ValueType? { roots[root] }

    /// Adds one declaration.
    ///
    /// - Throws: `expression_declaration` if the path is malformed or the
    ///   type contradicts an earlier declaration.
    public mutating func declare(_ path: String, as type: ValueType) throws(ExpressionError) {
        try declare(try Self.segments(of: path), as: type, path: path)
    }

    // MARK: Paths

    enum Segment: Equatable {
        case field(String)
        case element
    }

    /// `match.lines[].qty` → field match, field lines, element, field qty.
    static func segments(of path: String) throws(ExpressionError) -> [Segment] {
        let problem = ExpressionError(
            .declaration,
            "a declared path is names joined by dots, with [] for each element of a list, as in"
                + " match.lines[].qty; the first name must not be a keyword", path: path)
        var segments: [Segment] = []
        for (position, part) in path.split(separator: ".", omittingEmptySubsequences: false).enumerated() {
            var name = Substring(part)
            var elements = 0
            while name.hasSuffix("[]") {
                name = name.dropLast(2)
                elements += 1
            }
            guard !name.isEmpty, !name.contains("["), !name.contains("]") else { throw problem }
            if position == 0, !Node.isName(String(name)) { throw problem }
            segments.append(.field(String(name)))
            segments.append(contentsOf: repeatElement(.element, count: elements))
        }
        return segments
    }

    private mutating func declare(_ segments: [Segment], as type: ValueType, path: String) throws(ExpressionError) {
        guard case .field(let root)? = segments.first else {
            throw ExpressionError(.declaration, "a declared path starts with a name", path: path)
        }
        roots[root] = try Self.inserting(type.normalized, at: segments.dropFirst(), into: roots[root], path: path)
    }

    private static func inserting(
        _ type: ValueType, at segments: ArraySlice<Segment>, into existing: ValueType?, path: String
    ) throws(ExpressionError) -> ValueType {
        guard let segment = segments.first else {
            guard let existing else { return type }
            guard let merged = merge(existing, type) else {
                throw ExpressionError(
                    .declaration, "declared as \(type) but also as \(existing)", path: path)
            }
            return merged
        }
        let rest = segments.dropFirst()
        switch (segment, existing) {
        case (.field(let name), nil):
            return .object([name: try inserting(type, at: rest, into: nil, path: path)])
        case (.field(let name), .object(var fields)?):
            fields[name] = try inserting(type, at: rest, into: fields[name], path: path)
            return .object(fields)
        case (.field(let name), .optional(.object(var fields))?):
            fields[name] = try inserting(type, at: rest, into: fields[name], path: path)
            return .optional(.object(fields))
        case (.element, nil):
            return .list(try inserting(type, at: rest, into: nil, path: path))
        case (.element, .list(let element)?):
            return .list(try inserting(type, at: rest, into: element, path: path))
        case (.element, .optional(.list(let element))?):
            return .optional(.list(try inserting(type, at: rest, into: element, path: path)))
        case (.field, let other?):
            throw ExpressionError(
                .declaration, "a part of this path is declared as \(other), which has no fields", path: path)
        case (.element, let other?):
            throw ExpressionError(.declaration, "a part of this path is declared as \(other), not a list", path: path)
        }
    }

    /// Two declarations of one path agree if they are equal or one only adds
    /// fields to the other (`list<object>` and `list<object>` with `qty`).
    private static func merge(_ a: ValueType, _ b: ValueType) -> ValueType? {
        if a == b { return a }
        switch (a, b) {
        case (.object(let left), .object(let right)):
            var fields = left
            for (name, type) in right {
                if let existing = fields[name] {
                    guard let merged = merge(existing, type) else { return nil }
                    fields[name] = merged
                } else {
                    fields[name] = type
                }
            }
            return .object(fields)
        case (.list(let left), .list(let right)):
            return merge(left, right).map { .list($0) }
        case (.optional(let left), .optional(let right)):
            return merge(left, right).map { .maybeNull($0) }
        default:
            return nil
        }
    }
}
