import Billing
import ControlPlane
import Cryptography
import Foundation
import Postgres

/// Issued statements and notes in `control.billing_statements`: stored once, never changed, checked when read.
///
/// The table refuses UPDATE, DELETE and TRUNCATE (a trigger), and a second
/// issue of a number is a primary-key conflict. Each row keeps the SHA-256 of
/// the statement's canonical text, so a row changed behind the trigger's
/// back (by someone who dropped it) is reported rather than served.
struct IssuedStatements: Sendable {
    let pool: PostgresPool

    /// Stores `statement` inside `tx`; refuses a number already issued.
    func insert(_ statement: Statement, actor: String, on tx: PostgresConnection) async throws {
        let hash = try SHA256.hash(data: Array(statement.canonicalText.utf8)).bytes
        let inserted = try await tx.execute(
            """
            INSERT INTO control.billing_statements
                (number, kind, corrects, seller, buyer, month, currency, total, document, content_sha256, issued_by)
            VALUES (\(statement.number), \(statement.kind.rawValue), \(statement.corrects),
                    \(statement.seller.description), \(statement.buyer.description), \(statement.month.description),
                    \(statement.currency.code), \(statement.total.amountText), \(statement.jsonText), \(ByteA(hash)),
                    \(actor))
            ON CONFLICT (number) DO NOTHING
            """)
        guard inserted == 1 else {
            throw MeteringError.conflict(
                "statement_already_issued",
                "\(statement.number) is already issued; correct it with a credit note (billing credit-note)",
                field: "number")
        }
        try await AuditLog.control().append(
            AuditEntry(
                actor: actor, action: "billing.\(statement.kind.rawValue)_issued", subject: "statement:\(statement.number)",
                details: [
                    "seller": statement.seller.description, "buyer": statement.buyer.description,
                    "month": statement.month.description, "total": statement.total.amountText,
                    "currency": statement.currency.code, "corrects": statement.corrects ?? "",
                    "content_sha256": Hex.encode(hash),
                ]), on: tx)
    }

    /// The stored document numbered `number`.
    ///
    /// - Throws: `statement_not_found` (404); `statement_tampered` (500).
    func statement(_ number: String, on connection: PostgresConnection? = nil) async throws -> Statement {
        let query: PostgresQuery =
            "SELECT document, content_sha256 FROM control.billing_statements WHERE number = \(number)"
        let rows = if let connection { try await connection.query(query) } else { try await pool.query(query) }
        guard let row = rows.first else {
            throw MeteringError.notFound("statement_not_found", "no statement \(number.prefix(120)) was issued", field: "number")
        }
        return try Self.checked(row, number: number)
    }

    /// The credit and debit notes issued against `number`, in issue order.
    func corrections(of number: String, on connection: PostgresConnection) async throws -> [Statement] {
        let rows = try await connection.query(
            """
            SELECT number, document, content_sha256 FROM control.billing_statements
            WHERE corrects = \(number) ORDER BY seq
            """)
        return try rows.map { try Self.checked($0, number: try $0.decode("number", as: String.self)) }
    }

    /// Numbers of issued documents for `month`, optionally of one buyer, in issue order.
    func numbers(month: BillingMonth, buyer: BillingParty?) async throws -> [String] {
        let rows = try await pool.query(
            """
            SELECT number FROM control.billing_statements
            WHERE month = \(month.description) AND (\(buyer?.description)::text IS NULL OR buyer = \(buyer?.description))
            ORDER BY seq
            """)
        return try rows.map { try $0.decode("number", as: String.self) }
    }

    private static func checked(_ row: PostgresRow, number: String) throws -> Statement {
        let document = try row.decode("document", as: String.self)
        let statement = try Statement.decode(json: Data(document.utf8))
        let stored = try row.decode("content_sha256", as: ByteA.self).bytes
        let actual = try SHA256.hash(data: Array(statement.canonicalText.utf8)).bytes
        guard statement.number == number, ConstantTime.equals(stored, actual) else { throw MeteringError.tampered(number) }
        return statement
    }
}
