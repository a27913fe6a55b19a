import Foundation
import Postgres
import Synchronization

extension UserStore {
    /// IANA zones a user may choose: those the database's zone files know
    /// (the migration's trigger checks against them) in the shape its CHECK
    /// allows (`Area/Location`, and `UTC`), and that Foundation can render.
    /// Read once per process: zone files change only with a server upgrade.
    public func timeZones() async throws -> [String] {
        if let known = TimeZoneList.shared.names.withLock({ $0 }) { return known }
        let rows = try await pool.query(
            """
            SELECT name FROM pg_timezone_names
            WHERE name ~ '^[A-Z][A-Za-z_-]*(/[A-Za-z0-9_+-]+){1,2}$' AND length(name) <= 64
            ORDER BY name
            """)
        var names = ["UTC"]
        for row in rows {
            let name = try row.decode("name", as: String.self)
            if TimeZone(identifier: name) != nil { names.append(name) }
        }
        TimeZoneList.shared.names.withLock { $0 = names }
        return names
    }

    /// Sets the zone the portal shows `id`'s dates in, audited as a user change.
    ///
    /// - Throws: `invalid_time_zone` (422) for a name not in ``timeZones()``;
    ///   `user_not_found` (404).
    public func setTimeZone(_ id: UUID, to zone: String, actor: String) async throws {
        guard try await timeZones().contains(zone) else {
            throw ControlPlaneError.invalid(
                "invalid_time_zone", "Choose a time zone from the list, such as Europe/Berlin.", field: "time_zone")
        }
        try await pool.withTransaction { tx in
            let rows = try await tx.query("SELECT time_zone FROM control.users WHERE id = \(id) FOR UPDATE")
            guard let before = try rows.first?.decode("time_zone", as: String.self) else { throw Self.notFound() }
            guard before != zone else { return }
            try await tx.query("UPDATE control.users SET time_zone = \(zone) WHERE id = \(id)")
            try await AuditLog.control().append(
                AuditEntry(
                    actor: actor, action: "user.updated", subject: Self.subject(id),
                    details: ["time_zone.before": before, "time_zone.after": zone]),
                on: tx)
        }
    }
}

/// The process-wide cache behind ``UserStore/timeZones()``.
final class TimeZoneList: Sendable {
    static let shared = TimeZoneList()
    let names = Mutex<[String]?>(nil)
}
