import Finance
import Foundation

@testable import Triage

/// Shared values for the triage tests; every suite builds its own documents from these.
enum TriageFixtures {
    static let tenant = make("acme")
    static let otherTenant = make("globex")
    static let usd = makeCurrency("USD")
    static let eur = makeCurrency("EUR")
    /// 2026-03-02T09:00:00Z, a Monday.
    static let now = Date(timeIntervalSince1970: 1_772_442_000)

    static func usd(_ minorUnits: Int64) -> Money { Money(minorUnits: minorUnits, currency: usd) }

    /// A decimal from text; a typo becomes NaN, which no expectation accepts.
    static func d(_ text: String) -> Decimal { DecimalText.parse(text) ?? .nan }

    static func exception(
        id: String = "EX-1", tenant: TenantID = tenant, supplier: String = "S3",
        labels: [ExceptionLabel] = [.priceVariance], exposure: Int64 = 12_500, document: Int64 = 250_000,
        openedHoursAgo: Double = 24, dueInHours: Double = 48
    ) -> OpenException {
        OpenException(
            id: id, tenant: tenant, supplier: supplier, labels: labels, exposure: usd(exposure),
            documentValue: usd(document), openedAt: now.addingTimeInterval(-openedHoursAgo * 3600),
            dueAt: now.addingTimeInterval(dueInHours * 3600))
    }

    // Literal, valid codes: a failure here is a broken fixture and should stop the suite loudly.
    private static func make(_ slug: String) -> TenantID {
        do { return try TenantID(slug) } catch { preconditionFailure("fixture tenant '\(slug)': \(error)") }
    }

    private static func makeCurrency(_ code: String) -> Currency {
        do { return try Currency(code) } catch { preconditionFailure("fixture currency '\(code)': \(error)") }
    }
}
