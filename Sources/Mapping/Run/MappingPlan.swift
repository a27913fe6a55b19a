import Events
import Foundation

/// A compiled mapping: turns one source payload into canonical event documents.
///
/// Built only by `MappingDocument.parse`, which has already checked every
/// path, format, table name and rule; `apply` therefore never re-parses
/// anything and only reads the payload. It is immutable and `Sendable`, so one
/// plan per deployed mapping version can serve every ingest request.
public struct MappingPlan: Sendable {
    public let limits: MappingLimits
    let outputs: [OutputPlan]

    /// The canonical events the payload maps to, in output order; none when no
    /// output's `when` holds. Events are not yet checked against the catalog:
    /// see `applyValidated(payload:lookups:catalog:)`.
    public func apply(payload: JSONValue, lookups: some ReferenceLookup) throws(MappingError) -> [JSONValue] {
        let evaluator = Evaluator(lookups: lookups, limits: limits)
        var scope = Scope(root: payload)
        var events: [JSONValue] = []
        for output in outputs {
            do {
                try produce(output, evaluator: evaluator, scope: &scope, into: &events)
            } catch {
                throw error.located(in: output.label)
            }
        }
        return events
    }

    /// Parses the payload within `limits` (size and depth), then maps it.
    public func apply(payloadData: Data, lookups: some ReferenceLookup) throws(MappingError) -> [JSONValue] {
        let payload: JSONValue
        do {
            payload = try JSONParser(maxBytes: limits.maxPayloadBytes, maxDepth: limits.maxPayloadDepth).parse(
                payloadData)
        } catch {
            switch error.kind {
            case .tooLarge:
                throw MappingError(.limitExceeded, "the payload is larger than \(limits.maxPayloadBytes) bytes")
            case .tooDeep:
                throw MappingError(
                    .payloadInvalid,
                    "the payload nests deeper than \(limits.maxPayloadDepth) levels (at byte \(error.offset))")
            case .syntax:
                throw MappingError(.payloadInvalid, "the payload is not valid JSON: \(error)")
            }
        }
        return try apply(payload: payload, lookups: lookups)
    }

    private func produce<Lookups: ReferenceLookup>(
        _ output: OutputPlan, evaluator: Evaluator<Lookups>, scope: inout Scope, into events: inout [JSONValue]
    ) throws(MappingError) {
        guard let forEach = output.forEach else {
            if let when = output.when, !when.holds(in: scope) { return }
            try emit(output, evaluator: evaluator, scope: &scope, into: &events)
            return
        }
        // A batch without its array produces no events; one with something else there is a mistake.
        guard let found = scope.resolve(forEach), found != .null else { return }
        let items = try evaluator.iterable(found, path: forEach, target: "for_each", scope: &scope)
        scope.frames.append(Scope.Frame(array: forEach, index: 0))
        for (index, item) in items.enumerated() {
            scope.frames[scope.frames.count - 1].index = index
            scope.current = item
            if let when = output.when, !when.holds(in: scope) { continue }
            try emit(output, evaluator: evaluator, scope: &scope, into: &events)
        }
        scope.frames.removeLast()
        scope.current = scope.root
    }

    private func emit<Lookups: ReferenceLookup>(
        _ output: OutputPlan, evaluator: Evaluator<Lookups>, scope: inout Scope, into events: inout [JSONValue]
    ) throws(MappingError) {
        scope.builtEvents += 1
        guard scope.builtEvents <= limits.maxEventsPerPayload else {
            throw MappingError(
                .limitExceeded, "the payload maps to more than \(limits.maxEventsPerPayload) events")
        }
        var event = try evaluator.build(output.envelope, scope: &scope)
        event["type"] = .string(output.eventType)
        event["schema_version"] = .number(String(output.schemaVersion))
        events.append(.object(event))
    }
}

extension MappingError {
    /// The same error with the output it happened in named first.
    func located(in label: String) -> MappingError {
        MappingError(kind, "\(label): \(message)", sourcePath: sourcePath, target: target, rule: rule, issues: issues)
    }
}
