import Foundation

/// Replacing an API key with a new one while both work for an overlap, so
/// integrations can switch over without downtime.
///
/// Pure: the store persists `replacement` and `retired` in one transaction.
public struct CredentialRotation: Sendable {
    /// Limits on rotation; every limit is configuration.
    public struct Configuration: Sendable, Hashable {
        /// The longest overlap allowed. Default 30 days: long enough for a
        /// monthly deploy cycle, short enough that a leaked old key dies.
        public var maximumOverlap: Duration

        public init(maximumOverlap: Duration = .seconds(30 * 24 * 3600)) {
            self.maximumOverlap = maximumOverlap
        }
    }

    /// The new key, to show once.
    public let newKey: IssuedAPIKey
    /// The row for the new key: same scopes, allow-list and expiry as the old
    /// one (a copy can change them before it is stored).
    public let replacement: StoredCredential
    /// The old row with `replaced_by` and `valid_until` set.
    public let retired: StoredCredential

    /// When the old key stops working: `now + overlap`.
    public var oldValidUntil: Date { retired.validUntil ?? .distantPast }

    /// Rotates `old`, keeping it valid for `overlap` (zero ends it at once).
    ///
    /// - Parameters:
    ///   - newID: the id of the new row (a parameter so tests can pin it).
    /// - Throws: `invalid_rotation_overlap` (422) for a negative or too long
    ///   overlap; `credential_revoked`, `credential_expired` or
    ///   `credential_already_rotated` (409), since only a live, current key can
    ///   be rotated — anything else should be replaced by a new credential.
    public static func rotate(
        _ old: StoredCredential, overlap: Duration, now: Date, newID: UUID = UUID(),
        configuration: Configuration = Configuration()
    ) throws -> CredentialRotation {
        guard overlap >= .zero, overlap <= configuration.maximumOverlap else {
            throw ControlPlaneError.invalid(
                "invalid_rotation_overlap",
                "the overlap must be between 0 and \(CredentialTime.seconds(configuration.maximumOverlap)) seconds",
                field: "overlap")
        }
        guard !old.isRevoked else {
            throw ControlPlaneError.conflict("credential_revoked", "a revoked credential cannot be rotated")
        }
        guard !old.isExpired(at: now) else {
            throw ControlPlaneError.conflict("credential_expired", "an expired credential cannot be rotated")
        }
        guard old.replacedBy == nil, old.validUntil == nil else {
            throw ControlPlaneError.conflict(
                "credential_already_rotated", "this credential has already been replaced; rotate its replacement")
        }
        guard let environment = old.environment else {
            throw ControlPlaneError.invalid("invalid_api_key", "the stored key prefix is not in the current format")
        }
        let newKey = try IssuedAPIKey.generate(environment: environment)
        let replacement = StoredCredential(
            id: newID, issued: newKey, scopes: old.scopes, ipAllowList: old.ipAllowList,
            expiresAt: old.expiresAt)
        var retired = old
        retired.replacedBy = newID
        retired.validUntil = now.addingTimeInterval(CredentialTime.seconds(overlap))
        return CredentialRotation(newKey: newKey, replacement: replacement, retired: retired)
    }
}

/// Conversions between `Duration` and Foundation's seconds.
enum CredentialTime {
    static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
