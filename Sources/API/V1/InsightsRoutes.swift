import ControlPlane
import Engine
import Events
import Foundation
import HTTP

/// `GET /v1/insights`: a tenant's operational figures over a period — the
/// numbers the portal's dashboard draws (``Engine/Insights``).
struct InsightsRoutes: Sendable {
    let insights: Insights

    func register(on routes: inout some RouteRegistrar) throws {
        try routes.get("/insights") { request in
            let (_, tenant) = try request.tenant(requiring: .runsRead)
            let now = Date()
            let to = try Self.date(request, "to") ?? now
            let from = try Self.date(request, "from") ?? to.addingTimeInterval(-30 * 86_400)
            let report = try await insights.report(tenant: tenant, from: from, to: to, now: now)
            return .jsonText(Self.body(report).serialized())
        }
    }

    private static func date(_ request: HTTPRequest, _ name: String) throws -> Date? {
        guard let text = request.queryValue(name) else { return nil }
        guard let date = APITime.parse(text) else {
            throw HTTPError(
                .unprocessableContent, code: "invalid_date", message: "\(name) is an RFC 3339 time such as 2026-11-01T00:00:00Z",
                field: name)
        }
        return date
    }

    static func body(_ report: Insights.Report) -> JSONValue {
        func money(_ amounts: [String: Int64]) -> JSONValue {
            .array(amounts.keys.sorted().map { code in
                WorkflowRoutes.amount(amounts[code], code)
            })
        }
        func number(_ value: Double?) -> JSONValue { value.map { .number(String(format: "%.3f", $0)) } ?? .null }
        return .object([
            "from": .string(APITime.string(report.from)), "to": .string(APITime.string(report.to)),
            "open_exceptions": .number(String(report.openExceptions)),
            "exception_aging": .array(zip(Insights.ageBuckets, report.aging).map {
                .object(["age": .string($0), "count": .number(String($1))])
            }),
            "open_value": money(report.openValue),
            "sla_breaches_open": .number(String(report.slaBreachesOpen)),
            "sla_breach_rate": number(report.slaBreachRate),
            "approval_cycle_seconds": .object([
                "p50": number(report.approvalCycleP50), "p90": number(report.approvalCycleP90),
                "decisions": .number(String(report.decisions)),
            ]),
            "throughput": .array(report.throughput.map {
                .object(["day": .string(APITime.string($0.day)), "completed_runs": .number(String($0.completed))])
            }),
            "reconciliation_backlog": .object([
                "count": .number(String(report.reconciliationBacklog)), "value": money(report.reconciliationBacklogValue),
            ]),
            "inventory_adjustments": .number(String(report.inventoryAdjustments)),
            "exceptions_by_supplier": .array(report.exceptionsBySupplier.map {
                .object(["supplier": .string($0.supplier), "exceptions": .number(String($0.exceptions))])
            }),
            "webhook_delivery_success_rate": number(report.webhookDeliverySuccessRate),
        ])
    }
}
