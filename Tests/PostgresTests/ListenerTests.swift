import Foundation
import Postgres
import TestSupport
import Testing

@Suite("LISTEN/NOTIFY")
struct ListenerTests {
    @Test func deliversNotificationsAndSurvivesAReconnect() async throws {
        try await withTestPool { pool in
            let listener = try PostgresListener(pool.connectionConfiguration, channels: ["work_ready"])
            var events = listener.events.makeAsyncIterator()
            try await waitForSession(listener)

            try await pool.withConnection { try await $0.notify("work_ready", payload: "one") }
            guard case .notification(let first)? = await events.next() else {
                Issue.record("expected a notification")
                return
            }
            #expect(first.channel == "work_ready")
            #expect(first.payload == "one")

            // Kill the listener's session; it must reconnect and listen again.
            let oldPID = listener.backendPID
            let admin = try await PostgresConnection.connect(pool.connectionConfiguration)
            try await admin.query("SELECT pg_terminate_backend(\(oldPID))")
            #expect(await events.next() == .reconnected)
            #expect(listener.backendPID != oldPID)

            try await admin.notify("work_ready", payload: "two ' \" quoted")
            guard case .notification(let second)? = await events.next() else {
                Issue.record("expected a notification after reconnect")
                return
            }
            #expect(second.channel == "work_ready")
            #expect(second.payload == "two ' \" quoted")
            #expect(second.senderPID == admin.backendPID)
            await admin.close()
            listener.stop()
        }
    }

    @Test func channelsAddedLaterAreListenedTo() async throws {
        try await withTestPool { pool in
            let listener = try PostgresListener(pool.connectionConfiguration, channels: [])
            var events = listener.events.makeAsyncIterator()
            try await waitForSession(listener)
            try listener.listen("late_channel")
            // LISTEN takes effect within a poll interval; keep notifying until it is heard.
            let sender = Task {
                for attempt in 0..<200 {
                    try await pool.withConnection { try await $0.notify("late_channel", payload: "\(attempt)") }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            guard case .notification(let heard)? = await events.next() else {
                Issue.record("no notification")
                return
            }
            sender.cancel()
            #expect(heard.channel == "late_channel")
            listener.stop()
        }
    }

    @Test func invalidChannelNamesAreRefused() async throws {
        let configuration = PostgresConfiguration(connectionString: "")
        #expect(throws: PostgresError.self) {
            try PostgresListener(configuration, channels: ["bad channel; DROP"])
        }
    }
}

private func waitForSession(_ listener: PostgresListener) async throws {
    for _ in 0..<500 where listener.backendPID == 0 {
        try await Task.sleep(for: .milliseconds(10))
    }
    #expect(listener.backendPID != 0)
}
