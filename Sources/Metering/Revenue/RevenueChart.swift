import Billing
import ControlPlane
import Foundation
import Postgres

/// Monthly recurring revenue per partner, from the provider's price book, for the provider-ops chart.
///
/// Each partner's series is `PriceBook.recurringRevenue` over its own tenants
/// (the rule is documented there: full base fees of tenants active and
/// assigned at each month's end), so the chart and statements never disagree
/// on who counts.
public struct RevenueChart: Sendable {
    public struct PartnerSeries: Sendable {
        public let partner: String
        public let name: String
        public let points: [MonthlyRecurringRevenue]
    }

    public struct Chart: Sendable {
        public let currency: String
        public let months: [BillingMonth]
        /// By partner slug.
        public let partners: [PartnerSeries]
    }

    let books: PriceBookStore
    let inputs: BillingInputs

    public init(pool: PostgresPool) {
        books = PriceBookStore(pool: pool)
        inputs = BillingInputs(pool: pool)
    }

    /// The `count` months ending with `last`, oldest first.
    public static func months(_ count: Int, endingWith last: BillingMonth) -> [BillingMonth] {
        var months = [last]
        while months.count < count, let first = months.first, let previous = Self.previous(first) {
            months.insert(previous, at: 0)
        }
        return months
    }

    /// - Throws: `price_book_not_found` until the provider has a plan.
    public func chart(months: [BillingMonth]) async throws -> Chart {
        let book = try await books.priceBook(of: .provider)
        let partners = try await books.pool.query("SELECT slug, display_name FROM control.partners ORDER BY slug")
        var series: [PartnerSeries] = []
        for row in partners {
            let slug = try Slug(try row.decode("slug", as: String.self))
            let tenants = try await inputs.tenants(ofPartner: slug)
            series.append(
                PartnerSeries(
                    partner: slug.value, name: try row.decode("display_name", as: String.self),
                    points: try book.recurringRevenue(months: months, tenants: tenants)))
        }
        return Chart(currency: book.currency.code, months: months, partners: series)
    }

    private static func previous(_ month: BillingMonth) -> BillingMonth? {
        try? BillingMonth(year: month.month == 1 ? month.year - 1 : month.year, month: month.month == 1 ? 12 : month.month - 1)
    }
}
