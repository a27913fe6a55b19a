import Billing
import ControlPlane
import Finance
import Foundation
import HTTP
import Metering
import Postgres
import Telemetry

/// `/v1/billing`: statement previews, issuing, issued statements and MRR, for provider operations only.
///
/// Only a provider principal reaches these routes, and then only a
/// `provider_ops` user or a key with the `admin` scope; anyone else gets 404,
/// so partners do not learn the routes exist. Statements are answered in
/// the Billing module's own export formats: JSON (`Statement.jsonText`,
/// fixed key order) or CSV (`?format=csv` or `Accept: text/csv`).
/// A statement's number has slashes (`2026-05/provider/partner:acme`,
/// notes add `/C1`), so it is addressed as path segments.
public struct BillingRoutes: Sendable {
    /// Every limit is configuration.
    public struct Configuration: Sendable {
        /// Months in the MRR chart when `months` is absent. Default 12.
        public var defaultChartMonths: Int = 12
        /// The most months one chart may span. Default 60.
        public var maximumChartMonths: Int = 60
        public init() {}
    }

    let statements: BillingStatements
    let chart: RevenueChart
    let logger: Logger
    let now: @Sendable () -> Date
    let configuration: Configuration

    public init(
        pool: PostgresPool, logger: Logger, configuration: Configuration = Configuration(),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        statements = BillingStatements(pool: pool, now: now)
        chart = RevenueChart(pool: pool)
        self.logger = logger
        self.now = now
        self.configuration = configuration
    }

    struct IssueBody: Decodable {
        let partner: String
        let month: String
        /// `partner` (default): the provider's statement to the partner; `clients`: the partner's to its clients.
        let audience: String?

        enum CodingKeys: String, CodingKey {
            case partner, month
            case audience = "for"
        }
    }

    struct ChartBody: Encodable {
        struct Point: Encodable {
            let month: String
            let amount: String
            let tenants: Int
        }

        struct Series: Encodable {
            let partner: String
            let name: String
            let points: [Point]
        }

        let currency: String
        let months: [String]
        let partners: [Series]
    }

    public func register(on routes: inout some RouteRegistrar) throws {
        try routes.get("/billing/statements") { request in
            _ = try requireProviderOps(request)
            let partner = try partner(request.queryValue("partner"))
            let month = try month(request.queryValue("month"))
            let computed = try await compute(partner: partner, month: month, audience: request.queryValue("for"))
            return try respond(computed.statements, single: computed.single, request: request, status: .ok)
        }
        try routes.post("/billing/statements") { request in
            let principal = try requireProviderOps(request)
            let body = try request.decodeJSON(IssueBody.self)
            let computed = try await compute(
                partner: try partner(body.partner), month: try month(body.month), audience: body.audience)
            try await statements.issue(computed.statements, actor: principal.actor)
            return try respond(computed.statements, single: computed.single, request: request, status: .created)
        }
        try routes.get("/billing/statements/:month/:seller/:buyer") { request in
            _ = try requireProviderOps(request)
            let number = try [request.parameter("month"), request.parameter("seller"), request.parameter("buyer")]
                .joined(separator: "/")
            return try respond([try await statements.statement(number: number)], single: true, request: request, status: .ok)
        }
        try routes.get("/billing/statements/:month/:seller/:buyer/:note") { request in
            _ = try requireProviderOps(request)
            let number = try [
                request.parameter("month"), request.parameter("seller"), request.parameter("buyer"), request.parameter("note"),
            ].joined(separator: "/")
            return try respond([try await statements.statement(number: number)], single: true, request: request, status: .ok)
        }
        try routes.get("/billing/mrr") { request in
            _ = try requireProviderOps(request)
            let count = try chartMonths(request.queryValue("months"))
            let last = try BillingMonth(containing: UTCDay(now()))
            let computed = try await chart.chart(months: RevenueChart.months(count, endingWith: last))
            return try .json(
                ChartBody(
                    currency: computed.currency, months: computed.months.map(\.description),
                    partners: computed.partners.map { series in
                        ChartBody.Series(
                            partner: series.partner, name: series.name,
                            points: series.points.map {
                                ChartBody.Point(month: $0.month.description, amount: $0.amount.amountText, tenants: $0.tenantCount)
                            })
                    }))
        }
    }

    private func compute(partner: Slug, month: BillingMonth, audience: String?) async throws
        -> (statements: [Statement], single: Bool)
    {
        switch audience ?? "partner" {
        case "partner": return ([try await statements.providerStatement(partner: partner, month: month)], true)
        case "clients": return (try await statements.clientStatements(partner: partner, month: month), false)
        default:
            throw HTTPError(
                .unprocessableContent, code: "invalid_audience", message: "for must be 'partner' or 'clients'.", field: "for")
        }
    }

    /// One statement as itself; several as `{"data": [...]}` (JSON) or one CSV with one header row.
    private func respond(_ list: [Statement], single: Bool, request: HTTPRequest, status: HTTPStatus) throws
        -> HTTPResponse
    {
        if try wantsCSV(request) {
            return HTTPResponse(
                status: status, headers: ["Content-Type": "text/csv; charset=utf-8"],
                body: Array(StatementExport.csv(list).utf8))
        }
        let text =
            single && list.count == 1
            ? list[0].jsonText : "{\"data\": " + StatementExport.jsonArray(list) + "}"
        return HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array(text.utf8))
    }

    private func wantsCSV(_ request: HTTPRequest) throws -> Bool {
        switch request.queryValue("format") {
        case "csv"?: return true
        case "json"?: return false
        case nil: return request.headers["Accept"]?.lowercased().contains("text/csv") ?? false
        default:
            throw HTTPError(
                .unprocessableContent, code: "invalid_format", message: "format must be json or csv.", field: "format")
        }
    }

    /// Provider operations only; see the type's documentation.
    private func requireProviderOps(_ request: HTTPRequest) throws -> Principal {
        let principal = try request.principal()
        guard principal.organization == .provider else {
            logger.warning(
                "access denied",
                metadata: [
                    "actor": principal.actor, "organization": principal.organization.description,
                    "reason": "billing is for provider operations", "path": request.path,
                    "request_id": request.context.requestID,
                ])
            throw HTTPError.notFound()
        }
        guard principal.roles.contains("provider_ops") || principal.has(scope: "admin") else {
            throw HTTPError(
                .forbidden, code: "insufficient_scope",
                message: "Billing needs a provider_ops user or a key with the admin scope.", field: "scope")
        }
        return principal
    }

    private func partner(_ text: String?) throws -> Slug {
        guard let text else {
            throw HTTPError(.unprocessableContent, code: "missing_partner", message: "Name the partner.", field: "partner")
        }
        do {
            return try Slug(text)
        } catch {
            throw HTTPError(.unprocessableContent, code: "invalid_slug", message: error.message, field: "partner")
        }
    }

    private func month(_ text: String?) throws -> BillingMonth {
        guard let text else {
            throw HTTPError(
                .unprocessableContent, code: "invalid_month", message: "Give the month as YYYY-MM.", field: "month")
        }
        return try BillingMonth.parse(text)
    }

    private func chartMonths(_ text: String?) throws -> Int {
        guard let text else { return configuration.defaultChartMonths }
        guard text.count <= 3, let value = Int(text), (1...configuration.maximumChartMonths).contains(value) else {
            throw HTTPError(
                .unprocessableContent, code: "invalid_months",
                message: "months must be an integer from 1 to \(configuration.maximumChartMonths).", field: "months")
        }
        return value
    }
}
