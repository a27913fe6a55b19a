import CLI
import ControlPlane
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Command line")
struct CommandLineTests {
    @Test func versionAndHelp() async {
        let (status, output) = await runCLI(["version"])
        #expect(status == 0)
        #expect(output.standardOutput == "countersign \(CommandLineTool.version)")
        let (helpStatus, help) = await runCLI(["help"])
        #expect(helpStatus == 0)
        for command in ["serve", "migrate", "version", "help"] { #expect(help.standardOutput.contains(command)) }
    }

    @Test(arguments: ["serve", "migrate", "version", "help"])
    func everySubcommandHasHelp(command: String) async {
        let (status, output) = await runCLI([command, "--help"])
        #expect(status == 0)
        #expect(output.standardOutput.hasPrefix("usage: countersign \(command)"))
    }

    /// Usage errors: one line on standard error, exit 64.
    @Test(arguments: [
        (["frobnicate"], "unknown command 'frobnicate'"),
        (["migrate", "--bogus"], "unknown option --bogus"),
        (["serve", "--port"], "--port needs a value"),
        (["serve", "--port", "http"], "setting port (from --port): expected a port number"),
        (["serve", "--port=70000"], "setting port"),
        (["serve", "--log-level", "loud"], "setting log-level"),
        (["serve", "--api-key-rate", "0"], "setting api-key-rate (from --api-key-rate): expected requests per second"),
        (["serve", "--api-key-burst", "lots"], "setting api-key-burst"),
        (["serve", "--connections-per-tenant", "0"], "setting connections-per-tenant"),
        (["serve", "--metering", "false"], "setting metering (from --metering): expected on or off"),
        (["migrate", "stray"], "unexpected argument 'stray'"),
        (["migrate", "--status=yes"], "--status takes no value"),
        (["serve", "--root", "/nonexistent"], "setting root"),
        (["serve", "--tls-cert", "/etc/hostname"], "--tls-cert and --tls-key must be given together"),
        (["help", "nothing"], "unknown command 'nothing'"),
    ])
    func usageErrors(arguments: [String], expected: String) async {
        let (status, output) = await runCLI(arguments)
        #expect(status == 64)
        #expect(output.standardError.contains(expected), "stderr: \(output.standardError)")
        #expect(!output.standardError.contains("\n"))
    }

    /// Metering off exists for the ingest benchmark alone: never the default, spelled out, and said so in help.
    @Test func meteringIsOnUnlessExplicitlyTurnedOff() async throws {
        #expect(try AppConfiguration.load(flags: [:], environment: [:]).usageMeter == .enabled)
        #expect(try AppConfiguration.load(flags: ["metering": "off"], environment: [:]).usageMeter == .disabled)
        #expect(try AppConfiguration.load(flags: [:], environment: ["COUNTERSIGN_METERING": "off"]).usageMeter == .disabled)
        #expect(try AppConfiguration.load(flags: ["metering": "on"], environment: ["COUNTERSIGN_METERING": "off"]).metering)
        let (status, output) = await runCLI(["serve", "--help"])
        #expect(status == 0)
        #expect(output.standardOutput.contains("--metering"))
        #expect(output.standardOutput.contains("benchmarking only"))
    }

    @Test func environmentSettingsAreValidatedAndNamed() async {
        let (status, output) = await runCLI(["serve", "--help"], ["COUNTERSIGN_PORT": "x"])
        #expect(status == 0, "help does not validate settings")
        let (badStatus, bad) = await runCLI(["migrate", "--status"], ["COUNTERSIGN_PORT": "x", "DATABASE_URL": "postgresql://u:p4ss@/db?bogus=1"])
        #expect(badStatus == 64)
        #expect(bad.standardError.contains("database-url"))
        #expect(!bad.standardError.contains("p4ss"))
        _ = output
    }

    @Test func configFileSettingsAreReadAndUnknownKeysRefused() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cs-\(UUID().uuidString).json")
        try #"{"port": 99999}"#.write(to: file, atomically: true, encoding: .utf8)
        let (status, output) = await runCLI(["serve", "--config", file.path])
        #expect(status == 64)
        #expect(output.standardError.contains("'port' in \(file.path)"))
        try #"{"prot": 8080}"#.write(to: file, atomically: true, encoding: .utf8)
        let (unknownStatus, unknown) = await runCLI(["serve", "--config", file.path])
        #expect(unknownStatus == 64)
        #expect(unknown.standardError.contains("prot"))
        #expect(unknown.standardError.contains("unknown setting"))
    }

    @Test func masterKeyFileMustHoldThirtyTwoBytes() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cs-key-\(UUID().uuidString)")
        try Data("c2hvcnQ=".utf8).write(to: file)
        let (status, output) = await runCLI(["serve", "--master-key-file", file.path])
        #expect(status == 64)
        #expect(output.standardError.contains("master-key-file"))
        #expect(!output.standardError.contains("c2hvcnQ"))
    }

    @Test func migrateAppliesAndReportsStatus() async throws {
        try await withTestDatabase { database in
            let url = try connectionURL(database)
            let environment = ["DATABASE_URL": url]
            let (beforeStatus, before) = await runCLI(["migrate", "--status"], environment)
            #expect(beforeStatus == 0, "\(before.standardError)")
            #expect(before.standardOutput.contains("0001_audit_log.sql\tpending"))
            let (status, output) = await runCLI(["migrate"], environment)
            #expect(status == 0, "\(output.standardError)")
            #expect(output.standardOutput.contains("applied"))
            let (afterStatus, after) = await runCLI(["migrate", "--status"], environment)
            #expect(afterStatus == 0)
            #expect(after.standardOutput.contains("control\t0001_audit_log.sql\tapplied"))
            #expect(after.standardOutput.contains("0 pending"))
        }
    }

    @Test func unreachableDatabaseIsAFailureNotAUsageError() async {
        let (status, output) = await runCLI(["migrate"], ["DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x?connect_timeout=2"])
        #expect(status == 1)
        #expect(output.standardError.contains("could not connect"))
    }
}

