import API
import ControlPlane
import Engine
import Foundation
import HTTP
import Postgres
import TestSupport
import Testing

/// The shipped three-way-match template with `change` applied, as a partner would edit a copy.
func editedTemplate(_ change: (inout [String: Any]) -> Void) throws -> String {
    let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("Templates/three-way-match.json"))
    var document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    change(&document)
    return String(decoding: try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]), as: UTF8.self)
}

/// Step `index` of a template document, changed in place.
func editStep(_ document: inout [String: Any], _ index: Int, _ change: (inout [String: Any]) -> Void) {
    var steps = document["steps"] as? [[String: Any]] ?? []
    change(&steps[index])
    document["steps"] = steps
}

extension IngestReply {
    fileprivate var data: [[String: Any]] { json["data"] as? [[String: Any]] ?? [] }
}

@Suite("/v1 publishing: partners' template and mapping versions")
struct PublishingRoutesTests {
    @Test func aPartnerPublishesValidatedVersionsDiffsThemAndItsTenantsDeployThem() async throws {
        try await withIngestWorld { world in
            let partner = try await world.service.tenant(world.tenant).partnerSlug
            let store = CredentialStore(pool: world.pool)
            let publisher = try await store.issue(
                for: .partner(partner), scopes: [.catalogPublish, .tenantsWrite], actor: "test"
            ).key.reveal()
            let reader = try await store.issue(for: .partner(partner), scopes: [.catalogRead], actor: "test").key.reveal()
            func call(_ method: HTTPMethod, _ target: String, _ body: String = "", token: String? = nil) async throws
                -> IngestReply
            {
                try await world.send(
                    method, target,
                    headers: ["Host": "localhost", "Authorization": "Bearer \(token ?? publisher)", "Content-Type": "application/json"],
                    body: body)
            }
            let base = "/v1/partners/\(partner)/templates"

            // Every problem is named with its step and position; nothing is stored.
            let broken = try editedTemplate { document in
                document["slug"] = "acme-match"
                editStep(&document, 2) { step in
                    step["cases"] = [["when": "steps.match.outcome == ", "next": "release"]]
                    step["otherwise"] = "nowhere"
                }
            }
            let refused = try await call(.post, base, broken)
            #expect(refused.status == 422, "\(refused.text)")
            #expect(refused.errorCode == "invalid_template")
            let problems = (refused.json["error"] as? [String: Any])?["problems"] as? [[String: Any]] ?? []
            let locations = problems.compactMap { $0["location"] as? String }
            #expect(locations.contains(#"steps[2] "route" otherwise"#), "\(locations)")
            #expect(locations.contains(#"steps[2] "route" cases[0].when"#), "\(locations)")
            #expect(problems.allSatisfy { $0["step"] as? String == "route" })
            #expect(try await world.pool.query("SELECT 1 FROM control.published_versions").count == 0)

            let first = try editedTemplate { $0["slug"] = "acme-match"; $0["title"] = "Acme match" }
            let published = try await call(.post, base, first)
            #expect(published.status == 201, "\(published.text)")
            #expect((published.json["checksum"] as? String)?.count == 64)
            #expect(try await call(.post, base, first).errorCode == "version_not_greater")
            // A shipped version number is never reused for a partner's document.
            let shadow = try editedTemplate { $0["title"] = "Our three-way match" }
            #expect(try await call(.post, base, shadow).errorCode == "version_shipped")
            // Reading is not publishing.
            #expect(try await call(.post, base, first, token: reader).status == 403)

            let second = try editedTemplate { document in
                document["slug"] = "acme-match"
                document["title"] = "Acme match"
                document["version"] = "1.1.0"
                var parameters = document["parameters"] as? [String: Any] ?? [:]
                var tolerance = parameters["price_tolerance_pct"] as? [String: Any] ?? [:]
                tolerance["default"] = "3"
                parameters["price_tolerance_pct"] = tolerance
                document["parameters"] = parameters
                editStep(&document, 2) { $0["otherwise"] = "flag" }
                var steps = document["steps"] as? [[String: Any]] ?? []
                steps.append(["id": "flag", "kind": "set", "values": ["flagged": "true"], "next": "assist"])
                document["steps"] = steps
            }
            #expect(try await call(.post, base, second).status == 201)

            let diff = try await call(.get, "\(base)/acme-match/diff?from=1.0.0&to=1.1.0")
            #expect(diff.status == 200, "\(diff.text)")
            let summary = diff.json["summary"] as? [String: [String: [String]]] ?? [:]
            #expect(summary["parameters"]?["changed"] == ["price_tolerance_pct"])
            #expect(summary["steps"]?["added"] == ["flag"])
            #expect(summary["steps"]?["changed"] == ["route"])
            let changes = diff.json["changes"] as? [[String: Any]] ?? []
            let change = changes.first { $0["path"] as? String == "$.parameters.price_tolerance_pct.default" }
            #expect(change?["old"] as? String == "2" && change?["new"] as? String == "3")
            #expect(changes.contains { $0["path"] as? String == "$.steps[id=route].otherwise" })
            // A partner's version diffs against the shipped one it was copied from, too.
            #expect(try await call(.get, "/v1/partners/\(partner)/templates/three-way-match/diff?from=1.0.0&to=1.0.0").status == 200)

            let listed = try await call(.get, base, token: reader)
            #expect(listed.status == 200)
            let acme = listed.data.first { $0["slug"] as? String == "acme-match" }
            #expect(acme?["default_version"] as? String == "1.1.0")
            #expect((acme?["versions"] as? [[String: Any]])?.map { $0["origin"] as? String } == ["published", "published"])
            #expect(listed.data.contains { $0["slug"] as? String == "three-way-match" })
            let one = try await call(.get, "\(base)/acme-match/versions/1.0.0", token: reader)
            #expect((one.json["document"] as? [String: Any])?["title"] as? String == "Acme match")
            #expect(try await call(.get, "\(base)/acme-match/versions/2.0.0").status == 404)

            // Deploying resolves the partner's versions: the newest by default, or the one pinned.
            let deployed = try await call(.post, "/v1/tenants/\(world.tenant)/deployments", #"{"template": "acme-match"}"#)
            #expect(deployed.status == 201, "\(deployed.text)")
            #expect(deployed.json["version"] as? String == "1.1.0")
            #expect((deployed.json["parameters"] as? [String: Any])?["price_tolerance_pct"] as? String == "3")
            let pinned = try await call(
                .post, "/v1/tenants/\(world.tenant)/deployments", #"{"template": "acme-match", "version": "1.0.0"}"#)
            #expect(pinned.json["version"] as? String == "1.0.0")
            let status = try await call(.get, "/v1/partners/\(partner)/deployments", token: reader)
            #expect(status.status == 200)
            let running = status.data.filter { $0["kind"] as? String == "template" }
            #expect(running.count == 1)
            #expect(running.first?["tenant"] as? String == world.tenant.value)
            #expect(running.first?["version"] as? String == "1.0.0")

            // A tenant's key does not reach its partner's catalog, nor another partner's key: 404, as if absent.
            #expect(try await call(.get, base, token: world.key).status == 404)
            let other = try Slug("xp_\(world.tenant.value.suffix(6))")
            _ = try await world.service.createPartner(
                slug: other, kind: .si, displayName: "Other", supportEmail: "help@other.example", actor: "test")
            let outsider = try await store.issue(for: .partner(other), scopes: [.admin], actor: "test").key.reveal()
            for (method, target) in [
                (HTTPMethod.get, base), (.post, base), (.get, "\(base)/acme-match/versions/1.0.0"),
                (.get, "\(base)/acme-match/diff?from=1.0.0&to=1.1.0"), (.get, "/v1/partners/\(partner)/deployments"),
                (.post, "/v1/partners/\(partner)/mappings"),
            ] {
                #expect(try await call(method, target, second, token: outsider).status == 404, "\(method) \(target)")
            }
            #expect(try await world.pool.query("SELECT 1 FROM control.published_versions").count == 2)
        }
    }

    @Test func mappingsArePublishedDiffedAndDeployedTheSameWay() async throws {
        try await withIngestWorld { world in
            let partner = try await world.service.tenant(world.tenant).partnerSlug
            let token = try await CredentialStore(pool: world.pool).issue(
                for: .partner(partner), scopes: [.catalogPublish, .tenantsWrite], actor: "test"
            ).key.reveal()
            func call(_ method: HTTPMethod, _ target: String, _ body: String = "") async throws -> IngestReply {
                try await world.send(
                    method, target,
                    headers: ["Host": "localhost", "Authorization": "Bearer \(token)", "Content-Type": "application/json"],
                    body: body)
            }
            let data = try Data(
                contentsOf: repositoryRoot.appendingPathComponent("Templates/mappings/generic-erp-json/mapping.json"))
            var document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            document["slug"] = "acme-erp"
            func text(_ document: [String: Any]) throws -> String {
                String(decoding: try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]), as: UTF8.self)
            }
            var broken = document
            var outputs = broken["outputs"] as? [[String: Any]] ?? []
            outputs[1]["event_type"] = "no.such_event"
            broken["outputs"] = outputs
            let refused = try await call(.post, "/v1/partners/\(partner)/mappings", try text(broken))
            #expect(refused.status == 422, "\(refused.text)")
            let issues = (refused.json["error"] as? [String: Any])?["issues"] as? [[String: Any]] ?? []
            #expect(issues.contains { $0["path"] as? String == "$.outputs[1].event_type" }, "\(refused.text)")

            #expect(try await call(.post, "/v1/partners/\(partner)/mappings", try text(document)).status == 201)
            var next = document
            next["version"] = "1.1.0"
            next["title"] = "Acme ERP export"
            #expect(try await call(.post, "/v1/partners/\(partner)/mappings", try text(next)).status == 201)
            let version = document["version"] as? String ?? ""
            let diff = try await call(.get, "/v1/partners/\(partner)/mappings/acme-erp/diff?from=\(version)&to=1.1.0")
            let changes = diff.json["changes"] as? [[String: Any]] ?? []
            #expect(changes.map { $0["path"] as? String } == ["$.title", "$.version"], "\(diff.text)")

            // A dry run by slug finds the partner's published version, as a deployment would.
            let samples = repositoryRoot.appendingPathComponent("Templates/mappings/generic-erp-json/samples")
            let sampleName = try #require(
                try FileManager.default.contentsOfDirectory(atPath: samples.path).sorted().first { $0.hasSuffix(".json") && !$0.hasSuffix(".expected.json") })
            let sample = try String(contentsOf: samples.appendingPathComponent(sampleName), encoding: .utf8)
            let lookups = try String(
                contentsOf: repositoryRoot.appendingPathComponent("Templates/mappings/generic-erp-json/lookups.example.json"),
                encoding: .utf8)
            let tried = try await call(
                .post, "/v1/mappings/dry-run",
                #"{"mapping": "acme-erp", "payload": \#(sample), "lookups": \#(lookups)}"#)
            #expect(tried.status == 200, "\(tried.text)")
            #expect(tried.json["mapping"] as? String == "acme-erp")
            #expect(tried.json["version"] as? String == "1.1.0")
            #expect(!((tried.json["events"] as? [Any]) ?? []).isEmpty, "\(tried.text)")

            let deployed = try await call(
                .post, "/v1/tenants/\(world.tenant)/mappings", #"{"source": "erp", "mapping": "acme-erp"}"#)
            #expect(deployed.status == 201, "\(deployed.text)")
            #expect(deployed.json["version"] as? String == "1.1.0")
            let status = try await call(.get, "/v1/partners/\(partner)/deployments")
            let mapping = status.data.first { $0["kind"] as? String == "mapping" }
            #expect(mapping?["slug"] as? String == "acme-erp")
            #expect(mapping?["source"] as? String == "erp")
        }
    }
}

@Suite("Template validation names the step and position")
struct TemplateValidationTests {
    @Test func expressionsAreCheckedWhenATemplateIsParsed() throws {
        let text = try editedTemplate { document in
            editStep(&document, 5) { $0["data"] = ["invoice_number": "trigger.data.invoice_number +"] }
        }
        let error = #expect(throws: TemplateError.self) { try WorkflowTemplate.parse(Data(text.utf8)) }
        let problem = try #require(error?.problems.first)
        #expect(error?.problems.count == 1)
        #expect(problem.step == "release")
        #expect(problem.path == "$.steps[5].data.invoice_number")
        #expect(problem.location == #"steps[5] "release" data.invoice_number"#)
        #expect(problem.description.hasPrefix(#"steps[5] "release" data.invoice_number: line 1, column"#), "\(problem)")
    }

    @Test func locationsReadPositionFirst() {
        let cases: [(TemplateError.Problem, String)] = [
            (.init(step: "route", path: "$.steps[3]", message: "m"), #"steps[3] "route": m"#),
            (.init(step: "route", path: "$.steps[3].next", message: "m"), #"steps[3] "route" next: m"#),
            (.init(step: nil, path: "$.parameters.x.default", message: "m"), "parameters.x.default: m"),
            (.init(step: nil, path: "$", message: "m"), "$: m"),
        ]
        for (problem, expected) in cases { #expect(problem.description == expected) }
    }
}
