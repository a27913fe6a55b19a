import Events
import Foundation
import Platform

/// A workflow template as published: immutable once it has a version.
///
/// The JSON format is documented in `Templates/README.md`. Parsing checks
/// everything that can be checked before a run exists — step references,
/// kinds, parameters, expressions — and reports the step and JSON path of
/// each problem, so a publisher fixes a template before any tenant sees it.
public struct WorkflowTemplate: Sendable {
    public let slug: String
    public let version: String
    public let title: String
    public let description: String
    /// The event type that starts a run.
    public let trigger: String
    public let correlation: Correlation
    public let parameters: [String: Parameter]
    public let steps: [Step]
    /// The template exactly as published, kept with every deployment.
    public let document: JSONValue

    public var firstStep: String? { steps.first?.id }

    public func step(_ id: String) -> Step? { steps.first { $0.id == id } }

    /// Which other events belong to a run, and how they are found.
    public struct Correlation: Sendable {
        /// Path in the trigger event whose value is the correlation key (`data.po_number`).
        public let key: String
        /// Related documents by name: the event type and the path of their key.
        public let documents: [String: Document]

        public struct Document: Sendable {
            public let event: String
            public let key: String
            /// Several events (all receipts of a PO) rather than the latest one.
            public let many: Bool
        }
    }

    public struct Parameter: Sendable {
        public enum Kind: String, Sendable { case decimal, money, integer, string, boolean }
        public let kind: Kind
        public let defaultValue: JSONValue
        public let minimum: Decimal?
        public let maximum: Decimal?
        public let description: String
    }

    public struct Step: Sendable {
        public enum Kind: String, Sendable, CaseIterable {
            case threeWayMatch = "three_way_match"
            case landedCostAllocation = "landed_cost_allocation"
            case varianceReview = "variance_review"
            case returnsDisposition = "returns_disposition"
            case claim
            case assist
            case decision
            case approval
            case emit
            case set
            case wait
        }

        public let id: String
        public let kind: Kind
        /// The step that follows when this one completes; nil ends the run.
        public let next: String?
        /// The step as written, for the kind's own fields.
        public let definition: [String: JSONValue]
    }
}

/// A problem in a template, with where it is.
public struct TemplateError: CodedError, Equatable {
    public let problems: [Problem]

    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The step the problem is in, if any.
        public let step: String?
        /// JSON path from the template's root (`$.steps[2].next`).
        public let path: String
        public let message: String

        public init(step: String?, path: String, message: String) {
            self.step = step
            self.path = path
            self.message = message
        }

        /// `steps[3] "route" cases[0].when`: the position first, then the step's id, then the field.
        public var location: String {
            var location = path.hasPrefix("$.") ? String(path.dropFirst(2)) : path
            if let step, location.hasPrefix("steps["), let close = location.firstIndex(of: "]") {
                var rest = location[location.index(after: close)...]
                if rest.hasPrefix(".") { rest = rest.dropFirst() }
                location = "\(location[...close]) \"\(step)\"" + (rest.isEmpty ? "" : " \(rest)")
            } else if let step {
                location = "step \"\(step)\" \(location)"
            }
            return location
        }

        public var description: String { "\(location): \(message)" }
    }

    public var code: String { "invalid_template" }
    public var httpStatus: Int { 422 }
    public var field: String? { problems.first?.path }
    public var message: String {
        "the template has \(problems.count) problem\(problems.count == 1 ? "" : "s"): "
            + problems.prefix(20).map(\.description).joined(separator: "; ")
    }
}
