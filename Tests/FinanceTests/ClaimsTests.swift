import Finance
import Foundation
import Testing

@Suite("Damaged-goods claims and supplier chargebacks")
struct ClaimsTests {
    static func date(_ text: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: text), "\(text)")
    }

    static let photos = [
        "https://files.client.example/dmg/0091/pallet.jpg", "https://files.client.example/dmg/0091/pod.pdf",
    ]

    /// DMG-0091 from the fixtures: 20 cartons crushed in transit, at 0.85 EUR, delivered 2026-11-12.
    static func claim(
        against counterparty: ClaimCounterparty = .carrier("SCAC-ODFL"), unitCost: Decimal = 0.85,
        freight: ClaimFreight? = nil, delivered: String? = "2026-11-12T07:58:31Z", evidence: [String] = photos,
        filed: String? = nil
    ) throws -> DamageClaim {
        DamageClaim(
            reference: "DMG-0091", counterparty: counterparty, currency: try Currency("EUR"),
            lines: [DamageClaim.Line(sku: "CARTON-40", damagedQuantity: 20, unitCost: unitCost)], freight: freight,
            deliveredAt: try delivered.map { try date($0) }, damageFoundAt: try date("2026-11-12T08:10:00Z"),
            evidence: evidence, filedAt: try filed.map { try date($0) })
    }

    // Carrier: filing deadline 30 days after delivery (2026-12-12), time bar 270 (2027-08-09), due soon within 7.
    @Test(arguments: [
        ("2026-11-20T10:00:00Z", ClaimStatus.open, 22), ("2026-12-04T23:59:59Z", .open, 8),
        ("2026-12-05T00:00:00Z", .dueSoon, 7), ("2026-12-12T23:59:59Z", .dueSoon, 0),
        ("2026-12-12T20:00:00-05:00", .overdue, -1), ("2026-12-13T00:00:00Z", .overdue, -1),
        ("2027-08-09T23:59:59Z", .overdue, -240), ("2027-08-10T00:00:00Z", .timeBarred, -241),
    ])
    func statusFollowsTheDeadlinesInUTCDays(now: String, status: ClaimStatus, daysLeft: Int) throws {
        let assessment = try ClaimPolicy.standard.assess(try Self.claim(), now: try Self.date(now))
        #expect(assessment.filingDeadline.description == "2026-12-12")
        #expect(assessment.timeBar.description == "2027-08-09")
        #expect(assessment.status == status)
        #expect(assessment.daysToFilingDeadline == daysLeft)
        #expect(assessment.canFile == (status != .timeBarred))
        let expectedCode: ClaimFinding.Code? =
            switch status {
            case .dueSoon: .dueSoon
            case .overdue: .overdue
            case .timeBarred: .timeBarred
            default: nil
            }
        #expect(assessment.findings.map(\.code) == (expectedCode.map { [$0] } ?? []))
    }

    @Test(arguments: [
        ("2026-12-01T12:00:00Z", ClaimStatus.filed, [ClaimFinding.Code]()),
        ("2026-12-20T12:00:00Z", .filed, [.filedLate]),
        ("2027-08-10T00:00:01Z", .timeBarred, [.timeBarred]),
    ])
    func filedClaimsAreJudgedOnTheirFilingDay(filed: String, status: ClaimStatus, codes: [ClaimFinding.Code]) throws {
        let assessment = try ClaimPolicy.standard.assess(
            try Self.claim(filed: filed), now: try Self.date("2027-09-01T00:00:00Z"))
        #expect(assessment.status == status)
        #expect(assessment.findings.map(\.code) == codes)
        #expect(!assessment.canFile)
    }

    @Test func suppliersAndParticularCounterpartiesHaveTheirOwnRules() throws {
        let now = try Self.date("2026-11-20T00:00:00Z")
        let supplier = try ClaimPolicy.standard.assess(try Self.claim(against: .supplier("SUP-011")), now: now)
        #expect(supplier.filingDeadline.description == "2026-11-26")
        #expect(supplier.timeBar.description == "2026-12-12")
        #expect(supplier.status == .dueSoon)

        var policy = ClaimPolicy.standard
        policy.overrides[.carrier("SCAC-ODFL")] = ClaimDeadlineRule(
            measuredFrom: .damageFound, filingDays: 5, timeBarDays: 60, minimumEvidence: 3)
        let strict = try policy.assess(try Self.claim(), now: now)
        #expect(strict.filingDeadline.description == "2026-11-17")
        #expect(strict.status == .overdue)
        #expect(strict.findings.map(\.code) == [.overdue, .insufficientEvidence])
        // The override is for that carrier only, not for a supplier with the same id.
        let sameID = try policy.assess(try Self.claim(against: .supplier("SCAC-ODFL")), now: now)
        #expect(sameID.filingDeadline.description == "2026-11-26")
    }

    @Test func withoutADeliveryDateTheDaysCountFromTheDamageAndSaySo() throws {
        let claim = try Self.claim(delivered: nil)
        let assessment = try ClaimPolicy.standard.assess(claim, now: try Self.date("2026-11-20T00:00:00Z"))
        #expect(assessment.filingDeadline.description == "2026-12-12")
        #expect(assessment.findings.map(\.code) == [.deliveryDateUnknown])
    }

    @Test func theAmountIsDamagedCostPlusTheFreightShare() throws {
        let eur = try Currency("EUR")
        let freight = ClaimFreight(charge: try Money.parse("412.75", currency: eur), shippedQuantity: 600)
        let assessment = try ClaimPolicy.standard.assess(
            try Self.claim(freight: freight), now: try Self.date("2026-11-20T00:00:00Z"))
        // 20 × 0.85 = 17.00; 412.75 × 20/600 = 13.758…, and the spare cent goes to the larger remainder.
        #expect(assessment.goodsAmount.amountText == "17.00")
        #expect(assessment.freightShare.amountText == "13.76")
        #expect(assessment.amount.description == "EUR 30.76")

        let lines = [
            DamageClaim.Line(sku: "A", damagedQuantity: 3, unitCost: Decimal(string: "0.335") ?? 0),
            DamageClaim.Line(sku: "B", damagedQuantity: 1, unitCost: Decimal(string: "0.005") ?? 0),
        ]
        var rounded = try Self.claim()
        rounded.lines = lines
        // Rounded line by line, half-up: 1.005 → 1.01 and 0.005 → 0.01.
        #expect(
            try ClaimPolicy.standard.assess(rounded, now: try Self.date("2026-11-20T00:00:00Z")).goodsAmount.amountText
                == "1.02")
    }

    @Test(arguments: [
        ([String](), 0, false), (["https://a/1.jpg"], 1, false),
        (["https://a/1.jpg", " https://a/1.jpg ", "  "], 1, false),
        (["https://a/1.jpg", "https://a/pod.pdf"], 2, true),
    ])
    func evidenceMustMeetThePolicyMinimum(evidence: [String], count: Int, enough: Bool) throws {
        let assessment = try ClaimPolicy.standard.assess(
            try Self.claim(evidence: evidence), now: try Self.date("2026-11-20T00:00:00Z"))
        #expect(assessment.evidenceCount == count)
        #expect(assessment.canFile == enough)
        #expect(assessment.findings.contains { $0.code == .insufficientEvidence } == !enough)
    }

    @Test func nothingToClaimCannotBeFiled() throws {
        let assessment = try ClaimPolicy.standard.assess(
            try Self.claim(unitCost: 0), now: try Self.date("2026-11-20T00:00:00Z"))
        #expect(!assessment.canFile)
        #expect(assessment.findings.map(\.code) == [.zeroAmount])
    }

    @Test func refusesMalformedClaims() throws {
        let now = try Self.date("2026-11-20T00:00:00Z")
        var empty = try Self.claim()
        empty.lines = []
        var negative = try Self.claim()
        negative.lines[0].damagedQuantity = -1
        let usdFreight = ClaimFreight(
            charge: try Money.parse("412.75", currency: try Currency("USD")), shippedQuantity: 600)
        let eurFreight = ClaimFreight(
            charge: try Money.parse("412.75", currency: try Currency("EUR")), shippedQuantity: 10)
        let noShipped = ClaimFreight(
            charge: try Money.parse("412.75", currency: try Currency("EUR")), shippedQuantity: 0)
        var inverted = ClaimPolicy.standard
        inverted.carrier.timeBarDays = 10
        let cases: [(ClaimPolicy, DamageClaim, ClaimError.Kind)] = [
            (.standard, empty, .invalidClaim),
            (.standard, negative, .invalidLine),
            (.standard, try Self.claim(freight: usdFreight), .currencyMismatch),
            (.standard, try Self.claim(freight: eurFreight), .invalidClaim),
            (.standard, try Self.claim(freight: noShipped), .invalidClaim),
            (inverted, try Self.claim(), .invalidPolicy),
        ]
        for (policy, claim, kind) in cases {
            let error = try #require(throws: ClaimError.self) { try policy.assess(claim, now: now) }
            #expect(error.kind == kind)
            #expect(error.code == kind.rawValue)
        }
    }
}
