@testable import ControlPlane
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Audit log")
struct AuditLogTests {
    @Test func theChainVerifiesAndTamperingIsNamed() async throws {
        try await withControlPlane { service in
            let pool = service.pool
            let log = try AuditLog.control()
            for n in 0..<5 {
                try await pool.withTransaction { tx in
                    try await log.append(
                        AuditEntry(actor: "user:\(n)", action: "thing.done", subject: "thing:\(n)",
                                   details: ["n": "\(n)", "note": "ünïcode; \"quotes\""], sourceIP: "10.0.0.\(n)",
                                   requestID: "r\(n)"), on: tx)
                }
            }
            let intact = try await pool.withConnection { try await log.verify(on: $0) }
            #expect(intact.isIntact)
            #expect(intact.entriesChecked >= 6)

            // The database refuses edits outright.
            let refused = await #expect(throws: PostgresError.self) {
                try await pool.query("UPDATE control.audit_log SET actor = 'mallory' WHERE subject = 'thing:2'")
            }
            #expect(refused?.isInsufficientPrivilege == true)
            await #expect(throws: PostgresError.self) { try await pool.query("DELETE FROM control.audit_log") }

            // A superuser who disables the trigger can edit a row, but verification names it.
            let target = try await pool.query("SELECT id FROM control.audit_log WHERE subject = 'thing:2'")[0]
                .decode("id", as: Int64.self)
            try await pool.withTransaction { tx in
                try await tx.query("ALTER TABLE control.audit_log DISABLE TRIGGER audit_log_append_only")
                try await tx.query("UPDATE control.audit_log SET details = '{\"n\":\"9\"}' WHERE id = \(target)")
                try await tx.query("ALTER TABLE control.audit_log ENABLE TRIGGER audit_log_append_only")
            }
            let broken = try await pool.withConnection { try await log.verify(on: $0) }
            #expect(broken.firstBroken?.id == target)
        }
    }

    @Test func deletingAnEntryBreaksTheLinkOfTheNext() async throws {
        try await withControlPlane { service in
            let pool = service.pool
            let log = try AuditLog.control()
            for n in 0..<3 {
                try await pool.withTransaction { try await log.append(AuditEntry(actor: "a", action: "x", subject: "s:\(n)"), on: $0) }
            }
            let ids = try await pool.query("SELECT id FROM control.audit_log ORDER BY id").map { try $0.decode("id", as: Int64.self) }
            try await pool.withTransaction { tx in
                try await tx.query("ALTER TABLE control.audit_log DISABLE TRIGGER audit_log_append_only")
                try await tx.query("DELETE FROM control.audit_log WHERE id = \(ids[1])")
                try await tx.query("ALTER TABLE control.audit_log ENABLE TRIGGER audit_log_append_only")
            }
            let result = try await pool.withConnection { try await log.verify(on: $0) }
            #expect(result.firstBroken?.id == ids[2])
        }
    }

    /// The append is one statement (lock, newest hash, insert inside `audit_append`): transactions
    /// appending at once must still each link to the entry committed just before theirs.
    @Test func concurrentAppendsKeepOneUnbrokenChain() async throws {
        try await withControlPlane { service in
            let pool = service.pool
            let log = try AuditLog.control()
            let before = try await pool.withConnection { try await log.verify(on: $0) }.entriesChecked
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        for n in 0..<5 {
                            try await pool.withTransaction { tx in
                                for part in 0..<2 {
                                    try await log.append(
                                        AuditEntry(actor: "writer:\(writer)", action: "thing.done", subject: "thing:\(n).\(part)"),
                                        on: tx)
                                }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let result = try await pool.withConnection { try await log.verify(on: $0) }
            #expect(result.isIntact)
            #expect(result.entriesChecked == before + 80)
        }
    }

    /// Several entries in one round trip (`audit_append_many`), interleaved with single appends
    /// from concurrent transactions: one chain, every field kept, tampering still named.
    @Test func appendingManyAtOnceKeepsTheChain() async throws {
        try await withControlPlane { service in
            let pool = service.pool
            let log = try AuditLog.control()
            let before = try await pool.withConnection { try await log.verify(on: $0) }.entriesChecked
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        for n in 0..<3 {
                            try await pool.withTransaction { tx in
                                try await log.append(AuditEntry(actor: "single:\(writer)", action: "one", subject: "s:\(n)"), on: tx)
                                try await log.append(
                                    contentsOf: (0..<4).map {
                                        AuditEntry(
                                            actor: "batch:\(writer)", action: "many", subject: "b:\(n).\($0)",
                                            details: ["part": "\($0)", "note": "ünïcode; \"quotes\""],
                                            sourceIP: $0 == 0 ? "10.0.0.1" : nil, requestID: "r\(n)")
                                    }, on: tx)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let result = try await pool.withConnection { try await log.verify(on: $0) }
            #expect(result.isIntact)
            #expect(result.entriesChecked == before + 4 * 3 * 5)
            let stored = try await pool.query(
                """
                SELECT details->>'note' AS note, source_ip, request_id FROM control.audit_log
                WHERE actor = 'batch:0' AND subject = 'b:1.0'
                """)
            #expect(try stored[0].decode("note", as: String.self) == "ünïcode; \"quotes\"")
            #expect(try stored[0].decode("source_ip", as: String?.self) == "10.0.0.1")
            #expect(try stored[0].decode("request_id", as: String?.self) == "r1")

            let target = try await pool.query("SELECT id FROM control.audit_log WHERE subject = 'b:2.3' AND actor = 'batch:3'")[0]
                .decode("id", as: Int64.self)
            try await pool.withTransaction { tx in
                try await tx.query("ALTER TABLE control.audit_log DISABLE TRIGGER audit_log_append_only")
                try await tx.query("UPDATE control.audit_log SET subject = 'b:2.4' WHERE id = \(target)")
                try await tx.query("ALTER TABLE control.audit_log ENABLE TRIGGER audit_log_append_only")
            }
            #expect(try await pool.withConnection { try await log.verify(on: $0) }.firstBroken?.id == target)
        }
    }

    @Test func canonicalEncodingIsUnambiguous() {
        let a = AuditLog.canonicalEncoding(AuditEntry(actor: "ab", action: "c", subject: "d"), micros: 1)
        let b = AuditLog.canonicalEncoding(AuditEntry(actor: "a", action: "bc", subject: "d"), micros: 1)
        #expect(a != b)
        let none = AuditLog.canonicalEncoding(AuditEntry(actor: "a", action: "b", subject: "c", sourceIP: nil), micros: 1)
        let empty = AuditLog.canonicalEncoding(AuditEntry(actor: "a", action: "b", subject: "c", sourceIP: ""), micros: 1)
        #expect(none != empty)
    }
}
