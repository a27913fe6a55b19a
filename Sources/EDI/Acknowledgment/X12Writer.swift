/// Serialises segments with an interchange's separators.
///
/// Values are written as given; one that contains a separator cannot be
/// represented (X12 has no escaping) and is refused rather than corrupting the file.
struct X12Writer {
    let delimiters: Delimiters
    /// Adds a line break after each terminator (unless the terminator is one), for people reading the file.
    let lineBreaks: Bool
    private(set) var bytes: [UInt8] = []
    private(set) var segmentCount = 0

    init(delimiters: Delimiters, lineBreaks: Bool) {
        self.delimiters = delimiters
        self.lineBreaks = lineBreaks
    }

    /// Writes `id` and its elements, dropping trailing empty elements as X12 requires.
    mutating func write(_ id: String, _ elements: [String?]) throws(X12Error) {
        var values = elements.map { $0 ?? "" }
        while values.last?.isEmpty == true { values.removeLast() }
        try writeRaw(id, values)
    }

    /// Writes elements exactly, empty and padded ones included (ISA is fixed-width).
    mutating func writeRaw(_ id: String, _ values: [String]) throws(X12Error) {
        bytes.append(contentsOf: id.utf8)
        for (index, value) in values.enumerated() {
            for byte in value.utf8 where delimiters.isDelimiter(byte) && !(id == "ISA" && (index == 10 || index == 15))
            {
                throw X12Error(
                    .unencodable,
                    "\(id)\(ISAHeader.pad(index + 1)) contains a separator character and cannot be written",
                    segmentID: id, elementIndex: index + 1)
            }
            bytes.append(delimiters.element)
            bytes.append(contentsOf: value.utf8)
        }
        bytes.append(delimiters.segment)
        if lineBreaks, !ByteClass.isLineBreak(delimiters.segment) { bytes.append(0x0A) }
        segmentCount += 1
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }
}
