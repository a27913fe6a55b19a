import Events
import Foundation
import Postgres

/// Segregation of duties: who may not decide an approval step's task, by the
/// step's `segregation` rules.
///
/// Two kinds of rule:
/// - `{"rule", "users": path}`: everyone found at the path in the run
///   (`documents.receipts[*].data.received_by`) — across the run's documents;
/// - `{"rule", "approvers_of": {"template", "step", "where", "equals"}}`:
///   everyone who approved `step` in another run of `template` whose trigger
///   event has, at the plain path `where` (`data.invoice_number`), a value
///   found at `equals` in this run (`trigger.data.invoice_number`) — across cases.
///
/// The rules are applied when the task opens (the people found are stored
/// with it, so the portal can show them) and again when a decision is made,
/// because a receipt may arrive or a related case be approved while the task
/// is open. The engine enforces them whatever the client.
enum Segregation {
    struct Exclusion {
        let user: String
        let rule: String
        /// Why, beyond the rule: the related run whose approval excludes the user.
        let relatedRun: UUID?
    }

    /// Everyone `step`'s rules exclude from deciding this run's task; only
    /// `user` is looked for when given (a decision), everyone otherwise.
    static func exclusions(
        of step: WorkflowTemplate.Step, environment: Environment, run: UUID, user: String? = nil,
        on tx: PostgresConnection
    ) async throws -> [Exclusion] {
        let json = environment.json
        var found: [Exclusion] = []
        for rule in step.definition["segregation"]?.arrayValue ?? [] {
            guard let name = rule["rule"]?.stringValue else { continue }
            if let path = rule["users"]?.stringValue {
                for person in json.values(at: path).compactMap(\.stringValue) where !person.isEmpty {
                    let person = person.lowercased()
                    if user == nil || user == person {
                        found.append(Exclusion(user: person, rule: name, relatedRun: nil))
                    }
                }
            }
            if let related = rule["approvers_of"], let template = related["template"]?.stringValue,
                let stepID = related["step"]?.stringValue, let target = related["where"]?.stringValue,
                let source = related["equals"]?.stringValue
            {
                let values = json.values(at: source).compactMap { WorkflowEngine.keyText($0) }
                guard !values.isEmpty else { continue }
                let path = target.split(separator: ".").map(String.init)
                let rows = try await tx.query(
                    """
                    SELECT DISTINCT ON (t.decided_by) t.decided_by, r.id AS run_id
                    FROM runs r JOIN tasks t ON t.run_id = r.id AND t.step_id = \(stepID)
                    JOIN events e ON e.seq = r.trigger_event_seq
                    WHERE r.template_slug = \(template) AND r.id <> \(run) AND t.status = 'approved'
                      AND (\(user)::text IS NULL OR t.decided_by = \(user))
                      AND e.document #>> \(path)::text[] = ANY(\(values)::text[])
                    ORDER BY t.decided_by, t.decided_at
                    """)
                for row in rows {
                    found.append(
                        Exclusion(
                            user: try row.decode("decided_by", as: String.self).lowercased(), rule: name,
                            relatedRun: try row.decode("run_id", as: UUID.self)))
                }
            }
        }
        return found
    }

    /// `whoever_received_the_goods_may_not_approve_the_invoice`: an id's
    /// characters, but up to 160 long, since it is the reason a refused decider reads.
    static func isRuleName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...160).contains(bytes.count), (97...122).contains(bytes[0]) else { return false }
        return bytes.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == UInt8(ascii: "_") }
    }

    /// What is wrong with `step`'s rules, for publishing.
    static func definitionProblems(_ definition: [String: JSONValue]) -> [String] {
        guard let rules = definition["segregation"] else { return [] }
        guard case .array(let entries) = rules else { return ["segregation must be a list of rules"] }
        var problems: [String] = []
        for (index, rule) in entries.enumerated() {
            let at = "segregation[\(index)]"
            guard let name = rule["rule"]?.stringValue, isRuleName(name) else {
                problems.append("\(at) needs rule: a name of lower-case letters, digits and _ that says why")
                continue
            }
            switch (rule["users"], rule["approvers_of"]) {
            case (.string?, nil):
                break
            case (nil, .object(let related)?):
                if related["template"]?.stringValue.map(Names.isSlug) != true {
                    problems.append("\(at).approvers_of needs template: the slug of the related template")
                }
                if related["step"]?.stringValue.map(Names.isIdentifier) != true {
                    problems.append("\(at).approvers_of needs step: the id of its approval step")
                }
                if related["where"]?.stringValue.map(Names.isPath) != true {
                    problems.append(
                        "\(at).approvers_of needs where: a path in its trigger event such as data.invoice_number")
                }
                if related["equals"]?.stringValue?.isEmpty != false {
                    problems.append(
                        "\(at).approvers_of needs equals: a path in this run such as trigger.data.invoice_number")
                }
            default:
                problems.append("\(at) needs either users (a path) or approvers_of (a related template's approvers)")
            }
        }
        return problems
    }
}
