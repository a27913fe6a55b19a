import CLI
import Events
import Foundation
import Testing

/// Captures what a command writes.
final class Captured: OutputWriter, @unchecked Sendable {
    private let lock = NSLock()
    private var out: [String] = []
    private var err: [String] = []
    func write(_ line: String) { lock.withLock { out.append(line) } }
    func writeError(_ line: String) { lock.withLock { err.append(line) } }
    var standardOutput: String { lock.withLock { out.joined(separator: "\n") } }
    var standardError: String { lock.withLock { err.joined(separator: "\n") } }
}

private func run(_ arguments: [String], _ environment: [String: String]) async -> (Int32, Captured) {
    let output = Captured()
    let status = await CommandLineTool.run(
        arguments: arguments, context: CommandContext(environment: environment, output: output))
    return (status, output)
}

private func temporaryFile(_ text: String, suffix: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("mw-\(UUID().uuidString)\(suffix)").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Suite("Middleware: the mapping and import commands")
struct CommandTests {
    @Test func mappingsAreDeployedListedAndDryRunFromTheCommandLine() async throws {
        try await withMiddlewareWorld { world in
            let environment = try world.cliEnvironment()
            let (deployed, deployOutput) = await run(
                ["mapping", "deploy", "--tenant", world.tenant.value, "--source", "erp", "--mapping", "generic-erp-json"],
                environment)
            #expect(deployed == 0, "\(deployOutput.standardError)")
            #expect(deployOutput.standardOutput.hasPrefix("deployed generic-erp-json 1.0.0"))
            let (listed, listOutput) = await run(["mapping", "list", "--tenant", world.tenant.value], environment)
            #expect(listed == 0, "\(listOutput.standardError)")
            #expect(listOutput.standardOutput.contains("\(world.tenant.value)\terp\tgeneric-erp-json\t1.0.0\tcli:tester"))

            let sample = repositoryRoot.appendingPathComponent(
                "Templates/mappings/generic-erp-json/samples/batch-po-1001-and-bill-77-4410.json"
            ).path
            let lookups = repositoryRoot.appendingPathComponent("Templates/mappings/generic-erp-json/lookups.example.json")
                .path
            let (dry, dryOutput) = await run(
                ["mapping", "dry-run", "--mapping", "generic-erp-json", "--payload", sample, "--lookups", lookups],
                environment)
            #expect(dry == 0, "\(dryOutput.standardError)")
            let expected = try JSONParser().parse(
                try mappingFile("generic-erp-json/samples/batch-po-1001-and-bill-77-4410.expected.json"))
            #expect(try JSONParser().parse(dryOutput.standardOutput) == expected)

            // With the tenant's (empty) tables the lookup fails, and the command says where.
            let (failed, failedOutput) = await run(
                ["mapping", "dry-run", "--mapping", "generic-erp-json", "--payload", sample, "--tenant", world.tenant.value],
                environment)
            #expect(failed == 1)
            #expect(failedOutput.standardError.contains("source path: $.records[0].entity.id"), "\(failedOutput.standardError)")
            #expect(try await world.count("events") == 0)
            #expect(await run(["mapping", "deploy", "--tenant", world.tenant.value], environment).0 == 64)
        }
    }

    @Test func historicalDocumentsAreImportedInBatchesAndARerunStoresNothingTwice() async throws {
        try await withMiddlewareWorld { world in
            let environment = try world.cliEnvironment()
            var csv = "adj,at,wh,reason,who,sku,qty,uom\n"
            for number in 1...5 {
                for sku in ["BOLT-M8-40", "NUT-M8"] {
                    csv += "ADJ-\(number),2026-11-2\(number)T10:00:00Z,DAL-1,damage,dock.lee@client.example,\(sku),-\(number),EA\n"
                }
            }
            let file = try temporaryFile(csv, suffix: ".csv")
            defer { try? FileManager.default.removeItem(atPath: file) }
            let arguments = [
                "import", "csv", "--tenant", world.tenant.value, "--type", "stock.adjusted", "--file", file,
                "--group-by", "adj", "--batch-size", "2", "--columns",
                "id=adj,occurred_at=at,source='history',data.adjustment_number=adj,data.warehouse=wh,data.reason=reason,"
                    + "data.adjusted_by=who,data.lines[].sku=sku,data.lines[].quantity=qty,data.lines[].uom=uom",
            ]
            let (status, output) = await run(arguments, environment)
            #expect(status == 0, "\(output.standardError)")
            #expect(output.standardOutput.contains("imported 5 documents"), "\(output.standardOutput)")
            #expect(output.standardOutput.contains("5 new, 0 already stored) in 3 batches"), "\(output.standardOutput)")
            #expect(try await world.count("events", where: "type = 'stock.adjusted'") == 5)
            #expect(try await world.count("raw_payloads", where: "content_type = 'text/csv'") == 3)

            let (again, againOutput) = await run(arguments, environment)
            #expect(again == 0, "\(againOutput.standardError)")
            #expect(againOutput.standardOutput.contains("0 new, 5 already stored"), "\(againOutput.standardOutput)")
            #expect(try await world.count("events") == 5)

            // One bad row stops the import before anything is stored, naming the rows.
            let bad = try temporaryFile(
                csv.replacingOccurrences(of: "2026-11-23T10:00:00Z", with: "yesterday"), suffix: ".csv")
            defer { try? FileManager.default.removeItem(atPath: bad) }
            var badArguments = arguments
            badArguments[7] = bad
            let (refused, refusedOutput) = await run(badArguments, environment)
            #expect(refused == 1)
            #expect(refusedOutput.standardError.contains("rows 6,7"), "\(refusedOutput.standardError)")
            #expect(try await world.count("events") == 5)
        }
    }
}
