import Foundation
import Postgres
import Triage

/// Every recommendation the assistant made, in `triage_recommendations`, with its record JSON unchanged.
public enum RecommendationStore {
    /// A stored recommendation with the features it was made for.
    public struct Stored: Sendable {
        public let id: UUID
        public let runID: UUID
        public let stepID: String
        public let supplier: String
        public let labels: [ExceptionLabel]
        public let varianceType: VarianceType?
        public let amountBand: AmountBand
        public let openedAt: Date
        public let rootCause: RootCause
        public let resolution: Resolution
        public let confidence: Double
        public let runnerUp: (rootCause: RootCause, resolution: Resolution)?
        public let action: String
        /// The ``Triage/RecommendationRecord`` JSON as stored.
        public let record: String
        public let createdAt: Date
    }

    /// Stores `record` for the run's step; a step executed again replaces its earlier recommendation.
    static func save(_ record: RecommendationRecord, runID: UUID, stepID: String, on transaction: PostgresConnection)
        async throws -> UUID
    {
        let exception = record.exception
        let recommendation = record.answer.recommendation
        let runnerUp = recommendation.alternatives.first
        let rows = try await transaction.query(
            """
            INSERT INTO triage_recommendations (run_id, step_id, supplier, labels, variance_type, amount_band, opened_at,
                root_cause, resolution, confidence, model_name, model_version, answered_by, fallback_reason, action,
                record, runner_up_root_cause, runner_up_resolution)
            VALUES (\(runID), \(stepID), \(exception.supplier), \(exception.labels.map(\.rawValue)),
                    \(exception.varianceType?.rawValue), \(exception.amountBand.rawValue), \(exception.openedAt),
                    \(recommendation.rootCause.code), \(recommendation.resolution.code),
                    \(min(1, max(0, recommendation.confidence))), \(recommendation.model.name),
                    \(recommendation.model.version), \(record.answer.source.code),
                    \(record.answer.source.fallbackReason?.code), \(record.decision.action.rawValue),
                    \(record.json.serialized())::jsonb, \(runnerUp?.rootCause.code), \(runnerUp?.resolution.code))
            ON CONFLICT (run_id, step_id) DO UPDATE SET
                supplier = EXCLUDED.supplier, labels = EXCLUDED.labels, variance_type = EXCLUDED.variance_type,
                amount_band = EXCLUDED.amount_band, opened_at = EXCLUDED.opened_at, root_cause = EXCLUDED.root_cause,
                resolution = EXCLUDED.resolution, confidence = EXCLUDED.confidence, model_name = EXCLUDED.model_name,
                model_version = EXCLUDED.model_version, answered_by = EXCLUDED.answered_by,
                fallback_reason = EXCLUDED.fallback_reason, action = EXCLUDED.action, record = EXCLUDED.record,
                runner_up_root_cause = EXCLUDED.runner_up_root_cause,
                runner_up_resolution = EXCLUDED.runner_up_resolution, created_at = now()
            RETURNING id
            """)
        return try rows[0].decode("id", as: UUID.self)
    }

    /// The run's latest recommendation, if the assistant made one.
    public static func latest(runID: UUID, on connection: PostgresConnection) async throws -> Stored? {
        let rows = try await connection.query(
            """
            SELECT id, run_id, step_id, supplier, labels, variance_type, amount_band, opened_at, root_cause, resolution,
                   confidence, runner_up_root_cause, runner_up_resolution, action, record::text AS record, created_at
            FROM triage_recommendations WHERE run_id = \(runID) ORDER BY created_at DESC, id LIMIT 1
            """)
        guard let row = rows.first else { return nil }
        return try decode(row)
    }

    static func decode(_ row: PostgresRow) throws -> Stored {
        func unreadable(_ what: String) -> AssistanceError {
            AssistanceError(.storedRecordUnreadable, "a stored recommendation has an unreadable \(what)", field: what)
        }
        var labels: [ExceptionLabel] = []
        for text in try row.decode("labels", as: [String].self) {
            guard let label = ExceptionLabel(rawValue: text) else { throw unreadable("labels") }
            labels.append(label)
        }
        guard let band = AmountBand(rawValue: try row.decode("amount_band", as: String.self)) else {
            throw unreadable("amount_band")
        }
        var runnerUp: (RootCause, Resolution)?
        if let cause = try row.decode("runner_up_root_cause", as: String?.self),
            let resolution = try row.decode("runner_up_resolution", as: String?.self)
        {
            runnerUp = (try RootCause(cause), try Resolution(resolution))
        }
        return Stored(
            id: try row.decode("id", as: UUID.self), runID: try row.decode("run_id", as: UUID.self),
            stepID: try row.decode("step_id", as: String.self), supplier: try row.decode("supplier", as: String.self),
            labels: labels,
            varianceType: try row.decode("variance_type", as: String?.self).flatMap(VarianceType.init(rawValue:)),
            amountBand: band, openedAt: try row.decode("opened_at", as: Date.self),
            rootCause: try RootCause(try row.decode("root_cause", as: String.self)),
            resolution: try Resolution(try row.decode("resolution", as: String.self)),
            confidence: try row.decode("confidence", as: Double.self), runnerUp: runnerUp,
            action: try row.decode("action", as: String.self), record: try row.decode("record", as: String.self),
            createdAt: try row.decode("created_at", as: Date.self))
    }
}
