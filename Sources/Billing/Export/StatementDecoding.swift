import Finance
import Foundation

/// Reading a stored statement back, to correct it or show it again.
extension Statement {
    /// Reads what `jsonText` or `canonicalText` wrote, and checks it.
    ///
    /// The subtotals and total are recomputed from the lines and must equal
    /// the stored ones, and a statement's number must be the one its seller,
    /// buyer and month give: a stored document that fails either was changed
    /// outside this module, and a correction must not be computed from it.
    ///
    /// - Throws: `invalid_statement` with the path of the field at fault.
    public static func decode(json: Data) throws(BillingError) -> Statement {
        let document: StatementDocument
        do {
            document = try JSONDecoder().decode(StatementDocument.self, from: json)
        } catch let error as DecodingError {
            let decoded = BillingError(error)
            throw BillingError(.invalidStatement, "the stored statement is malformed", field: decoded.field)
        } catch {
            throw BillingError(.invalidStatement, "the stored statement is not JSON")
        }
        func fail(_ message: String, _ field: String) -> BillingError {
            BillingError(.invalidStatement, message, field: field)
        }
        guard let kind = Kind(rawValue: document.kind) else { throw fail("unknown statement kind", "kind") }
        let currency = try BillingCurrencies.currency(document.currency)
        let month = try BillingMonth.parse(document.month)
        let seller = try party(document.seller, field: "seller")
        let buyer = try party(document.buyer, field: "buyer")
        func money(_ text: String, _ field: String) throws(BillingError) -> Money {
            do { return try Money.parse(text, currency: currency) } catch {
                throw fail("'\(text.prefix(40))' is not an amount in \(currency)", field)
            }
        }
        var sections: [(id: String, name: String, lines: [StatementLine])] = []
        for (tenantIndex, tenant) in document.tenants.enumerated() {
            var lines: [StatementLine] = []
            for (lineIndex, line) in tenant.lines.enumerated() {
                let path = "tenants[\(tenantIndex)].lines[\(lineIndex)]"
                lines.append(
                    try self.line(
                        line, path: path,
                        money: { text, field throws(BillingError) in
                            try money(text, field)
                        }))
            }
            sections.append((tenant.id, tenant.name, lines))
        }
        let statement = try Statement(
            kind: kind, number: document.number, corrects: document.corrects, seller: seller, buyer: buyer,
            month: month,
            currency: currency, tenants: sections)
        guard statement.tenants.map(\.tenantID) == document.tenants.map(\.id) else {
            throw fail("tenants must be ordered by id", "tenants")
        }
        for (index, section) in statement.tenants.enumerated() {
            guard section.subtotal == (try money(document.tenants[index].subtotal, "tenants[\(index)].subtotal")) else {
                throw fail("the subtotal is not the sum of the lines", "tenants[\(index)].subtotal")
            }
        }
        guard statement.total == (try money(document.total, "total")) else {
            throw fail("the total is not the sum of the subtotals", "total")
        }
        let expected = Statement.number(seller: seller, buyer: buyer, month: month)
        let numberMatches =
            kind == .statement
            ? document.number == expected && document.corrects == nil
            : document.corrects == expected && document.number.hasPrefix(expected + "/C")
        guard numberMatches else {
            throw fail("the number does not belong to this seller, buyer and month", "number")
        }
        return statement
    }

    private static func party(_ document: StatementDocument.Party, field: String) throws(BillingError) -> BillingParty {
        guard let role = BillingParty.Role(rawValue: document.role) else {
            throw BillingError(.invalidStatement, "unknown role '\(document.role.prefix(20))'", field: "\(field).role")
        }
        return BillingParty(role: role, id: document.id)
    }

    private static func line(
        _ line: StatementDocument.Line, path: String, money: (String, String) throws(BillingError) -> Money
    ) throws(BillingError) -> StatementLine {
        func fail(_ message: String, _ field: String) -> BillingError {
            BillingError(.invalidStatement, message, field: "\(path).\(field)")
        }
        guard let kind = StatementLine.Kind(rawValue: line.kind) else { throw fail("unknown line kind", "kind") }
        let meter = try line.meter.map { text throws(BillingError) in
            guard let meter = Meter(rawValue: text) else { throw fail("unknown meter", "meter") }
            return meter
        }
        guard let first = UTCDay.parse(line.from) else { throw fail("not a date", "from") }
        guard let last = UTCDay.parse(line.to) else { throw fail("not a date", "to") }
        var usage: StatementLine.Usage?
        if kind == .usage {
            guard meter != nil, let quantity = line.quantity, let included = line.included,
                let billable = line.billableQuantity
            else { throw fail("a usage line has a meter and quantities", "meter") }
            var tiers: [TierCharge] = []
            for (index, tier) in line.tiers.enumerated() {
                guard let price = DecimalText.parse(tier.unitPrice), let amount = DecimalText.parse(tier.amount) else {
                    throw fail("tier prices and amounts are decimal strings", "tiers[\(index)]")
                }
                tiers.append(
                    TierCharge(
                        from: tier.from, upTo: tier.upTo, quantity: tier.quantity, unitPrice: price, amount: amount))
            }
            usage = StatementLine.Usage(
                quantity: quantity, included: included, billableQuantity: billable, tiers: tiers)
        }
        return StatementLine(
            kind: kind, planCode: line.plan, meter: meter, description: line.description, firstDay: first,
            lastDay: last,
            proration: Proration(billableDays: line.billableDays, daysInMonth: line.daysInMonth), usage: usage,
            amount: try money(line.amount, "\(path).amount"))
    }
}

/// The stored statement's shape, before any rule is checked.
private struct StatementDocument: Decodable {
    struct Party: Decodable {
        let role: String
        let id: String
    }

    struct Tier: Decodable {
        let from: Int64
        let upTo: Int64?
        let quantity: Int64
        let unitPrice: String
        let amount: String

        enum CodingKeys: String, CodingKey {
            case from, quantity, amount
            case upTo = "up_to"
            case unitPrice = "unit_price"
        }
    }

    struct Line: Decodable {
        let kind: String
        let plan: String
        let meter: String?
        let description: String
        let from: String
        let to: String
        let billableDays: Int
        let daysInMonth: Int
        let quantity: Int64?
        let included: Int64?
        let billableQuantity: Int64?
        let tiers: [Tier]
        let amount: String

        enum CodingKeys: String, CodingKey {
            case kind, plan, meter, description, from, to, quantity, included, tiers, amount
            case billableDays = "billable_days"
            case daysInMonth = "days_in_month"
            case billableQuantity = "billable_quantity"
        }
    }

    struct Tenant: Decodable {
        let id: String
        let name: String
        let lines: [Line]
        let subtotal: String
    }

    let number: String
    let kind: String
    let corrects: String?
    let seller: Party
    let buyer: Party
    let month: String
    let currency: String
    let tenants: [Tenant]
    let total: String
}
