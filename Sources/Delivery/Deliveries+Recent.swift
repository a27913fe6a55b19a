import ControlPlane
import Foundation
import Postgres

extension Deliveries {
    /// A message in a delivery log, with the answer to its latest try.
    public struct LogEntry: Sendable {
        public let message: DeliveryMessage
        /// The HTTP status of the latest attempt; nil before the first, or when it got no answer.
        public let lastStatusCode: Int?
    }

    /// One endpoint's messages, newest first, `limit` at a time: what people
    /// look at when asking "did my webhooks arrive?". `before` is the last
    /// shown `seq`, so the next page starts under it.
    public func log(tenant: Slug, endpoint: UUID, before: Int64?, limit: Int) async throws
        -> (items: [LogEntry], nextCursor: Int64?)
    {
        let limit = min(max(limit, 1), 500)
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                SELECT \(fragment: Self.columns),
                       (SELECT a.status_code FROM delivery_attempts a WHERE a.outbox_seq = outbox.seq
                        ORDER BY a.attempt DESC, a.id DESC LIMIT 1) AS last_status_code
                FROM outbox
                WHERE endpoint_id = \(endpoint) AND (\(before)::bigint IS NULL OR seq < \(before))
                ORDER BY seq DESC LIMIT \(limit + 1)
                """)
        }
        var items: [LogEntry] = []
        for row in rows.prefix(limit) {
            items.append(LogEntry(message: try Self.decode(row), lastStatusCode: try row.decode("last_status_code", as: Int?.self)))
        }
        return (items, rows.count > limit ? items.last?.message.seq : nil)
    }
}
