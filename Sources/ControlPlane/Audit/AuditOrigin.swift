/// Where a change came from, for the audit entries it writes: the caller's
/// address, the request id and the W3C trace id.
///
/// The API binds it for the duration of one request (a task-local value), and
/// ``AuditLog/append(_:on:at:)`` fills an entry's missing `sourceIP`,
/// `requestID` and `traceID` from it. That way every store that audits a
/// change (tenants, credentials, webhook secrets, users, partners) records
/// the origin without each of their signatures carrying it, and changes made
/// outside a request (CLI, manifests, workers) record none.
public struct AuditOrigin: Sendable, Equatable {
    public var sourceIP: String?
    public var requestID: String?
    public var traceID: String?

    /// Empty strings mean "unknown" and are stored as NULL.
    public init(sourceIP: String?, requestID: String?, traceID: String?) {
        self.sourceIP = sourceIP.flatMap { $0.isEmpty ? nil : $0 }
        self.requestID = requestID.flatMap { $0.isEmpty ? nil : $0 }
        self.traceID = traceID.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The origin of the request this task is serving, if any.
    @TaskLocal public static var current: AuditOrigin?
}

extension AuditEntry {
    /// This entry with its unset origin fields taken from `origin`; fields the
    /// writer set itself are kept.
    func filling(from origin: AuditOrigin?) -> AuditEntry {
        guard let origin else { return self }
        var entry = self
        entry.sourceIP = entry.sourceIP ?? origin.sourceIP
        entry.requestID = entry.requestID ?? origin.requestID
        entry.traceID = entry.traceID ?? origin.traceID
        return entry
    }
}
