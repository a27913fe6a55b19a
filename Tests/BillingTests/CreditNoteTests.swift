import Billing
import Finance
import Foundation
import Testing

@Suite("Corrections of issued statements")
struct CreditNoteTests {
    /// May's usage with bravo's events on the 20th corrected from 20,000 to 17,000.
    static func correctedUsage() throws -> [DailyUsage] {
        try Fixture.mayUsage().map { row in
            var row = row
            if row.tenant == "bravo", row.day == (try Fixture.day("2026-05-20")), row.meter == .eventsAccepted {
                row.count = 17_000
            }
            return row
        }
    }

    @Test func aLowerUsageFigureGivesACreditNoteWithOneNegativeLine() throws {
        let issued = try Fixture.mayStatement()
        let recomputed = try Fixture.mayStatement(usage: try Self.correctedUsage())
        let correction = try StatementCorrection.between(issued: issued, recomputed: recomputed)
        #expect(correction.debitNote == nil)
        let note = try #require(correction.creditNote)
        #expect(note.kind == .creditNote)
        #expect(note.number == "2026-05/provider/partner:northwind/C1")
        #expect(note.corrects == issued.number)
        #expect(note.tenants.map(\.tenantID) == ["bravo"])
        let line = try #require(note.lines.first)
        #expect(note.lines.count == 1)
        // Billed: 30,000 events, 22,904 over → 39.36. Corrected: 27,000, 19,904 over:
        // 10,000 × 0.002 = 20 + 9,904 × 0.0015 = 14.856 → 34.856 → 34.86. Difference −4.50.
        #expect(line.amount == (try Fixture.eur("-4.50")))
        #expect(line.usage?.quantity == -3_000)
        #expect(line.usage?.billableQuantity == -3_000)
        #expect(line.usage?.included == 0)
        #expect(line.description == "Correction: Basic events accepted, 2026-05-10 to 2026-05-31")
        #expect(note.total == (try Fixture.eur("-4.50")))
        // The issued statement plus its credit note is what the recomputation charges.
        #expect(try issued.total.plus(note.total) == recomputed.total)
    }

    @Test func aHigherFigureGivesADebitNoteAndBothDirectionsCanHappenAtOnce() throws {
        var usage = try Self.correctedUsage()
        // alpha's busiest day was really 9 users: 4 over instead of 2, +9.00.
        usage.append(try Fixture.usage("alpha", "2026-05-04", .activeUsers, 9))
        let issued = try Fixture.mayStatement()
        let correction = try StatementCorrection.between(
            issued: issued, recomputed: try Fixture.mayStatement(usage: usage))
        let credit = try #require(correction.creditNote)
        let debit = try #require(correction.debitNote)
        #expect(credit.number.hasSuffix("/C1"))
        #expect(debit.number.hasSuffix("/C2"))
        #expect(debit.kind == .debitNote)
        #expect(debit.lines.map(\.amount.amountText) == ["9.00"])
        #expect(debit.lines.first?.usage?.quantity == 2)
        #expect(credit.lines.map(\.amount.amountText) == ["-4.50"])
    }

    @Test func earlierCorrectionsCountAsBilled() throws {
        let issued = try Fixture.mayStatement()
        let recomputed = try Fixture.mayStatement(usage: try Self.correctedUsage())
        let first = try #require(try StatementCorrection.between(issued: issued, recomputed: recomputed).creditNote)
        // The same recomputation again: nothing left to correct.
        #expect(
            try StatementCorrection.between(issued: issued, priorCorrections: [first], recomputed: recomputed).isEmpty)
        // Going back to the original figures now needs a debit note, numbered after the credit note.
        let back = try StatementCorrection.between(issued: issued, priorCorrections: [first], recomputed: issued)
        #expect(back.creditNote == nil)
        #expect(back.debitNote?.number == "2026-05/provider/partner:northwind/C2")
        #expect(back.debitNote?.total == (try Fixture.eur("4.50")))
    }

    @Test func aLifecycleCorrectionMovesTheBaseFee() throws {
        var tenants = try Fixture.tenants()
        // charlie was really suspended on the 10th, not the 20th: 10/31 instead of 20/31.
        tenants[2].lifecycle[1].at = try Fixture.at("2026-05-10T14:00:00Z")
        let recomputed = try Fixture.priceBook().statement(
            for: Fixture.buyer, month: try Fixture.may(), tenants: tenants, usage: try Fixture.mayUsage())
        let note = try #require(
            try StatementCorrection.between(issued: try Fixture.mayStatement(), recomputed: recomputed).creditNote)
        let fee = try #require(note.lines.first { $0.kind == .baseFee })
        // 24,900 × 10 / 31 = 8,032.26 → 80.32; billed 160.65; difference −80.33.
        #expect(fee.amount == (try Fixture.eur("-80.33")))
        #expect(fee.proration.description == "-10/31")
    }

    @Test func onlyMatchingDocumentsCanBeCorrected() throws {
        let issued = try Fixture.mayStatement()
        let june = try Fixture.priceBook().statement(
            for: Fixture.buyer, month: try BillingMonth.parse("2026-06"), tenants: try Fixture.tenants(), usage: [])
        let otherMonth = #expect(throws: BillingError.self) {
            try StatementCorrection.between(issued: issued, recomputed: june)
        }
        #expect(otherMonth?.code == "invalid_correction")
        let note = try #require(
            try StatementCorrection.between(
                issued: issued, recomputed: try Fixture.mayStatement(usage: try Self.correctedUsage())
            ).creditNote)
        let correctingANote = #expect(throws: BillingError.self) {
            try StatementCorrection.between(issued: note, recomputed: issued)
        }
        #expect(correctingANote?.code == "invalid_correction")
        let foreignPrior = #expect(throws: BillingError.self) {
            try StatementCorrection.between(issued: june, priorCorrections: [note], recomputed: june)
        }
        #expect(foreignPrior?.field == "prior_corrections[0]")
    }
}
