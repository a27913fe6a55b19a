import Finance
import Foundation
import Testing

@Suite("Returns disposition and credit")
struct ReturnsTests {
    static func date(_ text: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: text), "\(text)")
    }

    static func day(_ text: String) throws -> UTCDay { try #require(UTCDay.parse(text), "\(text)") }

    /// RMA-3003 from the fixtures: 3 boxes of NUT-M8 at 7.90, sold 2026-11-01.
    static func rma(
        reason: ReturnReason = .damaged, currency: String = "USD", unitPrice: Decimal? = 7.9, quantity: Decimal = 3
    ) throws -> ReturnAuthorisation {
        ReturnAuthorisation(
            rmaNumber: "RMA-3003", soldOn: try day("2026-11-01"), reason: reason, currency: try Currency(currency),
            lines: [ReturnAuthorisation.Line(line: 1, sku: "NUT-M8", quantity: quantity, unitPrice: unitPrice)])
    }

    static func receipt(
        at text: String = "2026-11-24T09:12:00Z",
        _ lines: [ReturnReceipt.Line] = [
            ReturnReceipt.Line(rmaLine: 1, sku: "NUT-M8", quantity: 3, condition: .good)
        ]
    ) throws -> ReturnReceipt {
        ReturnReceipt(rmaNumber: "RMA-3003", receivedAt: try date(text), lines: lines)
    }

    // Sold 2026-11-01 with a 30-day window: the last day is 2026-12-01, in UTC.
    @Test(arguments: [
        ("2026-11-30T23:59:59Z", true), ("2026-12-01T00:00:00Z", true), ("2026-12-01T23:59:59Z", true),
        ("2026-12-02T00:00:00Z", false), ("2026-12-01T23:30:00-05:00", false), ("2026-12-02T08:00:00+09:00", true),
        ("2027-01-15T12:00:00Z", false),
    ])
    func theReturnWindowClosesAfterItsLastUTCDay(receivedAt: String, inTime: Bool) throws {
        let evaluation = try ReturnsPolicy.standard.evaluate(try Self.receipt(at: receivedAt), against: try Self.rma())
        #expect(evaluation.deadline == (try Self.day("2026-12-01")))
        #expect(evaluation.decision == (inTime ? .approved : .rejected))
        #expect(evaluation.findings.contains { $0.code == .rmaExpired } == !inTime)
        #expect(evaluation.totalCredit?.amountText == (inTime ? "23.70" : "0.00"))
        // Goods that arrived get a disposition whether or not they earn credit.
        #expect(evaluation.lines.map(\.disposition) == [.restock])
    }

    @Test func aReasonCanHaveItsOwnWindow() throws {
        var policy = ReturnsPolicy.standard
        policy.windowDaysByReason[.defective] = 365
        let late = try Self.receipt(at: "2027-03-01T10:00:00Z")
        #expect(try policy.evaluate(late, against: try Self.rma(reason: .defective)).decision == .approved)
        #expect(try policy.evaluate(late, against: try Self.rma(reason: .damaged)).decision == .rejected)
    }

    // 3 × 7.90 = 23.70; a 15 % fee is 3.555, rounded half-up to 3.56.
    @Test(arguments: [
        (ReturnReason.damaged, true), (.defective, true), (.wrongItem, true), (.notAsDescribed, true),
        (.shortShipped, true), (.lateDelivery, true), (.noLongerNeeded, false), (.other, false),
    ])
    func theRestockingFeeIsWaivedForTheSellersFaults(reason: ReturnReason, waived: Bool) throws {
        let evaluation = try ReturnsPolicy.standard.evaluate(try Self.receipt(), against: try Self.rma(reason: reason))
        let credit = try #require(evaluation.lines.first?.credit)
        #expect(credit.feeWaived == waived)
        #expect(credit.gross.amountText == "23.70")
        #expect(credit.restockingFee.amountText == (waived ? "0.00" : "3.56"))
        #expect(credit.credit.amountText == (waived ? "23.70" : "20.14"))
        #expect(evaluation.findings.map(\.code) == [waived ? .restockingFeeWaived : .restockingFeeCharged])
        #expect(evaluation.decision == .approved)
    }

    @Test func aWaiverFollowsTheLinesOwnReasonAndThePolicy() throws {
        var rma = try Self.rma(reason: .noLongerNeeded)
        rma.lines[0].reason = .defective
        #expect(
            try ReturnsPolicy.standard.evaluate(try Self.receipt(), against: rma).lines.first?.credit?.feeWaived == true
        )
        var strict = ReturnsPolicy.standard
        strict.feeWaivedReasons = []
        strict.restockingFeePercent = 20
        let credit = try #require(try strict.evaluate(try Self.receipt(), against: rma).lines.first?.credit)
        #expect(credit.restockingFee.amountText == "4.74")
        #expect(credit.credit.amountText == "18.96")
    }

    @Test(arguments: [
        // JPY has no decimals: 999 × 15 % = 149.85, rounded to 150.
        ("JPY", Decimal(999), Decimal(1), "150", "849"),
        // KWD has three: 2 × 1.2345 = 2.469; fee 0.37035 → 0.370.
        ("KWD", Decimal(string: "1.2345") ?? 0, Decimal(2), "0.370", "2.099"),
        // USD half-up: 1 × 0.10 fee 0.015 → 0.02.
        ("USD", Decimal(string: "0.10") ?? 0, Decimal(1), "0.02", "0.08"),
    ])
    func creditsRoundToTheCurrency(code: String, price: Decimal, quantity: Decimal, fee: String, credit: String) throws
    {
        let rma = try Self.rma(reason: .noLongerNeeded, currency: code, unitPrice: price, quantity: quantity)
        let receipt = try Self.receipt([
            ReturnReceipt.Line(rmaLine: 1, sku: "NUT-M8", quantity: quantity, condition: .new)
        ])
        let evaluation = try ReturnsPolicy.standard.evaluate(receipt, against: rma)
        let line = try #require(evaluation.lines.first?.credit)
        #expect(line.restockingFee.amountText == fee)
        #expect(line.credit.amountText == credit)
        #expect(try line.credit.plus(line.restockingFee) == line.gross)
    }

    @Test(arguments: [
        (ReturnCondition.new, ReturnDisposition.restock), (.good, .restock), (.opened, .refurbish),
        (.incomplete, .refurbish), (.defective, .returnToVendor), (.damaged, .scrap), (.wrongItem, .quarantine),
    ])
    func conditionsMapToSensibleDispositions(condition: ReturnCondition, disposition: ReturnDisposition) {
        #expect(ReturnsPolicy.standard.disposition(for: condition) == disposition)
    }

    @Test func thePolicyMappingCanBeChangedAndUnlistedConditionsAreQuarantined() throws {
        var policy = ReturnsPolicy.standard
        policy.dispositions[.damaged] = .returnToVendor
        policy.dispositions[.opened] = nil
        #expect(policy.disposition(for: .damaged) == .returnToVendor)
        #expect(policy.disposition(for: .opened) == .quarantine)
    }

    @Test func theFixtureReceiptSplitsOneRMALineOverTwoConditions() throws {
        // return.received RR-3003-1: 2 boxes damaged and scrapped, 1 good and restocked.
        let receipt = try Self.receipt([
            ReturnReceipt.Line(
                rmaLine: 1, sku: "NUT-M8", quantity: 2, condition: .damaged, proposedDisposition: .scrap),
            ReturnReceipt.Line(rmaLine: 1, sku: "NUT-M8", quantity: 1, condition: .good, proposedDisposition: .restock),
        ])
        let evaluation = try ReturnsPolicy.standard.evaluate(receipt, against: try Self.rma())
        #expect(evaluation.decision == .approved)
        #expect(evaluation.lines.map(\.disposition) == [.scrap, .restock])
        #expect(evaluation.lines.map { $0.credit?.credit.amountText } == ["15.80", "7.90"])
        #expect(evaluation.totalCredit?.amountText == "23.70")
        #expect(!evaluation.findings.contains { $0.code == .dispositionDiffers })
    }

    @Test func receivingMoreThanAuthorisedCreditsOnlyTheAuthorisedPart() throws {
        let receipt = try Self.receipt([ReturnReceipt.Line(rmaLine: 1, sku: "NUT-M8", quantity: 2, condition: .new)])
        let evaluation = try ReturnsPolicy.standard.evaluate(
            receipt, against: try Self.rma(), previouslyReceived: [1: 2])
        #expect(evaluation.decision == .needsReview)
        #expect(evaluation.lines.first?.creditedQuantity == 1)
        #expect(evaluation.totalCredit?.amountText == "7.90")
        #expect(evaluation.findings.map(\.code) == [.overAuthorised, .restockingFeeWaived])

        let nothingLeft = try ReturnsPolicy.standard.evaluate(
            receipt, against: try Self.rma(), previouslyReceived: [1: 3])
        #expect(nothingLeft.lines.first?.creditedQuantity == 0)
        #expect(nothingLeft.totalCredit?.isZero == true)
    }

    struct Problem: Sendable, CustomTestStringConvertible {
        let name: String
        let line: ReturnReceipt.Line
        let unitPrice: Decimal?
        let decision: ReturnDecision
        let codes: [ReturnFinding.Code]
        var testDescription: String { name }
    }

    @Test(arguments: [
        Problem(
            name: "unknown RMA line", line: ReturnReceipt.Line(rmaLine: 2, sku: "NUT-M8", quantity: 1, condition: .new),
            unitPrice: 7.9, decision: .needsReview, codes: [.unknownRMALine]),
        Problem(
            name: "another SKU", line: ReturnReceipt.Line(rmaLine: 1, sku: "BOLT-M8-40", quantity: 1, condition: .new),
            unitPrice: 7.9, decision: .needsReview, codes: [.skuMismatch]),
        Problem(
            name: "wrong item", line: ReturnReceipt.Line(rmaLine: 1, sku: "NUT-M8", quantity: 1, condition: .wrongItem),
            unitPrice: 7.9, decision: .needsReview, codes: [.conditionNotCreditable]),
        Problem(
            name: "no price", line: ReturnReceipt.Line(rmaLine: 1, sku: "NUT-M8", quantity: 1, condition: .new),
            unitPrice: nil, decision: .needsReview, codes: [.missingUnitPrice]),
        Problem(
            name: "warehouse disagrees",
            line: ReturnReceipt.Line(
                rmaLine: 1, sku: "NUT-M8", quantity: 1, condition: .damaged, proposedDisposition: .restock),
            unitPrice: 7.9, decision: .approved, codes: [.dispositionDiffers, .restockingFeeWaived]),
    ])
    func lineProblemsHoldBackOnlyTheirOwnCredit(_ row: Problem) throws {
        let clean = ReturnReceipt.Line(rmaLine: 1, sku: "NUT-M8", quantity: 1, condition: .good)
        let evaluation = try ReturnsPolicy.standard.evaluate(
            try Self.receipt([row.line, clean]), against: try Self.rma(unitPrice: row.unitPrice))
        #expect(evaluation.decision == row.decision)
        // Disposition findings come first, then each line's in order; the problem line is first.
        #expect(Array(evaluation.findings.map(\.code).prefix(row.codes.count)) == row.codes)
        #expect(evaluation.findings.allSatisfy { !$0.message.isEmpty })
        if row.decision == .needsReview {
            #expect(evaluation.lines.first?.credit == nil)
            #expect(evaluation.lines.first?.creditedQuantity == 0)
        }
        if row.unitPrice != nil {
            #expect(evaluation.lines.last?.credit?.credit.amountText == "7.90")
        }
    }

    @Test func aMissingOrForeignRMAIsRejected() throws {
        let missing = try ReturnsPolicy.standard.evaluate(try Self.receipt(), against: nil)
        #expect(missing.decision == .rejected)
        #expect(missing.findings.map(\.code) == [.rmaNotFound])
        #expect(missing.totalCredit == nil && missing.deadline == nil)
        #expect(missing.lines.map(\.disposition) == [.restock])

        var other = try Self.rma()
        other.rmaNumber = "RMA-9999"
        let foreign = try ReturnsPolicy.standard.evaluate(try Self.receipt(), against: other)
        #expect(foreign.decision == .rejected)
        #expect(foreign.findings.map(\.code) == [.rmaMismatch])
        #expect(foreign.totalCredit?.isZero == true)
    }

    @Test func refusesMalformedInput() throws {
        var feeTooHigh = ReturnsPolicy.standard
        feeTooHigh.restockingFeePercent = 120
        var negativeWindow = ReturnsPolicy.standard
        negativeWindow.windowDays = -1
        let negativeLine = try Self.receipt([
            ReturnReceipt.Line(rmaLine: 1, sku: "NUT-M8", quantity: -1, condition: .new)
        ])
        let cases: [(ReturnsPolicy, ReturnReceipt, ReturnAuthorisation, [Int: Decimal], ReturnsError.Kind)] = [
            (feeTooHigh, try Self.receipt(), try Self.rma(), [:], .invalidPolicy),
            (negativeWindow, try Self.receipt(), try Self.rma(), [:], .invalidPolicy),
            (.standard, negativeLine, try Self.rma(), [:], .invalidLine),
            (.standard, try Self.receipt(), try Self.rma(unitPrice: -1), [:], .invalidLine),
            (.standard, try Self.receipt(), try Self.rma(), [1: -1], .invalidLine),
        ]
        for (policy, receipt, rma, previously, kind) in cases {
            let error = try #require(throws: ReturnsError.self) {
                try policy.evaluate(receipt, against: rma, previouslyReceived: previously)
            }
            #expect(error.kind == kind)
        }
    }

    @Test(arguments: [
        ("1970-01-01", 0), ("1969-12-31", -1), ("2000-02-29", 11_016), ("2026-11-14", 20_771), ("2024-12-31", 20_088),
    ])
    func utcDaysCountFromTheEpoch(text: String, ordinal: Int) throws {
        let day = try Self.day(text)
        #expect(day.ordinal == ordinal)
        #expect(day.description == text)
        #expect(UTCDay(day.start) == day)
        #expect(UTCDay(day.start.addingTimeInterval(86_399.999)) == day)
        #expect(UTCDay(day.start.addingTimeInterval(-0.001)) == day.adding(days: -1))
    }

    @Test func utcDaysRefuseImpossibleDatesAndDoCalendarArithmetic() throws {
        for bad in ["2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-1-01", "2026/01/01", "", "20261101"] {
            #expect(UTCDay.parse(bad) == nil, "\(bad)")
        }
        #expect(UTCDay.parse("2024-02-29") != nil)
        #expect(UTCDay.parse("2100-02-29") == nil)
        #expect(UTCDay.parse("2000-02-29") != nil)
        #expect(try Self.day("2026-11-12").adding(days: 270).description == "2027-08-09")
        #expect(try Self.day("2024-02-28").adding(days: 1).description == "2024-02-29")
        #expect(try Self.day("2026-01-01").days(until: try Self.day("2027-01-01")) == 365)
        // The same instant written in two offsets is one UTC day.
        #expect(UTCDay(try Self.date("2026-12-01T23:30:00-05:00")) == UTCDay(try Self.date("2026-12-02T04:30:00Z")))
        // Every day of four centuries round-trips through its components.
        for ordinal in stride(from: -200_000, through: 200_000, by: 7) {
            let (year, month, day) = UTCDay(ordinal: ordinal).components
            #expect(UTCDay(year: year, month: month, day: day)?.ordinal == ordinal)
        }
    }
}
