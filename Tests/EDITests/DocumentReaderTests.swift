import EDI
import Foundation
import Testing

@Suite("X12 document readers")
struct DocumentReaderTests {
    static func read(_ segments: [String]) -> Result<X12Document, X12Error> {
        do throws(X12Error) {
            let interchange = try X12Parser().parse(Fixtures.interchange(segments))
            let (group, set) = interchange.transactionSets[0]
            return .success(try X12Document.read(set, group: group, interchange: interchange))
        } catch {
            return .failure(error)
        }
    }

    static func failure(_ segments: [String]) -> Located? {
        if case .failure(let error) = read(segments) { return error.located }
        return nil
    }

    /// The 850 sample's segments with `transform` applied.
    static func po(_ transform: (inout [String]) -> Void) throws -> [String] {
        var segments = try Fixtures.segments("850.edi")
        transform(&segments)
        return segments
    }

    @Test func readsThePurchaseOrder() throws {
        guard case .purchaseOrder(let order) = try Fixtures.parsed("850.edi").1 else {
            Issue.record("not an 850")
            return
        }
        #expect(order.poNumber == "PO-1001")
        #expect(order.orderDate == "2026-11-02")
        #expect(order.purposeCode == "00")
        #expect(order.typeCode == "SA")
        #expect(order.currency == "USD")
        #expect(order.contacts.first?.email == "buyer.kim@client.example")
        #expect(order.parties.map(\.entityCode) == ["BY", "SU", "ST"])
        #expect(order.parties[2].addressLines == ["100 Commerce St"])
        #expect(order.parties[2].city == "Dallas")
        #expect(order.charges.first?.isFreight == true)
        #expect(order.charges.first?.amountCents == 3500)
        #expect(order.charges.first?.description == "Freight")
        #expect(order.taxes.first?.amount == "0")
        #expect(order.dates.first?.date == "2026-11-05")
        #expect(order.lines.count == 2)
        let nut = order.lines[1]
        #expect(nut.lineNumber == "2")
        #expect(nut.quantity == Quantity(value: "20", unit: "BX"))
        #expect(nut.unitPrice == "4.5")
        #expect(nut.productIDs.map(\.qualifier) == ["SK", "VP"])
        #expect(nut.productIDs.value(preferring: ["VP"]) == "NF-N8")
        #expect(nut.description == "Hex nut M8")
        #expect(nut.unitsPerPack == "100")
        #expect(order.lines[0].unitsPerPack == nil)
        #expect(order.lines[0].position == 16)
    }

    @Test func readsTheInvoice() throws {
        guard case .invoice(let invoice) = try Fixtures.parsed("810.edi").1 else {
            Issue.record("not an 810")
            return
        }
        #expect(invoice.invoiceNumber == "77-4410")
        #expect(invoice.invoiceDate == "2026-11-06")
        #expect(invoice.poDate == "2026-11-02")
        #expect(invoice.poNumber == "PO-1001")
        #expect(invoice.totalCents == 24900)
        #expect(invoice.lines.map(\.quantity.value) == ["1000", "20"])
        #expect(invoice.lines.map(\.unitPrice) == ["0.124", "4.5"])
        #expect(invoice.charges.filter(\.isFreight).map(\.amountCents) == [3500])
        #expect(invoice.taxes.map(\.typeCode) == ["ST"])
        #expect(invoice.lines[0].taxes.isEmpty)
    }

    @Test func lineLevelChargesAndTaxesStayOnTheirLine() throws {
        var segments = try Fixtures.segments("810.edi")
        let index = try #require(segments.firstIndex { $0.hasPrefix("IT1*2") })
        segments.insert(contentsOf: ["TXI*ST*1.25", "SAC*A*C310***500"], at: index + 2)
        guard case .success(.invoice(let invoice)) = Self.read(segments) else {
            Issue.record("not read")
            return
        }
        #expect(invoice.lines[1].taxes.map(\.amount) == ["1.25"])
        #expect(invoice.lines[1].charges.map(\.indicator) == ["A"])
        #expect(invoice.allTaxes.count == 2)
        #expect(invoice.allCharges.count == 2)
    }

    @Test func readsTheShipNoticeHierarchy() throws {
        guard case .shipNotice(let notice) = try Fixtures.parsed("856.edi").1 else {
            Issue.record("not an 856")
            return
        }
        #expect(notice.shipmentID == "GR-5001")
        #expect(notice.date == "2026-11-05")
        #expect(notice.time == "14:02:00")
        #expect(notice.dates.map(\.qualifier) == ["011"])
        #expect(notice.levels.map(\.id) == ["1", "2", "3", "4"])
        #expect(notice.levels.map(\.parentID) == [nil, "1", "2", "2"])
        let shipment = try #require(notice.shipment)
        #expect(shipment.carrierCode == "ODFL")
        #expect(shipment.references.map(\.value) == ["PS-88120"])
        #expect(shipment.parties.map(\.entityCode) == ["SF", "ST"])
        #expect(shipment.parties[1].contacts.first?.email == "dock.lee@client.example")
        let order = try #require(notice.orders.first)
        #expect(order.purchaseOrderNumber == "PO-1001")
        let items = notice.items(of: order)
        #expect(items.map(\.lineID) == ["1", "2"])
        #expect(
            items.map(\.shippedQuantity) == [Quantity(value: "1000", unit: "EA"), Quantity(value: "1800", unit: "EA")])
        #expect(notice.order(containing: items[1])?.id == "2")
    }

    /// Shipment → two orders → packs → items, with repeated REF and DTM segments.
    static let nestedNotice = [
        "ISA*00*          *00*          *ZZ*NORTHFAST      *ZZ*CLIENTCO       *261105*1402*U*00401*000000502*0*P*>",
        "GS*SH*NORTHFAST*CLIENTCO*20261105*1402*502*X*004010", "ST*856*0042", "BSN*00*ASN-77*20261105*140230",
        "HL*1**S", "REF*BM*BOL-1", "REF*PK*PS-1", "REF*CN*PRO-9", "DTM*011*20261104", "DTM*017*20261106*0800",
        "N1*ST*Dallas DC*92*DAL-1", "PER*RE*Lee*EM*dock.lee@client.example",
        "HL*2*1*O", "PRF*PO-1001", "HL*3*2*P", "HL*4*3*I", "LIN**SK*BOLT-M8-40*PL*1", "SN1**600*EA",
        "HL*5*3*I", "LIN**SK*NUT-M8*PL*2", "SN1**900*EA",
        "HL*6*1*O", "PRF*PO-1002", "HL*7*6*P", "HL*8*7*I", "LIN*3*BP*WASHER-M8", "SN1**50*EA",
        "HL*9*2*P", "HL*10*9*I", "LIN*1*SK*BOLT-M8-40", "SN1**400*EA", "CTT*10",
        "SE*0*0042", "GE*1*502", "IEA*1*000000502",
    ]

    @Test func walksNestedHierarchicalLoops() throws {
        guard case .success(.shipNotice(let notice)) = Self.read(Self.nestedNotice) else {
            Issue.record("not read")
            return
        }
        #expect(notice.time == "14:02:30")
        let shipment = try #require(notice.shipment)
        #expect(shipment.references.map(\.qualifier) == ["BM", "PK", "CN"])
        #expect(shipment.dates.map(\.time) == [nil, "08:00:00"])
        #expect(notice.orders.map(\.purchaseOrderNumber) == ["PO-1001", "PO-1002"])
        let first = notice.items(of: notice.orders[0])
        // The item under pack 9 (declared after order 6) still belongs to order 2.
        #expect(first.map(\.id) == ["4", "5", "10"])
        #expect(notice.items(of: notice.orders[1]).map(\.id) == ["8"])
        #expect(notice.ancestors(of: first[2]).map(\.id) == ["9", "2", "1"])
    }

    @Test(arguments: [
        ("HL*3*9*I", Located(kind: .invalidHierarchy, position: 14, segmentID: "HL", elementIndex: 2)),
        ("HL*2*1*I", Located(kind: .invalidHierarchy, position: 14, segmentID: "HL", elementIndex: 1)),
        ("HL*3*3*I", Located(kind: .invalidHierarchy, position: 14, segmentID: "HL", elementIndex: 2)),
        ("HL*3*2", Located(kind: .missingElement, position: 14, segmentID: "HL", elementIndex: 3)),
    ])
    func rejectsBrokenHierarchies(replacement: String, expected: Located) throws {
        var segments = try Fixtures.segments("856.edi")
        let index = try #require(segments.firstIndex(of: "HL*3*2*I"))
        segments[index] = replacement
        #expect(Self.failure(segments) == expected)
    }

    @Test func theFirstLevelMustBeTheShipment() throws {
        var segments = try Fixtures.segments("856.edi")
        segments[5] = "HL*1**O"
        #expect(
            Self.failure(segments) == Located(kind: .invalidHierarchy, position: 6, segmentID: "HL", elementIndex: 3))
    }

    @Test func itemsNeedTheirLINAndSN1() throws {
        var segments = try Fixtures.segments("856.edi")
        segments.removeAll { $0 == "SN1**1800*EA" }
        #expect(Self.failure(segments) == Located(kind: .missingSegment, position: 17, segmentID: "SN1"))
        segments = try Fixtures.segments("856.edi")
        segments.removeAll { $0 == "PRF*PO-1001***20261102" }
        #expect(Self.failure(segments) == Located(kind: .missingSegment, position: 12, segmentID: "PRF"))
        segments = try Fixtures.segments("856.edi")
        segments.removeAll { $0 == "CTT*4" }
        segments.insert("CTT*5", at: segments.count - 3)
        #expect(
            Self.failure(segments) == Located(kind: .countMismatch, position: 20, segmentID: "CTT", elementIndex: 1))
    }

    @Test func missingMandatorySegmentsAndElements() throws {
        // Missing segments are reported at the SE that closed the set without them.
        #expect(
            Self.failure(try Self.po { $0.remove(at: 3) })
                == Located(kind: .missingSegment, position: 21, segmentID: "BEG"))
        #expect(
            Self.failure(
                try Self.po { $0.removeAll { $0.hasPrefix("PO1") || $0.hasPrefix("PID") || $0.hasPrefix("PO4") } })
                == Located(kind: .missingSegment, position: 17, segmentID: "PO1"))
        let cases: [(String, String, Located)] = [
            (
                "PO1*1*1000*EA*0.124**SK*BOLT-M8-40*VP*NF-B840", "PO1*1*1000*EA",
                Located(kind: .missingElement, position: 16, segmentID: "PO1", elementIndex: 4)
            ),
            (
                "PO1*1*1000*EA*0.124**SK*BOLT-M8-40*VP*NF-B840", "PO1*1*1,000*EA*0.124**SK*BOLT-M8-40",
                Located(kind: .invalidElement, position: 16, segmentID: "PO1", elementIndex: 2)
            ),
            (
                "PO1*1*1000*EA*0.124**SK*BOLT-M8-40*VP*NF-B840", "PO1*1*1000*EA*0.124**SK*BOLT-M8-40*VP",
                Located(kind: .missingElement, position: 16, segmentID: "PO1", elementIndex: 9)
            ),
            (
                "BEG*00*SA*PO-1001**20261102", "BEG*00*SA*PO-1001**20260231",
                Located(kind: .invalidDate, position: 4, segmentID: "BEG", elementIndex: 5)
            ),
            (
                "BEG*00*SA*PO-1001**20261102", "BEG*00*SA***20261102",
                Located(kind: .missingElement, position: 4, segmentID: "BEG", elementIndex: 3)
            ),
            ("CUR*BY*USD", "CUR*BY*usd", Located(kind: .invalidCode, position: 5, segmentID: "CUR", elementIndex: 2)),
            ("CTT*2", "CTT*3", Located(kind: .countMismatch, position: 21, segmentID: "CTT", elementIndex: 1)),
            (
                "SAC*C*D240***3500**********Freight", "SAC*X*D240***3500",
                Located(kind: .invalidCode, position: 8, segmentID: "SAC", elementIndex: 1)
            ),
            (
                "SAC*C*D240***3500**********Freight", "SAC*C*D240***35.00",
                Located(kind: .invalidElement, position: 8, segmentID: "SAC", elementIndex: 5)
            ),
            (
                "DTM*002*20261105", "DTM*002*20261105*2561",
                Located(kind: .invalidTime, position: 10, segmentID: "DTM", elementIndex: 3)
            ),
            (
                "N1*BY*Client Co*92*CLIENT", "N1*BY",
                Located(kind: .missingElement, position: 11, segmentID: "N1", elementIndex: 2)
            ),
            (
                "PER*BD*Kim*EM*buyer.kim@client.example", "PER*BD*Kim*EM",
                Located(kind: .missingElement, position: 7, segmentID: "PER", elementIndex: 4)
            ),
        ]
        for (original, replacement, expected) in cases {
            let segments = try Self.po { segments in
                if let index = segments.firstIndex(of: original) { segments[index] = replacement }
            }
            #expect(Self.failure(segments) == expected, "\(replacement)")
        }
        #expect(
            Self.failure(try Self.po { $0.insert("PID*F****Early", at: 4) })
                == Located(kind: .unexpectedSegment, position: 5, segmentID: "PID"))
        #expect(
            Self.failure(try Self.po { $0.insert("BEG*00*SA*PO-2**20261102", at: 4) })
                == Located(kind: .unexpectedSegment, position: 5, segmentID: "BEG"))
    }

    @Test func theInvoiceNeedsItsTotal() throws {
        var segments = try Fixtures.segments("810.edi")
        segments.removeAll { $0 == "TDS*24900" }
        #expect(Self.failure(segments) == Located(kind: .missingSegment, position: 15, segmentID: "TDS"))
        segments = try Fixtures.segments("810.edi")
        segments[segments.firstIndex(of: "TDS*24900") ?? 0] = "TDS*249.00"
        #expect(
            Self.failure(segments) == Located(kind: .invalidElement, position: 12, segmentID: "TDS", elementIndex: 1))
    }

    @Test func readsAFunctionalAcknowledgment() throws {
        let segments = [
            "ISA*00*          *00*          *ZZ*NORTHFAST      *ZZ*CLIENTCO       *261102*0930*U*00401*000000009*0*P*>",
            "GS*FA*NORTHFAST*CLIENTCO*20261102*0930*9*X*004010", "ST*997*0001", "AK1*PO*101",
            "AK2*850*0001", "AK5*A", "AK2*850*0002", "AK3*PO1*14**8", "AK4*4**1", "AK4*2**6*1,000", "AK3*CTT*20**2",
            "AK5*R*5", "AK9*P*2*2*1", "SE*0*0001", "GE*1*9", "IEA*1*000000009",
        ]
        guard case .success(.functionalAcknowledgment(let ack)) = Self.read(segments) else {
            Issue.record("not read")
            return
        }
        #expect(ack.functionalID == "PO")
        #expect(ack.groupControlNumber == "101")
        #expect(ack.sets.map(\.status) == ["A", "R"])
        #expect(ack.sets[1].errorCodes == ["5"])
        #expect(ack.sets[1].segments.map(\.segmentID) == ["PO1", "CTT"])
        #expect(ack.sets[1].segments[0].position == 14)
        let codes: [String] = ack.sets[1].segments[0].elements.map { $0.errorCode }
        #expect(codes == ["1", "6"])
        #expect(ack.sets[1].segments[0].elements[1].badData == "1,000")
        #expect([ack.includedSets, ack.receivedSets, ack.acceptedSets] == [Int]([2, 2, 1]))
        #expect(ack.groupStatus == "P")
        var broken = segments
        broken.remove(at: 5)
        #expect(Self.failure(broken) == Located(kind: .missingSegment, position: 6, segmentID: "AK5"))
        broken = segments
        broken.insert("AK4*1**1", at: 4)
        #expect(Self.failure(broken) == Located(kind: .unexpectedSegment, position: 5, segmentID: "AK4"))
    }
}
