/// An 810 invoice, read from its transaction set.
///
/// Supported: BIG, CUR, REF, PER, DTM, N1 loops, IT1 loops (PID, REF, DTM, SAC,
/// TXI), TDS, and summary TXI, SAC and CTT. SAC and TXI after TDS (or before
/// the first IT1) are the invoice's own; inside an IT1 loop they belong to the line.
public struct Invoice810: Sendable, Hashable {
    public struct Line: Sendable, Hashable {
        /// IT101, the assigned line identification (usually the PO line number), when sent.
        public let lineNumber: String?
        public let quantity: Quantity
        public let unitPrice: String
        public let priceBasis: String?
        public let productIDs: [ProductID]
        public internal(set) var description: String?
        public internal(set) var references: [Reference] = []
        public internal(set) var dates: [DateReference] = []
        public internal(set) var charges: [Charge] = []
        public internal(set) var taxes: [Tax] = []
        public let position: Int
    }

    public let envelope: EnvelopeReference
    /// BIG01 as `YYYY-MM-DD`.
    public let invoiceDate: String
    public let invoiceNumber: String
    /// BIG03 as `YYYY-MM-DD`, when sent.
    public let poDate: String?
    public let poNumber: String?
    public let currency: String?
    public let references: [Reference]
    public let dates: [DateReference]
    public let contacts: [Contact]
    public let parties: [Party]
    public let lines: [Line]
    /// TDS01: total invoice amount in cents (N2).
    public let totalCents: Int64
    /// Invoice-level SAC and TXI (the line-level ones are on each line).
    public let charges: [Charge]
    public let taxes: [Tax]

    /// Every TXI on the invoice, invoice-level and line-level.
    public var allTaxes: [Tax] { taxes + lines.flatMap(\.taxes) }
    /// Every SAC on the invoice, invoice-level and line-level.
    public var allCharges: [Charge] { charges + lines.flatMap(\.charges) }

    public static func read(_ set: TransactionSet, envelope: EnvelopeReference) throws(X12Error) -> Invoice810 {
        var big: Segment?
        var tds: Segment?
        var ctt: Segment?
        var currency: String?
        var references: [Reference] = []
        var dates: [DateReference] = []
        var contacts: [Contact] = []
        var parties: [Party] = []
        var lines: [Line] = []
        var charges: [Charge] = []
        var taxes: [Tax] = []
        var currentParty: Int?
        var currentLine: Int?
        for segment in set.body {
            if let index = currentParty {
                if try parties[index].absorb(segment) { continue }
                currentParty = nil
            }
            switch segment.id {
            case "BIG":
                guard big == nil else { throw DocumentScope.duplicate(segment) }
                big = segment
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
            case "N1":
                parties.append(try Party(segment))
                currentParty = parties.count - 1
            case "IT1":
                guard tds == nil else {
                    throw segment.error(.unexpectedSegment, "IT1 may not follow the TDS total")
                }
                lines.append(try readLine(segment))
                currentLine = lines.count - 1
            case "PID":
                guard let line = currentLine else { throw DocumentScope.outsideLoop(segment, "IT1") }
                if lines[line].description == nil { lines[line].description = segment[5] }
            case "SAC":
                let charge = try Charge(segment)
                if let line = currentLine { lines[line].charges.append(charge) } else { charges.append(charge) }
            case "TXI":
                let tax = try Tax(segment)
                if let line = currentLine { lines[line].taxes.append(tax) } else { taxes.append(tax) }
            case "TDS":
                guard tds == nil else { throw DocumentScope.duplicate(segment) }
                tds = segment
                currentLine = nil
            case "CTT":
                guard ctt == nil else { throw DocumentScope.duplicate(segment) }
                ctt = segment
                currentLine = nil
            default:
                continue
            }
        }
        guard let big else { throw DocumentScope.missing("BIG", "beginning segment for invoice", in: set) }
        guard !lines.isEmpty else { throw DocumentScope.missing("IT1", "baseline item data", in: set) }
        guard let tds else { throw DocumentScope.missing("TDS", "total monetary value summary", in: set) }
        try DocumentScope.checkCount(ctt, expected: lines.count, of: "IT1 line items")
        return Invoice810(
            envelope: envelope, invoiceDate: try ElementValues.date(big, 1, "BIG01 (invoice date)"),
            invoiceNumber: try big.required(2, "BIG02 (invoice number)"),
            poDate: big[3] == nil ? nil : try ElementValues.date(big, 3, "BIG03 (purchase order date)"),
            poNumber: big[4], currency: currency, references: references, dates: dates, contacts: contacts,
            parties: parties, lines: lines,
            totalCents: try ElementValues.impliedCents(tds, 1, "TDS01 (total invoice amount)"),
            charges: charges, taxes: taxes)
    }

    private static func readLine(_ segment: Segment) throws(X12Error) -> Line {
        Line(
            lineNumber: segment[1],
            quantity: Quantity(
                value: try ElementValues.decimal(segment, 2, "IT102 (quantity invoiced)"),
                unit: try segment.required(3, "IT103 (unit of measure)")),
            unitPrice: try ElementValues.decimal(segment, 4, "IT104 (unit price)"), priceBasis: segment[5],
            productIDs: try ProductID.pairs(in: segment, from: 6), position: segment.position)
    }
}
