#if canImport(Glibc)
    import Glibc
#endif
import ControlPlane
import Cryptography
import Delivery
import Foundation
import HTTP
import Postgres
import SchemaMigration
import Synchronization
import TestSupport
import Testing
import Webhooks

private func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    try #require(bound == 0)
    var actual = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &actual) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: actual.sin_port))
}

/// One `countersign serve` process.
private final class ServeProcess: Sendable {
    let process: ChildProcess
    let port: Int

    init(executable: String, databaseURL: String, masterKeyFile: String, port: Int) throws {
        self.port = port
        process = try ChildProcess(
            executable: executable,
            arguments: [
                "serve", "--database-url", databaseURL, "--master-key-file", masterKeyFile, "--host", "127.0.0.1",
                "--port", String(port), "--root", repositoryRoot, "--allow-private-webhook-targets", "true",
                "--log-level", "warning", "--delivery-lease", "3",
            ])
    }

    func waitUntilReady(client: HTTPClient) async throws {
        for _ in 0..<300 {
            if let response = try? await client.send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/readyz")),
                response.status.code == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("countersign serve did not become ready")
        throw CancellationError()
    }

    func kill(_ signal: Int32) { process.kill(signal) }
}

/// Event ids the server answered 2xx for.
private final class Acknowledged: Sendable {
    private let storage = Mutex<[String]>([])
    var ids: [String] { storage.withLock { $0 } }
    func add(_ id: String) { storage.withLock { $0.append(id) } }
}

/// Records the webhooks the embedded worker delivers.
private final class Inbox: Sendable {
    private let received = Mutex<[(webhookID: String, eventID: String)]>([])
    var all: [(webhookID: String, eventID: String)] { received.withLock { $0 } }

    var responder: ClosureResponder {
        ClosureResponder { request in
            let event = (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])?["id"] as? String
            self.received.withLock { $0.append((request.headers["webhook-id"] ?? "", event ?? "")) }
            return HTTPResponse(status: .noContent)
        }
    }
}

@Suite("Crash safety of ingest and delivery", .serialized)
struct IngestCrashTests {
    /// SIGKILL during a burst of signed webhooks: every acknowledged event is
    /// stored exactly once, and after a restart every queued message reaches
    /// the endpoint at least once, always with the same webhook-id.
    @Test func killingServeDuringABurstLosesNothingAcknowledgedAndDeliversEverything() async throws {
        let executable = try countersignExecutablePath()
        try await withTestDatabase { database in
            let databaseURL = try connectionURL(database)
            let masterKeyFile = try makeMasterKeyFile()
            let keyRing = try MasterKey.keyRing(
                contents: try Array(Data(contentsOf: URL(fileURLWithPath: masterKeyFile))), source: masterKeyFile)
            let slug = try Slug("crash_\(UUID().uuidString.prefix(6).lowercased())")
            let pool = PostgresPool(database)
            let inbox = Inbox()
            do {
                let migrator = try Migrator(
                    pool: pool, migrationsDirectory: URL(fileURLWithPath: repositoryRoot).appendingPathComponent("Migrations"))
                try await migrator.migrate()
                let service = TenantService(pool: pool, migrator: migrator, keyRing: keyRing)
                let partner = try Slug("crash_partner")
                _ = try await service.createPartner(
                    slug: partner, kind: .msp, displayName: "Crash MSP", supportEmail: "ops@crash.example", actor: "test")
                _ = try await service.createTenant(partner: partner, slug: slug, legalName: "Crash Co", actor: "test")
                let secret = try await WebhookSecretStore(pool: pool, keyRing: keyRing).create(
                    tenant: slug, source: "wms", actor: "test")
                var clientConfiguration = HTTPClient.Configuration()
                clientConfiguration.allowPrivateNetworks = true
                clientConfiguration.timeouts = .init(connect: .seconds(2), read: .seconds(5), total: .seconds(5))
                let client = HTTPClient(configuration: clientConfiguration)

                try await withTestServer(responder: inbox.responder) { receiverPort in
                    let databases = TenantDatabases(service: service)
                    _ = try await EndpointStore(databases: databases, keyRing: keyRing, knownEventTypes: ["stock.adjusted"])
                        .create(
                            tenant: slug, url: "http://127.0.0.1:\(receiverPort)/in", description: "", eventTypes: [],
                            actor: "test")
                    await databases.close()

                    let first = try ServeProcess(
                        executable: executable, databaseURL: databaseURL, masterKeyFile: masterKeyFile, port: try freePort())
                    try await first.waitUntilReady(client: client)

                    // Sixteen senders, each sending until the server is gone.
                    let acknowledged = Acknowledged()
                    let senders = Task {
                        await withTaskGroup(of: Void.self) { group in
                            for sender in 0..<16 {
                                group.addTask {
                                    for index in 0..<10_000 {
                                        let id = "crash-\(sender)-\(index)"
                                        let body = Array(stockAdjustedEvent(id: id).utf8)
                                        guard
                                            let signed = try? StandardWebhooks.headers(
                                                id: "msg_\(id)", timestamp: Date(), body: body, key: secret.key)
                                        else { return }
                                        var headers: HTTPHeaders = ["Content-Type": "application/json"]
                                        for (name, value) in signed.fields { headers.add(name, value) }
                                        let request = HTTPClientRequest(
                                            method: .post, url: "http://127.0.0.1:\(first.port)/hooks/\(slug)/wms",
                                            headers: headers, body: body)
                                        guard let response = try? await client.send(request) else { return }
                                        if (200..<300).contains(response.status.code) {
                                            acknowledged.add(id)
                                        }
                                    }
                                }
                            }
                        }
                    }
                    // Let the burst build up, then kill the server mid-flight.
                    for _ in 0..<200 where acknowledged.ids.count < 300 {
                        try await Task.sleep(for: .milliseconds(25))
                    }
                    first.kill(SIGKILL)
                    await senders.value
                    let acked = acknowledged.ids
                    #expect(acked.count >= 50, "the burst was too small to mean anything: \(acked.count)")

                    let second = try ServeProcess(
                        executable: executable, databaseURL: databaseURL, masterKeyFile: masterKeyFile, port: try freePort())
                    defer { second.kill(SIGTERM) }
                    try await second.waitUntilReady(client: client)

                    let schema = try SQLIdentifier(slug.tenantSchemaName)
                    let stored = try await pool.query(
                        "SELECT event_id FROM \(identifier: schema, try SQLIdentifier("events"))")
                    let storedIDs = try stored.map { try $0.decode("event_id", as: String.self) }
                    #expect(Set(storedIDs).count == storedIDs.count)
                    let missing = Set(acked).subtracting(storedIDs)
                    #expect(missing.isEmpty, "acknowledged but not stored: \(missing.prefix(5))")

                    // Every queued message is delivered by the restarted worker.
                    var pending = -1
                    for _ in 0..<600 {
                        let rows = try await pool.query(
                            "SELECT count(*)::int AS n FROM \(identifier: schema, try SQLIdentifier("outbox")) WHERE state <> 'delivered'")
                        pending = try rows[0].decode("n", as: Int.self)
                        if pending == 0 { break }
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    #expect(pending == 0)
                    let received = inbox.all
                    let byEvent = Dictionary(grouping: received, by: \.eventID)
                    #expect(Set(byEvent.keys).isSuperset(of: storedIDs))
                    for (event, copies) in byEvent {
                        #expect(Set(copies.map(\.webhookID)).count == 1, "\(event) arrived with several webhook-ids")
                    }
                    let outbox = try await pool.query(
                        "SELECT count(*)::int AS n FROM \(identifier: schema, try SQLIdentifier("outbox"))")
                    #expect(try outbox[0].decode("n", as: Int.self) == storedIDs.count)
                }
            } catch {
                await pool.close()
                try? await dropTenantRoles(database, [slug.tenantSchemaName])
                throw error
            }
            await pool.close()
            try await dropTenantRoles(database, [slug.tenantSchemaName])
        }
    }
}

private func stockAdjustedEvent(id: String) -> String {
    #"{"type":"stock.adjusted","id":"\#(id)","occurred_at":"2026-11-20T10:00:00Z","source":"wms","data":{"adjustment_number":"ADJ-\#(id)","warehouse":"DAL-1","reason":"damage","adjusted_by":"dock.lee@client.example","lines":[{"sku":"BOLT-M8-40","quantity":"-3","uom":"EA"}]}}"#
}
