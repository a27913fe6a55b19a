import ControlPlane
import Foundation
import Postgres
import Triage

/// Turns a person's decision on a run the assistant recommended on into a resolved case.
///
/// The rule, because a decision comment is free text and not a reliable root cause:
/// - **approve** — the person agreed: the case gets the recommendation's root cause and
///   resolution, `overrode_recommendation = false`;
/// - **reject** — the person disagreed: the case gets the recommendation's runner-up (the
///   model's next most likely root cause and its resolution), `overrode_recommendation = true`,
///   so the model learns at double weight that the top answer was wrong here; without a
///   runner-up there is nothing better to learn and no case is stored;
/// - a run gets at most one case (its first decision or reversal), so an exception is never
///   counted twice; `request_info` is not a decision and records nothing.
///
/// Runs in the caller's transaction, so the case exists exactly when the decision does.
public enum DecisionFeedback {
    /// Records the case for `runID`'s decision; returns it, or nil when the run had no recommendation.
    @discardableResult
    public static func record(
        tenant: Slug, runID: UUID, approved: Bool, decidedBy: String, decidedAt: Date = Date(),
        on transaction: PostgresConnection
    ) async throws -> ResolvedCase? {
        guard let stored = try await RecommendationStore.latest(runID: runID, on: transaction) else { return nil }
        let agreed: (RootCause, Resolution)
        if approved {
            agreed = (stored.rootCause, stored.resolution)
        } else if let runnerUp = stored.runnerUp {
            agreed = runnerUp
        } else {
            return nil
        }
        let resolved = ResolvedCase(
            id: "run-\(runID.uuidString.lowercased())", tenant: try TenantID(tenant.value), supplier: stored.supplier,
            labels: stored.labels, varianceType: stored.varianceType, amountBand: stored.amountBand,
            rootCause: agreed.0, resolution: agreed.1, openedAt: stored.openedAt,
            resolvedAt: max(decidedAt, stored.openedAt), decidedBy: decidedBy, overrodeRecommendation: !approved)
        let inserted = try await CaseStore.insert([resolved], origin: .decision, runID: runID, on: transaction)
        return inserted == 1 ? resolved : nil
    }
}
