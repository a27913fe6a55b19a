import Foundation
import Finance

/// An 850 purchase order, read from its transaction set.
///
/// Supported: BEG, CUR, REF, PER, DTM, SAC, TXI, N1 loops (N2/N3/N4/REF/PER),
/// PO1 loops (PID, PO4, REF, DTM, SAC, TXI) and CTT. Other segments are
/// tolerated and skipped, so a partner's extra segments do not reject the order.
public struct PurchaseOrder850: Sendable, Hashable {
    public struct Line: Sendable, Hashable {
        /// PO101, the buyer's line number, when sent.
        public let lineNumber: String?
        public let quantity: Quantity
        /// PO104, price per unit of PO103 (or of PO105's basis).
        public let unitPrice: String
        public let priceBasis: String?
        public let productIDs: [ProductID]
        public internal(set) var description: String?
        /// Base units per ordered unit from PO4 (pack × size), when sent.
        public internal(set) var unitsPerPack: String?
        public internal(set) var references: [Reference] = []
        public internal(set) var dates: [DateReference] = []
        public internal(set) var charges: [Charge] = []
        public internal(set) var taxes: [Tax] = []
        public let position: Int
    }

    public let envelope: EnvelopeReference
    /// BEG01 (00 original, 05 replace, ...).
    public let purposeCode: String
    /// BEG02 (SA stand-alone, BK blanket, ...).
    public let typeCode: String
    public let poNumber: String
    /// BEG05 as `YYYY-MM-DD`.
    public let orderDate: String
    public let currency: String?
    public let references: [Reference]
    public let dates: [DateReference]
    public let contacts: [Contact]
    public let parties: [Party]
    public let lines: [Line]
    public let charges: [Charge]
    public let taxes: [Tax]

    public static func read(_ set: TransactionSet, envelope: EnvelopeReference) throws(X12Error) -> PurchaseOrder850 {
        var beg: Segment?
        var currency: String?
        var references: [Reference] = []
        var dates: [DateReference] = []
        var contacts: [Contact] = []
        var parties: [Party] = []
        var lines: [Line] = []
        var charges: [Charge] = []
        var taxes: [Tax] = []
        var ctt: Segment?
        var currentParty: Int?
        var currentLine: Int?
        for segment in set.body {
            if let index = currentParty {
                if try parties[index].absorb(segment) { continue }
                currentParty = nil
            }
            switch segment.id {
            case "BEG":
                guard beg == nil else { throw DocumentScope.duplicate(segment) }
                beg = segment
            case "CUR":
                currency = try DocumentScope.currency(segment)
            case "REF":
                let reference = try Reference(segment)
                if let line = currentLine {
                    lines[line].references.append(reference)
                } else {
                    references.append(reference)
                }
            case "PER":
                contacts.append(try Contact(segment))
            case "DTM":
                let date = try DateReference(segment)
                if let line = currentLine { lines[line].dates.append(date) } else { dates.append(date) }
            case "SAC":
                let charge = try Charge(segment)
                if let line = currentLine { lines[line].charges.append(charge) } else { charges.append(charge) }
            case "TXI":
                let tax = try Tax(segment)
                if let line = currentLine { lines[line].taxes.append(tax) } else { taxes.append(tax) }
            case "N1":
                parties.append(try Party(segment))
                currentParty = parties.count - 1
            case "PO1":
                lines.append(try readLine(segment))
                currentLine = lines.count - 1
            case "PID":
                guard let line = currentLine else { throw DocumentScope.outsideLoop(segment, "PO1") }
                if lines[line].description == nil { lines[line].description = segment[5] }
            case "PO4":
                guard let line = currentLine else { throw DocumentScope.outsideLoop(segment, "PO1") }
                lines[line].unitsPerPack = try packFactor(segment)
            case "CTT":
                guard ctt == nil else { throw DocumentScope.duplicate(segment) }
                ctt = segment
                currentLine = nil
            default:
                continue
            }
        }
        guard let beg else { throw DocumentScope.missing("BEG", "beginning segment", in: set) }
        guard !lines.isEmpty else { throw DocumentScope.missing("PO1", "baseline item data", in: set) }
        try DocumentScope.checkCount(ctt, expected: lines.count, of: "PO1 line items")
        return PurchaseOrder850(
            envelope: envelope, purposeCode: try beg.required(1, "BEG01 (purpose code)"),
            typeCode: try beg.required(2, "BEG02 (order type code)"),
            poNumber: try beg.required(3, "BEG03 (purchase order number)"),
            orderDate: try ElementValues.date(beg, 5, "BEG05 (order date)"), currency: currency,
            references: references, dates: dates, contacts: contacts, parties: parties, lines: lines,
            charges: charges, taxes: taxes)
    }

    private static func readLine(_ segment: Segment) throws(X12Error) -> Line {
        Line(
            lineNumber: segment[1],
            quantity: Quantity(
                value: try ElementValues.decimal(segment, 2, "PO102 (quantity ordered)"),
                unit: try segment.required(3, "PO103 (unit of measure)")),
            unitPrice: try ElementValues.decimal(segment, 4, "PO104 (unit price)"), priceBasis: segment[5],
            productIDs: try ProductID.pairs(in: segment, from: 6), position: segment.position)
    }

    /// PO401 (inner units per outer pack) × PO402 (size of each, default 1).
    private static func packFactor(_ segment: Segment) throws(X12Error) -> String? {
        guard segment[1] != nil else { return nil }
        let pack = try ElementValues.decimal(segment, 1, "PO401 (pack)")
        let size = segment[2] == nil ? "1" : try ElementValues.decimal(segment, 2, "PO402 (size)")
        guard let packValue = DecimalText.parse(pack), let sizeValue = DecimalText.parse(size), packValue > 0,
            sizeValue > 0
        else {
            throw segment.error(.invalidElement, "PO401 and PO402 must be positive", element: 1)
        }
        return DecimalText.text(packValue * sizeValue)
    }
}
