/// The fixed-width ISA segment, from which every other separator is learnt.
///
/// ISA is exactly 106 characters: its elements have fixed widths, so the
/// separators sit at known offsets and the terminator is the character after
/// ISA16. Checking every offset catches a mangled header before its
/// separators are trusted to cut the rest of the file.
struct ISAHeader {
    static let length = 106
    static let widths = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1]
    /// The first version whose ISA11 is a repetition separator rather than the standards identifier.
    static let firstVersionWithRepetition = "00402"

    let delimiters: Delimiters
    /// ISA01...ISA16 as written (padding kept).
    let fields: [String]

    func field(_ number: Int) -> String { fields[number - 1] }

    /// Reads ISA at `start`; the caller has skipped leading whitespace.
    static func read(_ bytes: [UInt8], at start: Int) throws(X12Error) -> ISAHeader {
        func fail(_ message: String, element: Int? = nil) -> X12Error {
            X12Error(.invalidISA, message, position: 1, segmentID: "ISA", elementIndex: element)
        }
        guard bytes.count - start >= 3, bytes[start] == UInt8(ascii: "I"), bytes[start + 1] == UInt8(ascii: "S"),
            bytes[start + 2] == UInt8(ascii: "A")
        else {
            throw X12Error(.invalidISA, "an interchange must start with an ISA segment", position: 1)
        }
        guard bytes.count - start >= length else {
            throw fail("the ISA segment must be \(length) characters; the input has only \(bytes.count - start)")
        }
        let elementSeparator = bytes[start + 3]
        var fields: [String] = []
        var offset = start + 3
        for (number, width) in widths.enumerated() {
            fields.append(String(decoding: bytes[(offset + 1)...(offset + width)], as: UTF8.self))
            offset += width + 1
            // The separator after each element (the terminator after ISA16) proves the element's width.
            guard number == widths.count - 1 || bytes[offset] == elementSeparator else {
                throw fail(
                    "ISA\(pad(number + 1)) must be exactly \(width) characters (the ISA segment is fixed-width)",
                    element: number + 1)
            }
        }
        let component = bytes[start + length - 2]
        let terminator = bytes[start + length - 1]
        let version = fields[11]
        let repetition: UInt8? = version >= firstVersionWithRepetition ? bytes[start + 82] : nil
        var separators = [elementSeparator, component, terminator]
        if let repetition { separators.append(repetition) }
        guard Set(separators).count == separators.count else {
            throw fail("the ISA separators (element, component, repetition, terminator) must all differ", element: 16)
        }
        for separator in separators where ByteClass.isAlphanumeric(separator) || separator == 0x20 {
            throw fail("a separator may not be a letter, digit or space", element: 16)
        }
        for separator in [elementSeparator, component] + (repetition.map { [$0] } ?? [])
        where ByteClass.isLineBreak(separator) {
            throw fail("only the segment terminator may be a line break", element: 16)
        }
        let header = ISAHeader(
            delimiters: Delimiters(
                element: elementSeparator, component: component, repetition: repetition, segment: terminator),
            fields: fields)
        try header.checkFields(fail)
        return header
    }

    private func checkFields(_ fail: (String, Int?) -> X12Error) throws(X12Error) {
        for (index, value) in fields.enumerated() where index != 10 && index != 15 {
            if value.utf8.contains(where: delimiters.isDelimiter) {
                throw fail("ISA\(Self.pad(index + 1)) may not contain a separator character", index + 1)
            }
        }
        for number in [9, 10, 12, 13] where !ByteClass.allDigits(field(number)) {
            throw fail("ISA\(Self.pad(number)) must be digits", number)
        }
        for number in [6, 8] where field(number).allSatisfy({ $0 == " " }) {
            throw fail("ISA\(Self.pad(number)) must name the \(number == 6 ? "sender" : "receiver")", number)
        }
        for number in [5, 7] where field(number).contains(" ") {
            throw fail("ISA\(Self.pad(number)) must be a two-character qualifier", number)
        }
        guard field(14) == "0" || field(14) == "1" else { throw fail("ISA14 must be 0 or 1", 14) }
        guard Interchange.Usage(rawValue: field(15)) != nil else { throw fail("ISA15 must be P, T or I", 15) }
        if delimiters.repetition == nil, field(11) != "U" {
            throw fail("ISA11 must be U before version \(Self.firstVersionWithRepetition)", 11)
        }
    }

    static func pad(_ number: Int) -> String { number < 10 ? "0\(number)" : "\(number)" }
}
