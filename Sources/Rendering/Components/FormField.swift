/// A labelled input with optional hint and error (`partials/form_field.html`).
///
/// The hint and error are tied to the input with `aria-describedby`, and an
/// error also sets `aria-invalid`, so screen readers read them with the field.
/// Password fields never echo their value back into the page.
public struct FormField: Sendable, Equatable, ViewRepresentable {
    public enum InputType: String, Sendable {
        case text, email, password, number, date, search, tel, url
    }

    public let id: String
    public let name: String
    public let label: String
    public let type: InputType
    public let value: String
    public let isRequired: Bool
    public let autocomplete: String?
    public let hint: String?
    public let error: String?

    /// - Throws: `component_invalid` when `name` or `id` is not a plain identifier (letters, digits, `_`, `-`, `.`).
    public init(
        name: String, label: String, type: InputType = .text, value: String = "", isRequired: Bool = false,
        autocomplete: String? = nil, hint: String? = nil, error: String? = nil, id: String? = nil
    ) throws(ComponentError) {
        let id = id ?? "field-\(name)"
        for (field, text) in [("name", name), ("id", id)] {
            guard !text.isEmpty,
                text.utf8.allSatisfy({ byte in
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
                        || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                })
            else {
                throw ComponentError(
                    .invalidComponent, field: field, "a form field's \(field) must be a plain identifier")
            }
        }
        self.id = id
        self.name = name
        self.label = label
        self.type = type
        self.value = type == .password ? "" : value
        self.isRequired = isRequired
        self.autocomplete = autocomplete
        self.hint = hint
        self.error = error
    }

    public var describedBy: String {
        [hint.map { _ in "\(id)-hint" }, error.map { _ in "\(id)-error" }].compactMap { $0 }.joined(separator: " ")
    }

    public var viewValue: ViewValue {
        [
            "id": .string(id), "name": .string(name), "label": .string(label), "type": .string(type.rawValue),
            "value": .string(value), "required": .bool(isRequired),
            "autocomplete": autocomplete.map(ViewValue.string) ?? .null,
            "hint": hint.map(ViewValue.string) ?? .null, "error": error.map(ViewValue.string) ?? .null,
            "described_by": .string(describedBy),
        ]
    }
}
