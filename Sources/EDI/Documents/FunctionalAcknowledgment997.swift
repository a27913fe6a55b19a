/// A 997 functional acknowledgment: what a partner said about a functional group we sent.
///
/// AK1 names the group; each AK2 loop names one set, with AK3 segment notes
/// (each with AK4 element notes) and the AK5 verdict; AK9 gives the group verdict and counts.
public struct FunctionalAcknowledgment997: Sendable, Hashable {
    public struct ElementNote: Sendable, Hashable {
        /// AK401 position in the segment (composite `3:1` kept as written).
        public let position: String
        public let reference: String?
        /// AK403: 1 mandatory element missing, 7 invalid code value, 8 invalid date, ...
        public let errorCode: String
        public let badData: String?
    }

    public struct SegmentNote: Sendable, Hashable {
        public let segmentID: String
        /// AK302: position of the segment in its transaction set (ST is 1).
        public let position: Int
        public let loopID: String?
        /// AK304: 1 unrecognised segment, 3 mandatory segment missing, 8 segment has element errors, ...
        public let errorCode: String?
        public internal(set) var elements: [ElementNote] = []
    }

    public struct SetResponse: Sendable, Hashable {
        public let setID: String
        public let controlNumber: String
        public internal(set) var segments: [SegmentNote] = []
        /// AK501: A accepted, E accepted with errors, R rejected, ...
        public internal(set) var status: String = ""
        /// AK502...AK506.
        public internal(set) var errorCodes: [String] = []
        var closed = false
    }

    public let envelope: EnvelopeReference
    /// AK101/AK102: the acknowledged group's functional id and control number.
    public let functionalID: String
    public let groupControlNumber: String
    public let sets: [SetResponse]
    /// AK901: A accepted, E accepted with errors, P partially accepted, R rejected.
    public let groupStatus: String
    public let includedSets: Int
    public let receivedSets: Int
    public let acceptedSets: Int
    public let groupErrorCodes: [String]

    public static func read(_ set: TransactionSet, envelope: EnvelopeReference) throws(X12Error)
        -> FunctionalAcknowledgment997
    {
        var ak1: Segment?
        var ak9: Segment?
        var sets: [SetResponse] = []
        for segment in set.body {
            switch segment.id {
            case "AK1":
                guard ak1 == nil else { throw DocumentScope.duplicate(segment) }
                ak1 = segment
            case "AK2":
                if let last = sets.last, !last.closed { throw missingAK5(last, before: segment) }
                sets.append(
                    SetResponse(
                        setID: try segment.required(1, "AK201 (transaction set identifier)"),
                        controlNumber: try segment.required(2, "AK202 (transaction set control number)")))
            case "AK3":
                guard let index = sets.indices.last, !sets[index].closed else {
                    throw DocumentScope.outsideLoop(segment, "AK2")
                }
                let positionText = try segment.required(2, "AK302 (segment position in transaction set)")
                guard let position = Int(positionText), ByteClass.allDigits(positionText) else {
                    throw segment.error(.invalidElement, "AK302 must be a whole number", element: 2)
                }
                sets[index].segments.append(
                    SegmentNote(
                        segmentID: try segment.required(1, "AK301 (segment id code)"), position: position,
                        loopID: segment[3], errorCode: segment[4]))
            case "AK4":
                guard let index = sets.indices.last, !sets[index].closed, let note = sets[index].segments.indices.last
                else { throw DocumentScope.outsideLoop(segment, "AK3") }
                sets[index].segments[note].elements.append(
                    ElementNote(
                        position: try segment.required(1, "AK401 (position in segment)"), reference: segment[2],
                        errorCode: try segment.required(3, "AK403 (data element syntax error code)"),
                        badData: segment[4]))
            case "AK5":
                guard let index = sets.indices.last, !sets[index].closed else {
                    throw DocumentScope.outsideLoop(segment, "AK2")
                }
                sets[index].status = try segment.required(1, "AK501 (transaction set acknowledgment code)")
                sets[index].errorCodes = (2...6).compactMap { segment[$0] }
                sets[index].closed = true
            case "AK9":
                guard ak9 == nil else { throw DocumentScope.duplicate(segment) }
                if let last = sets.last, !last.closed { throw missingAK5(last, before: segment) }
                ak9 = segment
            default:
                continue
            }
        }
        guard let ak1 else { throw DocumentScope.missing("AK1", "functional group response header", in: set) }
        guard let ak9 else { throw DocumentScope.missing("AK9", "functional group response trailer", in: set) }
        return FunctionalAcknowledgment997(
            envelope: envelope, functionalID: try ak1.required(1, "AK101 (functional identifier code)"),
            groupControlNumber: try ak1.required(2, "AK102 (group control number)"), sets: sets,
            groupStatus: try ak9.required(1, "AK901 (functional group acknowledge code)"),
            includedSets: try count(ak9, 2, "AK902 (number of transaction sets included)"),
            receivedSets: try count(ak9, 3, "AK903 (number of received transaction sets)"),
            acceptedSets: try count(ak9, 4, "AK904 (number of accepted transaction sets)"),
            groupErrorCodes: (5...9).compactMap { ak9[$0] })
    }

    private static func count(_ segment: Segment, _ index: Int, _ name: String) throws(X12Error) -> Int {
        let text = try segment.required(index, name)
        guard ByteClass.allDigits(text), text.utf8.count <= 9, let value = Int(text) else {
            throw segment.error(.invalidElement, "\(name) must be a whole number", element: index)
        }
        return value
    }

    private static func missingAK5(_ response: SetResponse, before segment: Segment) -> X12Error {
        X12Error(
            .missingSegment, "the AK2 loop for set \(response.controlNumber) has no AK5 before \(segment.id)",
            position: segment.position, segmentID: "AK5")
    }
}
