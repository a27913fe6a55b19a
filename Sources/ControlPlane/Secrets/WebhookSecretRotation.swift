import Foundation

/// One row of `control.webhook_secrets` for a tenant and source, opened.
public struct WebhookSecretVersion: Sendable, Equatable {
    public var id: UUID
    public var secret: WebhookSecret
    /// Set when a newer secret replaced this one: accepted until then.
    public var validUntil: Date?
    public var revokedAt: Date?

    public init(id: UUID, secret: WebhookSecret, validUntil: Date? = nil, revokedAt: Date? = nil) {
        self.id = id
        self.secret = secret
        self.validUntil = validUntil
        self.revokedAt = revokedAt
    }

    /// Current: neither replaced nor revoked.
    public var isCurrent: Bool { validUntil == nil && revokedAt == nil }

    /// Whether a signature made with this secret is accepted at `now`:
    /// not revoked (revocation is immediate, whatever its timestamp says), and
    /// either current or still inside its overlap (`now < validUntil`).
    public func isAcceptable(at now: Date) -> Bool {
        guard revokedAt == nil else { return false }
        guard let validUntil else { return true }
        return now < validUntil
    }
}

/// The overlap rule for webhook secrets: after a rotation the previous secret
/// keeps verifying until its `valid_until`, so a sender can switch over
/// without dropped deliveries.
public enum WebhookSecretRotation {
    /// Every secret a signature may be verified against at `now`, current
    /// ones first, then by the latest `valid_until`; otherwise in the given
    /// order (pass newest first).
    public static func acceptableSecrets(_ versions: [WebhookSecretVersion], now: Date) -> [WebhookSecret] {
        let acceptable = versions.enumerated().filter { $0.element.isAcceptable(at: now) }
        return acceptable.sorted { lhs, rhs in
            switch (lhs.element.validUntil, rhs.element.validUntil) {
            case (nil, nil): lhs.offset < rhs.offset
            case (nil, _): true
            case (_, nil): false
            case (let left?, let right?): left != right ? left > right : lhs.offset < rhs.offset
            }
        }.map(\.element.secret)
    }

    /// The secret to sign outgoing messages with: the first current version
    /// (pass newest first), or nil if there is none.
    public static func signingSecret(_ versions: [WebhookSecretVersion]) -> WebhookSecret? {
        versions.first(where: \.isCurrent)?.secret
    }

    /// The `valid_until` each still-valid version gets when a new secret
    /// becomes current: `now + overlap`. Versions already ending sooner keep
    /// their end; revoked and lapsed ones are left alone.
    ///
    /// - Throws: `invalid_rotation_overlap` (422) for a negative overlap.
    public static func retirementDeadlines(
        for versions: [WebhookSecretVersion], overlap: Duration, now: Date
    ) throws(ControlPlaneError) -> [UUID: Date] {
        guard overlap >= .zero else {
            throw .invalid("invalid_rotation_overlap", "the overlap cannot be negative", field: "overlap")
        }
        let end = now.addingTimeInterval(CredentialTime.seconds(overlap))
        var deadlines: [UUID: Date] = [:]
        for version in versions where version.isAcceptable(at: now) {
            let deadline = version.validUntil.map { min($0, end) } ?? end
            if deadline != version.validUntil { deadlines[version.id] = deadline }
        }
        return deadlines
    }
}
