import Foundation

/// A credential that passed ``CredentialCheck``: who is calling, with what.
public struct AuthenticatedCredential: Sendable, Equatable {
    public let credentialID: UUID
    public let prefix: String
    public let environment: APIKey.Environment
    public let scopes: ScopeSet
    /// Set while the key is a replaced one still inside its rotation overlap,
    /// so the API can warn the caller (for example in a response header).
    public let rotationOverlapEndsAt: Date?

    public init(
        credentialID: UUID, prefix: String, environment: APIKey.Environment, scopes: ScopeSet,
        rotationOverlapEndsAt: Date? = nil
    ) {
        self.credentialID = credentialID
        self.prefix = prefix
        self.environment = environment
        self.scopes = scopes
        self.rotationOverlapEndsAt = rotationOverlapEndsAt
    }
}

/// The one decision whether a presented API key may make a request.
///
/// Pure: the caller parses the key, loads the row by prefix (or finds none)
/// and passes the time, so every branch is testable without a database or a
/// clock. Checks run in a fixed order, and the secret is verified before any
/// status is revealed:
///
/// 1. malformed, unknown prefix or wrong secret → `invalid_api_key` 401
/// 2. revoked → `api_key_revoked` 401 (as soon as `revoked_at` is set)
/// 3. expired → `api_key_expired` 401
/// 4. replaced and past its overlap → `api_key_rotated` 401
/// 5. address outside the allow-list → `ip_not_allowed` 403
/// 6. missing the route's scope → `insufficient_scope` 403, `field` = the scope
public enum CredentialCheck {
    /// Decides for a key that is already parsed (the usual path: the prefix
    /// was needed to load `stored`).
    ///
    /// - Parameters:
    ///   - stored: the row whose `key_prefix` equals the key's prefix, or nil.
    ///   - remoteAddress: the peer address, without port.
    ///   - requiredScope: the route's scope; nil for routes any valid key may call.
    /// - Throws: ``CredentialError`` when refused; a
    ///   ``Cryptography/CryptographyError`` only if hashing itself fails.
    public static func evaluate(
        stored: StoredCredential?, presentedKey: APIKey, remoteAddress: String, requiredScope: Scope?, now: Date
    ) throws -> AuthenticatedCredential {
        // Hash even when there is no row, so an unknown prefix costs the same
        // work as a wrong secret.
        let presentedMatches = try presentedKey.matches(storedHash: stored?.keyHash ?? [])
        guard let stored, stored.prefix == presentedKey.prefix, presentedMatches else {
            throw CredentialError.invalidKey("no such key")
        }
        guard !stored.isRevoked else {
            throw CredentialError(.revoked, "the API key \(stored.prefix) has been revoked", field: "Authorization")
        }
        guard !stored.isExpired(at: now) else {
            throw CredentialError(.expired, "the API key \(stored.prefix) has expired", field: "Authorization")
        }
        guard !stored.isRotatedAway(at: now) else {
            throw CredentialError(
                .rotated, "the API key \(stored.prefix) was replaced by a newer key and its overlap has ended",
                field: "Authorization")
        }
        guard stored.ipAllowList.allows(remoteAddress) else {
            throw CredentialError(.ipNotAllowed, "this API key may not be used from this address")
        }
        if let requiredScope, !stored.scopes.allows(requiredScope) {
            throw CredentialError(
                .insufficientScope, "this API key lacks the scope \(requiredScope.rawValue)",
                field: requiredScope.rawValue)
        }
        return AuthenticatedCredential(
            credentialID: stored.id, prefix: stored.prefix, environment: presentedKey.environment,
            scopes: stored.scopes,
            rotationOverlapEndsAt: stored.validUntil)
    }

    /// Parses `presentedKey` and decides; for callers that have the row already.
    public static func evaluate(
        stored: StoredCredential?, presentedKey: String, remoteAddress: String, requiredScope: Scope?, now: Date
    ) throws -> AuthenticatedCredential {
        try evaluate(
            stored: stored, presentedKey: try APIKey(parsing: presentedKey), remoteAddress: remoteAddress,
            requiredScope: requiredScope, now: now)
    }
}
