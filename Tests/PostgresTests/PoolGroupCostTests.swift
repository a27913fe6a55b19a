import Foundation
import Postgres
import TestSupport
import Testing

/// What idle per-tenant pools cost, printed rather than asserted (timings and
/// memory vary by machine). Run with `COUNTERSIGN_MEASURE_POOL_GROUP=1`.
@Suite("Pool group cost", .enabled(if: ProcessInfo.processInfo.environment["COUNTERSIGN_MEASURE_POOL_GROUP"] != nil))
struct PoolGroupCostTests {
    @Test func costOfIdlePools() async throws {
        try await withTestDatabase { database in
            var tagged = database
            tagged.applicationName = "cs-cost-\(UUID().uuidString.prefix(8).lowercased())"
            let configuration = tagged
            let admin = try await PostgresConnection.connect(database)
            let keys = 200

            // Every key holds one idle session (the cap does not bite).
            let withSessions = PostgresPoolGroup<Int>(
                configuration: .init(maximumConnections: 10_000, maximumConnectionsPerKey: 1, idleTimeout: .seconds(600))
            ) { _ in configuration }
            let before = ProcessSample()
            for key in 0..<keys { _ = try await withSessions.withConnection(for: key) { try await $0.query("SELECT 1") } }
            let after = ProcessSample()
            let server = try await serverMemory(applicationName: configuration.applicationName, admin: admin)
            await withSessions.close()
            try await Task.sleep(for: .milliseconds(200))
            let closed = ProcessSample()
            print("""
                [pool-group cost] \(keys) keys with one idle session each:
                  client: +\((after.rssKiB - before.rssKiB) / keys) KiB RSS and +\(Double(after.threads - before.threads) / Double(keys)) threads per key \
                (\(before.threads) → \(after.threads) threads, RSS \(before.rssKiB) → \(after.rssKiB) KiB); after close: \(closed.threads) threads, RSS \(closed.rssKiB) KiB
                  server: \(server.backends) backends, \(server.pssKiB / max(1, server.backends)) KiB PSS and \(server.privateKiB / max(1, server.backends)) KiB private per backend
                """)

            // Pools whose sessions were evicted: bookkeeping and cached configuration only.
            let many = 2000
            let evicting = PostgresPoolGroup<Int>(
                configuration: .init(maximumConnections: 4, maximumConnectionsPerKey: 1, idleTimeout: .seconds(600))
            ) { _ in configuration }
            for key in 0..<8 { _ = try await evicting.withConnection(for: key) { try await $0.query("SELECT 1") } }
            let start = ProcessSample()
            let clock = ContinuousClock.now
            for key in 8..<(8 + many) { _ = try await evicting.withConnection(for: key) { try await $0.query("SELECT 1") } }
            let elapsed = ContinuousClock.now - clock
            let end = ProcessSample()
            let statistics = evicting.statistics
            print("""
                [pool-group cost] \(statistics.pools) pools under a cap of 4 (\(statistics.evictions) evictions, \(statistics.open) sessions):
                  +\((end.rssKiB - start.rssKiB) * 1024 / many) bytes RSS per pool without a session; threads \(start.threads) → \(end.threads)
                  one eviction + reconnect per checkout: \(elapsed / many) each
                """)
            await evicting.close()
            await admin.close()
        }
    }

    private struct ProcessSample {
        var rssKiB = 0
        var threads = 0
        init() {
            guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return }
            for line in status.split(separator: "\n") {
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard fields.count >= 2, let value = Int(fields[1]) else { continue }
                if fields[0] == "VmRSS:" { rssKiB = value }
                if fields[0] == "Threads:" { threads = value }
            }
        }
    }

    /// Sums `/proc/<pid>/smaps_rollup` of our backends (readable when the tests run as root or as the cluster owner).
    private func serverMemory(applicationName: String, admin: PostgresConnection) async throws -> (backends: Int, pssKiB: Int, privateKiB: Int) {
        let rows = try await admin.query("SELECT pid FROM pg_stat_activity WHERE application_name = \(applicationName)")
        var pss = 0
        var privateKiB = 0
        for row in rows {
            let pid = try row.decode("pid", as: Int32.self)
            guard let rollup = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8) else { continue }
            for line in rollup.split(separator: "\n") {
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard fields.count >= 2, let value = Int(fields[1]) else { continue }
                if fields[0] == "Pss:" { pss += value }
                if fields[0] == "Private_Clean:" || fields[0] == "Private_Dirty:" { privateKiB += value }
            }
        }
        return (rows.count, pss, privateKiB)
    }
}
