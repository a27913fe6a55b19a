import API
import ControlPlane
import Engine
import Events
import Foundation
import HTTP
import Delivery
import Metrics
import TestSupport
import Testing

@Suite("GET /metrics")
struct MetricsEndpointTests {
    @Test func ingestEngineAndDeliveryWorkIsCountedThroughTheirObservers() async throws {
        let registry = MetricsRegistry()
        let work = try WorkMetrics(registry: registry)
        work.ingestObserver([201, 201, 200, 409], .milliseconds(4))
        work.stepObserver("approval", .milliseconds(12))
        work.stepObserver("three_way_match", .milliseconds(3))
        var pass = DeliveryWorker.PassResult()
        pass.delivered = 2
        pass.deadLettered = 1
        work.record(pass)
        let text = await registry.render()
        #expect(text.contains(#"countersign_ingest_submissions_total{status="201"} 2"#))
        #expect(text.contains(#"countersign_ingest_submissions_total{status="409"} 1"#))
        #expect(text.contains("countersign_ingest_commit_submissions_count 1"))
        #expect(text.contains(#"countersign_engine_step_duration_seconds_count{kind="approval"} 1"#))
        #expect(text.contains(#"countersign_deliveries_total{outcome="delivered"} 2"#))
        #expect(text.contains(#"countersign_deliveries_total{outcome="dead_lettered"} 1"#))
        #expect(!text.contains(#"outcome="failed""#))
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") {
            let checked = try ChildProcess.run(executable: "/usr/bin/promtool", arguments: ["check", "metrics"], input: Array(text.utf8))
            #expect(checked.status == 0, "\(String(decoding: checked.output + checked.errorOutput, as: UTF8.self))")
        }
    }

    @Test func aScrapeAfterAMixedWorkloadCountsRequestsByRouteAndShowsTenantGauges() async throws {
        try await withIngestWorld { world in
            try await world.deployShipped("three-way-match")
            for name in ["purchase_order.created.json", "goods_receipt.posted.json", "invoice.received.json"] {
                #expect(try await world.post(try example(name)).status == 201)
            }
            _ = try await WorkflowEngine(databases: world.databases).process(tenant: world.tenant)

            let endpoint = try MetricsEndpoint(registry: MetricsRegistry(), control: world.pool, databases: world.databases)
            let application = try Application(
                .init(logger: .disabled, health: .init(database: { nil }, migrations: { nil }), staticRoot: nil, metrics: endpoint))
            func get(_ path: String) async throws -> HTTPResponse {
                var request = HTTPRequest(method: .get, target: path, path: path, query: [], headers: ["Host": "localhost"], body: [], remoteAddress: "127.0.0.1")
                request.context.requestID = "req_metrics"
                return try await application.responder.respond(to: request)
            }
            #expect(try await get("/healthz").status.code == 200)
            #expect(try await get("/no/such/page").status.code == 404)
            let scrape = try await get("/metrics")
            #expect(scrape.status.code == 200)
            #expect(scrape.headers["content-type"] == MetricsRegistry.contentType)
            let text = String(decoding: scrape.body, as: UTF8.self)
            #expect(text.contains(#"countersign_http_requests_total{method="GET",route="/healthz",status="200"} 1"#))
            #expect(text.contains(#"countersign_http_requests_total{method="GET",route="unmatched",status="404"} 1"#))
            #expect(text.contains("countersign_http_request_duration_seconds_bucket"))
            #expect(text.contains(#"countersign_open_exceptions{tenant="\#(world.tenant)"} 1"#))
            #expect(text.contains(#"countersign_open_exception_value{tenant="\#(world.tenant)",currency="USD"}"#))
            #expect(text.contains(#"countersign_db_pool_connections{pool="control",state="open"}"#))
            #expect(text.contains(#"countersign_access_denied_total{reason="missing_scope"}"#))

            // Valid exposition format, when Debian's promtool is installed (ops/test installs it).
            if FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") {
                let checked = try ChildProcess.run(executable: "/usr/bin/promtool", arguments: ["check", "metrics"], input: Array(text.utf8))
                #expect(checked.status == 0, "\(String(decoding: checked.output + checked.errorOutput, as: UTF8.self))")
            }
        }
    }
}
