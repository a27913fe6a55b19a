import API
import Assistance
import ControlPlane
import Cryptography
import Delivery
import Engine
import HTTP
import Postgres
import Telemetry

/// The tenant runtimes' background work: outbound deliveries and workflow
/// runs, each a loop over active tenants woken by notifications. `serve`
/// runs it embedded; `worker` runs only this. Any number of processes may
/// run it at once: endpoints are leased and runs claimed with
/// `FOR UPDATE SKIP LOCKED`, so they share the work without doing it twice.
struct BackgroundWork {
    let delivery: TenantLoop
    let engine: TenantLoop
    let runs: WorkflowEngine

    init(
        configuration: AppConfiguration, control: PostgresPool, databases: TenantDatabases, keyRing: KeyRing, logger: Logger,
        metrics: WorkMetrics? = nil
    ) {
        var client = HTTPClient.Configuration()
        client.allowPrivateNetworks = configuration.allowPrivateWebhookTargets
        client.userAgent = "Countersign-Webhooks/1"
        var settings = DeliveryWorker.Configuration()
        settings.lease = .seconds(configuration.deliveryLeaseSeconds)
        settings.usage = configuration.usageMeter
        let worker = DeliveryWorker(
            databases: databases, keyRing: keyRing, client: HTTPClient(configuration: client), configuration: settings,
            logger: logger.labelled("delivery"))
        delivery = TenantLoop(channel: DeliveryWorker.channel, control: control, logger: logger.labelled("delivery")) {
            let pass = try await worker.deliverDue(tenant: $0)
            metrics?.record(pass)
            return false
        }
        // The assist step may ask a tenant's external model (signed like a webhook, same SSRF guard).
        var modelClient = client
        modelClient.userAgent = "Countersign-Assistant/1"
        ExternalModelAccess.shared.enable(keyRing: keyRing, client: HTTPClient(configuration: modelClient))
        var engineSettings = WorkflowEngine.Configuration()
        engineSettings.usage = configuration.usageMeter
        engineSettings.lease = .seconds(configuration.engineLeaseSeconds)
        let runs = WorkflowEngine(
            databases: databases, configuration: engineSettings, logger: logger.labelled("engine"),
            observeStep: metrics?.stepObserver)
        self.runs = runs
        let stepsPerPass = engineSettings.stepsPerPass
        // One pass per tenant at a time: a second would only queue on the tenant's runtime lease.
        engine = TenantLoop(
            channel: WorkflowEngine.channel, control: control, passesPerTenant: 1, logger: logger.labelled("engine")
        ) {
            // A pass stops after `stepsPerPass` transitions; reaching it means runs are left.
            try await runs.process(tenant: $0) >= stepsPerPass
        }
    }

    /// Runs both loops until the task is cancelled.
    func run() async {
        async let delivering: Void = delivery.run()
        async let running: Void = engine.run()
        _ = await (delivering, running)
        // Stopped on purpose: hand the tenants' runtimes over now rather than
        // when their leases expire. A task of its own, as this one is cancelled.
        await Task { await runs.releaseLeases() }.value
    }
}
