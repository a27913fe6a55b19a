import Cryptography
import HTTP
import Synchronization

/// What the process needs to call tenants' external models: the master key ring (to open their
/// signing secrets) and an HTTP client. Set once at start-up by the process that runs workflows.
///
/// Process-wide because the engine's steps are built without the process's configuration; until
/// it is enabled, an external model that a tenant configured is not asked and the built-in model
/// answers, with `external_not_configured` as the recorded fallback reason.
public final class ExternalModelAccess: Sendable {
    public static let shared = ExternalModelAccess()

    struct Enabled: Sendable {
        let keyRing: KeyRing
        let client: HTTPClient
    }

    private let state = Mutex<Enabled?>(nil)

    public init() {}

    public func enable(keyRing: KeyRing, client: HTTPClient) {
        state.withLock { $0 = Enabled(keyRing: keyRing, client: client) }
    }

    public func disable() {
        state.withLock { $0 = nil }
    }

    var current: Enabled? { state.withLock { $0 } }
}
