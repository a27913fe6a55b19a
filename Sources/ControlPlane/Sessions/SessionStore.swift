import Cryptography
import Foundation
import Platform
import Postgres

/// Portal sign-in: e-mail and password (scrypt), sessions kept as the SHA-256
/// of a random token that lives only in the user's cookie.
///
/// A session ends when it has been idle for `idleTimeout`, at the latest
/// `absoluteLifetime` after sign-in, at sign-out, or when the user signs out
/// everywhere or is disabled. Signing in always makes a new token (the old
/// cookie's session, if any, is revoked), so a token planted before sign-in
/// is worthless after it. Successes and failures are audited with the
/// source address; the password never reaches a log or an audit entry.
public struct SessionStore: Sendable {
    public struct Policy: Sendable {
        public var idleTimeout: TimeInterval
        public var absoluteLifetime: TimeInterval
        /// `last_seen_at` is written at most this often per session.
        public var touchInterval: TimeInterval

        public init(idleTimeout: TimeInterval = 1_800, absoluteLifetime: TimeInterval = 43_200, touchInterval: TimeInterval = 60) {
            self.idleTimeout = idleTimeout
            self.absoluteLifetime = absoluteLifetime
            self.touchInterval = touchInterval
        }
    }

    /// A signed-in user as the portal sees them.
    public struct SignedIn: Sendable, Equatable {
        public let userID: UUID
        public let displayName: String
        public let principal: Principal
        public let expiresAt: Date
        /// Derived from the session token: the value every form must send back.
        public let csrfToken: String
        /// The IANA zone the user reads dates in (`control.users.time_zone`).
        public let timeZone: String
    }

    public let pool: PostgresPool
    public let policy: Policy
    public let throttle: LoginThrottle
    private let hasher: PasswordHasher
    private let now: @Sendable () -> Date
    /// Verified against when the account does not exist, so that a missing
    /// account costs the same scrypt time as a wrong password.
    private let decoy: String

    public init(
        pool: PostgresPool, policy: Policy = Policy(), throttle: LoginThrottle = LoginThrottle(),
        hasher: PasswordHasher = PasswordHasher(), now: @escaping @Sendable () -> Date = Date.init
    ) throws {
        self.pool = pool
        self.policy = policy
        self.throttle = throttle
        self.hasher = hasher
        self.now = now
        self.decoy = try hasher.hash(try SecureRandom.token(bytes: 16))
    }

    /// Checks the password and opens a session; returns the cookie token.
    public func signIn(email: String, password: String, remoteAddress: String, replacing oldToken: String? = nil)
        async throws -> (token: String, user: SignedIn)
    {
        let account = email.trimmingCharacters(in: .whitespaces).lowercased()
        let time = now()
        if let wait = throttle.retryAfter(account: account, address: remoteAddress, now: time) {
            throw SessionError.throttled(retryAfter: Int(wait))
        }
        let rows = try await pool.query(
            """
            SELECT id, password_hash, status FROM control.users WHERE email = \(account)
            """)
        let stored = try rows.first?.decode("password_hash", as: String?.self)
        let active = try rows.first?.decode("status", as: String.self) == "active"
        let hasher = hasher
        let decoy = decoy
        let matches = try await DedicatedThread.once(name: "scrypt") {
            let verified = (try? hasher.verify(password, against: stored ?? decoy)) ?? false
            return verified && stored != nil
        }
        guard matches, active, let userID = try rows.first?.decode("id", as: UUID.self) else {
            throttle.recordFailure(account: account, address: remoteAddress, now: time)
            try await pool.withTransaction { tx in
                try await AuditLog.control().append(
                    AuditEntry(
                        actor: "anonymous", action: "session.sign_in_failed", subject: "user:\(account)",
                        sourceIP: remoteAddress), on: tx, at: time)
            }
            throw SessionError.invalidCredentials
        }
        throttle.recordSuccess(account: account)
        let token = try SecureRandom.token(bytes: 32)
        let expires = time.addingTimeInterval(policy.absoluteLifetime)
        try await pool.withTransaction { tx in
            if let oldToken {
                try await tx.query(
                    "UPDATE control.sessions SET revoked_at = \(time) WHERE token_hash = \(ByteA(try Self.hash(oldToken))) AND revoked_at IS NULL")
            }
            try await tx.query(
                """
                INSERT INTO control.sessions (token_hash, user_id, created_at, last_seen_at, expires_at)
                VALUES (\(ByteA(try Self.hash(token))), \(userID), \(time), \(time), \(expires))
                """)
            try await AuditLog.control().append(
                AuditEntry(actor: "user:\(account)", action: "session.signed_in", subject: "user:\(account)", sourceIP: remoteAddress),
                on: tx, at: time)
        }
        guard let user = try await signedIn(token: token) else { throw SessionError.invalidCredentials }
        return (token, user)
    }

    /// The user behind a session cookie, or nil when the session has ended.
    public func signedIn(token: String) async throws -> SignedIn? {
        let time = now()
        let rows = try await pool.query(
            """
            SELECT s.last_seen_at, s.expires_at, u.id, u.email, u.display_name, u.scope, u.roles,
                   u.approval_limit_minor, u.approval_currency, u.time_zone, p.slug AS partner_slug, t.slug AS tenant_slug,
                   tp.slug AS tenant_partner_slug
            FROM control.sessions s
            JOIN control.users u ON u.id = s.user_id AND u.status = 'active'
            LEFT JOIN control.partners p ON p.id = u.partner_id
            LEFT JOIN control.tenants t ON t.id = u.tenant_id
            LEFT JOIN control.partners tp ON tp.id = t.partner_id
            WHERE s.token_hash = \(ByteA(try Self.hash(token))) AND s.revoked_at IS NULL
              AND s.expires_at > \(time) AND s.last_seen_at > \(time.addingTimeInterval(-policy.idleTimeout))
            """)
        guard let row = rows.first else { return nil }
        let lastSeen = try row.decode("last_seen_at", as: Date.self)
        if time.timeIntervalSince(lastSeen) >= policy.touchInterval {
            try await pool.query("UPDATE control.sessions SET last_seen_at = \(time) WHERE token_hash = \(ByteA(try Self.hash(token)))")
        }
        let email = try row.decode("email", as: String.self)
        let roles = Set(try row.decode("roles", as: [String].self))
        let organization: Principal.Organization
        switch try row.decode("scope", as: String.self) {
        case "tenant":
            organization = .tenant(
                try Slug(try row.decode("tenant_slug", as: String.self)),
                partner: try Slug(try row.decode("tenant_partner_slug", as: String.self)))
        case "partner":
            organization = .partner(try Slug(try row.decode("partner_slug", as: String.self)))
        default:
            organization = .provider
        }
        let principal = Principal(
            organization: organization, scopes: RoleScopes.scopes(for: roles), roles: roles, actor: "user:\(email)",
            user: Principal.User(
                email: email, approvalLimitMinor: try row.decode("approval_limit_minor", as: Int64?.self),
                approvalCurrency: try row.decode("approval_currency", as: String?.self)))
        return SignedIn(
            userID: try row.decode("id", as: UUID.self), displayName: try row.decode("display_name", as: String.self),
            principal: principal, expiresAt: try row.decode("expires_at", as: Date.self),
            csrfToken: try Self.csrfToken(for: token), timeZone: try row.decode("time_zone", as: String.self))
    }

    /// Ends one session.
    public func signOut(token: String) async throws {
        try await pool.query(
            "UPDATE control.sessions SET revoked_at = \(now()) WHERE token_hash = \(ByteA(try Self.hash(token))) AND revoked_at IS NULL")
    }

    /// Ends every session of a user (sign out everywhere), audited.
    public func signOutEverywhere(userID: UUID, actor: String, remoteAddress: String?) async throws {
        let time = now()
        try await pool.withTransaction { tx in
            let ended = try await tx.execute(
                "UPDATE control.sessions SET revoked_at = \(time) WHERE user_id = \(userID) AND revoked_at IS NULL")
            try await AuditLog.control().append(
                AuditEntry(
                    actor: actor, action: "session.signed_out_everywhere", subject: "user_id:\(userID.uuidString.lowercased())",
                    details: ["sessions": String(ended)], sourceIP: remoteAddress), on: tx, at: time)
        }
    }

    /// Sets a user's password (demo manifests, password reset), audited without the password.
    public func setPassword(email: String, password: String, actor: String) async throws {
        guard password.count >= 12 else {
            throw ControlPlaneError.invalid("password_too_short", "a password needs at least 12 characters", field: "password")
        }
        let hasher = hasher
        let encoded = try await DedicatedThread.once(name: "scrypt") { try hasher.hash(password) }
        try await pool.withTransaction { tx in
            let updated = try await tx.execute(
                "UPDATE control.users SET password_hash = \(encoded) WHERE email = \(email.lowercased())")
            guard updated == 1 else {
                throw ControlPlaneError(code: "user_not_found", message: "no user \(email)", httpStatus: 404, field: "email")
            }
            try await AuditLog.control().append(
                AuditEntry(actor: actor, action: "user.password_set", subject: "user:\(email.lowercased())"), on: tx)
        }
    }

    /// Whether a stored password already is `password` (so applying a manifest twice changes nothing).
    public func passwordMatches(email: String, password: String) async throws -> Bool {
        let rows = try await pool.query("SELECT password_hash FROM control.users WHERE email = \(email.lowercased())")
        guard let stored = try rows.first?.decode("password_hash", as: String?.self) else { return false }
        let hasher = hasher
        return try await DedicatedThread.once(name: "scrypt") { (try? hasher.verify(password, against: stored)) ?? false }
    }

    /// Checks a form's CSRF token against the session's, in constant time.
    public static func csrfMatches(_ presented: String, sessionToken: String) -> Bool {
        guard let expected = try? csrfToken(for: sessionToken) else { return false }
        return ConstantTime.equals(Array(presented.utf8), Array(expected.utf8))
    }

    static func hash(_ token: String) throws -> [UInt8] {
        try SHA256.hash(data: Array(token.utf8)).bytes
    }

    /// A per-session value an attacker's page cannot read or compute: a hash
    /// of the secret session token under a distinct label.
    static func csrfToken(for token: String) throws -> String {
        try SHA256.hash(data: Array(("countersign-csrf:" + token).utf8)).hexString
    }
}

public struct SessionError: CodedError, Equatable {
    public let code: String
    public let message: String
    public let httpStatus: Int
    public let retryAfter: Int?

    public static let invalidCredentials = SessionError(
        code: "invalid_credentials", message: "The e-mail address or password is not right.", httpStatus: 401,
        retryAfter: nil)

    public static func throttled(retryAfter: Int) -> SessionError {
        SessionError(
            code: "login_throttled", message: "Too many failed sign-ins. Try again in \(retryAfter) seconds.",
            httpStatus: 429, retryAfter: retryAfter)
    }
}
