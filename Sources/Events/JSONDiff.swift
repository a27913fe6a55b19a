/// The structural differences between two JSON documents: every path added,
/// removed or changed, with the old and new values.
///
/// What publishers read before deploying a new template or mapping version,
/// so it follows the shape of those documents: arrays whose items are all
/// objects with distinct string `id`s (a template's steps) are matched by id,
/// not by position — inserting a step then reads as one step added rather
/// than every later step changed — and their paths name the id
/// (`$.steps[id=route].next`). Other arrays are compared item by item.
/// Changes come in document order, deterministic for equal inputs.
public struct JSONDiff: Sendable, Equatable {
    public struct Change: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable {
            case added, removed, changed
            /// The same id-keyed items in another order; old and new list the ids.
            case reordered
        }

        public let kind: Kind
        /// `$.parameters.tolerance_pct.default`, `$.steps[id=route]`, `$.lines[2]`.
        public let path: String
        public let old: JSONValue?
        public let new: JSONValue?

        public var description: String {
            switch kind {
            case .added: "+ \(path): \(new?.serialized() ?? "")"
            case .removed: "- \(path): \(old?.serialized() ?? "")"
            case .changed, .reordered: "~ \(path): \(old?.serialized() ?? "") → \(new?.serialized() ?? "")"
            }
        }
    }

    public let changes: [Change]

    public var isEmpty: Bool { changes.isEmpty }

    public init(from old: JSONValue, to new: JSONValue) {
        var changes: [Change] = []
        Self.compare(old, new, at: "$", into: &changes)
        self.changes = changes
    }

    private static func compare(_ old: JSONValue, _ new: JSONValue, at path: String, into changes: inout [Change]) {
        switch (old, new) {
        case (.object(let before), .object(let after)):
            for key in Set(before.keys).union(after.keys).sorted() {
                let child = member(path, key)
                switch (before[key], after[key]) {
                case (let was?, let now?): compare(was, now, at: child, into: &changes)
                case (let was?, nil): changes.append(Change(kind: .removed, path: child, old: was, new: nil))
                case (nil, let now?): changes.append(Change(kind: .added, path: child, old: nil, new: now))
                case (nil, nil): break
                }
            }
        case (.array(let before), .array(let after)):
            if let beforeIDs = ids(before), let afterIDs = ids(after) {
                compareKeyed(before, beforeIDs, after, afterIDs, at: path, into: &changes)
                return
            }
            for index in 0..<max(before.count, after.count) {
                let child = "\(path)[\(index)]"
                if index >= after.count {
                    changes.append(Change(kind: .removed, path: child, old: before[index], new: nil))
                } else if index >= before.count {
                    changes.append(Change(kind: .added, path: child, old: nil, new: after[index]))
                } else {
                    compare(before[index], after[index], at: child, into: &changes)
                }
            }
        default:
            // Numbers compare by value (`1.0` and `1.00` are the same amount), everything else exactly.
            if !old.jsonEquals(new) { changes.append(Change(kind: .changed, path: path, old: old, new: new)) }
        }
    }

    private static func compareKeyed(
        _ before: [JSONValue], _ beforeIDs: [String], _ after: [JSONValue], _ afterIDs: [String], at path: String,
        into changes: inout [Change]
    ) {
        let oldByID = Dictionary(uniqueKeysWithValues: zip(beforeIDs, before))
        let newByID = Dictionary(uniqueKeysWithValues: zip(afterIDs, after))
        for id in beforeIDs where newByID[id] == nil {
            changes.append(Change(kind: .removed, path: "\(path)[id=\(id)]", old: oldByID[id], new: nil))
        }
        for id in afterIDs {
            guard let now = newByID[id] else { continue }
            if let was = oldByID[id] {
                compare(was, now, at: "\(path)[id=\(id)]", into: &changes)
            } else {
                changes.append(Change(kind: .added, path: "\(path)[id=\(id)]", old: nil, new: now))
            }
        }
        let kept = Set(beforeIDs).intersection(afterIDs)
        let oldOrder = beforeIDs.filter(kept.contains)
        let newOrder = afterIDs.filter(kept.contains)
        if oldOrder != newOrder {
            changes.append(
                Change(
                    kind: .reordered, path: path, old: .array(oldOrder.map(JSONValue.string)),
                    new: .array(newOrder.map(JSONValue.string))))
        }
    }

    /// The items' ids when every item is an object with a distinct string `id`.
    private static func ids(_ items: [JSONValue]) -> [String]? {
        guard !items.isEmpty else { return nil }
        var ids: [String] = []
        var seen: Set<String> = []
        for item in items {
            guard let id = item["id"]?.stringValue, seen.insert(id).inserted else { return nil }
            ids.append(id)
        }
        return ids
    }

    /// `$.name` for plain names, `$["odd key"]` otherwise, so every path reads back unambiguously.
    private static func member(_ path: String, _ key: String) -> String {
        let plain =
            !key.isEmpty
            && key.utf8.allSatisfy { byte in
                (97...122).contains(byte) || (65...90).contains(byte) || (48...57).contains(byte) || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: "-")
            }
        return plain ? "\(path).\(key)" : "\(path)[\(JSONValue.string(key).serialized())]"
    }
}
