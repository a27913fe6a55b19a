import Finance
import Foundation

/// Statements as JSON: the export format, the stored form, and (compact) the canonical text storage hashes.
///
/// Fields appear in a fixed order and every key is always present (`null`
/// where it does not apply), so two exports of one statement are byte-equal.
/// Amounts are decimal strings in the statement's `currency` (`"170.00"`),
/// tier amounts the exact unrounded decimals (`"15.003"`); quantities and
/// day counts are integers.
extension Statement {
    /// Indented, for people and files.
    public var jsonText: String { json.pretty }

    /// One line, fixed order: the serialisation storage hashes to detect any change to an issued statement.
    public var canonicalText: String { json.compact }

    var json: OrderedJSON {
        .object([
            ("number", .string(number)),
            ("kind", .string(kind.rawValue)),
            ("corrects", corrects.map { .string($0) } ?? .null),
            ("seller", Self.json(seller)),
            ("buyer", Self.json(buyer)),
            ("month", .string(month.description)),
            ("currency", .string(currency.code)),
            ("tenants", .array(tenants.map(Self.json))),
            ("total", .string(total.amountText)),
        ])
    }

    private static func json(_ party: BillingParty) -> OrderedJSON {
        .object([("role", .string(party.role.rawValue)), ("id", .string(party.id))])
    }

    private static func json(_ section: TenantSection) -> OrderedJSON {
        .object([
            ("id", .string(section.tenantID)),
            ("name", .string(section.tenantName)),
            ("lines", .array(section.lines.map(json))),
            ("subtotal", .string(section.subtotal.amountText)),
        ])
    }

    private static func json(_ line: StatementLine) -> OrderedJSON {
        let integer: (Int64?) -> OrderedJSON = { $0.map { .integer($0) } ?? .null }
        return .object([
            ("kind", .string(line.kind.rawValue)),
            ("plan", .string(line.planCode)),
            ("meter", line.meter.map { .string($0.rawValue) } ?? .null),
            ("description", .string(line.description)),
            ("from", .string(line.firstDay.description)),
            ("to", .string(line.lastDay.description)),
            ("billable_days", .integer(Int64(line.proration.billableDays))),
            ("days_in_month", .integer(Int64(line.proration.daysInMonth))),
            ("quantity", integer(line.usage?.quantity)),
            ("included", integer(line.usage?.included)),
            ("billable_quantity", integer(line.usage?.billableQuantity)),
            (
                "tiers",
                .array(
                    (line.usage?.tiers ?? []).map { tier in
                        .object([
                            ("from", .integer(tier.from)),
                            ("up_to", integer(tier.upTo)),
                            ("quantity", .integer(tier.quantity)),
                            ("unit_price", .string(DecimalText.text(tier.unitPrice))),
                            ("amount", .string(DecimalText.text(tier.amount))),
                        ])
                    })
            ),
            ("amount", .string(line.amount.amountText)),
        ])
    }
}
