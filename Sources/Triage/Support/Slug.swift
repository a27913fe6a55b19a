/// The one spelling rule for every code the assistant stores or exchanges: lower-case ASCII
/// letters, digits and `_`, starting with a letter, at most 64 characters.
///
/// Codes end up in JSON records, SQL rows and an external model's answers; one strict
/// alphabet keeps them comparable byte for byte and safe to show.
enum Slug {
    static func isValid(_ text: String, allowHyphen: Bool = false) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, (97...122).contains(first), bytes.count <= 64 else { return false }
        return bytes.allSatisfy { byte in
            (97...122).contains(byte) || (48...57).contains(byte) || byte == UInt8(ascii: "_")
                || (allowHyphen && byte == UInt8(ascii: "-"))
        }
    }
}
