import Foundation
import Finance

/// A deterministic, plausible resolved-case history for demos and for measuring the model.
///
/// Ground truth depends learnably on the features, as it does in real AP teams: supplier S3 (and
/// S5) raise prices on large lines, while small price variances elsewhere are POs nobody amended;
/// short shipments from S2 and S6 are partial deliveries, elsewhere receipts nobody posted;
/// small count variances are counting errors, large ones shrinkage. About 10 % of cases carry a
/// root cause drawn at random instead (people disagree, records are wrong), which caps the
/// accuracy any model can reach near 90 %. Cases spread over the 12 months after `start`.
public enum DemoHistory {
    /// The suppliers the history uses.
    public static let suppliers = ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"]

    /// `count` resolved cases of `tenant`, the same for the same seed, ordered by resolution time.
    public static func generate(
        tenant: TenantID, count: Int, seed: UInt64, start: Date = Date(timeIntervalSince1970: 1_735_689_600),
        noise: Double = 0.1
    ) -> [ResolvedCase] {
        var random = SplitMix64(seed: seed)
        let year: TimeInterval = 365 * 86_400
        var cases: [ResolvedCase] = []
        cases.reserveCapacity(max(0, count))
        let weighted = scenarios.map { ($0, $0.weight) }
        for number in 0..<max(0, count) {
            guard let scenario = random.weighted(weighted) else { break }
            let supplier = scenario.suppliers[random.below(scenario.suppliers.count)]
            let labels = scenario.labelSets[random.below(scenario.labelSets.count)]
            let band = scenario.bands[random.below(scenario.bands.count)]
            var truth = (scenario.rootCause, scenario.resolution(&random))
            if random.chance(noise),
                let other = scenarios.filter({ $0.rootCause != scenario.rootCause }).randomPick(&random)
            {
                truth = (other.rootCause, other.resolution(&random))
            }
            let opened = start.addingTimeInterval((random.unit() * year).rounded(.down))
            // Most cases close within days; some linger for weeks.
            let days = 1 + random.below(5) + (random.chance(0.2) ? random.below(25) : 0)
            let resolved = opened.addingTimeInterval(TimeInterval(days * 86_400 + random.below(36_000)))
            cases.append(
                ResolvedCase(
                    id: "\(tenant.slug)-case-\(String(number + 1).leftPadded(to: 6))", tenant: tenant,
                    supplier: supplier, labels: labels, amountBand: band, rootCause: truth.0, resolution: truth.1,
                    openedAt: opened, resolvedAt: resolved, decidedBy: deciders[random.below(deciders.count)],
                    overrodeRecommendation: random.chance(0.12)))
        }
        return cases.sorted { a, b in a.resolvedAt != b.resolvedAt ? a.resolvedAt < b.resolvedAt : a.id < b.id }
    }

    private static let deciders = ["ap.clerk.ana", "ap.clerk.ben", "ap.manager.chen", "warehouse.lead.dev"]

    /// One kind of past exception: its root cause, the features it shows, and how it is usually resolved.
    private struct Scenario: Sendable {
        var rootCause: RootCause
        var weight: Int
        var suppliers: [String]
        var labelSets: [[ExceptionLabel]]
        var bands: [AmountBand]
        var usual: Resolution
        /// The other resolution people sometimes choose, and how often (percent).
        var sometimes: (Resolution, Int)?

        func resolution(_ random: inout SplitMix64) -> Resolution {
            if let (other, percent) = sometimes, random.below(100) < percent { return other }
            return usual
        }
    }

    private static let scenarios: [Scenario] = [
        Scenario(
            rootCause: .supplierPriceIncrease, weight: 14, suppliers: ["S3", "S3", "S3", "S5"],
            labelSets: [[.priceVariance], [.priceVariance], [.priceVariance, .invoiceArithmetic]],
            bands: [.under10k, .under100k, .under10k], usual: .requestCreditMemo, sometimes: (.approveVariance, 10)),
        Scenario(
            rootCause: .poNotUpdated, weight: 12, suppliers: ["S1", "S2", "S4", "S6", "S7", "S8"],
            labelSets: [[.priceVariance]], bands: [.under100, .under1k], usual: .amendPurchaseOrder),
        Scenario(
            rootCause: .partialDelivery, weight: 14, suppliers: ["S2", "S6"],
            labelSets: [[.shortShipment], [.shortShipment], [.shortShipment, .missingReceipt]],
            bands: [.under1k, .under10k], usual: .holdForSecondReceipt, sometimes: (.requestCreditMemo, 15)),
        Scenario(
            rootCause: .receivingNotPosted, weight: 10, suppliers: ["S1", "S4", "S5", "S7", "S8"],
            labelSets: [[.missingReceipt], [.missingReceipt], [.shortShipment]], bands: [.under1k, .under10k],
            usual: .postMissingReceipt),
        Scenario(
            rootCause: .duplicateSubmission, weight: 8, suppliers: suppliers, labelSets: [[.duplicateInvoice]],
            bands: [.under1k, .under10k, .under100k], usual: .rejectInvoice),
        Scenario(
            rootCause: .freightSurcharge, weight: 8, suppliers: ["S4", "S7", "S7"],
            labelSets: [[.freightTaxDifference]], bands: [.under100, .under1k], usual: .approveVariance,
            sometimes: (.requestCreditMemo, 40)),
        Scenario(
            rootCause: .unitOfMeasureSetup, weight: 6, suppliers: suppliers,
            labelSets: [[.uomMismatch], [.uomMismatch, .overBilling]], bands: [.under1k, .under10k],
            usual: .fixItemMaster),
        Scenario(
            rootCause: .carrierDamage, weight: 7, suppliers: suppliers, labelSets: [[.damagedOnArrival]],
            bands: [.under1k, .under10k], usual: .fileCarrierClaim, sometimes: (.writeOff, 20)),
        Scenario(
            rootCause: .countingError, weight: 8, suppliers: ["WH1", "WH2"], labelSets: [[.countVariance]],
            bands: [.under100, .under1k], usual: .recount),
        Scenario(
            rootCause: .shrinkage, weight: 5, suppliers: ["WH1", "WH2"], labelSets: [[.countVariance]],
            bands: [.under10k, .under100k], usual: .writeOff),
        Scenario(
            rootCause: .lateCustomerReturn, weight: 8, suppliers: ["C1", "C2", "C3"],
            labelSets: [[.returnOutsideWindow]], bands: [.under100, .under1k], usual: .denyReturn),
    ]
}

extension Array {
    fileprivate func randomPick(_ random: inout SplitMix64) -> Element? {
        isEmpty ? nil : self[random.below(count)]
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
