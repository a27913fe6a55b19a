import Events
import Foundation
import Testing

@testable import Mapping

/// `when` on an output: whether the payload produces the event at all.
@Suite("Conditions")
struct ConditionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let condition: String
        let holds: Bool
        var testDescription: String { "\(condition) → \(holds)" }

        init(_ condition: String, _ holds: Bool) {
            self.condition = condition
            self.holds = holds
        }
    }

    static let payload = #"""
        {"status": "open", "qty": 1.50, "flag": true, "none": null, "code": "$lit", "nested": {"n": 7}, "list": [1, 2]}
        """#

    static let cases: [Case] = [
        Case(#"{"equals": ["$.status", "open"]}"#, true),
        Case(#"{"equals": ["$.status", "OPEN"]}"#, false),
        Case(#"{"equals": ["open", "$.status"]}"#, true),
        Case(#"{"equals": ["$.qty", 1.5]}"#, true),
        Case(#"{"equals": ["$.qty", "1.5"]}"#, false),
        Case(#"{"equals": ["$.flag", true]}"#, true),
        Case(#"{"equals": ["$.missing", null]}"#, true),
        Case(#"{"equals": ["$.none", null]}"#, true),
        Case(#"{"equals": ["$.code", {"const": "$lit"}]}"#, true),
        Case(#"{"equals": [{"path": "$.nested.n"}, 7]}"#, true),
        Case(#"{"equals": ["$.list", "$.list"]}"#, false),
        Case(#"{"not_equals": ["$.status", "closed"]}"#, true),
        Case(#"{"not_equals": ["$.status", "open"]}"#, false),
        Case(#"{"in": ["$.status", ["held", "open"]]}"#, true),
        Case(#"{"in": ["$.status", ["held", "closed"]]}"#, false),
        Case(#"{"in": ["$.nested.n", [1, 7.0]]}"#, true),
        Case(#"{"exists": "$.status"}"#, true),
        Case(#"{"exists": "$.none"}"#, false),
        Case(#"{"exists": "$.missing"}"#, false),
        Case(#"{"exists": "$.list[-1]"}"#, true),
        Case(#"{"exists": "$.list[2]"}"#, false),
        Case(#"{"and": [{"exists": "$.status"}, {"equals": ["$.flag", true]}]}"#, true),
        Case(#"{"and": [{"exists": "$.status"}, {"equals": ["$.flag", false]}]}"#, false),
        Case(#"{"or": [{"exists": "$.missing"}, {"equals": ["$.nested.n", 7]}]}"#, true),
        Case(#"{"or": [{"exists": "$.missing"}, {"exists": "$.none"}]}"#, false),
        Case(#"{"not": {"exists": "$.missing"}}"#, true),
        Case(#"{"not": {"not": {"equals": ["$.status", "open"]}}}"#, true),
    ]

    @Test(arguments: cases)
    func conditionsDecideWhetherTheOutputIsProduced(_ testCase: Case) throws {
        let document = try MappingTestSupport.document(
            fields: #""data.po_number": {"const": "PO-1"}"#, when: testCase.condition)
        let events = try document.plan.apply(
            payload: try MappingTestSupport.json(Self.payload), lookups: InMemoryReferenceLookup())
        #expect(events.count == (testCase.holds ? 1 : 0))
    }
}
