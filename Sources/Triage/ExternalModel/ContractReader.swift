import Events
import Foundation
import Finance

/// Strict typed reads of one JSON object of the external-model contract; errors name the JSON path.
struct ContractReader {
    let members: [String: JSONValue]
    let prefix: String

    static func parse(_ data: Data) throws(ExternalModelError) -> ContractReader {
        let value: JSONValue
        do {
            value = try JSONParser(maxBytes: 256 * 1024, maxDepth: 16).parse(data)
        } catch {
            throw ExternalModelError(.invalidJSON, "the body is not valid JSON: \(error.reason)")
        }
        guard let members = value.objectValue else {
            throw ExternalModelError(.invalidShape, "the body is not a JSON object")
        }
        return ContractReader(members: members, prefix: "")
    }

    func path(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix).\(key)" }

    func has(_ key: String) -> Bool { members[key] != nil && members[key] != .null }

    func string(_ key: String) throws(ExternalModelError) -> String {
        guard let text = members[key]?.stringValue else { throw shape(key, "a string") }
        return text
    }

    func optionalString(_ key: String) throws(ExternalModelError) -> String? {
        guard has(key) else { return nil }
        return try string(key)
    }

    func object(_ key: String) throws(ExternalModelError) -> ContractReader {
        guard let object = members[key]?.objectValue else { throw shape(key, "an object") }
        return ContractReader(members: object, prefix: path(key))
    }

    func strings(_ key: String) throws(ExternalModelError) -> [String] {
        guard let items = members[key]?.arrayValue else { throw shape(key, "an array of strings") }
        var result: [String] = []
        for item in items {
            guard let text = item.stringValue else { throw shape(key, "an array of strings") }
            result.append(text)
        }
        return result
    }

    func objects(_ key: String) throws(ExternalModelError) -> [ContractReader] {
        guard let items = members[key]?.arrayValue else { throw shape(key, "an array of objects") }
        var result: [ContractReader] = []
        for (position, item) in items.enumerated() {
            guard let object = item.objectValue else { throw shape(key, "an array of objects") }
            result.append(ContractReader(members: object, prefix: "\(path(key))[\(position)]"))
        }
        return result
    }

    func labels(_ key: String) throws(ExternalModelError) -> [ExceptionLabel] {
        var result: [ExceptionLabel] = []
        for text in try strings(key) {
            guard let label = ExceptionLabel(rawValue: text) else {
                throw ExternalModelError(
                    .unknownLabel, "'\(text.prefix(64))' is not a label of the taxonomy", field: path(key))
            }
            result.append(label)
        }
        return result
    }

    /// A probability: a JSON number within 0…1.
    func confidence(_ key: String) throws(ExternalModelError) -> Double {
        guard case .number(let text)? = members[key], let value = Double(text), value.isFinite else {
            throw shape(key, "a number")
        }
        guard (0...1).contains(value) else {
            throw ExternalModelError(
                .confidenceOutOfRange, "confidence \(text.prefix(32)) is not between 0 and 1", field: path(key))
        }
        return value
    }

    func money() throws(ExternalModelError) -> Money {
        guard case .number(let text)? = members["minor_units"], let units = Int64(text) else {
            throw shape("minor_units", "an integer")
        }
        do {
            return Money(minorUnits: units, currency: try Currency(try string("currency")))
        } catch {
            throw ExternalModelError(.invalidCode, "the currency is not an ISO 4217 code", field: path("currency"))
        }
    }

    static func rootCause(_ text: String, field: String) throws(ExternalModelError) -> RootCause {
        do { return try RootCause(text) } catch {
            throw ExternalModelError(.invalidCode, "'\(text.prefix(64))' is not a snake_case root cause", field: field)
        }
    }

    static func resolution(_ text: String, field: String) throws(ExternalModelError) -> Resolution {
        do { return try Resolution(text) } catch {
            throw ExternalModelError(.invalidCode, "'\(text.prefix(64))' is not a snake_case resolution", field: field)
        }
    }

    private func shape(_ key: String, _ expected: String) -> ExternalModelError {
        ExternalModelError(.invalidShape, "'\(path(key))' must be \(expected)", field: path(key))
    }
}
