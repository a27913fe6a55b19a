import Engine
import Events
import Foundation
import Postgres
import TestSupport
import Testing

private func eventTypes() throws -> Set<String> {
    Set(try EventCatalog.load(from: repositoryRoot.appendingPathComponent("Templates/events")).types.map(\.type))
}

/// A template reacting to `invoice.received` with `steps` (JSON text).
private func template(steps: String, parameters: String = #"{"limit": {"type": "decimal", "default": "5000.00"}}"#) -> Data {
    Data(
        #"""
        {"slug": "expression-check", "version": "1.0.0", "title": "Expressions", "trigger": "invoice.received",
         "correlation": {"key": "data.po_number", "documents": {}}, "parameters": \#(parameters), "steps": \#(steps)}
        """#.utf8)
}

@Suite("Template expressions: checked when published, numbers and money compared when run")
struct TemplateExpressionTests {
    @Test func everyShippedTemplatePassesThePublishTimeCheck() throws {
        let catalog = try TemplateCatalog.load(from: repositoryRoot.appendingPathComponent("Templates"), knownEventTypes: eventTypes())
        #expect(catalog.slugs.count == 8)
    }

    @Test func expressionsThatCannotRunAreRefusedWithTheStepAndPath() throws {
        let steps = #"""
            [
              {"id": "route", "kind": "decision", "cases": [
                {"when": "money(\"1\", \"USD\") > money(\"1\", \"EUR\")", "next": "note"},
                {"when": "params.limit + 1", "next": "note"},
                {"when": "trigger.data.total > params.limit", "next": "note"}
              ], "otherwise": "approve"},
              {"id": "note", "kind": "set", "values": {"a": "params.limit + \"x\"", "b": "sqrtt(2)", "c": "params.limit * 2"}, "next": "approve"},
              {"id": "approve", "kind": "approval", "amount": "params.limit", "routing": [{"role": "ap_clerk"}],
               "on_approve": "done", "on_reject": "done"},
              {"id": "done", "kind": "emit", "event": "invoice.checked", "data": {"total": "money(trigger.data.total, \"usd\")"}}
            ]
            """#
        var problems: [TemplateError.Problem] = []
        let types = try eventTypes()
        do {
            _ = try WorkflowTemplate.parse(template(steps: steps), knownEventTypes: types)
            Issue.record("the template should have been refused")
        } catch {
            problems = error.problems
        }
        let found = problems.map { "\($0.step ?? "-") \($0.path)" }
        #expect(
            found == [
                "route $.steps[0].cases[0].when", "route $.steps[0].cases[1].when", "note $.steps[1].values.a",
                "note $.steps[1].values.b", "approve $.steps[2].amount", "done $.steps[3].data.total",
            ])
        #expect(problems.first?.message == "line 1, column 21: cannot combine USD and EUR amounts (expression_type)")
        #expect(problems.dropFirst().first?.message.contains("must give true or false, but it gives a number") == true)
        #expect(problems.last?.message.contains("'usd' is not an ISO 4217 currency code") == true)
    }

    @Test func aRunComparesEventDecimalsParametersAndMoney() async throws {
        let steps = #"""
            [
              {"id": "figures", "kind": "set", "values": {
                "total": "money(trigger.data.total, trigger.data.currency)",
                "over_limit": "trigger.data.total > params.limit",
                "freight_share": "pct(trigger.data.freight, trigger.data.total)"
              }, "next": "route"},
              {"id": "route", "kind": "decision", "cases": [
                {"when": "vars.over_limit", "next": "large"},
                {"when": "vars.total >= money(\"249.00\", \"USD\") and vars.freight_share > 14 and trigger.data.lines[1].unit_price == 4.5", "next": "small"}
              ], "otherwise": "large"},
              {"id": "small", "kind": "emit", "event": "invoice.checked", "data": {"total": "vars.total", "size": "\"small\"", "half": "vars.total / 2"}},
              {"id": "large", "kind": "emit", "event": "invoice.checked", "data": {"total": "vars.total", "size": "\"large\""}}
            ]
            """#
        let parsed = try WorkflowTemplate.parse(template(steps: steps), knownEventTypes: eventTypes())
        try await withIngestWorld { world in
            _ = try await Deployments(databases: world.databases, catalog: TemplateCatalog(templates: [parsed])).deploy(
                tenant: world.tenant, slug: "expression-check", version: nil, parameters: ["limit": .string("249.00")],
                actor: "test")
            #expect(try await world.post(try example("invoice.received.json")).status == 201)
            _ = try await WorkflowEngine(databases: world.databases).process(tenant: world.tenant)

            let schema = try SQLIdentifier(world.tenant.tenantSchemaName)
            let rows = try await world.pool.query(
                "SELECT id, status, context::text AS context FROM \(identifier: schema, try SQLIdentifier("runs"))")
            let row = try #require(rows.first)
            #expect(try row.decode("status", as: String.self) == "completed")
            let context = try JSONParser().parse(try row.decode("context", as: String.self))
            // 249.00 is not above a limit of 249.00; freight 35.00 is 14.06 % of it.
            #expect(context["vars"]?["over_limit"] == .bool(false))
            #expect(context["steps"]?["route"]?["taken"]?.stringValue == "small")
            let id = try row.decode("id", as: UUID.self).uuidString.lowercased()
            let event = try await world.get("/v1/events/evt_\(id.prefix(13))_small")
            let data = (event.json["event"] as? [String: Any])?["data"] as? [String: Any]
            #expect((data?["total"] as? [String: Any])?["amount"] as? String == "249.00")
            #expect((data?["half"] as? [String: Any])?["amount"] as? String == "124.50")
            #expect((data?["half"] as? [String: Any])?["currency"] as? String == "USD")
        }
    }
}
