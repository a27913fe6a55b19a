@testable import ControlPlane
import Testing

@Suite("Credential scopes")
struct CredentialScopeTests {
    @Test(
        "scope lists parse, ignoring spaces and duplicates",
        arguments: [
            ("events:write", [Scope.eventsWrite]),
            ("events:write,runs:read", [.eventsWrite, .runsRead]),
            (" tasks:write , tasks:read ,tasks:write", [.tasksRead, .tasksWrite]),
            ("admin", [.admin]),
            (
                "events:write,events:read,runs:read,runs:write,tasks:read,tasks:write,credentials:write,secrets:write,audit:read",
                [
                    .eventsWrite, .eventsRead, .runsRead, .runsWrite, .tasksRead, .tasksWrite, .credentialsWrite,
                    .secretsWrite, .auditRead,
                ]
            ),
        ])
    func parses(text: String, expected: [Scope]) throws {
        let scopes = try ScopeSet(parsing: text)
        #expect(scopes == ScopeSet(expected))
        #expect(try ScopeSet(parsing: scopes.names) == scopes)
        #expect(try ScopeSet(parsing: scopes.description) == scopes)
    }

    @Test(
        "unknown or empty scopes are invalid_scope naming the culprit",
        arguments: [
            ("events:writ", "unknown scope 'events:writ'"),
            ("events:write,Runs:read", "unknown scope 'Runs:read'"),
            ("events:write,,runs:read", "an empty scope"),
            ("events:write,", "an empty scope"),
            ("", "an empty scope"),
            ("*", "unknown scope '*'"),
            ("runs:read\nforged log line", "unknown scope (value not shown)"),
            ("cs_live_4fJ0aQz9KxVb_pasted", "unknown scope (value not shown)"),
        ])
    func rejects(text: String, expected: String) {
        #expect {
            try ScopeSet(parsing: text)
        } throws: { error in
            guard let error = error as? ControlPlaneError else { return false }
            return error.code == "invalid_scope" && error.httpStatus == 422 && error.field == "scopes"
                && error.message.hasPrefix(expected)
        }
    }

    @Test("an empty list is refused: a credential without scopes is a mistake")
    func emptyList() {
        #expect(throws: ControlPlaneError.self) { try ScopeSet(parsing: [String]()) }
    }

    @Test("each scope allows itself only; admin allows every scope")
    func implication() {
        for granted in Scope.allCases {
            let set = ScopeSet([granted])
            for required in Scope.allCases {
                #expect(set.allows(required) == (granted == .admin || granted == required), "\(granted) → \(required)")
            }
        }
        #expect(Scope.allCases.count == 17)
        #expect(ScopeSet([.runsRead, .eventsWrite]).names == ["events:write", "runs:read"])
    }
}
