import Foundation

/// An API credential as the control schema keeps it (`control.api_credentials`),
/// without the key: only its prefix and SHA-256.
///
/// `description` and `dump` omit the hash; it is not the key, but there is no
/// reason for it to travel into logs either.
public struct StoredCredential: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    public var id: UUID
    /// `key_prefix`: `cs_<env>_<identifier>`, public and unique.
    public var prefix: String
    /// `key_hash`: SHA-256 of the full key.
    public var keyHash: [UInt8]
    public var scopes: ScopeSet
    /// `ip_allow`; empty allows every address.
    public var ipAllowList: IPAllowList
    public var expiresAt: Date?
    /// Set when revoked; any value refuses the key at once, whatever the clocks say.
    public var revokedAt: Date?
    /// `replaced_by`: the credential that replaced this one in a rotation.
    public var replacedBy: UUID?
    /// End of the rotation overlap, after which this (replaced) key is refused.
    public var validUntil: Date?
    public var lastUsedAt: Date?

    public init(
        id: UUID, prefix: String, keyHash: [UInt8], scopes: ScopeSet, ipAllowList: IPAllowList = IPAllowList(),
        expiresAt: Date? = nil, revokedAt: Date? = nil, replacedBy: UUID? = nil, validUntil: Date? = nil,
        lastUsedAt: Date? = nil
    ) {
        self.id = id
        self.prefix = prefix
        self.keyHash = keyHash
        self.scopes = scopes
        self.ipAllowList = ipAllowList
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.replacedBy = replacedBy
        self.validUntil = validUntil
        self.lastUsedAt = lastUsedAt
    }

    /// The row for a newly issued key.
    public init(
        id: UUID, issued: IssuedAPIKey, scopes: ScopeSet, ipAllowList: IPAllowList = IPAllowList(),
        expiresAt: Date? = nil
    ) {
        self.init(
            id: id, prefix: issued.prefix, keyHash: issued.hash, scopes: scopes, ipAllowList: ipAllowList,
            expiresAt: expiresAt)
    }

    /// The key's environment, read from its prefix.
    public var environment: APIKey.Environment? { APIKey.environment(ofPrefix: prefix) }

    public var isRevoked: Bool { revokedAt != nil }

    /// Expired once `now` reaches `expiresAt`.
    public func isExpired(at now: Date) -> Bool {
        expiresAt.map { now >= $0 } ?? false
    }

    /// Rotated away: replaced and the overlap has ended. A replacement without
    /// `valid_until` had no overlap. A `valid_until` without a replacement is
    /// honoured too, so a hand-set end date is never ignored.
    public func isRotatedAway(at now: Date) -> Bool {
        if let validUntil { return now >= validUntil }
        return replacedBy != nil
    }

    /// Whether a successful use at `now` should be written to `last_used_at`.
    ///
    /// Only when the stored value is older than `granularity` (default one
    /// minute): "last used" is for people deciding whether a key is still in
    /// use, and writing the row on every request would turn each API call
    /// into a control-schema update.
    public func needsLastUsedUpdate(at now: Date, granularity: Duration = .seconds(60)) -> Bool {
        guard let lastUsedAt else { return true }
        return now.timeIntervalSince(lastUsedAt) >= CredentialTime.seconds(granularity)
    }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "id": id, "prefix": prefix, "scopes": scopes, "ipAllowList": ipAllowList, "expiresAt": expiresAt as Any,
                "revokedAt": revokedAt as Any, "replacedBy": replacedBy as Any, "validUntil": validUntil as Any,
                "lastUsedAt": lastUsedAt as Any,
            ], displayStyle: .struct)
    }

    public var description: String {
        var parts = ["StoredCredential(\(prefix)", "id: \(id.uuidString.lowercased())", "scopes: \(scopes)"]
        if !ipAllowList.isEmpty { parts.append("ip_allow: \(ipAllowList)") }
        if let expiresAt { parts.append("expires_at: \(expiresAt)") }
        if let revokedAt { parts.append("revoked_at: \(revokedAt)") }
        if let replacedBy { parts.append("replaced_by: \(replacedBy.uuidString.lowercased())") }
        if let validUntil { parts.append("valid_until: \(validUntil)") }
        return parts.joined(separator: ", ") + ")"
    }
}
