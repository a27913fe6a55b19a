/// A parsed interchange: the ISA/IEA envelope and the functional groups inside it.
public struct Interchange: Sendable, Hashable {
    /// Whether the sender marked the interchange as production, test or information data (ISA15).
    public enum Usage: String, Sendable, Hashable {
        case production = "P"
        case test = "T"
        case information = "I"
    }

    public let delimiters: Delimiters
    /// ISA01/ISA02: authorization information qualifier and value (usually `00` and blanks).
    public let authorizationQualifier: String
    public let authorization: String
    /// ISA03/ISA04: security information qualifier and value.
    public let securityQualifier: String
    public let security: String
    /// ISA05/ISA06, with the fixed-width padding removed.
    public let senderQualifier: String
    public let senderID: String
    /// ISA07/ISA08, with the fixed-width padding removed.
    public let receiverQualifier: String
    public let receiverID: String
    /// ISA09 as written (YYMMDD).
    public let date: String
    /// ISA10 as written (HHMM).
    public let time: String
    /// ISA12, such as `00401`.
    public let version: String
    /// ISA13, nine digits.
    public let controlNumber: String
    /// ISA14: whether the sender asked for a TA1 interchange acknowledgment.
    public let acknowledgmentRequested: Bool
    public let usage: Usage
    public let groups: [FunctionalGroup]
    /// Number of segments in the interchange, ISA and IEA included.
    public let segmentCount: Int

    /// Every transaction set with the group that holds it, in document order.
    public var transactionSets: [(group: FunctionalGroup, set: TransactionSet)] {
        groups.flatMap { group in group.transactionSets.map { (group, $0) } }
    }
}

/// One GS/GE functional group: sets of one kind, from one application to another.
public struct FunctionalGroup: Sendable, Hashable {
    /// GS01: which kind of transaction sets the group holds.
    public enum FunctionalID: String, Sendable, Hashable, CaseIterable {
        case purchaseOrder = "PO"
        case shipNotice = "SH"
        case invoice = "IN"
        case functionalAcknowledgment = "FA"
    }

    public let functionalID: FunctionalID
    /// GS02/GS03: application sender's and receiver's codes.
    public let applicationSender: String
    public let applicationReceiver: String
    /// GS04 (CCYYMMDD) and GS05 (HHMM[SS[d..]]) as written.
    public let date: String
    public let time: String
    /// GS06 as written.
    public let controlNumber: String
    /// GS07: responsible agency, `X` for ASC X12.
    public let agency: String
    /// GS08, such as `004010`.
    public let version: String
    public let transactionSets: [TransactionSet]
    /// Position of the GS segment in the interchange.
    public let position: Int
}

/// One ST/SE transaction set: a business document.
public struct TransactionSet: Sendable, Hashable {
    /// ST01: the transaction sets this module reads.
    public enum SetID: String, Sendable, Hashable, CaseIterable {
        case purchaseOrder = "850"
        case shipNotice = "856"
        case invoice = "810"
        case functionalAcknowledgment = "997"

        /// The functional group (GS01) that may carry this set.
        public var functionalID: FunctionalGroup.FunctionalID {
            switch self {
            case .purchaseOrder: .purchaseOrder
            case .shipNotice: .shipNotice
            case .invoice: .invoice
            case .functionalAcknowledgment: .functionalAcknowledgment
            }
        }
    }

    public let id: SetID
    /// ST02 as written.
    public let controlNumber: String
    /// All segments from ST to SE inclusive.
    public let segments: [Segment]

    /// Position of the ST segment in the interchange.
    public var position: Int { segments.first?.position ?? 0 }

    /// The segments between ST and SE.
    public var body: ArraySlice<Segment> {
        segments.count >= 2 ? segments[1..<(segments.count - 1)] : []
    }

    /// The SE segment, where errors about missing content are reported.
    var trailer: Segment? { segments.last }
}
