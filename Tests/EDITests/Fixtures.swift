import EDI
import Events
import Foundation

/// Samples, the event catalog and the shared canonical examples, found from this file's path.
enum Fixtures {
    static let repository = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
    static let samples = repository.appendingPathComponent("Templates/mappings/x12")
    /// Copies of the team's shared examples kept in the repository: a clean
    /// clone (CI) has no ../shared beside it.
    static let examples = repository.appendingPathComponent("Tests/EventsTests/Fixtures")

    static func sample(_ name: String) throws -> String {
        try String(contentsOf: samples.appendingPathComponent(name), encoding: .utf8)
    }

    static func example(_ type: String) throws -> JSONValue {
        let data = try Data(contentsOf: examples.appendingPathComponent("\(type).json"))
        return try JSONParser().parse(data)
    }

    static func catalog() throws -> EventCatalog {
        try EventCatalog.load(from: repository.appendingPathComponent("Templates/events"))
    }

    /// The options the samples are written for: BX is the tenant's BOX, and AP intake submits invoices.
    static let options = X12MappingOptions(
        source: "edi.northfast", fallbackUser: "ap.clerk.ana@client.example", unitsOfMeasure: ["BX": "BOX"])

    /// A sample's segments (without terminators and line breaks), for tests that rewrite them.
    static func segments(_ name: String) throws -> [String] {
        try sample(name).split(separator: "~").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
    }

    /// Joins segments written with `*`, `:` and `~` into an interchange, recomputing SE01 so a test
    /// can add or drop body segments without counting by hand.
    static func interchange(_ segments: [String], fixCounts: Bool = true) -> String {
        var result = segments
        if fixCounts {
            var start: Int?
            for (index, segment) in result.enumerated() {
                if segment.hasPrefix("ST*") { start = index }
                if segment.hasPrefix("SE*"), let first = start {
                    let parts = segment.split(separator: "*", omittingEmptySubsequences: false)
                    let control = parts.count > 2 ? String(parts[2]) : ""
                    result[index] = "SE*\(index - first + 1)*\(control)"
                    start = nil
                }
            }
        }
        return result.map { $0 + "~" }.joined(separator: "\n") + "\n"
    }

    /// `text` (written with `*` element separators, `>` components and `~` terminators) with other separators.
    static func rewrite(_ text: String, element: Character, component: Character, terminator: String) -> String {
        var output = ""
        for character in text {
            switch character {
            case "*": output.append(element)
            case ">": output.append(component)
            case "~": output += terminator
            case "\n": continue
            default: output.append(character)
            }
        }
        return output
    }

    /// A parsed sample with the document it holds.
    static func parsed(_ name: String) throws -> (Interchange, X12Document) {
        let interchange = try X12Parser().parse(try sample(name))
        let (group, set) = interchange.transactionSets[0]
        return (interchange, try X12Document.read(set, group: group, interchange: interchange))
    }
}

extension X12Error {
    /// The facts tests compare: code, position, segment and element.
    var located: Located { Located(kind: kind, position: position, segmentID: segmentID, elementIndex: elementIndex) }
}

struct Located: Equatable, CustomStringConvertible {
    let kind: X12Error.Kind
    let position: Int?
    let segmentID: String?
    let elementIndex: Int?

    init(kind: X12Error.Kind, position: Int?, segmentID: String? = nil, elementIndex: Int? = nil) {
        self.kind = kind
        self.position = position
        self.segmentID = segmentID
        self.elementIndex = elementIndex
    }

    var description: String {
        "\(kind.rawValue) at \(position.map(String.init) ?? "-") \(segmentID ?? "")\(elementIndex.map { "[\($0)]" } ?? "")"
    }
}

/// Runs `body` and returns the X12Error it throws, or nil when it succeeds.
func x12Error<T>(_ body: () throws(X12Error) -> T) -> X12Error? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}
