import Foundation
import Postgres
import Synchronization
import TestSupport
import Testing

@Suite("Notifications after commit")
struct NotifierTests {
    /// Records what each send carried and holds the first one until released.
    final class Recorder: Sendable {
        let sends = Mutex<[[String]]>([])
        let gate = AsyncStream<Void>.makeStream()

        func send(_ key: String, _ query: PostgresQuery) async throws {
            let index = sends.withLock { sends in
                sends.append(query.bindings.map { "\(key):" + Self.textArray($0.bytes ?? []).joined(separator: ",") })
                return sends.count
            }
            if index == 1 {
                var iterator = gate.stream.makeAsyncIterator()
                await iterator.next()
            }
        }

        /// The elements of a binary one-dimensional `text[]` bind (``PostgresBinaryArray``).
        static func textArray(_ bytes: [UInt8]) -> [String] {
            func integer(at offset: Int) -> Int {
                bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            }
            guard integer(at: 0) == 1 else { return [] }
            var elements: [String] = []
            var offset = 20
            for _ in 0..<integer(at: 12) {
                let length = integer(at: offset)
                elements.append(String(decoding: bytes[offset + 4..<offset + 4 + length], as: UTF8.self))
                offset += 4 + length
            }
            return elements
        }
    }

    @Test func aBurstWhileOneIsInFlightGoesAsOneStatementWithEachWakeOnce() async throws {
        let recorder = Recorder()
        let notifier = PostgresNotifier<String> { try await recorder.send($0, $1) }
        notifier.notify("engine", payload: "t_a", via: "a")
        // The first send is now held; everything queued meanwhile must coalesce.
        while recorder.sends.withLock({ $0.isEmpty }) { await Task.yield() }
        for _ in 0..<500 {
            notifier.notify("engine", payload: "t_a", via: "a")
            notifier.notify("outbox", payload: "t_a", via: "a")
        }
        recorder.gate.continuation.yield()
        var sends: [[String]] = []
        for _ in 0..<1_000 {
            sends = recorder.sends.withLock { $0 }
            if sends.count == 2 { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(sends.count == 2)
        #expect(sends.first == ["a:engine", "a:t_a"])
        #expect(sends.last == ["a:engine,outbox", "a:t_a,t_a"])
        try await Task.sleep(for: .milliseconds(50))
        #expect(recorder.sends.withLock { $0.count } == 2)
    }

    @Test func aGroupNotifiesOnTheKeysSessionAfterTheCallerCommitted() async throws {
        try await withTenants(["notify_a"]) { fixture in
            let group = PostgresPoolGroup<String> { fixture.configuration(for: $0) }
            let listener = try PostgresListener(fixture.database, channels: ["work_ready"])
            var events = listener.events.makeAsyncIterator()
            while listener.backendPID == 0 { try await Task.sleep(for: .milliseconds(5)) }
            try await group.withTransaction(for: "notify_a") { _ in }
            group.notifyAfterCommit("work_ready", payload: "t_notify_a", for: "notify_a")
            guard case .notification(let notification)? = await events.next() else {
                Issue.record("expected a notification")
                return
            }
            #expect(notification.channel == "work_ready")
            #expect(notification.payload == "t_notify_a")
            listener.stop()
            await group.close()
        }
    }
}
