import Finance

/// The credit note and/or debit note that bring an issued statement in line with a recomputation.
///
/// An issued statement is never changed. When usage or a lifecycle date is
/// corrected, the month is recomputed and diffed, line by line, against what
/// has been billed so far (the issued statement plus earlier corrections).
/// Lines are matched by tenant, kind, plan, meter and period; a line whose
/// amount fell goes to a credit note as a negative line, one whose amount
/// rose goes to a debit note, and a line whose quantities changed without
/// changing its amount (usage still within the allowance) needs no document.
/// Correction lines carry differences: quantities, included units and
/// billable days are "recomputed minus billed", and they have no tier breakdown.
public struct StatementCorrection: Sendable, Hashable {
    /// Negative lines; nil if nothing was over-billed.
    public let creditNote: Statement?
    /// Positive lines; nil if nothing was under-billed.
    public let debitNote: Statement?

    public var isEmpty: Bool { creditNote == nil && debitNote == nil }

    /// - Parameters:
    ///   - issued: the statement as issued and stored.
    ///   - priorCorrections: notes already issued against it, in issue order.
    ///   - recomputed: the same seller, buyer and month computed again from corrected input.
    /// - Throws: `invalid_correction` if the documents do not belong together;
    ///   `currency_mismatch` if the recomputation is in another currency.
    public static func between(issued: Statement, priorCorrections: [Statement] = [], recomputed: Statement)
        throws(BillingError) -> StatementCorrection
    {
        guard issued.kind == .statement, recomputed.kind == .statement else {
            throw BillingError(.invalidCorrection, "only a statement is corrected, and only by a recomputed statement")
        }
        guard recomputed.number == issued.number else {
            throw BillingError(
                .invalidCorrection, "statement \(recomputed.number) does not recompute \(issued.number)",
                field: "recomputed")
        }
        guard recomputed.currency == issued.currency else {
            throw BillingError(
                .currencyMismatch,
                "the recomputation is in \(recomputed.currency) but \(issued.number) in \(issued.currency)",
                field: "recomputed")
        }
        for (index, note) in priorCorrections.enumerated()
        where note.kind == .statement || note.corrects != issued.number {
            throw BillingError(
                .invalidCorrection, "\(note.number) is not a correction of \(issued.number)",
                field: "prior_corrections[\(index)]")
        }
        let billed = try Ledger([issued] + priorCorrections)
        let wanted = try Ledger([recomputed])
        var credits: [(id: String, name: String, lines: [StatementLine])] = []
        var debits: [(id: String, name: String, lines: [StatementLine])] = []
        for tenant in (billed.tenants + wanted.tenants).uniqued() {
            var creditLines: [StatementLine] = []
            var debitLines: [StatementLine] = []
            for key in (wanted.keys[tenant, default: []] + billed.keys[tenant, default: []]).uniqued() {
                let before = billed.lines[tenant]?[key]
                let after = wanted.lines[tenant]?[key]
                guard let template = after?.template ?? before?.template else { continue }
                let delta = try LineTotals.difference(after, before, currency: issued.currency)
                guard !delta.amount.isZero else { continue }
                let line = StatementLine(
                    kind: template.kind, planCode: template.planCode, meter: template.meter,
                    description: "Correction: \(template.description)", firstDay: template.firstDay,
                    lastDay: template.lastDay,
                    proration: Proration(billableDays: delta.billableDays, daysInMonth: issued.month.dayCount),
                    usage: template.usage == nil
                        ? nil
                        : StatementLine.Usage(
                            quantity: delta.quantity, included: delta.included,
                            billableQuantity: delta.billableQuantity, tiers: []),
                    amount: delta.amount)
                if delta.amount.isNegative { creditLines.append(line) } else { debitLines.append(line) }
            }
            let name = wanted.names[tenant] ?? billed.names[tenant] ?? tenant
            if !creditLines.isEmpty { credits.append((tenant, name, creditLines)) }
            if !debitLines.isEmpty { debits.append((tenant, name, debitLines)) }
        }
        var sequence = priorCorrections.count + 1
        func note(_ kind: Statement.Kind, _ sections: [(id: String, name: String, lines: [StatementLine])])
            throws(BillingError) -> Statement?
        {
            guard !sections.isEmpty else { return nil }
            defer { sequence += 1 }
            return try Statement(
                kind: kind, number: "\(issued.number)/C\(sequence)", corrects: issued.number, seller: issued.seller,
                buyer: issued.buyer, month: issued.month, currency: issued.currency, tenants: sections)
        }
        let creditNote = try note(.creditNote, credits)
        let debitNote = try note(.debitNote, debits)
        return StatementCorrection(creditNote: creditNote, debitNote: debitNote)
    }
}

/// What a set of documents adds up to per tenant and line key.
private struct Ledger {
    var tenants: [String] = []
    var names: [String: String] = [:]
    var keys: [String: [StatementLine.Key]] = [:]
    var lines: [String: [StatementLine.Key: LineTotals]] = [:]

    init(_ documents: [Statement]) throws(BillingError) {
        for document in documents {
            for section in document.tenants {
                tenants.append(section.tenantID)
                names[section.tenantID] = names[section.tenantID] ?? section.tenantName
                for line in section.lines {
                    keys[section.tenantID, default: []].append(line.key)
                    var totals =
                        lines[section.tenantID]?[line.key] ?? LineTotals(template: line, currency: document.currency)
                    try totals.add(line)
                    lines[section.tenantID, default: [:]][line.key] = totals
                }
            }
        }
    }
}

/// One line key's amounts and quantities summed over documents.
private struct LineTotals {
    /// The first line seen under the key: where the description and period come from.
    let template: StatementLine
    var amount: Money
    var billableDays = 0
    var quantity: Int64 = 0
    var included: Int64 = 0
    var billableQuantity: Int64 = 0

    init(template: StatementLine, currency: Currency) {
        self.template = template
        amount = .zero(currency)
    }

    mutating func add(_ line: StatementLine) throws(BillingError) {
        amount = try BillingError.checking { () throws(MoneyError) in try amount.plus(line.amount) }
        billableDays += line.proration.billableDays
        quantity = quantity &+ (line.usage?.quantity ?? 0)
        included = included &+ (line.usage?.included ?? 0)
        billableQuantity = billableQuantity &+ (line.usage?.billableQuantity ?? 0)
    }

    static func difference(_ after: LineTotals?, _ before: LineTotals?, currency: Currency) throws(BillingError)
        -> (amount: Money, billableDays: Int, quantity: Int64, included: Int64, billableQuantity: Int64)
    {
        let amount = try BillingError.checking { () throws(MoneyError) in
            try (after?.amount ?? .zero(currency)).minus(before?.amount ?? .zero(currency))
        }
        return (
            amount, (after?.billableDays ?? 0) - (before?.billableDays ?? 0),
            (after?.quantity ?? 0) &- (before?.quantity ?? 0), (after?.included ?? 0) &- (before?.included ?? 0),
            (after?.billableQuantity ?? 0) &- (before?.billableQuantity ?? 0)
        )
    }
}

extension Array where Element: Hashable {
    /// The elements in first-seen order, without repeats.
    fileprivate func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
