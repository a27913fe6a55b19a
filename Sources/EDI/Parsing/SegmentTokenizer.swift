/// Cuts the bytes after ISA into segments, one at a time, byte by byte.
///
/// Line breaks after a terminator are skipped because many senders wrap each
/// segment on its own line; a segment without its terminator at the end of the
/// input means the file was cut short.
struct SegmentTokenizer {
    let bytes: [UInt8]
    let delimiters: Delimiters
    let limits: X12Limits
    var index: Int
    /// Position of the last segment returned (ISA, read before, is 1).
    var position: Int

    init(bytes: [UInt8], from index: Int, delimiters: Delimiters, limits: X12Limits) {
        self.bytes = bytes
        self.index = index
        self.delimiters = delimiters
        self.limits = limits
        position = 1
    }

    /// Position the next segment would have.
    var nextPosition: Int { position + 1 }

    mutating func next() throws(X12Error) -> Segment? {
        while index < bytes.count, ByteClass.isLineBreak(bytes[index]) { index += 1 }
        guard index < bytes.count else { return nil }
        guard position < limits.maxSegments else {
            throw X12Error(
                .tooManySegments, "the interchange has more than \(limits.maxSegments) segments",
                position: limits.maxSegments + 1)
        }
        let segmentPosition = position + 1
        var elements: [String] = []
        var id: String?
        var start = index
        var cursor = index
        while true {
            guard cursor < bytes.count else {
                throw X12Error(
                    .truncated, "the input ends inside a segment, before its terminator", position: segmentPosition,
                    segmentID: id)
            }
            let byte = bytes[cursor]
            if byte == delimiters.element || byte == delimiters.segment {
                let text = String(decoding: bytes[start..<cursor], as: UTF8.self)
                if id == nil {
                    guard Self.isSegmentID(bytes[start..<cursor]) else {
                        throw X12Error(
                            .invalidSegmentID,
                            "a segment must start with a tag of 2 or 3 upper-case letters or digits, found '\(text.prefix(20))'",
                            position: segmentPosition)
                    }
                    id = text
                } else {
                    guard elements.count < limits.maxElementsPerSegment else {
                        throw X12Error(
                            .tooManyElements, "a segment has more than \(limits.maxElementsPerSegment) elements",
                            position: segmentPosition, segmentID: id)
                    }
                    elements.append(text)
                }
                start = cursor + 1
                if byte == delimiters.segment { break }
            }
            cursor += 1
        }
        index = cursor + 1
        position = segmentPosition
        return Segment(id: id ?? "", elements: elements, position: segmentPosition, delimiters: delimiters)
    }

    /// Whether only whitespace is left, as it may be after IEA.
    var isAtEnd: Bool {
        bytes[index...].allSatisfy(ByteClass.isWhitespace)
    }

    static func isSegmentID(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count == 2 || bytes.count == 3, let first = bytes.first, ByteClass.isUpper(first) else {
            return false
        }
        return bytes.allSatisfy { ByteClass.isUpper($0) || ByteClass.isDigit($0) }
    }
}
