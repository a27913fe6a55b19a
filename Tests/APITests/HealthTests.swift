import API
import Foundation
import HTTP
import Postgres
import SchemaMigration
import TestSupport
import Telemetry
import Testing

private let migrationsRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Migrations")

private func get(_ path: String, from application: Application) async throws -> (HTTPResponse, [String: Any]) {
    let response = try await application.responder.respond(
        to: HTTPRequest(method: .get, target: path, path: path, headers: ["Host": "localhost"]))
    let body = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
    return (response, body)
}

@Suite("Health endpoints")
struct HealthTests {
    @Test func readinessFollowsTheDatabaseAndMigrations() async throws {
        try await withTestPool { pool in
            let migrator = try Migrator(pool: pool, migrationsDirectory: migrationsRoot)
            let application = try Application(
                .init(logger: .disabled, health: .live(pool: pool, migrator: migrator), staticRoot: nil))

            let (health, healthBody) = try await get("/healthz", from: application)
            #expect(health.status == .ok)
            #expect(healthBody["status"] as? String == "ok")

            let (notReady, notReadyBody) = try await get("/readyz", from: application)
            #expect(notReady.status.code == 503)
            #expect(notReadyBody["status"] as? String == "not_ready")
            #expect((notReadyBody["checks"] as? [String: String])?["database"] == "ok")

            try await migrator.migrate()
            let (ready, readyBody) = try await get("/readyz", from: application)
            #expect(ready.status == .ok)
            #expect((readyBody["checks"] as? [String: String]) == ["database": "ok", "migrations": "current"])
            #expect(ready.headers["X-Content-Type-Options"] == "nosniff")
            #expect(ready.headers["X-Request-Id"]?.isEmpty == false)
        }
    }

    @Test func anUnreachableDatabaseMakesReadinessFailButNotLiveness() async throws {
        let pool = PostgresPool(
            PostgresConfiguration(connectionString: "postgresql://nobody@127.0.0.1:1/x?connect_timeout=2"))
        let migrator = Migrator(pool: pool, controlMigrations: [], tenantMigrations: [])
        let application = try Application(.init(logger: .disabled, health: .live(pool: pool, migrator: migrator), staticRoot: nil))
        let (health, _) = try await get("/healthz", from: application)
        #expect(health.status == .ok)
        let (ready, body) = try await get("/readyz", from: application)
        #expect(ready.status.code == 503)
        #expect((body["checks"] as? [String: String])?["database"] == "database_unavailable")
        await pool.close()
    }

    @Test func unknownRoutesGetTheJSONErrorShape() async throws {
        let application = try Application(
            .init(logger: .disabled, health: .init(database: { nil }, migrations: { nil }), staticRoot: nil))
        let (response, body) = try await get("/nope", from: application)
        #expect(response.status.code == 404)
        let error = body["error"] as? [String: Any]
        #expect(error?["code"] as? String == "not_found")
        #expect(error?["request_id"] as? String == response.headers["X-Request-Id"])
    }
}
