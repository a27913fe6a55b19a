import Foundation
import Postgres

/// A partial change to a user: nil leaves a field as it is.
public struct UserChanges: Sendable, Equatable {
    public var displayName: String?
    /// Role names; the whole new set.
    public var roles: [String]?
    /// `.some(nil)` removes the limit.
    public var approvalLimit: ApprovalLimit??
    public var status: UserAccount.Status?

    public init(
        displayName: String? = nil, roles: [String]? = nil, approvalLimit: ApprovalLimit?? = nil,
        status: UserAccount.Status? = nil
    ) {
        self.displayName = displayName
        self.roles = roles
        self.approvalLimit = approvalLimit
        self.status = status
    }
}

extension UserStore {
    /// Applies `changes`; a change to nothing writes nothing. Disabling
    /// revokes the user's sessions in the same transaction.
    ///
    /// - Throws: `user_not_found` (404); `invalid_*` (422) as for creation.
    public func update(_ id: UUID, _ changes: UserChanges, actor: String) async throws -> UserAccount {
        if let name = changes.displayName { try Self.checkDisplayName(name) }
        try await pool.withTransaction { tx in
            let current = try await Self.lockedUser(id, on: tx)
            let roles = try changes.roles.map { try UserRole.parse($0, for: current.organization) }
            if case .some(let limit) = changes.approvalLimit {
                try Self.checkApprovalLimit(limit, in: current.organization)
            }
            var details: [String: String] = [:]
            func compare(_ name: String, _ before: String, _ after: String?) {
                guard let after, after != before else { return }
                details["\(name).before"] = before
                details["\(name).after"] = after
            }
            compare("display_name", current.displayName, changes.displayName)
            compare(
                "roles", current.roles.map(\.rawValue).joined(separator: ","),
                roles?.map(\.rawValue).joined(separator: ","))
            compare(
                "approval_limit", current.approvalLimit?.description ?? "none",
                changes.approvalLimit.map { $0?.description ?? "none" })
            compare("status", current.status.rawValue, changes.status?.rawValue)
            guard !details.isEmpty else { return }
            let limit = changes.approvalLimit ?? current.approvalLimit
            try await tx.query(
                """
                UPDATE control.users
                SET display_name = \(changes.displayName ?? current.displayName),
                    roles = \((roles ?? current.roles).map(\.rawValue)),
                    approval_limit_minor = \(limit?.minorUnits), approval_currency = \(limit?.currency),
                    status = \((changes.status ?? current.status).rawValue)
                WHERE id = \(id)
                """)
            if changes.status == .disabled, current.status != .disabled {
                details["sessions_revoked"] = String(try await Self.revokeSessions(of: id, on: tx))
            }
            try await AuditLog.control().append(
                AuditEntry(actor: actor, action: "user.updated", subject: Self.subject(id), details: details), on: tx)
        }
        return try await user(id)
    }

    /// Disables the user and revokes every session and personal token; the
    /// row stays for the audit log. Repeating it revokes whatever was issued since.
    ///
    /// - Throws: `user_not_found` (404).
    public func delete(_ id: UUID, actor: String) async throws -> UserAccount {
        try await pool.withTransaction { tx in
            let current = try await Self.lockedUser(id, on: tx)
            try await tx.query("UPDATE control.users SET status = 'disabled' WHERE id = \(id)")
            let sessions = try await Self.revokeSessions(of: id, on: tx)
            let tokens = try await tx.execute(
                "UPDATE control.api_credentials SET revoked_at = now() WHERE user_id = \(id) AND revoked_at IS NULL")
            try await AuditLog.control().append(
                AuditEntry(
                    actor: actor, action: "user.deleted", subject: Self.subject(id),
                    details: [
                        "email": current.email, "status.before": current.status.rawValue, "status.after": "disabled",
                        "sessions_revoked": String(sessions), "tokens_revoked": String(tokens),
                    ]), on: tx)
        }
        return try await user(id)
    }

    static func lockedUser(_ id: UUID, on tx: PostgresConnection) async throws -> UserAccount {
        let rows = try await tx.query("\(fragment: Self.userSelect) WHERE u.id = \(id) FOR UPDATE OF u")
        guard let row = rows.first else { throw Self.notFound() }
        return try Self.user(row)
    }

    static func revokeSessions(of id: UUID, on tx: PostgresConnection) async throws -> Int {
        try await tx.execute(
            "UPDATE control.sessions SET revoked_at = now() WHERE user_id = \(id) AND revoked_at IS NULL")
    }
}
