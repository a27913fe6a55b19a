import Foundation
import Triage

/// What one tenant's history tells the assistant: its model, and the facts the priority score needs.
///
/// Built from the tenant's cases only; ``learn(_:)`` folds in newly stored cases so a decision
/// counts on the next recommendation without rebuilding everything.
public struct TenantKnowledge: Sendable {
    public private(set) var model: TenantModel
    /// Past exceptions per supplier, and how many ended in a credit memo or a rejected invoice.
    private var suppliers: [String: (exceptions: Int, creditedOrDisputed: Int)] = [:]
    /// The median time from opened to resolved, fixed at the build: a typical cycle time.
    public let typicalCycleTime: TimeInterval

    /// Resolutions that mean the supplier was credited or disputed, for the priority's supplier factor.
    static let creditOrDispute: Set<Resolution> = [.requestCreditMemo, .rejectInvoice]

    /// One working day, for a tenant without history.
    static let defaultCycleTime: TimeInterval = 86_400

    public init(tenant: TenantID, cases: [ResolvedCase], configuration: TenantModel.Configuration = .init())
        throws(TriageError)
    {
        model = try TenantModel.train(tenant: tenant, cases: cases, configuration: configuration)
        let durations = cases.map { $0.resolvedAt.timeIntervalSince($0.openedAt) }.filter { $0 > 0 }.sorted()
        typicalCycleTime = durations.isEmpty ? Self.defaultCycleTime : durations[durations.count / 2]
        for resolved in cases { count(resolved) }
    }

    public var tenant: TenantID { model.tenant }

    public mutating func learn(_ resolved: ResolvedCase) throws(TriageError) {
        try model.learn(resolved)
        count(resolved)
    }

    public func supplierHistory(_ supplier: String) -> SupplierHistory {
        guard let counts = suppliers[supplier],
            let history = try? SupplierHistory(
                exceptions: counts.exceptions, creditedOrDisputed: counts.creditedOrDisputed)
        else { return .none }
        return history
    }

    private mutating func count(_ resolved: ResolvedCase) {
        var counts = suppliers[resolved.supplier] ?? (0, 0)
        counts.exceptions += 1
        if Self.creditOrDispute.contains(resolved.resolution) { counts.creditedOrDisputed += 1 }
        suppliers[resolved.supplier] = counts
    }
}
