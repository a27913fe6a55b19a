import Billing
import ControlPlane
import Cryptography
import Finance
import Foundation
import Postgres

/// Price books in the control schema: each seller's plans and which plan each tenant is on from which day.
///
/// Plans are stored as the JSON `Plan.decode(json:)` reads, after the whole
/// book has been rebuilt with the new plan, so a stored book always loads.
/// A seller's first plan opens its book in that plan's currency; every later
/// plan must be in the same currency (one statement, one currency). Every
/// change writes a control audit entry in its own transaction.
public struct PriceBookStore: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    public enum PutOutcome: String, Sendable, Equatable {
        case created, updated, unchanged
    }

    /// Creates or replaces `plan` in `seller`'s price book.
    ///
    /// - Throws: `partner_not_found`; `currency_mismatch` (BillingError) for a
    ///   plan in another currency than the book's.
    @discardableResult
    public func put(_ plan: Plan, seller: BillingParty, actor: String) async throws -> PutOutcome {
        try await checkSeller(seller)
        return try await pool.withTransaction { tx in
            try await tx.query("SELECT pg_advisory_xact_lock(hashtext(\("price-book:" + seller.description)))")
            let existing = try await tx.query(
                "SELECT currency FROM control.price_books WHERE seller = \(seller.description)")
            if let currency = try existing.first?.decode("currency", as: String.self) {
                guard currency == plan.currency.code else {
                    throw BillingError(
                        .currencyMismatch,
                        "plan '\(plan.code)' is priced in \(plan.currency) but \(seller)'s price book in \(currency)",
                        field: "currency")
                }
            } else {
                try await tx.query(
                    """
                    INSERT INTO control.price_books (seller, name, currency)
                    VALUES (\(seller.description), \(Self.bookName(seller)), \(plan.currency.code))
                    """)
            }
            let stored = try await tx.query(
                "SELECT document FROM control.billing_plans WHERE seller = \(seller.description) AND code = \(plan.code)")
            let document = plan.jsonText
            let outcome: PutOutcome
            if let previous = try stored.first?.decode("document", as: String.self) {
                guard previous != document else { return .unchanged }
                try await tx.query(
                    """
                    UPDATE control.billing_plans SET document = \(document), updated_at = now()
                    WHERE seller = \(seller.description) AND code = \(plan.code)
                    """)
                outcome = .updated
            } else {
                try await tx.query(
                    """
                    INSERT INTO control.billing_plans (seller, code, document)
                    VALUES (\(seller.description), \(plan.code), \(document))
                    """)
                outcome = .created
            }
            try await AuditLog.control().append(
                AuditEntry(
                    actor: actor, action: "billing.plan_\(outcome.rawValue)", subject: "plan:\(seller)/\(plan.code)",
                    details: [
                        "seller": seller.description, "code": plan.code, "currency": plan.currency.code,
                        "base_fee": plan.baseFee.amountText,
                        "document_sha256": try SHA256.hash(data: Array(document.utf8)).hexString,
                    ]), on: tx)
            return outcome
        }
    }

    /// Puts `tenant` on `planCode` of `seller`'s book from `day` on; repeating the same assignment changes nothing.
    ///
    /// - Throws: `tenant_not_found`; `plan_not_found`; `not_partners_tenant`
    ///   when a partner assigns a tenant of another partner.
    @discardableResult
    public func assign(tenant: Slug, planCode: String, from day: UTCDay, seller: BillingParty, actor: String)
        async throws -> Bool
    {
        try await pool.withTransaction { tx in
            let tenants = try await tx.query(
                """
                SELECT t.id, p.slug AS partner FROM control.tenants t JOIN control.partners p ON p.id = t.partner_id
                WHERE t.slug = \(tenant.value)
                """)
            guard let row = tenants.first else { throw ControlPlaneError.tenantNotFound(tenant.value) }
            let tenantID = try row.decode("id", as: UUID.self)
            if seller.role == .partner, try row.decode("partner", as: String.self) != seller.id {
                throw MeteringError.invalid(
                    "not_partners_tenant", "tenant '\(tenant)' is not a client of \(seller)", field: "tenant")
            }
            let plans = try await tx.query(
                "SELECT 1 FROM control.billing_plans WHERE seller = \(seller.description) AND code = \(planCode)")
            guard !plans.isEmpty else {
                throw MeteringError.notFound(
                    "plan_not_found", "\(seller) has no plan '\(planCode.prefix(64))'; put it first", field: "plan")
            }
            let previous = try await tx.query(
                """
                SELECT plan_code FROM control.plan_assignments
                WHERE seller = \(seller.description) AND tenant_id = \(tenantID) AND effective_from = \(day.description)::date
                FOR UPDATE
                """)
            let before = try previous.first?.decode("plan_code", as: String.self)
            guard before != planCode else { return false }
            try await tx.query(
                """
                INSERT INTO control.plan_assignments (seller, tenant_id, plan_code, effective_from)
                VALUES (\(seller.description), \(tenantID), \(planCode), \(day.description)::date)
                ON CONFLICT (seller, tenant_id, effective_from)
                DO UPDATE SET plan_code = EXCLUDED.plan_code, assigned_at = now()
                """)
            try await AuditLog.control().append(
                AuditEntry(
                    actor: actor, action: "billing.plan_assigned", subject: "tenant:\(tenant)",
                    details: [
                        "seller": seller.description, "plan.before": before ?? "", "plan.after": planCode,
                        "effective_from": day.description,
                    ]), on: tx)
            return true
        }
    }

    /// `seller`'s whole price book, checked by `PriceBook.init`.
    ///
    /// - Throws: `price_book_not_found` (404) if the seller has no plan yet.
    public func priceBook(of seller: BillingParty) async throws -> PriceBook {
        guard let book = try await priceBookIfExists(of: seller) else {
            throw MeteringError.notFound(
                "price_book_not_found", "\(seller) has no price book: put a plan first", field: "seller")
        }
        return book
    }

    public func priceBookIfExists(of seller: BillingParty) async throws -> PriceBook? {
        let books = try await pool.query(
            "SELECT name, currency FROM control.price_books WHERE seller = \(seller.description)")
        guard let book = books.first else { return nil }
        let planRows = try await pool.query(
            "SELECT document FROM control.billing_plans WHERE seller = \(seller.description) ORDER BY code")
        let plans = try planRows.map { row in try Plan.decode(json: Data(try row.decode("document", as: String.self).utf8)) }
        let assignmentRows = try await pool.query(
            """
            SELECT t.slug, a.plan_code, a.effective_from::text AS effective_from
            FROM control.plan_assignments a JOIN control.tenants t ON t.id = a.tenant_id
            WHERE a.seller = \(seller.description)
            ORDER BY t.slug, a.effective_from
            """)
        let assignments = try assignmentRows.map { row in
            let text = try row.decode("effective_from", as: String.self)
            guard let day = UTCDay.parse(text) else {
                throw MeteringError(code: "invalid_assignment", message: "stored day '\(text)' is not a date", httpStatus: 500)
            }
            return PlanAssignment(
                tenant: try row.decode("slug", as: String.self), planCode: try row.decode("plan_code", as: String.self),
                effectiveFrom: day)
        }
        return try PriceBook(
            seller: seller, name: try book.decode("name", as: String.self),
            currency: try BillingCurrencies.currency(try book.decode("currency", as: String.self)), plans: plans,
            assignments: assignments)
    }

    /// Partners must exist before they sell; the provider always does.
    private func checkSeller(_ seller: BillingParty) async throws {
        guard seller.role == .partner else { return }
        let rows = try await pool.query("SELECT 1 FROM control.partners WHERE slug = \(seller.id)")
        guard !rows.isEmpty else { throw ControlPlaneError.partnerNotFound(seller.id) }
    }

    static func bookName(_ seller: BillingParty) -> String {
        seller.role == .provider ? "Provider price book" : "Price book of partner \(seller.id)"
    }
}
