import Platform

/// Why an X12 interchange, one of its documents, or its mapping was refused.
///
/// Every error names where it happened the way an EDI analyst looks for it:
/// `position` is the 1-based index of the segment in the interchange (ISA is 1),
/// `segmentID` the segment's tag and `elementIndex` the 1-based element (BEG03 is 3).
/// `code` is stable so partners' tooling and the 997 generator can branch on it.
public struct X12Error: CodedError, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case tooLarge = "x12_too_large"
        case tooManySegments = "x12_too_many_segments"
        case tooManyElements = "x12_too_many_elements"
        case emptyInterchange = "x12_empty_interchange"
        case invalidISA = "x12_isa_invalid"
        case invalidSegmentID = "x12_segment_id_invalid"
        case truncated = "x12_truncated"
        case trailingData = "x12_trailing_data"
        case unexpectedSegment = "x12_unexpected_segment"
        case missingTrailer = "x12_missing_trailer"
        case interchangeGroupCountMismatch = "x12_iea_group_count_mismatch"
        case interchangeControlMismatch = "x12_iea_control_number_mismatch"
        case groupSetCountMismatch = "x12_ge_set_count_mismatch"
        case groupControlMismatch = "x12_ge_control_number_mismatch"
        case setSegmentCountMismatch = "x12_se_segment_count_mismatch"
        case setControlMismatch = "x12_se_control_number_mismatch"
        case unsupportedFunctionalGroup = "x12_unsupported_functional_group"
        case unsupportedTransactionSet = "x12_unsupported_transaction_set"
        case transactionSetGroupMismatch = "x12_transaction_set_group_mismatch"
        case emptyFunctionalGroup = "x12_empty_functional_group"
        case missingSegment = "x12_missing_segment"
        case missingElement = "x12_missing_element"
        case invalidElement = "x12_invalid_element"
        case invalidCode = "x12_invalid_code"
        case invalidDate = "x12_invalid_date"
        case invalidTime = "x12_invalid_time"
        case invalidHierarchy = "x12_invalid_hierarchy"
        case countMismatch = "x12_count_mismatch"
        case unmappable = "x12_unmappable"
        case unencodable = "x12_unencodable_value"
    }

    public let kind: Kind
    public let message: String
    /// 1-based index of the segment in the interchange; nil when the problem is the input as a whole.
    public let position: Int?
    public let segmentID: String?
    /// 1-based element index inside the segment, when one element is at fault.
    public let elementIndex: Int?
    /// Where the error was raised, for debug output only.
    public let site: ThrowSite

    public init(
        _ kind: Kind, _ message: String, position: Int? = nil, segmentID: String? = nil, elementIndex: Int? = nil,
        site: ThrowSite = ThrowSite()
    ) {
        self.kind = kind
        self.message = message
        self.position = position
        self.segmentID = segmentID
        self.elementIndex = elementIndex
        self.site = site
    }

    public var code: String { kind.rawValue }

    public var httpStatus: Int {
        switch kind {
        case .tooLarge, .tooManySegments, .tooManyElements: 413
        default: 422
        }
    }

    /// The X12 reference of the element or segment at fault, such as `BEG03` or `SE`.
    public var field: String? {
        guard let segmentID else { return nil }
        guard let elementIndex else { return segmentID }
        return segmentID + (elementIndex < 10 ? "0" : "") + String(elementIndex)
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let position { text += " (segment \(position)" + (field.map { ", \($0)" } ?? "") + ")" }
        return text
    }

    public static func == (lhs: X12Error, rhs: X12Error) -> Bool {
        lhs.kind == rhs.kind && lhs.message == rhs.message && lhs.position == rhs.position
            && lhs.segmentID == rhs.segmentID && lhs.elementIndex == rhs.elementIndex
    }
}
