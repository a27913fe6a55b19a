import Finance
import Foundation

/// Plans as JSON documents, the form operators write and the plans table stores:
///
/// ```json
/// {"code": "basic", "name": "Basic", "currency": "EUR", "base_fee": "99.00",
///  "included": {"events_accepted": 10000},
///  "overage": {"events_accepted": [{"up_to": 10000, "unit_price": "0.002"}, {"unit_price": "0.0015"}]}}
/// ```
///
/// Amounts and prices are decimal strings, never JSON numbers, so no float
/// ever touches them. Unknown fields are errors: a misspelt `"inclded"`
/// would otherwise silently drop every allowance. Every error names the
/// path of the offending field.
extension Plan {
    /// - Throws: `invalid_plan_json` for malformed JSON, a missing or unknown
    ///   field or a wrong type; and every error `Plan.init` and
    ///   `OverageTiers.init` throw, with the path into the document.
    public static func decode(json: Data) throws(BillingError) -> Plan {
        let document: PlanDocument
        do {
            document = try JSONDecoder().decode(PlanDocument.self, from: json)
        } catch let error as DecodingError {
            throw BillingError(error)
        } catch {
            throw BillingError(.invalidPlanJSON, "the plan is not a JSON object")
        }
        let currency = try BillingCurrencies.currency(document.currency)
        let baseFee: Money
        do {
            baseFee = try Money.parse(document.baseFee, currency: currency)
        } catch {
            throw BillingError(
                .invalidPrice, "'\(document.baseFee.prefix(40))' is not an amount in \(currency) such as 249.00",
                field: "base_fee")
        }
        var included: [Meter: Int64] = [:]
        for key in (document.included ?? [:]).keys.sorted() {
            included[try meter(key, field: "included.\(key)")] = document.included?[key]?.value
        }
        var overage: [Meter: OverageTiers] = [:]
        for key in (document.overage ?? [:]).keys.sorted() {
            let meter = try meter(key, field: "overage.\(key)")
            var tiers: [PriceTier] = []
            for (index, tier) in (document.overage?[key] ?? []).enumerated() {
                guard let price = DecimalText.parse(tier.unitPrice) else {
                    throw BillingError(
                        .invalidPrice, "'\(tier.unitPrice.prefix(40))' is not a decimal price such as 0.0015",
                        field: "overage.\(key)[\(index)].unit_price")
                }
                tiers.append(PriceTier(upTo: tier.upTo?.value, unitPrice: price))
            }
            overage[meter] = try OverageTiers(tiers, field: "overage.\(key)")
        }
        return try Plan(
            code: document.code, name: document.name, currency: currency, baseFee: baseFee, included: included,
            overage: overage)
    }

    /// The plan as the JSON `decode(json:)` reads, keys in a fixed order: what the plans table stores.
    public var jsonText: String {
        let tiersJSON: (OverageTiers) -> OrderedJSON = { schedule in
            .array(
                schedule.tiers.map { tier in
                    var members: [(String, OrderedJSON)] = []
                    if let bound = tier.upTo { members.append(("up_to", .integer(bound))) }
                    members.append(("unit_price", .string(DecimalText.text(tier.unitPrice))))
                    return .object(members)
                })
        }
        return OrderedJSON.object([
            ("code", .string(code)), ("name", .string(name)), ("currency", .string(currency.code)),
            ("base_fee", .string(baseFee.amountText)),
            ("included", .object(included.keys.sorted().map { ($0.rawValue, .integer(included[$0] ?? 0)) })),
            (
                "overage",
                .object(pricedMeters.compactMap { meter in overage[meter].map { (meter.rawValue, tiersJSON($0)) } })
            ),
        ]).pretty
    }

    private static func meter(_ key: String, field: String) throws(BillingError) -> Meter {
        guard let meter = Meter(rawValue: key) else {
            let known = Meter.allCases.map(\.rawValue).joined(separator: ", ")
            throw BillingError(.unknownMeter, "'\(key.prefix(40))' is not a meter; meters are \(known)", field: field)
        }
        return meter
    }
}

/// The plan document's shape, before any rule is checked.
private struct PlanDocument: Decodable {
    let code: String
    let name: String
    let currency: String
    let baseFee: String
    let included: [String: WholeNumber]?
    let overage: [String: [TierDocument]]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case code, name, currency
        case baseFee = "base_fee"
        case included, overage
    }

    init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(String.self, forKey: .code)
        name = try container.decode(String.self, forKey: .name)
        currency = try container.decode(String.self, forKey: .currency)
        baseFee = try container.decode(String.self, forKey: .baseFee)
        included = try container.decodeIfPresent([String: WholeNumber].self, forKey: .included)
        overage = try container.decodeIfPresent([String: [TierDocument]].self, forKey: .overage)
    }
}

private struct TierDocument: Decodable {
    let upTo: WholeNumber?
    let unitPrice: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case upTo = "up_to"
        case unitPrice = "unit_price"
    }

    init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        upTo = try container.decodeIfPresent(WholeNumber.self, forKey: .upTo)
        unitPrice = try container.decode(String.self, forKey: .unitPrice)
    }
}

/// A JSON integer that fits in 64 bits.
///
/// Decoded through `Decimal` because decoding `5.5` straight as `Int64`
/// fails with a "not valid JSON" error that has lost the field's path.
private struct WholeNumber: Decodable {
    let value: Int64

    init(from decoder: any Decoder) throws {
        let number = try decoder.singleValueContainer().decode(Decimal.self)
        guard let value = DecimalText.int64(exactly: number) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "not a whole number"))
        }
        self.value = value
    }
}

private struct AnyKey: CodingKey {
    let stringValue: String
    let intValue: Int? = nil
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

private func rejectUnknownKeys(in decoder: any Decoder, allowed: [String]) throws {
    let container = try decoder.container(keyedBy: AnyKey.self)
    for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue })
    where !allowed.contains(key.stringValue) {
        throw DecodingError.dataCorrupted(
            DecodingError.Context(codingPath: decoder.codingPath + [key], debugDescription: "unknown field"))
    }
}

extension BillingError {
    /// A decoding failure as `invalid_plan_json` with the path of the field at fault.
    init(_ error: DecodingError) {
        func path(_ keys: [any CodingKey]) -> String? {
            var text = ""
            for key in keys {
                if let index = key.intValue, key.stringValue == "Index \(index)" {
                    text += "[\(index)]"
                } else {
                    text += (text.isEmpty ? "" : ".") + key.stringValue
                }
            }
            return text.isEmpty ? nil : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            self.init(.invalidPlanJSON, "the field is required", field: path(context.codingPath + [key]))
        case .typeMismatch(let type, let context):
            self.init(.invalidPlanJSON, "the field must be \(Self.jsonName(of: type))", field: path(context.codingPath))
        case .valueNotFound(let type, let context):
            self.init(
                .invalidPlanJSON, "the field must be \(Self.jsonName(of: type)), not null",
                field: path(context.codingPath))
        case .dataCorrupted(let context) where context.debugDescription == "unknown field":
            self.init(.invalidPlanJSON, "this field is not part of a plan", field: path(context.codingPath))
        case .dataCorrupted(let context) where context.debugDescription == "not a whole number":
            self.init(.invalidPlanJSON, "the field must be a whole number", field: path(context.codingPath))
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            self.init(.invalidPlanJSON, "the value cannot be read here", field: path(context.codingPath))
        default:
            self.init(.invalidPlanJSON, "the plan is not valid JSON")
        }
    }

    private static func jsonName(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int64.Type, is Decimal.Type: "a whole number"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        default: "an object"
        }
    }
}
