import Events

/// Mapping checked against the canonical catalog: what a dry-run endpoint and
/// publishing call, so a partner sees the schema's verdict on the mapped events
/// rather than only the mapping's.
extension MappingPlan {
    /// Maps `payload` and validates every produced event against `catalog`.
    ///
    /// - Throws: the mapping's own error, or `mapping_output_invalid` listing
    ///   every refused event's violations, each path prefixed with the event's
    ///   position (`events[1].data.lines[0].quantity`).
    public func applyValidated(payload: JSONValue, lookups: some ReferenceLookup, catalog: EventCatalog)
        throws(MappingError) -> [ValidatedEvent]
    {
        let events = try apply(payload: payload, lookups: lookups)
        var validated: [ValidatedEvent] = []
        validated.reserveCapacity(events.count)
        var issues: [MappingIssue] = []
        var refused = 0
        for (index, event) in events.enumerated() {
            do {
                validated.append(try catalog.validate(event))
            } catch {
                refused += 1
                let prefix = "events[\(index)]"
                if error.violations.isEmpty {
                    let path = error.field.map { prefix + $0.dropFirst() } ?? prefix
                    issues.append(MappingIssue(path: path, message: "\(error.code): \(error.message)"))
                } else {
                    for violation in error.violations {
                        issues.append(
                            MappingIssue(path: prefix + violation.path.dropFirst(), message: violation.message))
                    }
                }
            }
        }
        guard issues.isEmpty else {
            let list = issues.prefix(20).map(\.description).joined(separator: "; ")
            let more = issues.count > 20 ? "; and \(issues.count - 20) more" : ""
            throw MappingError(
                .outputInvalid,
                "\(refused) of \(events.count) mapped event\(events.count == 1 ? "" : "s") failed the canonical schema: \(list)\(more)",
                issues: issues)
        }
        return validated
    }
}

extension MappingDocument {
    /// Checks that every output names an event type and schema version the catalog has.
    public func checkEventTypes(in catalog: EventCatalog) throws(MappingError) {
        var issues: [MappingIssue] = []
        for (index, output) in outputs.enumerated()
        where catalog.schema(type: output.eventType, version: output.schemaVersion) == nil {
            issues.append(
                MappingIssue(
                    path: "$.outputs[\(index)].event_type",
                    message: "the catalog has no \(output.eventType) version \(output.schemaVersion)"))
        }
        guard issues.isEmpty else {
            throw MappingError(
                .documentInvalid,
                "the mapping document is invalid: " + issues.map(\.description).joined(separator: "; "), issues: issues)
        }
    }
}
