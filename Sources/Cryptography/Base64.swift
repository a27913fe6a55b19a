/// Base64 (RFC 4648) in both alphabets, without Foundation.
///
/// Keys and secrets travel as Base64 (`whsec_<base64>` webhook secrets, PHC
/// password hashes, sealed boxes in JSON), so decoding is strict: a character
/// outside the alphabet, whitespace, misplaced or excess padding, or non-zero
/// unused bits are errors rather than being skipped. Accepting several
/// spellings of the same bytes would let two different strings compare unequal
/// while decoding to the same secret.
public enum Base64 {
    /// Which 64-character alphabet to use.
    public enum Alphabet: Sendable, Hashable {
        /// `A–Z a–z 0–9 + /` (RFC 4648 §4).
        case standard
        /// `A–Z a–z 0–9 - _` (RFC 4648 §5), safe in URLs and file names.
        case urlSafe

        fileprivate var characters: [UInt8] {
            switch self {
            case .standard: Base64.standardCharacters
            case .urlSafe: Base64.urlSafeCharacters
            }
        }

        fileprivate var decodingTable: [UInt8] {
            switch self {
            case .standard: Base64.standardTable
            case .urlSafe: Base64.urlSafeTable
            }
        }
    }

    /// Encodes `bytes`, with `=` padding to a multiple of 4 characters unless
    /// `padding` is false.
    public static func encode(
        _ bytes: some Sequence<UInt8>, alphabet: Alphabet = .standard, padding: Bool = true
    ) -> String {
        bytes.withUnsafeByteBuffer { input in
            let characters = alphabet.characters
            var output: [UInt8] = []
            output.reserveCapacity((input.count + 2) / 3 * 4)
            var index = 0
            while index + 3 <= input.count {
                let group = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
                output.append(characters[Int(group >> 18 & 0x3F)])
                output.append(characters[Int(group >> 12 & 0x3F)])
                output.append(characters[Int(group >> 6 & 0x3F)])
                output.append(characters[Int(group & 0x3F)])
                index += 3
            }
            let remaining = input.count - index
            if remaining > 0 {
                var group = UInt32(input[index]) << 16
                if remaining == 2 { group |= UInt32(input[index + 1]) << 8 }
                output.append(characters[Int(group >> 18 & 0x3F)])
                output.append(characters[Int(group >> 12 & 0x3F)])
                if remaining == 2 { output.append(characters[Int(group >> 6 & 0x3F)]) }
                if padding { output.append(contentsOf: repeatElement(UInt8(ascii: "="), count: 3 - remaining)) }
            }
            return String(decoding: output, as: UTF8.self)
        }
    }

    /// Decodes `text` in `alphabet`. Padding is optional, but if present it must
    /// be exactly what the encoder would have written.
    ///
    /// - Throws: `invalid_encoding` for any character outside the alphabet
    ///   (including whitespace), an impossible length, wrong padding, or
    ///   non-zero bits after the last full byte.
    public static func decode(_ text: some StringProtocol, alphabet: Alphabet = .standard) throws -> [UInt8] {
        var characters = Array(text.utf8)
        var paddingCount = 0
        while characters.last == UInt8(ascii: "=") {
            characters.removeLast()
            paddingCount += 1
        }
        let remainder = characters.count % 4
        guard remainder != 1 else {
            throw CryptographyError(.invalidEncoding, "Base64 text has an impossible length")
        }
        if paddingCount > 0 {
            guard paddingCount == (4 - remainder) % 4, remainder != 0 else {
                throw CryptographyError(.invalidEncoding, "Base64 text has wrong padding")
            }
        }
        let table = alphabet.decodingTable
        var output: [UInt8] = []
        output.reserveCapacity(characters.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bitCount = 0
        for character in characters {
            let value = table[Int(character)]
            guard value != invalid else {
                throw CryptographyError(.invalidEncoding, "Base64 text contains a character outside its alphabet")
            }
            accumulator = accumulator << 6 | UInt32(value)
            bitCount += 6
            if bitCount >= 8 {
                bitCount -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bitCount)))
                accumulator &= (1 << UInt32(bitCount)) - 1
            }
        }
        guard accumulator == 0 else {
            throw CryptographyError(.invalidEncoding, "Base64 text has non-zero trailing bits")
        }
        return output
    }

    private static let invalid: UInt8 = 0xFF
    private static let lettersAndDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    private static let standardCharacters = Array((lettersAndDigits + "+/").utf8)
    private static let urlSafeCharacters = Array((lettersAndDigits + "-_").utf8)
    private static let standardTable = makeTable(standardCharacters)
    private static let urlSafeTable = makeTable(urlSafeCharacters)

    /// A 256-entry reverse lookup, `invalid` for bytes outside the alphabet.
    private static func makeTable(_ characters: [UInt8]) -> [UInt8] {
        var table = [UInt8](repeating: invalid, count: 256)
        for (value, character) in characters.enumerated() {
            table[Int(character)] = UInt8(value)
        }
        return table
    }
}
