/// What changed between two versions of a published document (a workflow
/// template or a source mapping): the structural ``JSONDiff`` and, for the
/// parts a publisher reasons about (a template's parameters and steps, a
/// mapping's outputs), which named items were added, removed or changed.
public struct VersionDiff: Sendable, Equatable {
    /// Named items of one kind, compared by name.
    public struct Section: Sendable, Equatable {
        /// `parameters`, `steps`, `outputs`.
        public let name: String
        public let added: [String]
        public let removed: [String]
        public let changed: [String]

        /// Compares items by name; an item is changed when its JSON differs (numbers by value).
        public init(name: String, old: [(String, JSONValue)], new: [(String, JSONValue)]) {
            self.name = name
            let before = Dictionary(old, uniquingKeysWith: { first, _ in first })
            let after = Dictionary(new, uniquingKeysWith: { first, _ in first })
            added = new.map(\.0).filter { before[$0] == nil }
            removed = old.map(\.0).filter { after[$0] == nil }
            changed = new.map(\.0).filter { name in
                guard let was = before[name], let now = after[name] else { return false }
                return !was.jsonEquals(now)
            }
        }

        public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }
    }

    public let slug: String
    public let from: String
    public let to: String
    public let sections: [Section]
    public let changes: JSONDiff

    public init(slug: String, from: String, to: String, sections: [Section], changes: JSONDiff) {
        self.slug = slug
        self.from = from
        self.to = to
        self.sections = sections
        self.changes = changes
    }

    /// The API's shape: `{slug, from, to, summary: {parameters: {added, removed, changed}, …}, changes: [{kind, path, old, new}]}`.
    public var json: JSONValue {
        var summary: [String: JSONValue] = [:]
        for section in sections {
            summary[section.name] = .object([
                "added": .array(section.added.map(JSONValue.string)),
                "removed": .array(section.removed.map(JSONValue.string)),
                "changed": .array(section.changed.map(JSONValue.string)),
            ])
        }
        return .object([
            "slug": .string(slug), "from": .string(from), "to": .string(to), "summary": .object(summary),
            "changes": .array(
                changes.changes.map { change in
                    .object([
                        "kind": .string(change.kind.rawValue), "path": .string(change.path),
                        "old": change.old ?? .null, "new": change.new ?? .null,
                    ])
                }),
        ])
    }
}
