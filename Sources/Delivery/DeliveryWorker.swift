import ControlPlane
import Cryptography
import Foundation
import HTTP
import Platform
import Postgres
import Telemetry
import Webhooks

/// Delivers a tenant's outbox to its endpoints: signed per Standard Webhooks,
/// in order per endpoint, retried on a schedule, paused by a circuit breaker.
///
/// An endpoint is delivered to by one worker at a time, which holds a lease
/// on it (`lease_owner`, `lease_until`); a worker that dies loses the lease
/// when it expires and another takes over. Messages go out oldest first and
/// a message that fails holds back the ones behind it until it is delivered
/// or dead-lettered, so a receiver sees them in order. Each attempt's outcome
/// (attempt row, message state, breaker, dead letter, audit entry) is written
/// in one transaction after the HTTP exchange: a crash in between means the
/// message is sent again with the same `webhook-id`, never lost.
///
/// Time comes from `now`, so tests move through the retry schedule instantly.
public struct DeliveryWorker: Sendable {
    /// Notified (payload: the tenant's schema) when messages are queued.
    public static let channel = "countersign_outbox"

    public struct Configuration: Sendable {
        public var retry: RetrySchedule = .standard
        public var breaker = CircuitBreaker.Configuration()
        /// How long a claim on an endpoint lasts without renewal: how soon
        /// another worker takes over from one that died. Renewed while
        /// delivering, so it only has to outlast one HTTP exchange.
        public var lease: Duration = .seconds(30)
        /// Endpoints claimed per pass per tenant.
        public var endpointsPerPass = 16
        /// Messages sent to one endpoint before its lease is given back.
        public var messagesPerEndpoint = 100
        /// Bytes of each response body kept with the attempt.
        public var responseExcerptBytes = 1_024
        /// Counts delivered messages; off only for benchmarks (see ``UsageMeter``).
        public var usage = UsageMeter.enabled
        /// A rotated secret keeps signing alongside the new one until it lapses.
        public init() {}
    }

    /// What one pass did, for logs and tests.
    public struct PassResult: Sendable, Equatable {
        public var delivered = 0
        public var failed = 0
        public var deadLettered = 0
        public var endpointsDisabled = 0

        public init() {}

        public var attempts: Int { delivered + failed }
    }

    let databases: TenantDatabases
    let keyRing: KeyRing
    let client: HTTPClient
    let configuration: Configuration
    let workerID: String
    let now: @Sendable () -> Date
    let jitter: @Sendable () -> Double
    let logger: Logger

    public init(
        databases: TenantDatabases, keyRing: KeyRing, client: HTTPClient, configuration: Configuration = Configuration(),
        workerID: String = "worker-\(UUID().uuidString.prefix(8).lowercased())",
        now: @escaping @Sendable () -> Date = Date.init,
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }, logger: Logger = .disabled
    ) {
        self.databases = databases
        self.keyRing = keyRing
        self.client = client
        self.configuration = configuration
        self.workerID = workerID
        self.now = now
        self.jitter = jitter
        self.logger = logger
    }

    private struct ClaimedEndpoint: Sendable {
        let id: UUID
        let url: String
        let secretSealed: [UInt8]
        let previousSecretSealed: [UInt8]?
        let previousValidUntil: Date?
        var breaker: CircuitBreaker
        let failingSince: Date?
    }

    private struct Message: Sendable {
        let seq: Int64
        let messageID: String
        let payload: String
        let attempts: Int
        let nextAttemptAt: Date
        /// The W3C trace context of the event, passed on so the receiver's trace continues ours.
        let traceparent: String?
    }

    /// Delivers whatever is due for `tenant` now, endpoint by endpoint.
    public func deliverDue(tenant: Slug) async throws -> PassResult {
        let claimed = try await claim(tenant: tenant)
        var total = PassResult()
        try await withThrowingTaskGroup(of: PassResult.self) { group in
            for endpoint in claimed {
                group.addTask { try await deliver(to: endpoint, tenant: tenant) }
            }
            for try await result in group {
                total.delivered += result.delivered
                total.failed += result.failed
                total.deadLettered += result.deadLettered
                total.endpointsDisabled += result.endpointsDisabled
            }
        }
        return total
    }

    /// Leases the enabled endpoints whose oldest pending message is due and
    /// whose breaker lets an attempt through.
    private func claim(tenant: Slug) async throws -> [ClaimedEndpoint] {
        let time = now()
        let leaseEnd = time.addingTimeInterval(configuration.lease.timeInterval)
        let rows = try await databases.withTransaction(for: tenant) { tx in
            try await tx.query(
                """
                UPDATE endpoints SET lease_owner = \(workerID), lease_until = \(leaseEnd)
                WHERE id IN (
                    SELECT e.id FROM endpoints e
                    WHERE e.enabled
                      AND (e.lease_until IS NULL OR e.lease_until < \(time) OR e.lease_owner = \(workerID))
                      AND (e.breaker_state = 'closed' OR e.open_until IS NULL OR e.open_until <= \(time)
                           OR e.breaker_state = 'half_open')
                      AND EXISTS (
                          SELECT 1 FROM outbox o
                          WHERE o.endpoint_id = e.id AND o.state = 'pending'
                            AND (o.attempts = 0 OR o.next_attempt_at <= \(time)))
                    ORDER BY e.id
                    LIMIT \(configuration.endpointsPerPass)
                    FOR UPDATE SKIP LOCKED)
                RETURNING id, url, secret_sealed, previous_secret_sealed, previous_valid_until, breaker_state,
                          consecutive_failures, open_until, trial_started_at, failing_since, reopen_count
                """)
        }
        return try rows.map { row in
            let stateName =
                CircuitBreaker.StateName(rawValue: try row.decode("breaker_state", as: String.self)) ?? .closed
            return ClaimedEndpoint(
                id: try row.decode("id", as: UUID.self), url: try row.decode("url", as: String.self),
                secretSealed: try row.decode("secret_sealed", as: ByteA.self).bytes,
                previousSecretSealed: try row.decode("previous_secret_sealed", as: ByteA?.self)?.bytes,
                previousValidUntil: try row.decode("previous_valid_until", as: Date?.self),
                breaker: try CircuitBreaker(
                    stateName: stateName, consecutiveFailures: try row.decode("consecutive_failures", as: Int.self),
                    openedUntil: try row.decode("open_until", as: Date?.self),
                    trialStartedAt: try row.decode("trial_started_at", as: Date?.self),
                    failingSince: try row.decode("failing_since", as: Date?.self),
                    reopenCount: try row.decode("reopen_count", as: Int.self), configuration: configuration.breaker),
                failingSince: try row.decode("failing_since", as: Date?.self))
        }
    }

    /// Sends due messages to one endpoint, oldest first, until one fails, none
    /// is due, or the pass's share is used; then gives the lease back.
    private func deliver(to claimed: ClaimedEndpoint, tenant: Slug) async throws -> PassResult {
        var endpoint = claimed
        var result = PassResult()
        let signingKeys = try keys(for: endpoint, tenant: tenant)
        // On an error the lease is left to expire: whoever takes over resends, with the same webhook-id.
        var leasedUntil = now().addingTimeInterval(configuration.lease.timeInterval)
        for _ in 0..<configuration.messagesPerEndpoint {
            let time = now()
            if leasedUntil.timeIntervalSince(time) < configuration.lease.timeInterval / 2 {
                guard try await renewLease(endpoint.id, tenant: tenant, until: time.addingTimeInterval(configuration.lease.timeInterval))
                else { return result }
                leasedUntil = time.addingTimeInterval(configuration.lease.timeInterval)
            }
            // A message not yet tried is due at once, whatever the database's clock said when it was queued.
            guard let message = try await head(of: endpoint.id, tenant: tenant),
                message.attempts == 0 || message.nextAttemptAt <= time
            else {
                break
            }
            guard endpoint.breaker.beginAttempt(now: time) else { break }
            let outcome = await send(message, to: endpoint.url, keys: signingKeys, at: time)
            // Lines about this message name the span its receiver sees as parent in the traceparent header.
            let attempted = endpoint
            let (recorded, changed) = try await TraceContext.$current.withValue(
                message.traceparent.flatMap(TraceContext.init(naming:))
            ) {
                var updated = attempted
                let recorded = try await record(outcome, of: message, endpoint: &updated, tenant: tenant, at: time)
                return (recorded, updated)
            }
            endpoint = changed
            switch recorded {
            case .delivered: result.delivered += 1
            case .retrying: result.failed += 1
            case .deadLettered: result.failed += 1; result.deadLettered += 1
            case .disabled: result.failed += 1; result.endpointsDisabled += 1
            }
            if recorded != .delivered { break }
        }
        try await release(endpoint.id, tenant: tenant)
        return result
    }

    /// False when the lease was lost (it lapsed and another worker took the endpoint).
    private func renewLease(_ endpoint: UUID, tenant: Slug, until: Date) async throws -> Bool {
        try await databases.withConnection(for: tenant) { connection in
            try await connection.execute(
                """
                UPDATE endpoints SET lease_until = \(until)
                WHERE id = \(endpoint) AND lease_owner = \(workerID)
                """)
        } == 1
    }

    private func release(_ endpoint: UUID, tenant: Slug) async throws {
        _ = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                UPDATE endpoints SET lease_owner = NULL, lease_until = NULL
                WHERE id = \(endpoint) AND lease_owner = \(workerID)
                """)
        }
    }

    private func head(of endpoint: UUID, tenant: Slug) async throws -> Message? {
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                SELECT o.seq, o.message_id, o.payload, o.attempts, o.next_attempt_at, e.traceparent
                FROM outbox o LEFT JOIN events e ON e.seq = o.event_seq
                WHERE o.endpoint_id = \(endpoint) AND o.state = 'pending'
                ORDER BY o.seq LIMIT 1
                """)
        }
        return try rows.first.map { row in
            Message(
                seq: try row.decode("seq", as: Int64.self), messageID: try row.decode("message_id", as: String.self),
                payload: try row.decode("payload", as: String.self), attempts: try row.decode("attempts", as: Int.self),
                nextAttemptAt: try row.decode("next_attempt_at", as: Date.self),
                traceparent: try row.decode("traceparent", as: String?.self))
        }
    }

    /// The current secret, and the previous one while its overlap lasts.
    private func keys(for endpoint: ClaimedEndpoint, tenant: Slug) throws -> [SymmetricKey] {
        var keys = [try EndpointStore.open(endpoint.secretSealed, keyRing: keyRing, tenant: tenant, endpoint: endpoint.id).key]
        if let previous = endpoint.previousSecretSealed, let until = endpoint.previousValidUntil, now() < until {
            keys.append(try EndpointStore.open(previous, keyRing: keyRing, tenant: tenant, endpoint: endpoint.id).key)
        }
        return keys
    }

    private struct Outcome: Sendable {
        let statusCode: Int?
        let latency: Duration
        let excerpt: String
        let error: String?

        var succeeded: Bool { statusCode.map { (200..<300).contains($0) } ?? false }
    }

    private func send(_ message: Message, to url: String, keys: [SymmetricKey], at time: Date) async -> Outcome {
        let body = Array(message.payload.utf8)
        let started = ContinuousClock.now
        do {
            let signed = try StandardWebhooks.headers(
                id: message.messageID, timestamp: time, body: body, key: keys[0], additionalKeys: Array(keys.dropFirst()))
            var headers: HTTPHeaders = ["Content-Type": "application/json"]
            for (name, value) in signed.fields { headers.add(name, value) }
            if let traceparent = message.traceparent { headers.add("traceparent", traceparent) }
            let response = try await client.send(HTTPClientRequest(method: .post, url: url, headers: headers, body: body))
            let excerpt = String(decoding: response.body.prefix(configuration.responseExcerptBytes), as: UTF8.self)
            return Outcome(statusCode: response.status.code, latency: response.elapsed, excerpt: excerpt, error: nil)
        } catch let error as HTTPClientError {
            return Outcome(
                statusCode: nil, latency: ContinuousClock.now - started, excerpt: "", error: "\(error.code): \(error.message)")
        } catch {
            return Outcome(statusCode: nil, latency: ContinuousClock.now - started, excerpt: "", error: "signing_failed")
        }
    }

    private enum Recorded: Equatable {
        case delivered, retrying, deadLettered, disabled
    }

    /// Writes the attempt and everything it changes in one transaction.
    private func record(
        _ outcome: Outcome, of message: Message, endpoint: inout ClaimedEndpoint, tenant: Slug, at time: Date
    ) async throws -> Recorded {
        let attempt = message.attempts + 1
        let latencyMS = Int(outcome.latency.timeInterval * 1000)
        var recorded: Recorded
        var retryAt: Date?
        if outcome.succeeded {
            endpoint.breaker.recordSuccess()
            recorded = .delivered
        } else {
            endpoint.breaker.recordFailure(now: time)
            if let delay = configuration.retry.delay(afterAttempt: attempt, jitter: jitter()) {
                retryAt = time.addingTimeInterval(delay.timeInterval)
                recorded = .retrying
            } else {
                recorded = .deadLettered
            }
            if endpoint.breaker.shouldDisable(now: time) { recorded = .disabled }
        }
        let failure = outcome.error ?? outcome.statusCode.map { "HTTP \($0)" }
        let breaker = endpoint.breaker
        let state = recorded == .delivered ? "delivered" : recorded == .retrying ? "pending" : "dead"
        let endpointID = endpoint.id
        try await databases.withTransaction(for: tenant) { tx in
            try await tx.query(
                """
                INSERT INTO delivery_attempts (outbox_seq, attempt, started_at, status_code, latency_ms,
                                               response_excerpt, error)
                VALUES (\(message.seq), \(attempt), \(time), \(outcome.statusCode), \(latencyMS), \(outcome.excerpt),
                        \(outcome.error))
                """)
            try await tx.query(
                """
                UPDATE outbox SET attempts = \(attempt), state = \(state),
                    next_attempt_at = coalesce(\(retryAt), next_attempt_at),
                    delivered_at = CASE WHEN \(state) = 'delivered' THEN \(time) ELSE delivered_at END,
                    last_error = \(recorded == .delivered ? nil : failure)
                WHERE seq = \(message.seq)
                """)
            if recorded == .delivered {
                // Metering: the outbound_deliveries meter, on the attempt's own day so a recount from
                // delivery_attempts.started_at finds the same number.
                try await configuration.usage.count("delivery.delivered", 1, day: time, on: tx)
            }
            try await tx.query(
                """
                UPDATE endpoints SET breaker_state = \(breaker.stateName.rawValue),
                    consecutive_failures = \(breaker.consecutiveFailures), open_until = \(breaker.openedUntil),
                    trial_started_at = \(breaker.trialStartedAt), failing_since = \(breaker.failingSince),
                    reopen_count = \(breaker.reopenCount)
                WHERE id = \(endpointID)
                """)
            if recorded == .deadLettered || recorded == .disabled {
                let reason =
                    recorded == .disabled
                    ? "the endpoint was disabled after failing since \(breaker.failingSince.map { "\($0)" } ?? "?")"
                    : "no success after \(attempt) attempts; last: \(failure ?? "unknown")"
                try await tx.query(
                    """
                    INSERT INTO dead_letters (kind, reason_code, reason, outbox_seq, ingress, traceparent, payload)
                    VALUES ('delivery', \(recorded == .disabled ? "endpoint_disabled" : "delivery_exhausted"),
                            \(reason), \(message.seq), 'outbound', \(message.traceparent), \(Data(message.payload.utf8)))
                    """)
            }
            if recorded == .disabled {
                try await tx.query(
                    """
                    UPDATE endpoints SET enabled = false,
                        disabled_reason = 'failing continuously since ' || \(breaker.failingSince.map { "\($0)" } ?? "")
                    WHERE id = \(endpointID)
                    """)
                try await AuditLog(schema: try SQLIdentifier(tenant.tenantSchemaName)).append(
                    AuditEntry(
                        actor: "system:delivery", action: "endpoint.disabled",
                        subject: "endpoint:\(endpointID.uuidString.lowercased())",
                        details: ["reason": "sustained delivery failure", "last_error": failure ?? ""]),
                    on: tx)
            }
        }
        logger.info(
            recorded == .delivered ? "delivered" : "delivery failed",
            metadata: [
                "tenant": tenant.value, "endpoint": endpointID.uuidString.lowercased(),
                "message": message.messageID, "attempt": String(attempt), "outcome": state,
                "status": outcome.statusCode.map(String.init) ?? "",
            ])
        return recorded
    }
}

extension Duration {
    var timeInterval: TimeInterval {
        let parts = components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}
