import Events
import Foundation
import Finance

/// An exception that is not a three-way match, described as JSON: `{"kind": "...", "facts": {...}}`.
///
/// Facts are read strictly: numbers are exact decimals (a JSON number or decimal text), dates are
/// `YYYY-MM-DD`, instants `YYYY-MM-DDThh:mm:ssZ`; anything else is an `invalid_fact` naming its field.
public struct ExceptionDescription: Sendable, Equatable {
    /// The kinds the generic classifier understands, with the facts each reads.
    public enum Kind: String, Sendable, CaseIterable {
        /// `book_quantity`, `counted_quantity`, optional `unit_cost` + `currency`, optional `sku`.
        case cycleCount = "cycle_count"
        /// Optional `damaged_quantity` (+ `unit_cost`, `currency`); optional `delivered_at` with
        /// `asn_received_at` (an instant, or `null` when no ASN came).
        case goodsReceipt = "goods_receipt"
        /// `delivered_on`, `requested_on`, `window_days`, optional `amount` + `currency`.
        case returnRequest = "return"
        /// `amount`, `currency`, optional `reason`.
        case chargeback
        /// `order_amount`, `currency`, optional `credit_limit`.
        case creditHold = "credit_hold"
    }

    public var kind: Kind
    public var facts: [String: JSONValue]

    public init(kind: Kind, facts: [String: JSONValue]) {
        self.kind = kind
        self.facts = facts
    }

    /// Reads `{"kind": "...", "facts": {...}}`.
    ///
    /// - Throws: `invalid_exception` when the shape is wrong, `unknown_exception_kind` for a kind not listed in ``Kind``.
    public init(json: JSONValue) throws(TriageError) {
        guard let object = json.objectValue else {
            throw TriageError(.invalidException, "an exception is a JSON object with 'kind' and 'facts'")
        }
        guard let kindText = object["kind"]?.stringValue else {
            throw TriageError(.invalidException, "the exception has no 'kind' string", field: "kind")
        }
        guard let kind = Kind(rawValue: kindText) else {
            let known = Kind.allCases.map(\.rawValue).joined(separator: ", ")
            throw TriageError(
                .unknownExceptionKind, "'\(kindText.prefix(64))' is not an exception kind; known: \(known)",
                field: "kind")
        }
        guard let facts = object["facts"]?.objectValue else {
            throw TriageError(.invalidException, "the exception has no 'facts' object", field: "facts")
        }
        self.init(kind: kind, facts: facts)
    }
}

/// Typed reads of facts; each failure names `facts.<name>`.
struct FactReader {
    let facts: [String: JSONValue]

    func has(_ name: String) -> Bool { facts[name] != nil }

    func decimal(_ name: String) throws(TriageError) -> Decimal {
        guard let value = try optionalDecimal(name) else { throw missing(name) }
        return value
    }

    func optionalDecimal(_ name: String) throws(TriageError) -> Decimal? {
        switch facts[name] {
        case nil, .null?: return nil
        case .number(let text)?, .string(let text)?:
            guard let value = DecimalText.parse(text) else {
                throw invalid(name, "is not a plain decimal such as 12.50")
            }
            return value
        default: throw invalid(name, "is not a number")
        }
    }

    func string(_ name: String) throws(TriageError) -> String {
        guard let value = try optionalString(name) else { throw missing(name) }
        return value
    }

    func optionalString(_ name: String) throws(TriageError) -> String? {
        switch facts[name] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw invalid(name, "is not a string")
        }
    }

    func day(_ name: String) throws(TriageError) -> UTCDay {
        guard let text = try optionalString(name) else { throw missing(name) }
        guard let day = UTCDay.parse(text) else { throw invalid(name, "is not a date such as 2026-03-01") }
        return day
    }

    /// An instant; `nil` for JSON `null`, which facts use for "did not happen".
    func instant(_ name: String) throws(TriageError) -> Date? {
        guard let text = try optionalString(name) else { return nil }
        guard let date = Timestamp.parse(text) else {
            throw invalid(name, "is not an instant such as 2026-03-01T09:30:00Z")
        }
        return date
    }

    func currency() throws(TriageError) -> Currency {
        let code = try string("currency")
        do {
            return try Currency(code)
        } catch {
            throw invalid("currency", "is not a three-letter ISO 4217 code")
        }
    }

    /// `quantity × price` in `currency`, rounded half-up as documents print.
    func money(_ amount: Decimal, _ currency: Currency, field: String) throws(TriageError) -> Money {
        do {
            return try Money.rounding(amount, currency: currency, rule: .halfUp)
        } catch {
            throw invalid(field, "gives an amount too large to represent")
        }
    }

    private func missing(_ name: String) -> TriageError {
        TriageError(.invalidFact, "the fact '\(name)' is required for this kind of exception", field: "facts.\(name)")
    }

    private func invalid(_ name: String, _ problem: String) -> TriageError {
        TriageError(.invalidFact, "the fact '\(name)' \(problem)", field: "facts.\(name)")
    }
}
