import CLI
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("apply")
struct ApplyCommandTests {
    /// Applies the repository's demo manifests twice, then a changed copy.
    @Test func reconcilesIdempotentlyAndReportsChanges() async throws {
        try await withTestDatabase { database in
            let keyFile = try makeMasterKeyFile()
            let env = ["DATABASE_URL": try connectionURL(database), "COUNTERSIGN_MASTER_KEY_FILE": keyFile]
            #expect(await runCLI(["migrate"], env).0 == 0)

            let (firstStatus, first) = await runCLI(["apply", repositoryRoot + "/Tenants"], env)
            #expect(firstStatus == 0, "\(first.standardError)")
            #expect(first.standardOutput.contains("created\ttenant:acme_foods"))
            #expect(first.standardOutput.contains("deployment acme_foods/three-way-match: deployed"))
            #expect(first.standardOutput.contains("created\tpartner:keystone"))
            #expect(first.standardOutput.hasSuffix("11 created, 0 changed, 0 unchanged"))

            let (_, second) = await runCLI(["apply", repositoryRoot + "/Tenants"], env)
            #expect(second.standardOutput.hasSuffix("0 created, 0 changed, 11 unchanged"), "\(second.standardOutput)")
            #expect(second.standardOutput.contains("deployment acme_foods/three-way-match: unchanged"))

            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("manifests-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var text = try String(contentsOfFile: repositoryRoot + "/Tenants/keystone.json", encoding: .utf8)
            text = text.replacingOccurrences(of: "#3d2c8d", with: "#222222")
            try text.write(to: folder.appendingPathComponent("keystone.json"), atomically: true, encoding: .utf8)
            let (_, third) = await runCLI(["apply", folder.path], env)
            #expect(third.standardOutput.contains("changed\tpartner:keystone"))
            #expect(third.standardOutput.contains("unchanged\ttenant:cedar_retail"))
            try await dropTenantRoles(database, ["t_acme_foods", "t_bluewater", "t_cedar_retail"])
        }
    }

    @Test func invalidManifestsAreRefusedBeforeAnythingIsWritten() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cases = [
            (#"{"partner": {"slug": "p1", "kind": "msp", "display_name": "P", "support_email": "a@b.c"}}"#, "tenants is required"),
            (#"{"partner": {"slug": "Bad!", "kind": "msp", "display_name": "P", "support_email": "a@b.c"}, "tenants": []}"#, "partner.slug"),
            (#"{"partner": {"slug": "p1", "kind": "msp", "display_name": "P", "support_email": "a@b.c"}, "tenants": [{"slug": "t1", "legal_name": "T", "users": [{"email": "x@y.z", "display_name": "X", "roles": ["god"]}]}]}"#, "tenants[0].users[0].roles"),
        ]
        for (index, (json, expected)) in cases.enumerated() {
            let file = folder.appendingPathComponent("m\(index).json")
            try json.write(to: file, atomically: true, encoding: .utf8)
            let (status, output) = await runCLI(["apply", file.path], ["DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x?connect_timeout=1"])
            #expect(status == 1)
            #expect(output.standardError.contains(expected), "\(output.standardError)")
        }
    }
}

