import Foundation
import Postgres
import Synchronization
import TestSupport
import Testing

@Suite("Per-tenant pool group")
struct PoolGroupTests {
    private func group(
        _ fixture: TenantFixture, _ configuration: PostgresPoolGroup<String>.Configuration, calls: ResolverCalls? = nil
    ) -> PostgresPoolGroup<String> {
        PostgresPoolGroup(configuration: configuration) { slug in
            calls?.record(slug)
            return fixture.configuration(for: slug)
        }
    }

    @Test func theGlobalCapHoldsUnderConcurrentLoadAcrossTwentyTenants() async throws {
        let slugs = (0..<20).map { String(format: "s%02d", $0) }
        try await withTenants(slugs) { fixture in
            let group = group(fixture, .init(maximumConnections: 4, maximumConnectionsPerKey: 2, checkoutTimeout: .seconds(60)))
            let admin = try await PostgresConnection.connect(fixture.database)
            let done = Atomic<Bool>(false)
            async let monitored: (backends: Int, open: Int) = {
                var most = (backends: 0, open: 0)
                while !done.load(ordering: .acquiring) {
                    most.open = max(most.open, group.statistics.open)
                    most.backends = max(most.backends, (try? await fixture.backendCount(admin: admin)) ?? 0)
                }
                return most
            }()
            let served = try await withThrowingTaskGroup(of: Int.self) { tasks in
                for slug in slugs {
                    for _ in 0..<4 {
                        tasks.addTask {
                            var served = 0
                            for _ in 0..<3 {
                                let user = try await group.withConnection(for: slug) { connection in
                                    try await connection.query("SELECT current_user AS cu, pg_sleep(0.002)")[0].decode("cu", as: String.self)
                                }
                                // A session never serves another tenant, however often slots change hands.
                                #expect(user == fixture.role(slug))
                                served += 1
                            }
                            return served
                        }
                    }
                }
                return try await tasks.reduce(0, +)
            }
            done.store(true, ordering: .releasing)
            let most = await monitored
            let statistics = group.statistics
            #expect(served == 20 * 4 * 3)
            #expect(most.backends >= 1 && most.backends <= 4, "sessions seen in pg_stat_activity: \(most.backends)")
            #expect(most.open <= 4)
            #expect(statistics.peakOpen <= 4)
            #expect(statistics.open <= 4)
            #expect(statistics.evictions > 0)
            #expect(statistics.pools == 20)
            #expect(statistics.waiting == 0 && statistics.leased == 0)
            await group.close()
            #expect(try await eventually { try await fixture.backendCount(admin: admin) == 0 })
            await admin.close()
        }
    }

    @Test func aFullBudgetClosesTheLeastRecentlyUsedIdleTenantsConnection() async throws {
        try await withTenants(["a", "b", "c", "d"]) { fixture in
            let group = group(fixture, .init(maximumConnections: 2, maximumConnectionsPerKey: 1))
            let admin = try await PostgresConnection.connect(fixture.database)
            let pid = { (slug: String) in try await group.withConnection(for: slug) { $0.backendPID } }
            let a = try await pid("a")
            let b = try await pid("b")
            #expect(try await pid("a") == a)  // reused: a is now more recently used than b
            #expect(group.statistics.open == 2)

            // c needs a session: b's idle one is the oldest, so b's goes.
            let c = try await pid("c")
            #expect(group.statistics(for: "b")?.open == 0)
            #expect(group.statistics(for: "a")?.open == 1)
            #expect(try await eventually { try await !fixture.isBackendAlive(b, admin: admin) })
            #expect(try await fixture.isBackendAlive(a, admin: admin))
            #expect(group.statistics.evictions == 1)

            // Then a's (released before c's).
            _ = try await pid("d")
            #expect(group.statistics(for: "a")?.open == 0)
            #expect(group.statistics(for: "c")?.open == 1)
            #expect(try await eventually { try await !fixture.isBackendAlive(a, admin: admin) })
            #expect(try await pid("c") == c)
            #expect(group.statistics.open == 2)
            #expect(try await fixture.backendCount(admin: admin) <= 2)
            await group.close()
            await admin.close()
        }
    }

    @Test func withNothingIdleACallerWaitsThenTimesOut() async throws {
        try await withTenants(["a", "b"]) { fixture in
            let group = group(fixture, .init(maximumConnections: 1, checkoutTimeout: .milliseconds(200)))
            try await group.withConnection(for: "a") { _ in
                let error = await #expect(throws: PostgresError.self) {
                    try await group.withConnection(for: "b") { _ in }
                }
                #expect(error?.kind == .poolTimeout)
                #expect(error?.httpStatus == 503)
            }
            #expect(group.statistics.waiting == 0)
            // Once a is idle, b evicts it rather than waiting.
            let user = try await group.withConnection(for: "b") { try await $0.query("SELECT current_user AS cu")[0].decode("cu", as: String.self) }
            #expect(user == fixture.role("b"))
            #expect(group.statistics(for: "a")?.open == 0)
            await group.close()
        }
    }

    @Test func aWaitingTenantGetsTheSlotWhenAnotherTenantReturnsItsConnection() async throws {
        try await withTenants(["a", "b"]) { fixture in
            let group = group(fixture, .init(maximumConnections: 1, checkoutTimeout: .seconds(30)))
            async let b: String = {
                _ = await eventually { group.statistics.leased == 1 }  // a holds the only slot
                return try await group.withConnection(for: "b") {
                    try await $0.query("SELECT current_user AS cu")[0].decode("cu", as: String.self)
                }
            }()
            try await group.withConnection(for: "a") { _ in
                #expect(await eventually { group.statistics.waiting == 1 })
            }
            #expect(try await b == fixture.role("b"))
            // a's session was closed and its slot given to b.
            #expect(group.statistics(for: "a")?.open == 0)
            #expect(group.statistics(for: "b")?.open == 1)
            #expect(group.statistics.evictions == 1)
            await group.close()
        }
    }

    @Test func idlePoolsAreClosedEntirely() async throws {
        try await withTenants(["a", "b", "c"]) { fixture in
            let calls = ResolverCalls()
            // Long enough that a loaded machine opens all three before the first idles out.
            let group = group(fixture, .init(maximumConnections: 4, idleTimeout: .seconds(3)), calls: calls)
            let admin = try await PostgresConnection.connect(fixture.database)
            for slug in ["a", "b", "c"] { _ = try await group.withConnection(for: slug) { try await $0.query("SELECT 1") } }
            #expect(group.statistics.pools == 3)
            // Pools go first; their sessions' slots once the server has ended them.
            #expect(await eventually { group.statistics.pools == 0 && group.statistics.open == 0 })
            #expect(try await eventually { try await fixture.backendCount(admin: admin) == 0 })
            // A dropped pool resolves its configuration again.
            _ = try await group.withConnection(for: "a") { try await $0.query("SELECT 1") }
            #expect(calls["a"] == 2)
            await group.close()
            await admin.close()
        }
    }

    @Test func removingATenantClosesItsPoolAndFailsItsWaiters() async throws {
        try await withTenants(["a", "b"]) { fixture in
            let calls = ResolverCalls()
            let group = group(fixture, .init(maximumConnections: 4, maximumConnectionsPerKey: 1, checkoutTimeout: .seconds(30)), calls: calls)
            let admin = try await PostgresConnection.connect(fixture.database)
            let idle = try await group.withConnection(for: "a") { $0.backendPID }
            try await group.withConnection(for: "b") { _ in }
            await group.remove("a")
            #expect(group.statistics(for: "a") == nil)
            #expect(group.statistics(for: "b")?.open == 1)
            #expect(try await eventually { try await !fixture.isBackendAlive(idle, admin: admin) })

            // A leased session of a removed tenant is closed when it comes back; its waiters fail.
            let leased = try await group.withConnection(for: "a") { connection in
                let waiter = Task { try await group.withConnection(for: "a") { _ in } }
                #expect(await eventually { group.statistics.waiting == 1 })
                await group.remove("a")
                let error = await #expect(throws: PostgresError.self) { try await waiter.value }
                #expect(error?.kind == .closed)
                return connection.backendPID
            }
            #expect(try await eventually { try await !fixture.isBackendAlive(leased, admin: admin) })
            #expect(await eventually { group.statistics.open == 1 })
            #expect(calls["a"] == 2)
            await group.close()
            #expect(try await eventually { try await fixture.backendCount(admin: admin) == 0 })
            await admin.close()
        }
    }
}
