import EDI
import Foundation
import Testing

@Suite("X12 parser")
struct ParserTests {
    @Test func readsTheEnvelopeOfThe850Sample() throws {
        let interchange = try X12Parser().parse(try Fixtures.sample("850.edi"))
        #expect(interchange.senderQualifier == "ZZ")
        #expect(interchange.senderID == "CLIENTCO")
        #expect(interchange.receiverID == "NORTHFAST")
        #expect(interchange.controlNumber == "000000101")
        #expect(interchange.date == "261102")
        #expect(interchange.time == "0915")
        #expect(interchange.version == "00401")
        #expect(interchange.usage == .production)
        #expect(interchange.delimiters.repetition == nil)
        #expect(interchange.delimiters.component == UInt8(ascii: ">"))
        #expect(interchange.segmentCount == 24)
        let group = try #require(interchange.groups.first)
        #expect(interchange.groups.count == 1)
        #expect(group.functionalID == .purchaseOrder)
        #expect(group.controlNumber == "101")
        #expect(group.version == "004010")
        #expect(group.position == 2)
        let set = try #require(group.transactionSets.first)
        #expect(set.id == .purchaseOrder)
        #expect(set.controlNumber == "0001")
        #expect(set.segments.count == 20)
        #expect(set.position == 3)
        let beg = try #require(set.body.first)
        #expect(beg.id == "BEG")
        #expect(beg.position == 4)
        #expect(beg[3] == "PO-1001")
        #expect(beg[4] == nil)
        #expect(beg.elements == ["00", "SA", "PO-1001", "", "20261102"])
    }

    @Test(arguments: [
        ("|", "}", "\n"), ("^", ":", "\r\n"), ("+", "<", "'"), ("*", ">", "~\r\n"), ("\u{1D}", "\u{1F}", "\u{1C}"),
        ("!", "&", "\n"),
    ])
    func acceptsAnySeparators(element: String, component: String, terminator: String) throws {
        for name in ["850.edi", "856.edi", "810.edi"] {
            let original = try Fixtures.sample(name)
            let text = Fixtures.rewrite(
                original, element: Character(element), component: Character(component), terminator: terminator)
            let expected = try X12Parser().parse(original)
            let interchange = try X12Parser().parse(text)
            #expect(interchange.delimiters.element == Array(element.utf8)[0])
            #expect(interchange.delimiters.segment == Array(terminator.utf8)[0])
            let got = interchange.transactionSets.flatMap { $0.set.segments.map { [$0.id] + $0.elements } }
            let want = expected.transactionSets.flatMap { $0.set.segments.map { [$0.id] + $0.elements } }
            #expect(got == want)
            #expect(
                try X12EventMapper.events(for: interchange, options: Fixtures.options)
                    == X12EventMapper.events(for: expected, options: Fixtures.options))
        }
    }

    @Test func readsRepetitionsAndComponentsFromVersion00501() throws {
        let isa =
            "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261102*0915*!*00501*000000007*1*T*:"
        let text = Fixtures.interchange([
            isa, "GS*PO*S*R*20261102*0915*7*X*005010", "ST*850*0001", "BEG*00*SA*PO-9**20261102",
            "REF*ZZ*A!B!C", "PO1*1*5*EA*2**SK*X:Y", "SE*0*0001", "GE*1*7", "IEA*1*000000007",
        ])
        let interchange = try X12Parser().parse(text)
        #expect(interchange.delimiters.repetition == UInt8(ascii: "!"))
        #expect(interchange.usage == .test)
        #expect(interchange.acknowledgmentRequested)
        let set = interchange.transactionSets[0].set
        let ref = try #require(set.segments.first { $0.id == "REF" })
        #expect(ref.repetitions(2) == ["A", "B", "C"])
        let po1 = try #require(set.segments.first { $0.id == "PO1" })
        #expect(po1.components(7) == ["X", "Y"])
        #expect(po1.repetitions(7) == ["X:Y"])
    }

    @Test func before00402TheRepetitionSeparatorIsNone() throws {
        let interchange = try X12Parser().parse(try Fixtures.sample("810.edi"))
        let set = interchange.transactionSets[0].set
        let big = try #require(set.body.first)
        #expect(big.repetitions(2) == ["77-4410"])
    }

    @Test func skipsALeadingByteOrderMarkAndBlankLines() throws {
        let text = "\u{FEFF}\r\n\n" + (try Fixtures.sample("856.edi"))
        let interchange = try X12Parser().parse(Data(text.utf8))
        #expect(interchange.groups[0].functionalID == .shipNotice)
    }

    @Test func readsSeveralGroupsAndSetsInOneInterchange() throws {
        let po = try Fixtures.segments("850.edi")
        let body = Array(po[2..<(po.count - 2)])  // ST ... SE
        let second = body.map { $0.replacingOccurrences(of: "0001", with: "0002") }
        let segments =
            [po[0], po[1]] + body + second + ["GE*2*101", "GS*PO*CLIENTCO*NORTHFAST*20261102*0916*102*X*004010"] + body
            + ["GE*1*102", "IEA*2*000000101"]
        let interchange = try X12Parser().parse(Fixtures.interchange(segments))
        #expect(interchange.groups.map(\.transactionSets.count) == [2, 1])
        #expect(interchange.transactionSets.map(\.set.controlNumber) == ["0001", "0002", "0001"])
        #expect(interchange.groups[1].position == 2 + 2 * body.count + 2)
    }
}
