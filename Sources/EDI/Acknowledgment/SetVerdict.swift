/// Identifies one transaction set of an interchange: its group's and its own control number.
public struct SetKey: Sendable, Hashable {
    public let groupControlNumber: String
    public let setControlNumber: String

    public init(groupControlNumber: String, setControlNumber: String) {
        self.groupControlNumber = groupControlNumber
        self.setControlNumber = setControlNumber
    }

    public init(group: FunctionalGroup, set: TransactionSet) {
        self.init(groupControlNumber: group.controlNumber, setControlNumber: set.controlNumber)
    }
}

/// What the 997 says about one transaction set.
public enum SetVerdict: Sendable, Hashable {
    case accepted
    case rejected(SetRejection)
}

/// Why a set is rejected: AK5 error codes and AK3/AK4 notes naming segments and elements.
public struct SetRejection: Sendable, Hashable {
    /// An AK3 segment note; `positionInSet` counts from ST = 1.
    public struct SegmentNote: Sendable, Hashable {
        public var segmentID: String
        public var positionInSet: Int
        public var loopID: String?
        /// AK304: 1 unrecognised, 2 unexpected, 3 mandatory segment missing, 8 segment has data element errors.
        public var errorCode: String?
        public var elements: [ElementNote]

        public init(
            segmentID: String, positionInSet: Int, loopID: String? = nil, errorCode: String?,
            elements: [ElementNote] = []
        ) {
            self.segmentID = segmentID
            self.positionInSet = positionInSet
            self.loopID = loopID
            self.errorCode = errorCode
            self.elements = elements
        }
    }

    /// An AK4 element note.
    public struct ElementNote: Sendable, Hashable {
        public var position: Int
        public var reference: String?
        /// AK403: 1 mandatory element missing, 6 invalid character, 7 invalid code value, 8 invalid date, 9 invalid time.
        public var errorCode: String
        /// AK404: a copy of the bad value (separators removed, at most 99 characters).
        public var badData: String?

        public init(position: Int, reference: String? = nil, errorCode: String, badData: String? = nil) {
            self.position = position
            self.reference = reference
            self.errorCode = errorCode
            self.badData = badData
        }
    }

    /// AK502...AK506: 5 one or more segments in error, 1 set not supported, ...
    public var setErrorCodes: [String]
    public var segments: [SegmentNote]

    public init(setErrorCodes: [String] = ["5"], segments: [SegmentNote] = []) {
        self.setErrorCodes = setErrorCodes
        self.segments = segments
    }

    /// The AK3/AK4 notes that describe a reader's `error` about `set`, as far as X12's codes can say it.
    public init(error: X12Error, in set: TransactionSet) {
        setErrorCodes = ["5"]
        guard let position = error.position, let segmentID = error.segmentID else {
            segments = []
            return
        }
        let inSet = min(max(position - set.position + 1, 1), max(set.segments.count, 1))
        let elementCode: String? =
            switch error.kind {
            case .missingElement: "1"
            case .invalidCode, .invalidHierarchy, .countMismatch: "7"
            case .invalidDate: "8"
            case .invalidTime: "9"
            case .invalidElement: "6"
            default: nil
            }
        let segmentCode: String? =
            switch error.kind {
            case .missingSegment: "3"
            case .unexpectedSegment: "2"
            default: elementCode == nil ? nil : "8"
            }
        var elements: [ElementNote] = []
        if let elementCode, let index = error.elementIndex {
            let source = set.segments.indices.contains(inSet - 1) ? set.segments[inSet - 1] : nil
            let bad = source?.id == segmentID ? source?[index].map(Self.copy) : nil
            elements.append(ElementNote(position: index, errorCode: elementCode, badData: bad))
        }
        segments = [SegmentNote(segmentID: segmentID, positionInSet: inSet, errorCode: segmentCode, elements: elements)]
    }

    /// Printable ASCII only, at most 99 characters; the generator also drops the separators.
    static func copy(_ value: String) -> String {
        String(
            value.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }.prefix(99).map(
                Character.init))
    }
}
