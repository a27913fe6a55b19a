import Testing

@testable import ControlPlane

@Suite("Tenant loop: wakes per tenant are coalesced")
struct TenantPassesTests {
    let acme = try! Slug("acme")
    let globex = try! Slug("globex")

    @Test func passesStartUpToTheLimitAndLaterWakesBecomeOneMorePass() {
        let passes = TenantPasses()
        #expect(passes.begin(acme, limit: 2))
        #expect(passes.begin(acme, limit: 2))
        // Three more wakes while two passes run: remembered once, not three times.
        #expect(!passes.begin(acme, limit: 2))
        #expect(!passes.begin(acme, limit: 2))
        #expect(!passes.begin(acme, limit: 2))
        #expect(passes.end(acme), "the first pass to end runs once more for the wakes that came meanwhile")
        #expect(!passes.end(acme))
        #expect(!passes.end(acme))
        // Everything ended: the next wake starts a pass again.
        #expect(passes.begin(acme, limit: 2))
    }

    @Test func tenantsDoNotShareTheirLimit() {
        let passes = TenantPasses()
        #expect(passes.begin(acme, limit: 1))
        #expect(!passes.begin(acme, limit: 1))
        #expect(passes.begin(globex, limit: 1))
        #expect(!passes.end(globex))
        #expect(passes.end(acme))
        #expect(!passes.end(acme))
    }

    /// A pass that stopped with work left runs again at once, without waiting for a wake.
    @Test func aPassThatLeftWorkRunsOnceMore() {
        let passes = TenantPasses()
        #expect(passes.begin(acme, limit: 1))
        passes.remember(acme)
        #expect(passes.end(acme))
        #expect(!passes.end(acme))
        // Nothing running: nothing to remember.
        passes.remember(acme)
        #expect(!passes.end(acme))
        #expect(passes.begin(acme, limit: 1))
    }

    @Test func anEndWithoutABeginIsHarmless() {
        let passes = TenantPasses()
        #expect(!passes.end(acme))
        #expect(passes.begin(acme, limit: 1))
    }
}
