import EDI
import Foundation
import Testing

/// Every envelope check, each with the segment position, tag and element it names.
/// The 850 sample has ISA at 1, GS 2, ST 3, BEG 4, ..., SE 22, GE 23, IEA 24.
@Suite("X12 envelope errors")
struct EnvelopeErrorTests {
    /// The sample's segments with `index` replaced (nil removes it).
    static func po(replacing index: Int, with segment: String?) throws -> String {
        var segments = try Fixtures.segments("850.edi")
        if let segment { segments[index] = segment } else { segments.remove(at: index) }
        return Fixtures.interchange(segments, fixCounts: false)
    }

    static func parse(_ text: String, limits: X12Limits = X12Limits()) -> Located? {
        x12Error { () throws(X12Error) in try X12Parser(limits: limits).parse(text) }?.located
    }

    static let isa =
        "ISA*00*          *00*          *ZZ*CLIENTCO       *ZZ*NORTHFAST      *261102*0915*U*00401*000000101*0*P*>"

    @Test func isaChecks() throws {
        let cases: [(String, Located)] = [
            ("GS*PO*A*B~", Located(kind: .invalidISA, position: 1)),
            ("ISA*00*  *00", Located(kind: .invalidISA, position: 1, segmentID: "ISA")),
            (
                Self.isa.replacingOccurrences(of: "CLIENTCO       ", with: "CLIENTCO      "),
                Located(kind: .invalidISA, position: 1, segmentID: "ISA", elementIndex: 6)
            ),
            (
                Self.isa.replacingOccurrences(of: "000000101", with: "00000010A"),
                Located(kind: .invalidISA, position: 1, segmentID: "ISA", elementIndex: 13)
            ),
            (
                Self.isa.replacingOccurrences(of: "*0*P*", with: "*0*X*"),
                Located(kind: .invalidISA, position: 1, segmentID: "ISA", elementIndex: 15)
            ),
            (
                Self.isa.replacingOccurrences(of: "*0*P*", with: "*7*P*"),
                Located(kind: .invalidISA, position: 1, segmentID: "ISA", elementIndex: 14)
            ),
            (
                Self.isa.replacingOccurrences(of: "*U*", with: "*^*"),
                Located(kind: .invalidISA, position: 1, segmentID: "ISA", elementIndex: 11)
            ),
            (
                Self.isa.replacingOccurrences(of: "261102", with: "26-102"),
                Located(kind: .invalidISA, position: 1, segmentID: "ISA", elementIndex: 9)
            ),
            // The component separator may not equal the element separator.
            (
                String(Self.isa.dropLast()) + "*",
                Located(kind: .invalidISA, position: 1, segmentID: "ISA", elementIndex: 16)
            ),
        ]
        for (isa, expected) in cases {
            let rest = try Fixtures.segments("850.edi").dropFirst()
            let text =
                isa.hasPrefix("ISA") && isa.count > 100 ? Fixtures.interchange([isa] + rest, fixCounts: false) : isa
            #expect(Self.parse(text) == expected, "\(isa)")
        }
    }

    @Test func trailerCountsAndControlNumbers() throws {
        let cases: [(Int, String?, Located)] = [
            (
                23, "IEA*2*000000101",
                Located(kind: .interchangeGroupCountMismatch, position: 24, segmentID: "IEA", elementIndex: 1)
            ),
            (
                23, "IEA*1*000000102",
                Located(kind: .interchangeControlMismatch, position: 24, segmentID: "IEA", elementIndex: 2)
            ),
            (23, "IEA*one*000000101", Located(kind: .invalidElement, position: 24, segmentID: "IEA", elementIndex: 1)),
            (22, "GE*3*101", Located(kind: .groupSetCountMismatch, position: 23, segmentID: "GE", elementIndex: 1)),
            (22, "GE*1*102", Located(kind: .groupControlMismatch, position: 23, segmentID: "GE", elementIndex: 2)),
            (21, "SE*19*0001", Located(kind: .setSegmentCountMismatch, position: 22, segmentID: "SE", elementIndex: 1)),
            (21, "SE*20*0002", Located(kind: .setControlMismatch, position: 22, segmentID: "SE", elementIndex: 2)),
            (21, "SE*20", Located(kind: .missingElement, position: 22, segmentID: "SE", elementIndex: 2)),
            // A trailer that is missing is reported where it was due, with the trailer's tag.
            (21, nil, Located(kind: .missingTrailer, position: 22, segmentID: "SE")),
            (22, nil, Located(kind: .missingTrailer, position: 23, segmentID: "GE")),
            (23, nil, Located(kind: .missingTrailer, position: 24, segmentID: "IEA")),
            (
                2, "ST*855*0001",
                Located(kind: .unsupportedTransactionSet, position: 3, segmentID: "ST", elementIndex: 1)
            ),
            (
                2, "ST*810*0001",
                Located(kind: .transactionSetGroupMismatch, position: 3, segmentID: "ST", elementIndex: 1)
            ),
            (2, "ST*850*01", Located(kind: .invalidElement, position: 3, segmentID: "ST", elementIndex: 2)),
            (
                1, "GS*PR*CLIENTCO*NORTHFAST*20261102*0915*101*X*004010",
                Located(kind: .unsupportedFunctionalGroup, position: 2, segmentID: "GS", elementIndex: 1)
            ),
            (
                1, "GS*PO*CLIENTCO*NORTHFAST*20261102*0915*A1*X*004010",
                Located(kind: .invalidElement, position: 2, segmentID: "GS", elementIndex: 6)
            ),
            (
                1, "GS*PO*CLIENTCO*NORTHFAST*20261102*0915*101*X",
                Located(kind: .missingElement, position: 2, segmentID: "GS", elementIndex: 8)
            ),
            (3, "beg*00*SA*PO-1001**20261102", Located(kind: .invalidSegmentID, position: 4)),
        ]
        for (index, replacement, expected) in cases {
            #expect(
                Self.parse(try Self.po(replacing: index, with: replacement)) == expected,
                "\(replacement ?? "removed \(index)")")
        }
    }

    @Test func unexpectedSegmentsOutsideTheirEnvelope() throws {
        var segments = try Fixtures.segments("850.edi")
        segments.insert("REF*IA*1", at: 2)
        #expect(
            Self.parse(Fixtures.interchange(segments, fixCounts: false))
                == Located(kind: .unexpectedSegment, position: 3, segmentID: "REF"))
        segments = try Fixtures.segments("850.edi")
        segments.insert("REF*IA*1", at: 1)
        #expect(
            Self.parse(Fixtures.interchange(segments, fixCounts: false))
                == Located(kind: .unexpectedSegment, position: 2, segmentID: "REF"))
        // A new ST before SE: the open set's trailer is missing at the ST.
        segments = try Fixtures.segments("850.edi")
        segments.insert("ST*850*0002", at: 10)
        #expect(
            Self.parse(Fixtures.interchange(segments, fixCounts: false))
                == Located(kind: .missingTrailer, position: 11, segmentID: "SE"))
    }

    @Test func emptyInterchangesAndGroups() throws {
        #expect(Self.parse("") == Located(kind: .emptyInterchange, position: nil))
        #expect(Self.parse(" \r\n\n") == Located(kind: .emptyInterchange, position: nil))
        #expect(
            Self.parse(Fixtures.interchange([Self.isa, "IEA*0*000000101"]))
                == Located(kind: .emptyInterchange, position: 2, segmentID: "IEA"))
        #expect(
            Self.parse(
                Fixtures.interchange([
                    Self.isa, "GS*PO*CLIENTCO*NORTHFAST*20261102*0915*101*X*004010", "GE*0*101", "IEA*1*000000101",
                ])) == Located(kind: .emptyFunctionalGroup, position: 3, segmentID: "GE"))
    }

    @Test func truncatedInputAndTrailingData() throws {
        let text = try Fixtures.sample("850.edi")
        // Cut inside the IEA segment: the last segment has no terminator.
        #expect(Self.parse(String(text.dropLast(6))) == Located(kind: .truncated, position: 24, segmentID: "IEA"))
        // Cut after a whole segment: the trailers are missing.
        let upToPO1 = text.components(separatedBy: "PID*F****Hex nut M8~")[0]
        #expect(Self.parse(upToPO1) == Located(kind: .missingTrailer, position: 19, segmentID: "SE"))
        // Cut inside ISA.
        #expect(Self.parse(String(text.prefix(60))) == Located(kind: .invalidISA, position: 1, segmentID: "ISA"))
        #expect(Self.parse(text + "GS*PO~") == Located(kind: .trailingData, position: 25))
        #expect(Self.parse(text + "\r\n  \n") == nil)
    }

    @Test func limitsBoundTheWork() throws {
        let text = try Fixtures.sample("850.edi")
        #expect(Self.parse(text, limits: X12Limits(maxBytes: 500)) == Located(kind: .tooLarge, position: nil))
        #expect(Self.parse(text, limits: X12Limits(maxSegments: 10)) == Located(kind: .tooManySegments, position: 11))
        #expect(Self.parse(text, limits: X12Limits(maxSegments: 24)) == nil)
        #expect(
            Self.parse(text, limits: X12Limits(maxElementsPerSegment: 8))
                == Located(kind: .tooManyElements, position: 8, segmentID: "SAC"))
        let error = try #require(
            x12Error { () throws(X12Error) in try X12Parser(limits: X12Limits(maxBytes: 10)).parse(text) })
        #expect(error.httpStatus == 413)
        #expect(error.code == "x12_too_large")
    }

    @Test func errorsDescribeTheirPlace() throws {
        let text = try Self.po(replacing: 21, with: "SE*19*0001")
        let error = try #require(x12Error { () throws(X12Error) in try X12Parser().parse(text) })
        #expect(error.field == "SE01")
        #expect(error.code == "x12_se_segment_count_mismatch")
        #expect(error.httpStatus == 422)
        #expect(error.description.contains("segment 22, SE01"))
    }
}
