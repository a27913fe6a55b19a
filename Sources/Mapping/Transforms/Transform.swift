import Events
import Foundation

/// One compiled step of a rule's `transforms` pipeline.
///
/// Everything a step needs (parsed formats, time zones, factor tables, compiled
/// paths) is resolved when the document compiles; applying a step only reads.
enum Transform: Sendable {
    case trim, upper, lower, string, emptyToNull
    /// Text or a JSON number → canonical decimal string, fraction digits as written.
    case decimal(DecimalSyntax)
    /// Like `decimal` but produces a JSON number.
    case number(DecimalSyntax)
    /// A whole number → JSON integer; a fraction other than zeros is an error.
    case integer(DecimalSyntax)
    case date(DateTimePattern, TimeZone?)
    case datetime(DateTimePattern, TimeZone?)
    case unit(UnitConversion)
    case lookup(LookupStep)
    case map(MapStep)
    case round(RoundStep)
}

/// A transform with its place in the pipeline, for error messages: `transforms[1] decimal`.
struct TransformStep: Sendable {
    let transform: Transform
    let label: String
}

/// What to do when a `lookup` or `map` finds no entry for the value.
enum MissingEntryPolicy: Sendable, Equatable {
    case error
    case useDefault(JSONValue)
    case keep
}

struct LookupStep: Sendable {
    let table: String
    /// A path into the found row (`@.id`); the whole row when nil.
    let select: SourcePath?
    let onMissing: MissingEntryPolicy
}

struct MapStep: Sendable {
    let values: [String: JSONValue]
    let onMissing: MissingEntryPolicy
}

struct RoundStep: Sendable {
    enum Target: Sendable {
        case scale(Int)
        case currency(code: String, exponent: Int)
        /// The currency code read from the payload at run time.
        case currencyPath(SourcePath)
    }

    let target: Target
    let rule: FixedDecimal.Rounding
}

/// Quantity conversion through a factor table: every unit's size in one common base.
struct UnitConversion: Sendable {
    enum From: Sendable {
        case constant(String)
        case path(SourcePath)
    }

    let from: From
    let to: String
    /// Keyed by upper-cased unit code, so `kg` and `KG` are one unit.
    let factors: [String: FixedDecimal]
    let targetFactor: FixedDecimal
    let scale: Int
    let rule: FixedDecimal.Rounding
}

/// Why a step refused a value; the run turns it into a `MappingError` with paths.
struct TransformFailure: Error {
    let kind: MappingError.Kind
    let reason: String

    init(_ kind: MappingError.Kind = .transformFailed, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    static func expected(_ what: String, got value: JSONValue) -> TransformFailure {
        TransformFailure(.transformFailed, "expects \(what), got \(describe(value))")
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let text):
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            return JSONValue.string(shown).serialized()
        case .number(let text): return "the number \(text.prefix(40))"
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
