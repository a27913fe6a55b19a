import EDI
import Foundation
import Testing

@Suite("997 acknowledgments")
struct AcknowledgmentTests {
    /// 2026-11-02T09:20:00Z.
    static let createdAt = Date(timeIntervalSince1970: 1_793_611_200)

    static func acknowledgment(_ text: String) throws -> (Interchange, FunctionalAcknowledgment997) {
        let interchange = try X12Parser().parse(text)
        #expect(interchange.groups.first?.functionalID == .functionalAcknowledgment)
        guard case .functionalAcknowledgment(let ack) = try X12Document.readAll(interchange).first else {
            throw X12Error(.missingSegment, "no 997 in the acknowledgment")
        }
        return (interchange, ack)
    }

    @Test func acceptsAnInterchangeWithItsOwnSeparators() throws {
        let text = Fixtures.rewrite(try Fixtures.sample("850.edi"), element: "|", component: "}", terminator: "\n")
        let received = try X12Parser().parse(text)
        let output = try AcknowledgmentGenerator().acknowledge(
            received, controlNumbers: .init(interchange: 42, group: 43, firstSet: 7), createdAt: Self.createdAt)
        #expect(
            output.hasPrefix(
                "ISA|00|          |00|          |ZZ|NORTHFAST      |ZZ|CLIENTCO       |261102|0920|U|00401|000000042|0|P|}\n"
            ))
        let (interchange, ack) = try Self.acknowledgment(output)
        #expect(interchange.delimiters == received.delimiters)
        #expect(interchange.senderID == "NORTHFAST")
        #expect(interchange.receiverID == "CLIENTCO")
        #expect(interchange.controlNumber == "000000042")
        let group = try #require(interchange.groups.first)
        #expect(group.applicationSender == "NORTHFAST")
        #expect(group.applicationReceiver == "CLIENTCO")
        #expect(group.date == "20261102")
        #expect(group.time == "0920")
        #expect(group.controlNumber == "43")
        #expect(group.version == "004010")
        #expect(group.transactionSets.first?.controlNumber == "0007")
        #expect(ack.functionalID == "PO")
        #expect(ack.groupControlNumber == "101")
        #expect(ack.sets.map(\.setID) == ["850"])
        #expect(ack.sets.map(\.controlNumber) == ["0001"])
        #expect(ack.sets.map(\.status) == ["A"])
        #expect(ack.groupStatus == "A")
        #expect([ack.includedSets, ack.receivedSets, ack.acceptedSets] == [Int]([1, 1, 1]))
    }

    @Test func rejectsASetWithTheSegmentAndElementAtFault() throws {
        var segments = try Fixtures.segments("850.edi")
        segments[15] = "PO1*1*1000*EA"
        let received = try X12Parser().parse(Fixtures.interchange(segments))
        let verdicts = AcknowledgmentGenerator.verdictsByReading(received)
        let key = SetKey(groupControlNumber: "101", setControlNumber: "0001")
        guard case .rejected(let rejection)? = verdicts[key] else {
            Issue.record("the set was not rejected")
            return
        }
        #expect(rejection.segments.first?.segmentID == "PO1")
        #expect(rejection.segments.first?.positionInSet == 14)
        let output = try AcknowledgmentGenerator(lineBreaks: true).acknowledge(
            received, verdicts: verdicts, controlNumbers: .init(interchange: 5, group: 5), createdAt: Self.createdAt)
        #expect(output.contains("AK3*PO1*14**8~\nAK4*4**1~\nAK5*R*5~\nAK9*R*1*1*0~\n"))
        let (_, ack) = try Self.acknowledgment(output)
        let set = try #require(ack.sets.first)
        #expect(set.status == "R")
        #expect(set.errorCodes == ["5"])
        #expect(set.segments.map(\.segmentID) == ["PO1"])
        #expect(set.segments.first?.errorCode == "8")
        #expect(set.segments.first?.elements.first?.position == "4")
        #expect(set.segments.first?.elements.first?.errorCode == "1")
        #expect(ack.groupStatus == "R")
        #expect(ack.acceptedSets == 0)
    }

    @Test func copiesTheBadValueAndCountsPartialAcceptance() throws {
        let po = try Fixtures.segments("850.edi")
        let body = Array(po[2..<(po.count - 2)])
        let bad = body.map {
            $0.replacingOccurrences(of: "0001", with: "0002").replacingOccurrences(of: "20261102", with: "20261302")
        }
        let text = Fixtures.interchange([po[0], po[1]] + body + bad + ["GE*2*101", "IEA*1*000000101"])
        let received = try X12Parser().parse(text)
        let output = try AcknowledgmentGenerator().acknowledge(
            received, verdicts: AcknowledgmentGenerator.verdictsByReading(received),
            controlNumbers: .init(interchange: 6, group: 6), createdAt: Self.createdAt)
        let (_, ack) = try Self.acknowledgment(output)
        #expect(ack.sets.map(\.status) == ["A", "R"])
        let note = try #require(ack.sets[1].segments.first)
        #expect(note.segmentID == "BEG")
        #expect(note.position == 2)
        #expect(note.elements.first?.errorCode == "8")
        #expect(note.elements.first?.badData == "20261302")
        #expect(ack.groupStatus == "P")
        #expect([ack.includedSets, ack.receivedSets, ack.acceptedSets] == [Int]([2, 2, 1]))
    }

    @Test func answersEveryGroupAndKeepsTheRepetitionSeparator() throws {
        let isa =
            "ISA*00*          *00*          *ZZ*NORTHFAST      *ZZ*CLIENTCO       *261105*1402*!*00501*000000900*0*T*:"
        let notice = try Fixtures.segments("856.edi")
        let invoice = try Fixtures.segments("810.edi")
        let segments = [isa] + notice[1..<(notice.count - 1)] + invoice[1..<(invoice.count - 1)] + ["IEA*2*000000900"]
        let received = try X12Parser().parse(Fixtures.interchange(Array(segments)))
        let output = try AcknowledgmentGenerator().acknowledge(
            received, controlNumbers: .init(interchange: 901, group: 77, firstSet: 9998), createdAt: Self.createdAt)
        let (interchange, _) = try Self.acknowledgment(output)
        #expect(interchange.delimiters.repetition == UInt8(ascii: "!"))
        #expect(interchange.version == "00501")
        #expect(interchange.usage == .test)
        let sets = interchange.groups[0].transactionSets
        #expect(sets.map(\.controlNumber) == ["9998", "9999"])
        let documents = try X12Document.readAll(interchange)
        let acknowledged = documents.compactMap { document -> String? in
            guard case .functionalAcknowledgment(let ack) = document else { return nil }
            return "\(ack.functionalID)/\(ack.groupControlNumber)/\(ack.sets.map(\.status).joined())"
        }
        #expect(acknowledged == ["SH/501/A", "IN/772/A"])
    }

    @Test func refusesWhatCannotBeAcknowledged() throws {
        let acceptance = try AcknowledgmentGenerator().acknowledge(
            try X12Parser().parse(try Fixtures.sample("850.edi")), controlNumbers: .init(interchange: 1, group: 1),
            createdAt: Self.createdAt)
        let onlyAcks = try X12Parser().parse(acceptance)
        let error = x12Error { () throws(X12Error) in
            try AcknowledgmentGenerator().acknowledge(
                onlyAcks, controlNumbers: .init(interchange: 2, group: 2), createdAt: Self.createdAt)
        }
        #expect(error?.kind == .unsupportedFunctionalGroup)
        let received = try X12Parser().parse(try Fixtures.sample("850.edi"))
        let range = x12Error { () throws(X12Error) in
            try AcknowledgmentGenerator().acknowledge(
                received, controlNumbers: .init(interchange: 1_000_000_000, group: 1), createdAt: Self.createdAt)
        }
        #expect(range?.kind == .unencodable)
    }
}
