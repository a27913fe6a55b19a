import Events
import Finance
import Foundation

/// Reading event documents and step settings into Finance types, for the
/// returns and claim steps. Every problem is a ``StepFailure``: the data's
/// or the template's fault, shown on the run, never a crash.
enum StepInput {
    // MARK: Event fields

    static func text(_ value: JSONValue?, _ what: String) throws -> String {
        guard let text = value?.stringValue, !text.isEmpty else {
            throw StepFailure(code: "document_incomplete", message: "\(what) is missing")
        }
        return text
    }

    static func optionalText(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue, !text.isEmpty else { return nil }
        return text
    }

    static func decimal(_ value: JSONValue?, _ what: String) throws -> Decimal {
        guard let text = value?.numberText, let number = DecimalText.parse(text) else {
            throw StepFailure(code: "document_incomplete", message: "\(what) is not a decimal")
        }
        return number
    }

    static func optionalDecimal(_ value: JSONValue?, _ what: String) throws -> Decimal? {
        guard let value, value != .null else { return nil }
        return try decimal(value, what)
    }

    static func integer(_ value: JSONValue?, _ what: String) throws -> Int {
        guard let text = value?.numberText, let number = Int(text) else {
            throw StepFailure(code: "document_incomplete", message: "\(what) is not a whole number")
        }
        return number
    }

    static func currency(_ value: JSONValue?, _ what: String) throws -> Currency {
        do {
            return try Currency(try text(value, what))
        } catch let error as MoneyError {
            throw StepFailure(code: "document_incomplete", message: "\(what): \(error.message)")
        }
    }

    /// An RFC 3339 date-time (`2026-11-20T13:47:00-06:00`) as an instant.
    static func instant(_ value: JSONValue?, _ what: String) throws -> Date {
        guard let text = value?.stringValue, let date = instant(text) else {
            throw StepFailure(code: "document_incomplete", message: "\(what) is not an RFC 3339 date-time")
        }
        return date
    }

    /// A full-date (`2026-11-27`, the start of that UTC day) or a date-time.
    static func optionalInstant(_ value: JSONValue?, _ what: String) throws -> Date? {
        guard let value, value != .null else { return nil }
        if let text = value.stringValue, let day = UTCDay.parse(text) { return day.start }
        return try instant(value, what)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, exactly; nil for anything else.
    static func instant(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.count <= 40, let day = UTCDay.parse(String(decoding: bytes[0..<10], as: UTF8.self)),
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t")
        else { return nil }
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<(start + count)] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let hour = number(11, 2), bytes[13] == UInt8(ascii: ":"), let minute = number(14, 2),
            bytes[16] == UInt8(ascii: ":"), let second = number(17, 2), hour <= 23, minute <= 59, second <= 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, (48...57).contains(bytes[index]) {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offset = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == bytes.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.count, let offsetHour = number(index + 1, 2), bytes[index + 3] == UInt8(ascii: ":"),
                let offsetMinute = number(index + 4, 2), offsetHour <= 23, offsetMinute <= 59
            else { return nil }
            offset = (bytes[index] == UInt8(ascii: "-") ? -1 : 1) * (offsetHour * 3600 + offsetMinute * 60)
        default:
            return nil
        }
        let seconds = Double(hour * 3600 + minute * 60 + second - offset) + fraction
        return day.start.addingTimeInterval(seconds)
    }

    // MARK: Settings

    /// A step setting (written out, or `params.<name>`), else the deployment's
    /// parameter `parameter`, else nil.
    static func settingText(
        _ step: WorkflowTemplate.Step, _ field: String, parameter: String, in environment: Environment
    ) -> String? {
        if step.definition[field] != nil, let text = environment.setting(step.definition[field]) { return text }
        return environment.parameters[parameter]?.numberText
    }

    static func integerSetting(
        _ step: WorkflowTemplate.Step, _ field: String, parameter: String? = nil, in environment: Environment, default fallback: Int
    ) throws -> Int {
        guard let text = settingText(step, field, parameter: parameter ?? field, in: environment) else { return fallback }
        guard let number = DecimalText.parse(text), let whole = DecimalText.int64(exactly: number), let value = Int(exactly: whole)
        else {
            throw StepFailure(code: "template_invalid", message: "\(field) of step \(step.id) must be a whole number, not \(text)")
        }
        return value
    }

    static func decimalSetting(
        _ step: WorkflowTemplate.Step, _ field: String, parameter: String? = nil, in environment: Environment,
        default fallback: Decimal
    ) throws -> Decimal {
        guard let text = settingText(step, field, parameter: parameter ?? field, in: environment) else { return fallback }
        guard let number = DecimalText.parse(text) else {
            throw StepFailure(code: "template_invalid", message: "\(field) of step \(step.id) must be a decimal, not \(text)")
        }
        return number
    }

    /// A list of codes: a JSON array of strings in the step, or a
    /// comma-separated string (a `string` parameter, or `params.<name>`).
    static func listSetting(
        _ step: WorkflowTemplate.Step, _ field: String, parameter: String? = nil, in environment: Environment
    ) -> [String]? {
        if case .array(let items)? = step.definition[field] {
            return items.compactMap(\.stringValue)
        }
        guard let text = settingText(step, field, parameter: parameter ?? field, in: environment) else { return nil }
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    // MARK: Results

    static func money(_ value: Money?) -> JSONValue { ThreeWayMatchStep.money(value) }

    static func number(_ value: Decimal) -> JSONValue { .string(DecimalText.text(value)) }

    static func timestamp(_ date: Date) -> JSONValue { .string(date.formatted(.iso8601)) }
}
