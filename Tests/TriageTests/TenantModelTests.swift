import Finance
import Foundation
import Testing

@testable import Triage

@Suite("Tenant model: naive Bayes and similar cases")
struct TenantModelTests {
    let tenant = TriageFixtures.tenant
    let other = TriageFixtures.otherTenant

    func resolved(
        _ id: String, tenant: TenantID? = nil, supplier: String, labels: [ExceptionLabel], band: AmountBand = .under10k,
        cause: RootCause, resolution: Resolution, day: Int = 0, overrode: Bool = false
    ) -> ResolvedCase {
        let opened = TriageFixtures.now.addingTimeInterval(TimeInterval(day * 86_400))
        return ResolvedCase(
            id: id, tenant: tenant ?? self.tenant, supplier: supplier, labels: labels, amountBand: band,
            rootCause: cause, resolution: resolution, openedAt: opened, resolvedAt: opened.addingTimeInterval(86_400),
            decidedBy: "ap.clerk", overrodeRecommendation: overrode)
    }

    func model(count: Int = 2_000, seed: UInt64 = 3) throws -> TenantModel {
        try TenantModel.train(tenant: tenant, cases: DemoHistory.generate(tenant: tenant, count: count, seed: seed))
    }

    @Test("training refuses any case of another tenant, naming the case but not the other tenant")
    func refusesOtherTenants() throws {
        var cases = DemoHistory.generate(tenant: tenant, count: 20, seed: 1)
        cases.append(
            resolved(
                "foreign-1", tenant: other, supplier: "S3", labels: [.priceVariance], cause: .shrinkage,
                resolution: .writeOff))
        let error = try #require(throws: TriageError.self) { try TenantModel.train(tenant: tenant, cases: cases) }
        #expect(error.code == "cross_tenant_case")
        #expect(error.httpStatus == 403)
        #expect(error.message.contains("foreign-1"))
        #expect(!error.message.contains("globex"))
    }

    @Test("learning and recommending refuse another tenant's case or exception")
    func isolationAfterTraining() throws {
        var model = try model(count: 200)
        let foreign = resolved(
            "x", tenant: other, supplier: "S3", labels: [.priceVariance], cause: .shrinkage, resolution: .writeOff)
        #expect(throws: TriageError.self) { try model.learn(foreign) }
        #expect(model.caseCount == 200)
        let error = try #require(throws: TriageError.self) {
            try model.recommend(for: TriageFixtures.exception(tenant: other))
        }
        #expect(error.code == "cross_tenant_case")
    }

    @Test("a model learns from its tenant only: the same features get different answers per tenant")
    func perTenant() throws {
        let acme = try TenantModel.train(
            tenant: tenant,
            cases: (0..<20).map {
                resolved(
                    "a\($0)", supplier: "S9", labels: [.priceVariance], cause: .supplierPriceIncrease,
                    resolution: .requestCreditMemo)
            })
        let globex = try TenantModel.train(
            tenant: other,
            cases: (0..<20).map {
                resolved(
                    "g\($0)", tenant: other, supplier: "S9", labels: [.priceVariance], cause: .poNotUpdated,
                    resolution: .amendPurchaseOrder)
            })
        #expect(try acme.recommend(for: TriageFixtures.exception(supplier: "S9")).rootCause == .supplierPriceIncrease)
        #expect(
            try globex.recommend(for: TriageFixtures.exception(tenant: other, supplier: "S9")).rootCause
                == .poNotUpdated)
    }

    @Test("recommends the learned root cause and the tenant's usual resolution for it")
    func recommends() throws {
        let model = try model()
        let price = try model.recommend(
            for: TriageFixtures.exception(supplier: "S3", labels: [.priceVariance], exposure: 500_000))
        #expect(price.rootCause == .supplierPriceIncrease)
        #expect(price.resolution == .requestCreditMemo)
        #expect(price.confidence > 0.5 && price.confidence <= 1)
        #expect(price.model == TenantModel.identity)
        #expect(price.reasons.contains { $0.hasPrefix("supplier S3 is seen in") })

        let short = try model.recommend(
            for: TriageFixtures.exception(supplier: "S2", labels: [.shortShipment], exposure: 50_000))
        #expect(short.rootCause == .partialDelivery)
        #expect(short.resolution == .holdForSecondReceipt)

        let elsewhere = try model.recommend(
            for: TriageFixtures.exception(supplier: "S7", labels: [.missingReceipt], exposure: 50_000))
        #expect(elsewhere.rootCause == .receivingNotPosted)
    }

    @Test("alternatives follow in decreasing probability and with the top one sum to at most 1")
    func alternatives() throws {
        let recommendation = try model().recommend(
            for: TriageFixtures.exception(supplier: "S1", labels: [.priceVariance]))
        #expect(recommendation.alternatives.count == 3)
        let probabilities = [recommendation.confidence] + recommendation.alternatives.map(\.probability)
        #expect(zip(probabilities, probabilities.dropFirst()).allSatisfy { $0 >= $1 })
        #expect(probabilities.reduce(0, +) <= 1 + 1e-9)
        #expect(!recommendation.alternatives.contains { $0.rootCause == recommendation.rootCause })
    }

    @Test("shows at most five similar past cases, most similar first, sharing the features")
    func similarCases() throws {
        let cases = DemoHistory.generate(tenant: tenant, count: 2_000, seed: 3)
        let model = try TenantModel.train(tenant: tenant, cases: cases)
        let recommendation = try model.recommend(
            for: TriageFixtures.exception(supplier: "S3", labels: [.priceVariance], exposure: 500_000))
        let similar = recommendation.similarCases
        #expect(similar.count == 5)
        #expect(zip(similar, similar.dropFirst()).allSatisfy { $0.similarity >= $1.similarity })
        let byID = Dictionary(uniqueKeysWithValues: cases.map { ($0.id, $0) })
        for item in similar {
            let past = try #require(byID[item.id])
            #expect(past.supplier == "S3")
            #expect(past.labels == [.priceVariance])
            #expect(past.amountBand == .under10k)
            #expect(item.similarity == 1)
            #expect(item.rootCause == past.rootCause)
        }
    }

    @Test("the confidence is calibrated: on held-out cases its mean is close to the accuracy")
    func calibration() throws {
        let cases = DemoHistory.generate(tenant: tenant, count: 3_000, seed: 99)
        let model = try TenantModel.train(tenant: tenant, cases: Array(cases.prefix(2_400)))
        var confidence = 0.0
        var correct = 0
        for held in cases.suffix(600) {
            let recommendation = try model.recommend(features: held.features)
            confidence += recommendation.confidence
            if recommendation.rootCause == held.rootCause { correct += 1 }
        }
        let meanConfidence = confidence / 600
        let accuracy = Double(correct) / 600
        #expect(abs(meanConfidence - accuracy) < 0.05)
    }

    @Test("one new resolved case updates the model; overrides weigh more")
    func incremental() throws {
        var model = try TenantModel.train(
            tenant: tenant,
            cases: (0..<3).map {
                resolved(
                    "c\($0)", supplier: "S4", labels: [.freightTaxDifference], cause: .freightSurcharge,
                    resolution: .approveVariance)
            })
        let exception = TriageFixtures.exception(supplier: "S4", labels: [.freightTaxDifference])
        #expect(try model.recommend(for: exception).rootCause == .freightSurcharge)
        let cause = try RootCause("carrier_rate_error")
        let resolution = try Resolution("dispute_carrier_invoice")
        try model.learn(
            resolved(
                "c3", supplier: "S4", labels: [.freightTaxDifference], cause: cause, resolution: resolution, day: 1,
                overrode: true))
        try model.learn(
            resolved(
                "c4", supplier: "S4", labels: [.freightTaxDifference], cause: cause, resolution: resolution, day: 2,
                overrode: true))
        let updated = try model.recommend(for: exception)
        #expect(updated.rootCause == cause)
        #expect(updated.resolution == resolution)
        #expect(updated.similarCases.first?.id == "c4")
        #expect(model.caseCount == 5)
        #expect(model.knownRootCauses.contains(cause))
    }

    @Test("a case learned twice and an empty history are refused")
    func refusals() throws {
        var model = try model(count: 10)
        let first = try #require(DemoHistory.generate(tenant: tenant, count: 10, seed: 3).first)
        let duplicate = try #require(throws: TriageError.self) { try model.learn(first) }
        #expect(duplicate.code == "duplicate_case")
        let empty = try TenantModel.train(tenant: tenant, cases: [])
        let none = try #require(throws: TriageError.self) { try empty.recommend(for: TriageFixtures.exception()) }
        #expect(none.code == "no_history")
    }

    @Test("an unseen supplier still gets an answer from the other features")
    func unseenSupplier() throws {
        let recommendation = try model().recommend(
            for: TriageFixtures.exception(supplier: "NEW-SUPPLIER", labels: [.duplicateInvoice]))
        #expect(recommendation.rootCause == .duplicateSubmission)
        #expect(recommendation.resolution == .rejectInvoice)
    }

    @Test("the weekday feature, when enabled, is learned")
    func weekday() throws {
        var configuration = TenantModel.Configuration()
        configuration.usesDayOfWeek = true
        // Same supplier and labels; only the weekday tells the causes apart.
        let cases = (0..<28).map { day in
            resolved(
                "w\(day)", supplier: "S1", labels: [.countVariance], cause: day % 7 == 0 ? .countingError : .shrinkage,
                resolution: day % 7 == 0 ? .recount : .writeOff, day: day)
        }
        let model = try TenantModel.train(tenant: tenant, cases: cases, configuration: configuration)
        let monday = TriageFixtures.exception(supplier: "S1", labels: [.countVariance], openedHoursAgo: 0)
        #expect(Weekday(monday.openedAt) == .monday)
        #expect(try model.recommend(for: monday).rootCause == .countingError)
        let tuesday = TriageFixtures.exception(supplier: "S1", labels: [.countVariance], openedHoursAgo: -24)
        #expect(try model.recommend(for: tuesday).rootCause == .shrinkage)
    }

    @Test("trains on 100,000 cases and answers from them")
    func large() throws {
        let cases = DemoHistory.generate(tenant: tenant, count: 100_000, seed: 8)
        let model = try TenantModel.train(tenant: tenant, cases: cases)
        #expect(model.caseCount == 100_000)
        let recommendation = try model.recommend(
            for: TriageFixtures.exception(supplier: "S6", labels: [.shortShipment], exposure: 50_000))
        #expect(recommendation.rootCause == .partialDelivery)
        #expect(recommendation.similarCases.count == 5)
    }
}
