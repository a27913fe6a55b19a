import Billing
import ControlPlane
import Foundation
import Postgres

/// Monthly statements end to end: computed from stored price books, lifecycle and usage; issued immutably; corrected by notes.
///
/// Two kinds of statement exist, one computation each:
/// - the provider's statement to a partner: one section per tenant of the
///   partner, priced by the provider's price book;
/// - a partner's statements to its clients: one per client tenant the partner
///   has assigned a plan of its own price book (tenants it does not re-bill
///   through the platform have no assignment and get none).
/// A month is issued once it has ended (usage of a month still running is
/// not final). An issued statement is never changed: a later recomputation
/// (corrected usage or lifecycle) is diffed against it and earlier notes by
/// `StatementCorrection`, and the credit and/or debit note is issued instead.
/// Issuing and correcting write control audit entries in the same transaction.
public struct BillingStatements: Sendable {
    public let pool: PostgresPool
    let books: PriceBookStore
    let inputs: BillingInputs
    let issued: IssuedStatements
    let now: @Sendable () -> Date

    public init(pool: PostgresPool, now: @escaping @Sendable () -> Date = Date.init) {
        self.pool = pool
        books = PriceBookStore(pool: pool)
        inputs = BillingInputs(pool: pool)
        issued = IssuedStatements(pool: pool)
        self.now = now
    }

    /// The provider's statement to `partner` for `month`, computed now (a preview until issued).
    public func providerStatement(partner: Slug, month: BillingMonth) async throws -> Statement {
        let book = try await books.priceBook(of: .provider)
        let tenants = try await inputs.tenants(ofPartner: partner)
        let usage = try await inputs.usage(of: tenants.map(\.id), from: month.firstDay, through: month.lastDay)
        return try book.statement(for: .partner(partner.value), month: month, tenants: tenants, usage: usage)
    }

    /// `partner`'s statements to each client tenant on one of its plans, by tenant.
    public func clientStatements(partner: Slug, month: BillingMonth) async throws -> [Statement] {
        let book = try await books.priceBook(of: .partner(partner.value))
        var statements: [Statement] = []
        for tenant in try await inputs.tenants(ofPartner: partner) where book.assignments[tenant.id] != nil {
            let usage = try await inputs.usage(of: [tenant.id], from: month.firstDay, through: month.lastDay)
            statements.append(try book.statement(for: .tenant(tenant.id), month: month, tenants: [tenant], usage: usage))
        }
        return statements
    }

    /// Stores `statements` together, or none of them.
    ///
    /// - Throws: `month_not_ended` (409) for a month that has not ended yet;
    ///   `statement_already_issued` (409) if any number is already issued.
    public func issue(_ statements: [Statement], actor: String) async throws {
        for statement in statements where statement.month.end > now() {
            throw MeteringError.conflict(
                "month_not_ended", "\(statement.month) has not ended; its usage is not final yet", field: "month")
        }
        try await pool.withTransaction { tx in
            for statement in statements { try await issued.insert(statement, actor: actor, on: tx) }
        }
    }

    /// An issued statement or note, checked against its issue-time hash.
    public func statement(number: String) async throws -> Statement {
        try await issued.statement(number)
    }

    /// Numbers of documents issued for `month` (to `buyer` only, when given), in issue order.
    public func issuedNumbers(month: BillingMonth, buyer: BillingParty? = nil) async throws -> [String] {
        try await issued.numbers(month: month, buyer: buyer)
    }

    /// Recomputes issued statement `number` and issues the credit and/or debit note that brings it in line.
    ///
    /// Returns an empty correction, and issues nothing, when the recomputation
    /// matches what was billed. Corrections of one statement are serialised
    /// (an advisory lock), so two operators cannot both issue `/C1`.
    ///
    /// - Throws: `statement_not_found`; `not_a_statement` (422) for a note's number.
    public func correct(number: String, actor: String) async throws -> StatementCorrection {
        let original = try await issued.statement(number)
        guard original.kind == .statement else {
            throw MeteringError.invalid(
                "not_a_statement", "\(number) is a \(original.kind.rawValue); correct the statement it belongs to",
                field: "statement")
        }
        let recomputed = try await recompute(original)
        return try await pool.withTransaction { tx in
            try await tx.query("SELECT pg_advisory_xact_lock(hashtext(\("statement:" + number)))")
            let prior = try await issued.corrections(of: number, on: tx)
            let correction = try StatementCorrection.between(
                issued: original, priorCorrections: prior, recomputed: recomputed)
            for note in [correction.creditNote, correction.debitNote].compactMap({ $0 }) {
                try await issued.insert(note, actor: actor, on: tx)
            }
            return correction
        }
    }

    /// The same seller, buyer and month computed again from what storage holds now.
    private func recompute(_ statement: Statement) async throws -> Statement {
        switch (statement.seller.role, statement.buyer.role) {
        case (.provider, .partner):
            return try await providerStatement(partner: try Slug(statement.buyer.id), month: statement.month)
        case (.partner, .tenant):
            let tenant = try await inputs.tenant(try Slug(statement.buyer.id))
            let book = try await books.priceBook(of: statement.seller)
            let usage = try await inputs.usage(
                of: [tenant.id], from: statement.month.firstDay, through: statement.month.lastDay)
            return try book.statement(for: statement.buyer, month: statement.month, tenants: [tenant], usage: usage)
        default:
            throw MeteringError.invalid(
                "invalid_party", "\(statement.number) is between parties no statement is computed for", field: "statement")
        }
    }
}
