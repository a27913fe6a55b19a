import ControlPlane
import Engine
import Events
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Workflows: a tenant's runtime — passes, its lease, steps that throw")
struct EngineRuntimeTests {
    /// Events dispatched in a pass start their runs in it, and each run goes as far as it can:
    /// twenty clean matches, every step of every run, commit together, audited as one chain.
    @Test func onePassStartsAndCompletesManyRunsWithAnIntactAuditChain() async throws {
        try await withIngestWorld { world in
            try await world.deployShipped("three-way-match")
            for index in 0..<20 {
                for body in cleanMatchEvents(index) { #expect(try await world.post(body).status == 201) }
            }
            var configuration = WorkflowEngine.Configuration()
            configuration.runsWithDispatch = 20
            #expect(try await WorkflowEngine(databases: world.databases, configuration: configuration).process(tenant: world.tenant) == 80)
            #expect(try await world.count("runs", where: "status = 'completed'") == 20)
            #expect(try await world.count("run_steps") == 80)
            // One transaction wrote them all.
            let steps = "\(world.tenant.tenantSchemaName).run_steps"
            #expect(try await world.count("run_steps", where: "xmin::text <> (SELECT min(xmin::text) FROM \(steps))") == 0)
            #expect(try await world.count("audit_log", where: "action = 'run.completed'") == 20)
            #expect(try await world.count("audit_log", where: "action = 'run.step_completed'") == 80)
            let verification = try await world.databases.withConnection(for: world.tenant) {
                try await AuditLog(schema: SQLIdentifier(world.tenant.tenantSchemaName)).verify(on: $0)
            }
            #expect(verification.isIntact)
            #expect(try await world.usage(of: "engine.runs_started") == 20)
            #expect(try await world.usage(of: "engine.steps") == 80)
            #expect(try await world.usage(of: "engine.runs_completed") == 20)
        }
    }

    /// Only events an active deployment is triggered by or correlates on are queued for dispatch
    /// (tenant migration 0014): a tenant's other traffic costs the engine nothing.
    @Test func onlyEventsADeploymentReactsToAreQueuedForTheEngine() async throws {
        try await withIngestWorld { world in
            #expect(try await world.post(stockAdjusted(id: "ADJ-before")).status == 201)
            for body in cleanMatchEvents(1) { #expect(try await world.post(body).status == 201) }
            #expect(try await world.count("engine_inbox") == 0)

            try await world.deployShipped("three-way-match")
            #expect(try await world.post(stockAdjusted(id: "ADJ-after")).status == 201)
            #expect(try await world.count("engine_inbox") == 0)
            // The trigger and each correlated document type are queued, each event once.
            for body in cleanMatchEvents(2) { #expect(try await world.post(body).status == 201) }
            #expect(try await world.count("engine_inbox") == 3)
            let queuedTypes = try await world.count(
                "engine_inbox",
                where: "event_seq IN (SELECT seq FROM \(world.tenant.tenantSchemaName).events WHERE type <> 'stock.adjusted')")
            #expect(queuedTypes == 3)

            // Dispatch starts the run of the second trio only: the first was stored before the deployment.
            _ = try await WorkflowEngine(databases: world.databases).process(tenant: world.tenant)
            #expect(try await world.count("runs") == 1)
            #expect(try await world.count("engine_inbox") == 0)
        }
    }

    /// With runs backed up, passes that only execute run side by side: each run is still taken by
    /// one of them, its steps recorded once, and the audit chain stays whole.
    @Test func backedUpRunsAreExecutedBySideBySidePassesEachOnce() async throws {
        try await withIngestWorld { world in
            try await world.deployShipped("three-way-match")
            for index in 0..<40 {
                for body in cleanMatchEvents(index) { #expect(try await world.post(body).status == 201) }
            }
            var configuration = WorkflowEngine.Configuration()
            configuration.runsPerTransaction = 3
            configuration.runsWithDispatch = 3
            configuration.concurrentPasses = 3
            configuration.passesPerExecutor = 2
            let engine = WorkflowEngine(databases: world.databases, configuration: configuration)
            // One call: the dispatching pass takes 3 runs and finds more, then the executors take the rest.
            #expect(try await engine.process(tenant: world.tenant) == 160)
            #expect(try await world.count("runs", where: "status = 'completed'") == 40)
            let table = "\(world.tenant.tenantSchemaName).run_steps"
            #expect(try await world.count("run_steps") == 160)
            #expect(
                try await world.count(
                    "run_steps",
                    where: "(run_id, step_id) IN (SELECT run_id, step_id FROM \(table) GROUP BY 1, 2 HAVING count(*) > 1)")
                    == 0)
            let verification = try await world.databases.withConnection(for: world.tenant) {
                try await AuditLog(schema: SQLIdentifier(world.tenant.tenantSchemaName)).verify(on: $0)
            }
            #expect(verification.isIntact)
            #expect(try await world.usage(of: "engine.steps") == 160)
        }
    }

    /// One worker at a time runs a tenant's workflows; another takes over only once the holder
    /// stops renewing its lease, and at once when the holder gives it up.
    @Test func anotherWorkerTakesOverWhenTheLeaseExpiresOrIsReleased() async throws {
        try await withIngestWorld { world in
            try await world.deployShipped("three-way-match")
            func worker(_ name: String) -> WorkflowEngine {
                var configuration = WorkflowEngine.Configuration()
                configuration.worker = name
                configuration.lease = .seconds(600)
                return WorkflowEngine(databases: world.databases, configuration: configuration)
            }
            let first = worker("first"), second = worker("second")
            func send(_ index: Int) async throws {
                for body in cleanMatchEvents(index) { #expect(try await world.post(body).status == 201) }
            }
            try await send(1)
            #expect(try await first.process(tenant: world.tenant) == 4)
            try await send(2)
            #expect(try await second.process(tenant: world.tenant) == 0)
            #expect(try await world.count("runs") == 1)

            // The first worker stops renewing (killed, hung): its lease runs out.
            let lease = "\(world.tenant.tenantSchemaName).engine_lease"
            _ = try await world.pool.query(PostgresQuery(unsafeSQL: "UPDATE \(lease) SET expires_at = now() - interval '1 second'"))
            #expect(try await second.process(tenant: world.tenant) == 4)
            #expect(try await first.process(tenant: world.tenant) == 0)
            #expect(try await world.count("engine_lease", where: "holder = 'second'") == 1)

            await second.releaseLeases()
            #expect(try await world.count("engine_lease") == 0)
            try await send(3)
            #expect(try await first.process(tenant: world.tenant) == 4)
            #expect(try await world.count("runs", where: "status = 'completed'") == 3)
        }
    }

    /// A step that throws (a database error opening an approval task here) rolls back only its own
    /// run's transitions: the run beside it in the pass completes, and the failing one is tried again after a backoff,
    /// then parked as an exception with an audit entry, for a person to retry.
    @Test func aStepThatKeepsThrowingIsRetriedWithBackoffThenParked() async throws {
        try await withIngestWorld { world in
            try await world.deployShipped("three-way-match")
            let schema = world.tenant.tenantSchemaName
            // Opening the approval task fails, as a database error would: only the example trio's run gets that far.
            _ = try await world.pool.query(
                PostgresQuery(
                    unsafeSQL: """
                        CREATE FUNCTION \(schema).fail_task() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN
                            RAISE EXCEPTION 'the disk is on fire';
                        END $$
                        """))
            _ = try await world.pool.query(
                PostgresQuery(
                    unsafeSQL: """
                        CREATE TRIGGER fail_task BEFORE INSERT ON \(schema).tasks
                        FOR EACH ROW EXECUTE FUNCTION \(schema).fail_task()
                        """))
            for body in cleanMatchEvents(1) { #expect(try await world.post(body).status == 201) }
            for name in ["purchase_order.created.json", "goods_receipt.posted.json", "invoice.received.json"] {
                #expect(try await world.post(try example(name)).status == 201)
            }
            let clock = MovableClock()
            var configuration = WorkflowEngine.Configuration()
            configuration.maximumAttempts = 3
            let engine = WorkflowEngine(databases: world.databases, configuration: configuration, now: { clock.now })

            _ = try await engine.process(tenant: world.tenant)
            #expect(try await world.count("runs", where: "correlation_key = 'PO-C1' AND status = 'completed'") == 1)
            let failing = "correlation_key = 'PO-1001'"
            #expect(try await world.count("runs", where: "\(failing) AND status = 'runnable' AND attempts = 1") == 1)
            // Not due again before its backoff has passed.
            _ = try await engine.process(tenant: world.tenant)
            #expect(try await world.count("runs", where: "\(failing) AND attempts = 1") == 1)

            clock.advance(seconds: 2)
            _ = try await engine.process(tenant: world.tenant)
            #expect(try await world.count("runs", where: "\(failing) AND status = 'runnable' AND attempts = 2") == 1)
            clock.advance(seconds: 4)
            _ = try await engine.process(tenant: world.tenant)
            #expect(try await world.count("runs", where: "\(failing) AND status = 'exception' AND attempts = 3") == 1)
            #expect(try await world.count("runs", where: "\(failing) AND error LIKE 'step approve: database_error:%'") == 1)
            #expect(try await world.count("audit_log", where: "action = 'run.exception' AND details->>'step' = 'approve'") == 1)
            // The failing run's earlier step in the same pass was rolled back with it: only the other run's is kept.
            #expect(try await world.count("run_steps", where: "step_id = 'documents'") == 1)

            _ = try await world.pool.query(PostgresQuery(unsafeSQL: "DROP TRIGGER fail_task ON \(schema).tasks"))
            let parked = try await world.databases.withConnection(for: world.tenant) {
                try await $0.query("SELECT id FROM runs WHERE correlation_key = 'PO-1001'")
            }
            _ = try await Runs(databases: world.databases).resolve(
                tenant: world.tenant, run: try parked[0].decode("id", as: UUID.self), .retry, actor: "user:test",
                requestID: nil)
            _ = try await engine.process(tenant: world.tenant)
            #expect(try await world.count("runs", where: "\(failing) AND status = 'waiting' AND waiting_for = 'task'") == 1)
            #expect(try await world.count("tasks", where: "status = 'open'") == 1)
        }
    }
}
