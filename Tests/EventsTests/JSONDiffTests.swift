import Events
import Foundation
import Testing

@Suite("Structural JSON diff")
struct JSONDiffTests {
    static func json(_ text: String) throws -> JSONValue { try JSONParser().parse(text) }

    static let cases: [(old: String, new: String, expected: [String])] = [
        (#"{"a": 1}"#, #"{"a": 1.0}"#, []),
        (#"{"a": 1}"#, #"{"a": 2}"#, ["~ $.a: 1 → 2"]),
        (#"{"a": 1}"#, #"{"a": 1, "b": {"c": true}}"#, [#"+ $.b: {"c":true}"#]),
        (#"{"a": 1, "b": null}"#, #"{"a": 1}"#, ["- $.b: null"]),
        (#"{"a": {"b": {"c": "x"}}}"#, #"{"a": {"b": {"c": "y"}}}"#, [#"~ $.a.b.c: "x" → "y""#]),
        (#"{"a": "1"}"#, #"{"a": 1}"#, [#"~ $.a: "1" → 1"#]),
        (#"{"odd key": 1}"#, #"{"odd key": 2}"#, [#"~ $["odd key"]: 1 → 2"#]),
        (#"[1, 2, 3]"#, #"[1, 5]"#, ["~ $[1]: 2 → 5", "- $[2]: 3"]),
        (#"[1]"#, #"[1, {"x": 1}]"#, [#"+ $[1]: {"x":1}"#]),
        // Id-keyed items: inserting one is one addition, not a change to every later item.
        (
            #"{"steps": [{"id": "a", "next": "b"}, {"id": "b"}]}"#,
            #"{"steps": [{"id": "a", "next": "n"}, {"id": "n", "next": "b"}, {"id": "b"}]}"#,
            [#"~ $.steps[id=a].next: "b" → "n""#, #"+ $.steps[id=n]: {"id":"n","next":"b"}"#]
        ),
        (
            #"{"steps": [{"id": "a"}, {"id": "b", "kind": "set"}]}"#,
            #"{"steps": [{"id": "b", "kind": "emit"}, {"id": "a"}]}"#,
            [#"~ $.steps[id=b].kind: "set" → "emit""#, #"~ $.steps: ["a","b"] → ["b","a"]"#]
        ),
        (#"{"steps": [{"id": "a"}, {"id": "b"}]}"#, #"{"steps": [{"id": "a"}]}"#, [#"- $.steps[id=b]: {"id":"b"}"#]),
        // Duplicate ids fall back to positions.
        (#"[{"id": "a"}, {"id": "a"}]"#, #"[{"id": "a"}, {"id": "b"}]"#, [#"~ $[1].id: "a" → "b""#]),
        ("1", "[1]", ["~ $: 1 → [1]"]),
    ]

    @Test(arguments: cases)
    func changesAreListedWithTheirPathsAndValues(old: String, new: String, expected: [String]) throws {
        let diff = JSONDiff(from: try Self.json(old), to: try Self.json(new))
        #expect(diff.changes.map(\.description) == expected)
        #expect(diff.isEmpty == expected.isEmpty)
    }

    @Test func aSectionSummarisesNamedItems() throws {
        let section = VersionDiff.Section(
            name: "parameters",
            old: [("a", try Self.json("1")), ("b", try Self.json("2")), ("c", try Self.json("3"))],
            new: [("a", try Self.json("1.0")), ("c", try Self.json("4")), ("d", try Self.json("5"))])
        #expect(section.added == ["d"])
        #expect(section.removed == ["b"])
        #expect(section.changed == ["c"])
        let diff = VersionDiff(
            slug: "s", from: "1.0.0", to: "1.1.0", sections: [section],
            changes: JSONDiff(from: try Self.json(#"{"a": 1}"#), to: try Self.json(#"{"a": 2}"#)))
        #expect(
            diff.json.serialized()
                == #"{"changes":[{"kind":"changed","new":2,"old":1,"path":"$.a"}],"from":"1.0.0","slug":"s","#
                + #""summary":{"parameters":{"added":["d"],"changed":["c"],"removed":["b"]}},"to":"1.1.0"}"#)
    }
}
