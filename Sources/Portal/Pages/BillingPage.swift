import Billing
import ControlPlane
import Foundation
import HTTP
import Metering
import Postgres
import Rendering

/// Provider ops: monthly recurring revenue per partner as a chart, and the
/// statements issued, newest first.
struct BillingPage: Sendable {
    let portal: Portal

    func show(_ request: PortalRequest) async throws -> HTTPResponse {
        let user = try request.requireUser()
        guard case .provider = user.principal.organization, user.principal.roles.contains("provider_ops") else {
            throw PortalError(status: 403, code: "forbidden", message: "Billing is for the provider's operations staff.")
        }
        let control = portal.dependencies.control
        var chart: ViewValue = .null
        var chartProblem = ""
        let calendar = Calendar(identifier: .gregorian)
        let now = calendar.dateComponents(in: TimeZone(identifier: "UTC") ?? .current, from: Date())
        let current = try BillingMonth(year: now.year ?? 2026, month: now.month ?? 1)
        do {
            let revenue = try await RevenueChart(pool: control).chart(months: RevenueChart.months(12, endingWith: current))
            chart = .html(
                try Chart.line(
                    title: "Monthly recurring revenue by partner (\(revenue.currency))",
                    categories: revenue.months.map(\.description),
                    series: revenue.partners.map { partner in
                        ChartSeries(name: partner.name, values: partner.points.map { $0.amount.decimal.doubleValue })
                    },
                    options: ChartOptions(
                        id: "mrr", valueFormat: .money(currency: revenue.currency),
                        summary: "Recurring base fees of active tenants at each month's end.", categoryHeading: "Month",
                        dataTable: .visuallyHidden)))
        } catch let error as MeteringError {
            chartProblem = error.message
        }
        let rows = try await control.query(
            """
            SELECT number, kind, buyer, month, currency, total, issued_at FROM control.billing_statements
            ORDER BY seq DESC LIMIT 100
            """)
        let formatter = portal.dates(for: request)
        var statements: [ViewValue] = []
        for row in rows {
            statements.append([
                "number": .string(try row.decode("number", as: String.self)),
                "kind": .string(try row.decode("kind", as: String.self).replacingOccurrences(of: "_", with: " ")),
                "buyer": .string(try row.decode("buyer", as: String.self)),
                "month": .string(try row.decode("month", as: String.self)),
                "total": .string(
                    Self.money(amount: try row.decode("total", as: String.self), currency: try row.decode("currency", as: String.self))),
                "issued": .string(formatter.dateTime(try row.decode("issued_at", as: Date.self))),
            ])
        }
        return try portal.render(
            "billing", request, title: "Billing",
            page: [
                "chart": chart, "has_chart": .bool(chart != .null), "chart_problem": .string(chartProblem),
                "statements": .list(statements),
            ])
    }
}

extension BillingPage {
    /// A stored amount (`1234.50`, the currency's digits after the point) in
    /// the portal's money form, `USD 1,234.50`; as stored if it is not one.
    static func money(amount: String, currency: String) -> String {
        let negative = amount.hasPrefix("-")
        let parts = (negative ? amount.dropFirst() : Substring(amount)).split(separator: ".", omittingEmptySubsequences: false)
        guard let exponent = try? MoneyText.exponent(of: currency), (1...2).contains(parts.count),
            parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            (parts.count == 2 ? parts[1].count : 0) == exponent,
            let minor = Int64(parts.joined()), let text = try? MoneyText.format(minorUnits: negative ? -minor : minor, currency: currency)
        else { return "\(currency) \(amount)" }
        return text
    }
}

extension Decimal {
    fileprivate var doubleValue: Double { NSDecimalNumber(decimal: self).doubleValue }
}
