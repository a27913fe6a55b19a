import Events
import Foundation
import Testing

@testable import Mapping

/// Every transform, its options, and how it fails: each case maps `{"v": input}`
/// through one rule `{"path": "$.v", "transforms": […]}` into `data.value`.
@Suite("Transforms")
struct TransformTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let transforms: String
        let input: String
        let expected: String
        var testDescription: String { "\(transforms) on \(input)" }

        init(_ transforms: String, _ input: String, _ expected: String) {
            self.transforms = transforms
            self.input = input
            self.expected = expected
        }
    }

    static let successes: [Case] = [
        // Text
        Case(#"["trim"]"#, #""  a b \t""#, #""a b""#),
        Case(#"["trim"]"#, #""\u00a0x\u00a0""#, #""x""#),
        Case(#"["upper"]"#, #""Abc-9""#, #""ABC-9""#),
        Case(#"["lower"]"#, #""Buyer.Kim@Client.Example""#, #""buyer.kim@client.example""#),
        Case(#"["string"]"#, "12.50", #""12.50""#),
        Case(#"["string"]"#, "true", #""true""#),
        Case(#"["empty_to_null"]"#, #""x""#, #""x""#),
        // Decimals: separators, grouping, signs, JSON numbers
        Case(#"[{"decimal": {"decimal_separator": ",", "grouping_separator": "."}}]"#, #""1.234,56""#, #""1234.56""#),
        Case(#"[{"decimal": {"grouping_separator": ","}}]"#, #""1,234,567.5""#, #""1234567.5""#),
        Case(#"[{"decimal": {"decimal_separator": ",", "grouping_separator": " "}}]"#, #""1 234,5""#, #""1234.5""#),
        Case(
            #"[{"decimal": {"decimal_separator": ",", "grouping_separator": "\u00a0"}}]"#, #""12\u00a0500,00""#,
            #""12500.00""#),
        Case(#"[{"decimal": {"decimal_separator": ","}}]"#, #""12,50-""#, #""-12.50""#),
        Case(#"[{"decimal": {"decimal_separator": ","}}]"#, #"",5""#, #""0.5""#),
        Case(#"["decimal"]"#, #""+007.50""#, #""7.50""#),
        Case(#"["decimal"]"#, #""-0.00""#, #""0.00""#),
        Case(#"["decimal"]"#, #"" 0.1240 ""#, #""0.1240""#),
        Case(#"["decimal"]"#, "1.5e2", #""150""#),
        Case(#"["decimal"]"#, "12.50", #""12.50""#),
        Case(#"["decimal"]"#, "-2.5E-3", #""-0.0025""#),
        Case(#"[{"number": {"decimal_separator": ",", "grouping_separator": "."}}]"#, #""1.234,56""#, "1234.56"),
        Case(#"["integer"]"#, #""007""#, "7"),
        Case(#"["integer"]"#, #""3.00""#, "3"),
        Case(#"[{"integer": {"decimal_separator": ",", "grouping_separator": "."}}]"#, #""1.000""#, "1000"),
        Case(#"["integer"]"#, "2", "2"),
        // Dates
        Case(#"[{"date": {"format": "dd.MM.yyyy"}}]"#, #""06.11.2026""#, #""2026-11-06""#),
        Case(#"[{"date": {"format": "d.M.yy"}}]"#, #""6.1.27""#, #""2027-01-06""#),
        Case(#"[{"date": {"format": "MMM d, yyyy"}}]"#, #""nov 6, 2026""#, #""2026-11-06""#),
        Case(#"[{"date": {"format": "d MMMM yyyy"}}]"#, #""29 February 2028""#, #""2028-02-29""#),
        Case(#"[{"date": {"format": "yyyyMMdd"}}]"#, #""20261106""#, #""2026-11-06""#),
        Case(
            #"[{"date": {"format": "rfc3339", "time_zone": "Europe/Berlin"}}]"#, #""2026-11-06T23:30:00Z""#,
            #""2026-11-07""#),
        Case(
            #"[{"date": {"format": "rfc3339", "time_zone": "America/Chicago"}}]"#, #""2026-11-06T03:30:00Z""#,
            #""2026-11-05""#),
        // Date-times: zones, DST, 12-hour clock, offsets, fractions, epochs
        Case(
            #"[{"datetime": {"format": "yyyy-MM-dd HH:mm", "time_zone": "America/Chicago"}}]"#, #""2026-11-05 08:02""#,
            #""2026-11-05T14:02:00Z""#),
        Case(
            #"[{"datetime": {"format": "yyyy-MM-dd HH:mm", "time_zone": "America/Chicago"}}]"#, #""2026-07-01 08:00""#,
            #""2026-07-01T13:00:00Z""#),
        Case(
            #"[{"datetime": {"format": "dd.MM.yyyy HH:mm:ss", "time_zone": "Europe/Berlin"}}]"#,
            #""02.11.2026 10:15:00""#, #""2026-11-02T09:15:00Z""#),
        Case(
            #"[{"datetime": {"format": "MM/dd/yyyy hh:mm a", "time_zone": "America/New_York"}}]"#,
            #""11/06/2026 04:42 PM""#, #""2026-11-06T21:42:00Z""#),
        Case(
            #"[{"datetime": {"format": "MM/dd/yyyy hh:mm a", "time_zone": "America/New_York"}}]"#,
            #""11/06/2026 12:05 am""#, #""2026-11-06T05:05:00Z""#),
        // The repeated hour when DST ends takes its first (daylight-time) occurrence.
        Case(
            #"[{"datetime": {"format": "yyyy-MM-dd HH:mm", "time_zone": "America/Chicago"}}]"#, #""2026-11-01 01:30""#,
            #""2026-11-01T06:30:00Z""#),
        Case(
            #"[{"datetime": {"format": "yyyy-MM-dd'T'HH:mm:ssXXX"}}]"#, #""2026-11-06T16:42:11-05:00""#,
            #""2026-11-06T21:42:11Z""#),
        Case(#"[{"datetime": {"format": "yyyyMMddHHmmssXX"}}]"#, #""20261106164211+0130""#, #""2026-11-06T15:12:11Z""#),
        Case(
            #"[{"datetime": {"format": "yyyy-MM-dd HH:mm:ss.SSS", "time_zone": "UTC"}}]"#,
            #""2026-11-05 08:02:03.120""#, #""2026-11-05T08:02:03.12Z""#),
        Case(
            #"[{"datetime": {"format": "rfc3339"}}]"#, #""2026-11-06T16:42:11.5+01:00""#, #""2026-11-06T15:42:11.5Z""#),
        Case(#"[{"datetime": {"format": "unix"}}]"#, "1793910531", #""2026-11-05T20:28:51Z""#),
        Case(#"[{"datetime": {"format": "unix_ms"}}]"#, #""1500""#, #""1970-01-01T00:00:01.5Z""#),
        Case(#"[{"datetime": {"format": "unix"}}]"#, "-1", #""1969-12-31T23:59:59Z""#),
        // Units through a factor table
        Case(#"[{"unit": {"from": "BX", "to": "EA", "factors": {"EA": "1", "BX": "100"}}}]"#, #""18""#, #""1800""#),
        Case(
            #"[{"unit": {"from": "lb", "to": "kg", "factors": {"KG": "1", "LB": "0.45359237"}}}]"#, #""3""#,
            #""1.360777""#),
        Case(
            #"[{"unit": {"from": "KG", "to": "LB", "factors": {"KG": "1", "LB": "0.45359237"}, "scale": 3}}]"#, #""1""#,
            #""2.205""#),
        Case(#"[{"unit": {"from": "EA", "to": "DZ", "factors": {"EA": "1", "DZ": "12"}}}]"#, "30", #""2.5""#),
        Case(#"[{"unit": {"from": "EA", "to": "DZ", "factors": {"EA": "1", "DZ": "12"}}}]"#, #""1""#, #""0.083333""#),
        Case(
            #"[{"unit": {"from": "EA", "to": "DZ", "factors": {"EA": "1", "DZ": 12}, "scale": 2, "rounding": "up"}}]"#,
            #""1""#, #""0.09""#),
        Case(
            #"[{"unit": {"from_path": "$.u", "to": "G", "factors": {"G": "1", "KG": "1000"}}}]"#, #""1.25""#, #""1250""#
        ),
        // Maps
        Case(#"[{"map": {"values": {"OK": "good", "DMG": "damaged"}}}]"#, #""OK""#, #""good""#),
        Case(#"[{"map": {"values": {"1": true}}}]"#, "1", "true"),
        Case(#"[{"map": {"values": {"true": "Y"}}}]"#, "true", #""Y""#),
        Case(#"[{"map": {"values": {"OK": "good"}, "on_missing": "keep"}}]"#, #""NEW""#, #""NEW""#),
        Case(
            #"[{"map": {"values": {"OK": "good"}, "on_missing": "default", "default": "other"}}]"#, #""NEW""#,
            #""other""#),
        // Rounding to currency minor units or a scale
        Case(#"[{"round": {"currency": "USD"}}]"#, "35", #""35.00""#),
        Case(#"[{"round": {"currency": "USD"}}]"#, #""0.125""#, #""0.12""#),
        Case(#"[{"round": {"currency": "USD", "mode": "half_up"}}]"#, #""0.125""#, #""0.13""#),
        Case(#"[{"round": {"currency": "JPY"}}]"#, #""1234.5""#, #""1234""#),
        Case(#"[{"round": {"currency": "KWD"}}]"#, #""1.2345""#, #""1.234""#),
        Case(#"[{"round": {"currency_path": "$.cur"}}]"#, #""1235.5""#, #""1236""#),
        Case(#"[{"round": {"scale": 2, "mode": "down"}}]"#, #""-2.999""#, #""-2.99""#),
        Case(#"[{"round": {"scale": 2, "mode": "up"}}]"#, #""2.001""#, #""2.01""#),
        // Pipelines
        Case(#"["trim", "upper", {"map": {"values": {"DMG": "damaged"}}}]"#, #"" dmg ""#, #""damaged""#),
        Case(
            #"[{"decimal": {"decimal_separator": ","}}, {"round": {"currency": "EUR", "mode": "half_up"}}]"#,
            #""2,675""#, #""2.68""#),
    ]

    @Test(arguments: successes)
    func transformsProduceCanonicalValues(_ testCase: Case) throws {
        let rule = #"{"path": "$.v", "transforms": \#(testCase.transforms)}"#
        let payload = #"{"v": \#(testCase.input), "u": "kg", "cur": "JPY"}"#
        let value = try MappingTestSupport.value(rule: rule, payload: payload)
        #expect(value == (try MappingTestSupport.json(testCase.expected)))
    }

    struct FailureCase: Sendable, CustomTestStringConvertible {
        let transforms: String
        let input: String
        let code: String
        let fragment: String
        var testDescription: String { "\(transforms) refuses \(input)" }

        init(_ transforms: String, _ input: String, _ code: String, _ fragment: String) {
            self.transforms = transforms
            self.input = input
            self.code = code
            self.fragment = fragment
        }
    }

    static let failures: [FailureCase] = [
        FailureCase(#"["trim"]"#, "12", "mapping_transform_failed", "expects a string, got the number 12"),
        FailureCase(#"["upper"]"#, "{}", "mapping_transform_failed", "expects a string, got an object"),
        FailureCase(#"["string"]"#, "[1]", "mapping_transform_failed", "got an array"),
        FailureCase(#"["decimal"]"#, #""1,5""#, "mapping_transform_failed", "unexpected character ','"),
        // Text in the other convention fails rather than being misread.
        FailureCase(
            #"[{"decimal": {"decimal_separator": ",", "grouping_separator": "."}}]"#, #""1.5""#,
            "mapping_transform_failed", "digit groups that are not of three"),
        FailureCase(
            #"[{"decimal": {"grouping_separator": ","}}]"#, #""1,23.5""#, "mapping_transform_failed", "not of three"),
        FailureCase(
            #"[{"decimal": {"grouping_separator": ","}}]"#, #""1,234,5""#, "mapping_transform_failed", "not of three"),
        FailureCase(#"["decimal"]"#, #""12a""#, "mapping_transform_failed", "unexpected character 'a'"),
        FailureCase(#"["decimal"]"#, #""""#, "mapping_transform_failed", "has no digits"),
        FailureCase(#"["decimal"]"#, #""5.""#, "mapping_transform_failed", "ends with a separator"),
        FailureCase(
            #"["decimal"]"#, #""1234567890123456789012345678901""#, "mapping_transform_failed", "more than 30 digits"),
        FailureCase(#"["decimal"]"#, "true", "mapping_transform_failed", "expects a decimal number"),
        FailureCase(#"["number"]"#, "1e99", "mapping_transform_failed", "out of range"),
        FailureCase(#"["integer"]"#, #""3.5""#, "mapping_transform_failed", "expects a whole number"),
        FailureCase(
            #"[{"date": {"format": "dd.MM.yyyy"}}]"#, #""31.02.2026""#, "mapping_transform_failed", "not a real date"),
        FailureCase(
            #"[{"date": {"format": "dd.MM.yyyy"}}]"#, #""2026-11-06""#, "mapping_transform_failed",
            "does not match the format \"dd.MM.yyyy\""),
        FailureCase(
            #"[{"date": {"format": "dd.MM.yyyy"}}]"#, #""06.11.2026 ""#, "mapping_transform_failed", "does not match"),
        FailureCase(
            #"[{"date": {"format": "dd.MM.yyyy"}}]"#, "20261106", "mapping_transform_failed", "expects a date as text"),
        FailureCase(
            #"[{"datetime": {"format": "yyyy-MM-dd HH:mm", "time_zone": "UTC"}}]"#, #""2026-11-06 24:00""#,
            "mapping_transform_failed", "not a real date"),
        // The hour skipped when DST starts does not exist: refused, not moved.
        FailureCase(
            #"[{"datetime": {"format": "yyyy-MM-dd HH:mm", "time_zone": "America/Chicago"}}]"#, #""2026-03-08 02:30""#,
            "mapping_transform_failed", "does not exist in America/Chicago"),
        FailureCase(
            #"[{"datetime": {"format": "rfc3339"}}]"#, #""2026-11-06 16:42:11Z""#, "mapping_transform_failed",
            "does not match"),
        FailureCase(
            #"[{"unit": {"from": "EA", "to": "DZ", "factors": {"EA": "1", "DZ": "12"}}}]"#, #""x""#,
            "mapping_transform_failed", "is not a decimal number"),
        FailureCase(
            #"[{"unit": {"from_path": "$.v2", "to": "EA", "factors": {"EA": "1"}}}]"#, #""1""#,
            "mapping_transform_failed", "needs the unit of measure at $.v2"),
        FailureCase(
            #"[{"unit": {"from_path": "$.u", "to": "EA", "factors": {"EA": "1", "DZ": "12"}}}]"#, #""1""#,
            "mapping_transform_failed", "no factor for unit \"kg\" (known: DZ, EA)"),
        FailureCase(
            #"[{"lookup": {"table": "suppliers"}}]"#, #""9999""#, "mapping_lookup_missing",
            "no row for key \"9999\" in reference table \"suppliers\""),
        FailureCase(
            #"[{"lookup": {"table": "suppliers", "select": "@.name"}}]"#, "42", "mapping_lookup_missing",
            "has nothing at @.name"),
        FailureCase(
            #"[{"lookup": {"table": "suppliers"}}]"#, "{}", "mapping_transform_failed", "expects a string or number key"
        ),
        FailureCase(
            #"[{"map": {"values": {"OK": "good"}}}]"#, #""DMG""#, "mapping_transform_failed",
            "\"DMG\" is not one of the mapped values"),
        FailureCase(
            #"[{"round": {"currency_path": "$.v2"}}]"#, "1", "mapping_transform_failed",
            "needs an ISO 4217 currency code at $.v2"),
        FailureCase(
            #"[{"round": {"currency": "USD"}}]"#, #""1,5""#, "mapping_transform_failed", "is not a decimal number"),
    ]

    @Test(arguments: failures)
    func transformsRefuseBadValuesWithTheirLocation(_ testCase: FailureCase) throws {
        let rule = #"{"path": "$.v", "transforms": \#(testCase.transforms)}"#
        let payload = #"{"v": \#(testCase.input), "u": "kg"}"#
        let error = try #require(
            try MappingTestSupport.failure(rule: rule, payload: payload, lookups: MappingTestSupport.suppliers))
        #expect(error.code == testCase.code)
        #expect(error.message.contains(testCase.fragment), "\(error.message)")
        #expect(error.sourcePath == "$.v")
        #expect(error.target == "data.value")
        #expect(error.rule?.hasPrefix("transforms[") == true)
        #expect(error.httpStatus == 422)
    }

    @Test func theFailingStepIsNamedByPositionAndName() throws {
        let rule = #"{"path": "$.v", "transforms": ["trim", {"decimal": {"decimal_separator": ","}}]}"#
        let error = try #require(try MappingTestSupport.failure(rule: rule, payload: #"{"v": "1.5"}"#))
        #expect(error.rule == "transforms[1] decimal")
        #expect(
            error.message.hasPrefix(
                "outputs[0] (purchase_order.created): transforms[1] decimal failed for data.value (read from $.v)"))
    }

    @Test func lookupsReturnRowsOrSelectedFieldsOrFallBack() throws {
        let lookups = MappingTestSupport.suppliers
        let row = try MappingTestSupport.value(
            rule: #"{"path": "$.v", "transforms": [{"lookup": {"table": "suppliers"}}]}"#, payload: #"{"v": "1187"}"#,
            lookups: lookups)
        #expect(row == .object(["id": .string("SUP-007"), "name": .string("Northern Fasteners Ltd")]))
        let selected = try MappingTestSupport.value(
            rule: #"{"path": "$.v", "transforms": [{"lookup": {"table": "suppliers", "select": "@.id"}}]}"#,
            payload: #"{"v": 42}"#, lookups: lookups)
        #expect(selected == .string("SUP-042"))
        let fallback = try MappingTestSupport.value(
            rule:
                #"{"path": "$.v", "transforms": [{"lookup": {"table": "suppliers", "on_missing": "default", "default": {"id": "UNKNOWN"}}}]}"#,
            payload: #"{"v": "7"}"#, lookups: lookups)
        #expect(fallback == .object(["id": .string("UNKNOWN")]))
        let kept = try MappingTestSupport.value(
            rule: #"{"path": "$.v", "transforms": [{"lookup": {"table": "suppliers", "on_missing": "keep"}}]}"#,
            payload: #"{"v": "SUP-900"}"#, lookups: lookups)
        #expect(kept == .string("SUP-900"))
    }

    @Test func aStepThatYieldsNullEndsThePipelineAndTheDefaultApplies() throws {
        let rule = #"{"path": "$.v", "default": "n/a", "transforms": ["empty_to_null", "decimal"]}"#
        #expect(try MappingTestSupport.value(rule: rule, payload: #"{"v": "   "}"#) == .string("n/a"))
        let optional = #"{"path": "$.v", "transforms": ["empty_to_null", "decimal"]}"#
        #expect(try MappingTestSupport.value(rule: optional, payload: #"{"v": ""}"#) == nil)
        let required = #"{"path": "$.v", "required": true, "transforms": ["empty_to_null"]}"#
        let error = try #require(try MappingTestSupport.failure(rule: required, payload: #"{"v": ""}"#))
        #expect(error.code == "mapping_value_missing")
        #expect(error.sourcePath == "$.v")
    }
}
