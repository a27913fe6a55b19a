import Events
import Foundation
import Testing

@testable import Triage

@Suite("Classifying exceptions described as JSON")
struct GenericExceptionClassifierTests {
    func classify(_ json: String) throws -> Classification {
        let value = try JSONParser().parse(json)
        return try GenericExceptionClassifier().classify(try ExceptionDescription(json: value))
    }

    @Test("a cycle count below the books is a count variance valued at unit cost")
    func countVariance() throws {
        let classification = try classify(
            #"{"kind":"cycle_count","facts":{"sku":"BOLT-M8","book_quantity":120,"counted_quantity":"112","unit_cost":2.50,"currency":"USD"}}"#
        )
        #expect(classification.labels == [.countVariance])
        let evidence = try #require(classification.evidence(for: .countVariance).first)
        #expect(evidence.expected == "120")
        #expect(evidence.actual == "112")
        #expect(evidence.amount == TriageFixtures.usd(2_000))
        #expect(classification.varianceType == .inventory)
    }

    @Test("a count that agrees is no exception")
    func countAgrees() throws {
        #expect(try classify(#"{"kind":"cycle_count","facts":{"book_quantity":5,"counted_quantity":5}}"#).isEmpty)
    }

    @Test("a return requested after its window is outside the window; on the last day it is not")
    func returnWindow() throws {
        let late = try classify(
            #"{"kind":"return","facts":{"delivered_on":"2026-01-10","requested_on":"2026-02-12","window_days":30,"amount":"89.90","currency":"USD"}}"#
        )
        #expect(late.labels == [.returnOutsideWindow])
        #expect(late.evidence(for: .returnOutsideWindow).first?.expected == "on or before 2026-02-09")
        #expect(late.evidence(for: .returnOutsideWindow).first?.amount == TriageFixtures.usd(8_990))
        let inTime = try classify(
            #"{"kind":"return","facts":{"delivered_on":"2026-01-10","requested_on":"2026-02-09","window_days":30}}"#)
        #expect(inTime.isEmpty)
    }

    @Test("a receipt with damaged goods and a ship notice after delivery has both labels")
    func receipt() throws {
        let classification = try classify(
            #"{"kind":"goods_receipt","facts":{"damaged_quantity":3,"unit_cost":"10","currency":"EUR","delivered_at":"2026-03-01T08:00:00Z","asn_received_at":"2026-03-01T14:00:00Z"}}"#
        )
        #expect(classification.labels == [.damagedOnArrival, .lateASN])
        #expect(classification.evidence(for: .damagedOnArrival).first?.amount?.minorUnits == 3_000)
        #expect(classification.evidence(for: .lateASN).first?.note == "the ship notice came 6 h after the goods")
        let noASN = try classify(
            #"{"kind":"goods_receipt","facts":{"delivered_at":"2026-03-01T08:00:00Z","asn_received_at":null}}"#)
        #expect(noASN.labels == [.lateASN])
        let onTime = try classify(
            #"{"kind":"goods_receipt","facts":{"delivered_at":"2026-03-01T08:00:00Z","asn_received_at":"2026-02-28T08:00:00Z"}}"#
        )
        #expect(onTime.isEmpty)
    }

    @Test("chargebacks and credit holds are labelled with their amounts")
    func customerSide() throws {
        let chargeback = try classify(
            #"{"kind":"chargeback","facts":{"amount":"250.00","currency":"USD","reason":"late delivery"}}"#)
        #expect(chargeback.labels == [.chargeback])
        #expect(chargeback.exposure(in: TriageFixtures.usd) == TriageFixtures.usd(25_000))
        let hold = try classify(#"{"kind":"credit_hold","facts":{"order_amount":"1200","currency":"USD"}}"#)
        #expect(hold.labels == [.creditHold])
    }

    @Test("unknown kinds, missing and malformed facts are typed errors naming the field")
    func errors() throws {
        let unknown = try #require(throws: TriageError.self) {
            try classify(#"{"kind":"telepathy","facts":{}}"#)
        }
        #expect(unknown.code == "unknown_exception_kind")
        #expect(unknown.field == "kind")

        let missing = try #require(throws: TriageError.self) {
            try classify(#"{"kind":"cycle_count","facts":{"book_quantity":5}}"#)
        }
        #expect(missing.code == "invalid_fact")
        #expect(missing.field == "facts.counted_quantity")

        let exponent = try #require(throws: TriageError.self) {
            try classify(#"{"kind":"cycle_count","facts":{"book_quantity":5e2,"counted_quantity":1}}"#)
        }
        #expect(exponent.field == "facts.book_quantity")

        let badDate = try #require(throws: TriageError.self) {
            try classify(
                #"{"kind":"return","facts":{"delivered_on":"2026-02-30","requested_on":"2026-03-01","window_days":3}}"#)
        }
        #expect(badDate.field == "facts.delivered_on")

        let shape = try #require(throws: TriageError.self) { try classify(#"["cycle_count"]"#) }
        #expect(shape.code == "invalid_exception")
        #expect(shape.httpStatus == 422)
    }
}
