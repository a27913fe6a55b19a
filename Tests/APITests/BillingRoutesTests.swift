import API
import ControlPlane
import Cryptography
import Foundation
import HTTP
import Postgres
import SchemaMigration
import TestSupport
import Testing

/// Bearer tokens for the provider (with and without the admin scope) and a partner.
private struct BillingTokens: Authenticator {
    let partner: Slug
    func authenticate(bearerToken: String, remoteAddress: String) async throws -> Principal {
        switch bearerToken {
        case "ops": return Principal(organization: .provider, scopes: ["admin"], actor: "test:ops")
        case "ops-reader": return Principal(organization: .provider, scopes: ["tenants:read"], actor: "test:reader")
        case "partner": return Principal(organization: .partner(partner), scopes: ["admin"], actor: "test:partner")
        default: throw HTTPError(.unauthorized, code: "invalid_api_key", message: "The API key is not valid.")
        }
    }
}

@Suite("/v1/billing")
struct BillingRoutesTests {
    @Test func providerOpsPreviewIssueReadAndChartStatementsAndNobodyElseSeesThem() async throws {
        try await withTestPool(configuration: .init(maximumConnections: 4, checkoutTimeout: .seconds(30))) { pool in
            let migrator = try Migrator(pool: pool, migrationsDirectory: repositoryRoot.appendingPathComponent("Migrations"))
            try await migrator.migrate()
            let keyRing = try KeyRing(currentKey: SymmetricKey(data: try SecureRandom.bytes(count: 32)), id: "test")
            let service = TenantService(pool: pool, migrator: migrator, keyRing: keyRing)
            let suffix = String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(6))
            let partner = try Slug("bp_\(suffix)")
            let tenant = try Slug("bt_\(suffix)")
            _ = try await service.createPartner(slug: partner, kind: .msp, displayName: "BP", supportEmail: "a@bp.example", actor: "test")
            _ = try await service.createTenant(partner: partner, slug: tenant, legalName: "BT", actor: "test")
            try await pool.query(
                "UPDATE control.tenant_lifecycle SET at = '2026-03-01T00:00:00Z' WHERE tenant_id = (SELECT id FROM control.tenants WHERE slug = \(tenant.value))")
            try await pool.query("INSERT INTO control.price_books (seller, name, currency) VALUES ('provider', 'List', 'EUR')")
            try await pool.query(
                #"INSERT INTO control.billing_plans (seller, code, document) VALUES ('provider', 'flat', '{"code": "flat", "name": "Flat", "currency": "EUR", "base_fee": "120.00"}')"#)
            try await pool.query(
                "INSERT INTO control.plan_assignments (seller, tenant_id, plan_code, effective_from) SELECT 'provider', id, 'flat', '2026-01-01' FROM control.tenants WHERE slug = \(tenant.value)")
            let application = try Application(
                .init(
                    logger: .disabled, health: .init(database: { nil }, migrations: { nil }), staticRoot: nil,
                    controlPlane: .init(service: service, authenticator: BillingTokens(partner: partner))))
            func send(_ method: HTTPMethod, _ target: String, token: String, body: String = "") async throws -> (Int, String, String?) {
                let parts = target.split(separator: "?", maxSplits: 1)
                let query: [(name: String, value: String)] = parts.count > 1
                    ? parts[1].split(separator: "&").map { pair in
                        let kv = pair.split(separator: "=", maxSplits: 1)
                        return (name: String(kv[0]), value: String(kv[1]))
                    } : []
                var headers: HTTPHeaders = ["Host": "localhost", "Authorization": "Bearer \(token)"]
                if !body.isEmpty { headers.add("Content-Type", "application/json") }
                let response = try await application.responder.respond(
                    to: HTTPRequest(method: method, target: target, path: String(parts[0]), query: query, headers: headers, body: Array(body.utf8)))
                return (response.status.code, String(decoding: response.body, as: UTF8.self), response.headers["Content-Type"])
            }
            let preview = try await send(.get, "/v1/billing/statements?partner=\(partner)&month=2026-04", token: "ops")
            #expect(preview.0 == 200, "\(preview.1)")
            #expect(preview.1.contains(#""total": "120.00""#))
            let csv = try await send(.get, "/v1/billing/statements?partner=\(partner)&month=2026-04&format=csv", token: "ops")
            #expect(csv.2?.hasPrefix("text/csv") == true)
            #expect(csv.1.hasSuffix(",120.00\r\n"))
            #expect(try await send(.get, "/v1/billing/statements?partner=\(partner)&month=2026-04", token: "partner").0 == 404)
            #expect(try await send(.get, "/v1/billing/statements?partner=\(partner)&month=2026-04", token: "ops-reader").0 == 403)

            let body = #"{"partner": "\#(partner)", "month": "2026-04"}"#
            let issued = try await send(.post, "/v1/billing/statements", token: "ops", body: body)
            #expect(issued.0 == 201, "\(issued.1)")
            let twice = try await send(.post, "/v1/billing/statements", token: "ops", body: body)
            #expect(twice.0 == 409)
            #expect(twice.1.contains("statement_already_issued"))
            let stored = try await send(.get, "/v1/billing/statements/2026-04/provider/partner:\(partner)", token: "ops")
            #expect(stored.0 == 200)
            #expect(stored.1 == issued.1)
            #expect(try await send(.get, "/v1/billing/statements/2026-04/provider/partner:\(partner)/C1", token: "ops").0 == 404)

            let chart = try await send(.get, "/v1/billing/mrr?months=3", token: "ops")
            #expect(chart.0 == 200, "\(chart.1)")
            let object = try JSONSerialization.jsonObject(with: Data(chart.1.utf8)) as? [String: Any]
            #expect((object?["months"] as? [String])?.count == 3)
            let series = (object?["partners"] as? [[String: Any]])?.first { $0["partner"] as? String == partner.value }
            #expect((series?["points"] as? [[String: Any]])?.last?["amount"] as? String == "120.00")
            #expect(try await send(.get, "/v1/billing/mrr?months=0", token: "ops").0 == 422)

            try await dropTenantRole(pool, tenant)
        }
    }
}
