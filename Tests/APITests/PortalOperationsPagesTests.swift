import API
import ControlPlane
import Delivery
import Engine
import Events
import Foundation
import HTTP
import Portal
import Postgres
import TestSupport
import Testing

/// The first `href="<prefix>…"` on a page, up to the closing quote.
func firstLink(_ page: Browser.Page, startingWith prefix: String) -> String? {
    guard let range = page.html.range(of: "href=\"\(prefix)") else { return nil }
    let rest = page.html[range.upperBound...]
    return rest.firstIndex(of: "\"").map { prefix + String(rest[..<$0]) }
}

/// Runs with their timelines, outbound endpoints with their deliveries.
@Suite("Portal: runs, endpoints and deliveries")
struct PortalOperationsPagesTests {
    @Test func aUserFiltersRunsAndOpensARunsTimelineWithItsTask() async throws {
        try await withIngestWorld { world in
            try await world.deployShipped("three-way-match")
            try await addUser(
                world, tenant: world.tenant, email: "auditor.\(world.tenant.value)@client.example", name: "Aud Itor",
                roles: ["auditor"], password: "auditor-password-1")
            do {
                for name in ["purchase_order.created.json", "goods_receipt.posted.json", "invoice.received.json"] {
                    #expect(try await world.post(try example(name)).status == 201)
                }
                _ = try await WorkflowEngine(databases: world.databases).process(tenant: world.tenant)
                let auditor = Browser(try portalApplication(world))
                _ = try await auditor.signIn("auditor.\(world.tenant.value)@client.example", "auditor-password-1")

                let home = try await auditor.get("/")
                #expect(home.html.contains("href=\"/runs\""))
                let runs = try await auditor.get("/runs")
                #expect(runs.status == 200)
                let runLink = try #require(firstLink(runs, startingWith: "/runs/"))
                #expect(runs.html.contains("three-way-match"))
                // Filters: the run waits on a task, so it is not among the completed ones.
                let waiting = try await auditor.get("/runs?status=waiting&template=three-way-match")
                #expect(waiting.html.contains(runLink))
                let completed = try await auditor.get("/runs?status=completed")
                #expect(!completed.html.contains(runLink))
                #expect(completed.html.contains("No runs match."))
                let otherTemplate = try await auditor.get("/runs?template=landed-cost")
                #expect(!otherTemplate.html.contains(runLink))

                let run = try await auditor.get(runLink)
                #expect(run.status == 200)
                #expect(run.html.contains("three_way_match"))
                #expect(run.html.contains("Result of"))
                // The task the match opened is linked from the run.
                let taskLink = try #require(firstLink(run, startingWith: "/tasks/"))
                let task = try await auditor.get(taskLink)
                #expect(task.status == 200)
                // …and the task links back to its run.
                #expect(task.html.contains("href=\"\(runLink)\""))
                // The page after the only run is empty, not the same run again.
                let id = String(runLink.dropFirst("/runs/".count))
                let created = try await world.databases.withConnection(for: world.tenant) {
                    try await $0.query("SELECT created_at FROM runs WHERE id = \(UUID(uuidString: id))")[0]
                        .decode("created_at", as: Date.self)
                }
                let micros = Int64((created.timeIntervalSince1970 * 1_000_000).rounded())
                let after = try await auditor.get("/runs?before=\(micros)&id=\(id)")
                #expect(!after.html.contains(runLink))
                #expect(try await auditor.get("/runs/\(UUID().uuidString.lowercased())").status == 404)
                #expect(try await auditor.get("/runs/not-a-run").status == 404)
            } catch {
                try? await removeUsers(world, tenants: [world.tenant])
                throw error
            }
            try await removeUsers(world, tenants: [world.tenant])
        }
    }

    @Test func aTenantUserSeesEndpointsAndEachOnesDeliveryLogWithResponseCodes() async throws {
        try await withIngestWorld { world in
            let receiver = Receiver()
            try await withTestServer(responder: receiver.responder) { port in
                var client = HTTPClient.Configuration()
                client.allowPrivateNetworks = true
                let worker = DeliveryWorker(
                    databases: world.databases, keyRing: world.keyRing, client: HTTPClient(configuration: client),
                    configuration: DeliveryWorker.Configuration(), now: { world.clock.now }, jitter: { 0.5 })
                let created = try await world.send(
                    .post, "/v1/endpoints",
                    headers: ["Host": "localhost", "Authorization": "Bearer \(world.key)", "Content-Type": "application/json"],
                    body: #"{"url": "http://127.0.0.1:\#(port)/hooks", "event_types": ["stock.adjusted"], "description": "ERP <b>feed</b>"}"#)
                #expect(created.status == 201)
                try await addUser(
                    world, tenant: world.tenant, email: "clerk.\(world.tenant.value)@client.example", name: "Cleo Clerk",
                    roles: ["ap_clerk"], password: "clerk-password-12")
                do {
                    receiver.fail(1, with: 503)
                    for index in 1...2 { #expect(try await world.post(stockAdjusted(id: "d-\(index)")).status == 201) }
                    let pass = try await worker.deliverDue(tenant: world.tenant)
                    #expect(pass.failed == 1)

                    let clerk = Browser(try portalApplication(world))
                    _ = try await clerk.signIn("clerk.\(world.tenant.value)@client.example", "clerk-password-12")
                    let list = try await clerk.get("/endpoints")
                    #expect(list.status == 200)
                    #expect(list.html.contains("http://127.0.0.1:\(port)/hooks"))
                    #expect(list.html.contains("ERP &lt;b&gt;feed&lt;/b&gt;"))
                    let link = try #require(firstLink(list, startingWith: "/endpoints/"))
                    let log = try await clerk.get(link)
                    #expect(log.status == 200)
                    #expect(log.html.contains("stock.adjusted"))
                    // The failed first message: one try, answered 503, with a next try; the second waits its turn.
                    #expect(log.html.contains("<td class=\"num\">503</td>"))
                    #expect(log.html.contains("pending"))
                    #expect(try await clerk.get("/endpoints/\(UUID().uuidString)").status == 404)
                } catch {
                    try? await removeUsers(world, tenants: [world.tenant])
                    throw error
                }
                try await removeUsers(world, tenants: [world.tenant])
            }
        }
    }
}
