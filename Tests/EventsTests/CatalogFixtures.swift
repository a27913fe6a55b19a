import Foundation
import Testing

@testable import Events

/// The real catalog in `Templates/events/` and the example events under `Fixtures/`.
enum CatalogFixtures {
    /// The 14 canonical event types the catalog must describe.
    static let eventTypes = [
        "chargeback.raised", "credit_hold.placed", "customer_invoice.disputed", "cycle_count.completed",
        "damage.reported", "goods_receipt.posted", "invoice.received", "landed_cost.charged",
        "purchase_order.changed", "purchase_order.created", "return.received", "return.requested",
        "shipment.delivered", "stock.adjusted",
    ]

    /// The partners' examples from `/work/shared/examples/events/`, copied verbatim.
    static let sharedExamples = ["purchase_order.created", "goods_receipt.posted", "invoice.received"]

    /// `Tests/EventsTests/<this file>` → `Templates/events`.
    static var catalogFolder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Templates/events", isDirectory: true)
    }

    static func catalog() throws -> EventCatalog {
        try EventCatalog.load(from: catalogFolder)
    }

    static var fixturesFolder: URL {
        get throws {
            try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        }
    }

    static func data(_ relativePath: String) throws -> Data {
        try Data(contentsOf: fixturesFolder.appendingPathComponent(relativePath))
    }

    /// One of the partners' examples, by event type.
    static func sharedExample(_ type: String) throws -> Data {
        try data("\(type).json")
    }

    /// The realistic valid example for `type`, under `Fixtures/valid/`.
    static func validExample(_ type: String) throws -> JSONValue {
        try JSONParser().parse(data("valid/\(type).json"))
    }

    /// The schema document for `type` v1, parsed.
    static func schemaDocument(_ type: String) throws -> JSONValue {
        try JSONParser(maxBytes: 4 << 20, maxDepth: 64).parse(
            Data(contentsOf: catalogFolder.appendingPathComponent("\(type).v1.json")))
    }
}

/// A step in a path through a JSON document.
enum JSONStep: Sendable, CustomStringConvertible {
    case key(String)
    case index(Int)

    var description: String {
        switch self {
        case .key(let name): "." + name
        case .index(let index): "[\(index)]"
        }
    }
}

extension JSONValue {
    /// A copy with the value at `path` replaced, or removed when `newValue` is nil.
    /// Steps that do not exist are left alone (removing) or created as object members (setting).
    func replacing(_ path: [JSONStep], with newValue: JSONValue?) -> JSONValue {
        guard let step = path.first else { return newValue ?? .null }
        let rest = Array(path.dropFirst())
        switch (self, step) {
        case (.object(var members), .key(let name)):
            if rest.isEmpty {
                members[name] = newValue
            } else if let child = members[name] {
                members[name] = child.replacing(rest, with: newValue)
            }
            return .object(members)
        case (.array(var items), .index(let index)) where items.indices.contains(index):
            if rest.isEmpty {
                if let newValue { items[index] = newValue } else { items.remove(at: index) }
            } else {
                items[index] = items[index].replacing(rest, with: newValue)
            }
            return .array(items)
        default:
            return self
        }
    }

    func value(at path: [JSONStep]) -> JSONValue? {
        var current: JSONValue? = self
        for step in path {
            switch (current, step) {
            case (.object(let members)?, .key(let name)): current = members[name]
            case (.array(let items)?, .index(let index)) where items.indices.contains(index): current = items[index]
            default: return nil
            }
        }
        return current
    }
}

extension EventCatalog {
    /// The violations `validate` reports, or `[]` when the event is valid. An error
    /// without violations (unknown type, bad JSON) becomes one, so `== []` means valid.
    func violations(of value: JSONValue) -> [Violation] {
        do {
            _ = try validate(value)
            return []
        } catch {
            return Self.violations(in: error)
        }
    }

    func violations(of text: String) -> [Violation] {
        do {
            _ = try validate(Data(text.utf8))
            return []
        } catch {
            return Self.violations(in: error)
        }
    }

    private static func violations(in error: EventError) -> [Violation] {
        guard error.violations.isEmpty else { return error.violations }
        return [Violation(path: error.field ?? "$", message: "\(error.code): \(error.message)")]
    }
}

extension JSONStep: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    init(stringLiteral value: String) { self = .key(value) }
    init(integerLiteral value: Int) { self = .index(value) }
}

extension Array where Element == JSONStep {
    /// `$.data.lines[1].quantity`
    var violationPath: String { "$" + map(\.description).joined() }
}
