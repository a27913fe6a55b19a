import EDI
import Events
import Finance
import Foundation
import Testing

@Suite("X12 to canonical events")
struct MappingTests {
    static func events(_ name: String, options: X12MappingOptions = Fixtures.options) throws -> [JSONValue] {
        try X12EventMapper.events(for: try X12Parser().parse(try Fixtures.sample(name)), options: options)
    }

    /// Whether `mapped` states everything `example` states: same keys and values, decimal strings
    /// compared by value (`0.124` is `0.1240`); `mapped` may say more. Returns the paths that differ.
    static func differences(_ example: JSONValue, _ mapped: JSONValue?, path: String = "$", ignoring: Set<String> = [])
        -> [String]
    {
        switch (example, mapped) {
        case (.object(let want), .object(let got)?):
            return want.keys.sorted().filter { !ignoring.contains($0) }.flatMap {
                differences(want[$0] ?? .null, got[$0], path: "\(path).\($0)", ignoring: ignoring)
            }
        case (.array(let want), .array(let got)?):
            guard want.count == got.count else { return ["\(path): \(want.count) items, mapped \(got.count)"] }
            return zip(want, got).enumerated().flatMap {
                differences($0.element.0, $0.element.1, path: "\(path)[\($0.offset)]", ignoring: ignoring)
            }
        case (.string(let want), .string(let got)?):
            if want == got { return [] }
            if let a = DecimalText.parse(want), let b = DecimalText.parse(got), a == b { return [] }
            return ["\(path): \(want) vs \(got)"]
        default:
            return mapped.map { example.jsonEquals($0) } == true
                ? [] : ["\(path): \(example.serialized()) vs \(mapped?.serialized() ?? "absent")"]
        }
    }

    @Test(arguments: [
        ("850.edi", "purchase_order.created"), ("856.edi", "goods_receipt.posted"), ("810.edi", "invoice.received"),
    ])
    func samplesMapToTheSharedExamples(sample: String, type: String) throws {
        let catalog = try Fixtures.catalog()
        let events = try Self.events(sample)
        #expect(events.count == 1)
        let event = try #require(events.first)
        let validated = try catalog.validate(event)
        #expect(validated.type == type)
        #expect(validated.source == "edi.northfast")
        let example = try Fixtures.example(type)
        #expect(event["occurred_at"] == example["occurred_at"])
        // The receipt's lines are all in good condition, which the canonical form says by leaving `condition` out.
        let differences = Self.differences(
            try #require(example["data"]), event["data"], ignoring: type == "goods_receipt.posted" ? ["condition"] : [])
        #expect(differences == [])
    }

    @Test func thePurchaseOrderCarriesTheOrderedBusinessData() throws {
        let event = try #require(try Self.events("850.edi").first)
        let data = try #require(event["data"])
        #expect(event["id"] == .string("x12-CLIENTCO-000000101-101-0001"))
        #expect(data["order_date"] == .string("2026-11-02"))
        #expect(data["warehouse"] == .string("DAL-1"))
        let lines = try #require(data["lines"]?.arrayValue)
        #expect(lines.map { $0["line"] } == [.number("1"), .number("2")])
        #expect(lines.map { $0["uom"] } == [.string("EA"), .string("BOX")])
        #expect(lines.map { $0["uom_factor"] } == [nil, .string("100")])
        #expect(lines.map { $0["expected_date"] } == [.string("2026-11-05"), .string("2026-11-05")])
        #expect(data["freight"] == .string("35.00"))
        #expect(data["tax"] == .string("0.00"))
    }

    @Test func mappingIsDeterministic() throws {
        for name in ["850.edi", "856.edi", "810.edi"] {
            let first = try Self.events(name)
            let second = try Self.events(name)
            #expect(first.map { $0.serialized() } == second.map { $0.serialized() })
        }
        #expect(try Self.events("810.edi").first?["id"] == .string("x12-NORTHFAST-000000772-772-0001"))
    }

    @Test func aNoticeWithSeveralOrdersGivesOneReceiptPerOrder() throws {
        let interchange = try X12Parser().parse(Fixtures.interchange(DocumentReaderTests.nestedNotice))
        let events = try X12EventMapper.events(for: interchange, options: X12MappingOptions(source: "edi"))
        let catalog = try Fixtures.catalog()
        for event in events { _ = try catalog.validate(event) }
        #expect(
            events.map { $0["id"] } == [
                .string("x12-NORTHFAST-000000502-502-0042-2"), .string("x12-NORTHFAST-000000502-502-0042-6"),
            ])
        #expect(events.map { $0["data"]?["receipt_number"] } == [.string("ASN-77-2"), .string("ASN-77-6")])
        #expect(events.map { $0["occurred_at"] } == [.string("2026-11-05T14:02:30Z"), .string("2026-11-05T14:02:30Z")])
        let first = try #require(events[0]["data"])
        #expect(first["po_number"] == .string("PO-1001"))
        #expect(first["delivery_note"] == .string("PS-1"))
        #expect(first["warehouse"] == .string("DAL-1"))
        let lines = try #require(first["lines"]?.arrayValue)
        #expect(lines.map { $0["po_line"] } == [.number("1"), .number("2"), .number("1")])
        #expect(lines.map { $0["quantity"] } == [.string("600"), .string("900"), .string("400")])
        let second = try #require(events[1]["data"]?["lines"]?.arrayValue)
        #expect(second.map { $0["sku"] } == [.string("WASHER-M8")])
        #expect(second.map { $0["po_line"] } == [.number("3")])
    }

    @Test func whatX12DoesNotSayMustBeConfigured() throws {
        var segments = try Fixtures.segments("850.edi")
        segments.removeAll { $0.hasPrefix("CUR") || $0.hasPrefix("PER") }
        let interchange = try X12Parser().parse(Fixtures.interchange(segments))
        let noCurrency = x12Error { () throws(X12Error) in
            try X12EventMapper.events(
                for: interchange, options: X12MappingOptions(source: "edi", fallbackUser: "edi-intake"))
        }
        #expect(noCurrency?.located == Located(kind: .unmappable, position: 3, segmentID: "CUR"))
        let noBuyer = x12Error { () throws(X12Error) in
            try X12EventMapper.events(
                for: interchange, options: X12MappingOptions(source: "edi", defaultCurrency: "EUR"))
        }
        #expect(noBuyer?.located == Located(kind: .unmappable, position: 3, segmentID: "PER"))
        let events = try X12EventMapper.events(
            for: interchange,
            options: X12MappingOptions(source: "edi", defaultCurrency: "EUR", fallbackUser: "edi-intake"))
        #expect(events.first?["data"]?["currency"] == .string("EUR"))
        #expect(events.first?["data"]?["created_by"] == .string("edi-intake"))
        let badCurrency = x12Error { () throws(X12Error) in
            try X12EventMapper.events(
                for: interchange, options: X12MappingOptions(source: "edi", defaultCurrency: "euro", fallbackUser: "x"))
        }
        #expect(badCurrency?.kind == .unmappable)
    }

    @Test func invoiceLinesMayNameThePOLineExplicitly() throws {
        var segments = try Fixtures.segments("810.edi")
        let index = try #require(segments.firstIndex { $0.hasPrefix("IT1*2") })
        segments[index] = "IT1*20*20*BX*4.5**SK*NUT-M8*PL*2"
        segments.insert("SAC*A*C310***250", at: segments.count - 4)
        let interchange = try X12Parser().parse(Fixtures.interchange(segments))
        let event = try #require(try X12EventMapper.events(for: interchange, options: Fixtures.options).first)
        _ = try Fixtures.catalog().validate(event)
        let lines = try #require(event["data"]?["lines"]?.arrayValue)
        #expect(lines[1]["po_line"] == .number("2"))
        #expect(lines[1]["line"] == .number("20"))
        #expect(lines[0]["line"] == nil)
        #expect(event["data"]?["discount"] == .string("2.50"))
    }

    @Test func linesNeedAUsableLineNumberAndSKU() throws {
        var segments = try Fixtures.segments("850.edi")
        segments[15] = "PO1*A1*1000*EA*0.124**SK*BOLT-M8-40"
        let interchange = try X12Parser().parse(Fixtures.interchange(segments))
        let error = x12Error { () throws(X12Error) in
            try X12EventMapper.events(for: interchange, options: Fixtures.options)
        }
        #expect(error?.located == Located(kind: .unmappable, position: 16, segmentID: "PO1"))
        segments[15] = "PO1*1*1000*EA*0.124**EN*4006381333931"
        let noSKU = try X12Parser().parse(Fixtures.interchange(segments))
        let skuError = x12Error { () throws(X12Error) in
            try X12EventMapper.events(for: noSKU, options: Fixtures.options)
        }
        #expect(skuError?.located == Located(kind: .unmappable, position: 16, segmentID: "PO1"))
        let withEAN = try X12EventMapper.events(
            for: noSKU, options: X12MappingOptions(source: "edi", skuQualifiers: ["SK", "EN"]))
        #expect(withEAN.first?["data"]?["lines"]?.arrayValue?.first?["sku"] == .string("4006381333931"))
    }

    @Test func decimalsAreNormalisedButKeepTheirDigits() throws {
        var segments = try Fixtures.segments("850.edi")
        segments[15] = "PO1*1*01000*EA*.1240**SK*BOLT-M8-40"
        let interchange = try X12Parser().parse(Fixtures.interchange(segments))
        let event = try #require(try X12EventMapper.events(for: interchange, options: Fixtures.options).first)
        let line = try #require(event["data"]?["lines"]?.arrayValue?.first)
        #expect(line["quantity"] == .string("1000"))
        #expect(line["unit_price"] == .string("0.1240"))
    }
}
