import Events
import Foundation
import Mapping

// Usage: MappingBench [iterations-per-round] [rounds]
//
// For the generic ERP mapping's sample (Templates/mappings/generic-erp-json: a
// purchase order and a vendor bill, ~1 KB of payload per event, supplier lookups),
// prints the median CPU ns per canonical event over the rounds of:
//   map        parse the payload and apply the compiled plan (what a deployed mapping adds)
//   ingest     parse + validate the canonical event it produces (what ingest does per event anyway)
//   mapped     map + validate: the whole CPU path of a mapped webhook's event
// then canonical events/s through the mapping alone and the ratio map / ingest.
// The target (issue #10) is map < 20 % of ingest. Thread CPU time, so other
// load on the machine delays the run without inflating the figures much.
let arguments = CommandLine.arguments
let iterations = arguments.count > 1 ? Int(arguments[1]) ?? 20_000 : 20_000
let rounds = arguments.count > 2 ? Int(arguments[2]) ?? 7 : 7

let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let folder = root.appendingPathComponent("Templates/mappings/generic-erp-json")
let catalog = try EventCatalog.load(from: root.appendingPathComponent("Templates/events"))
let mapping = try MappingDocument.parse(try Data(contentsOf: folder.appendingPathComponent("mapping.json")))
let lookups = try InMemoryReferenceLookup(
    json: try JSONParser().parse(try Data(contentsOf: folder.appendingPathComponent("lookups.example.json"))))
let sample = try JSONParser().parse(
    try Data(contentsOf: folder.appendingPathComponent("samples/batch-po-1001-and-bill-77-4410.json")))
// The whole sample: a purchase order and a vendor bill, ~1 KB of payload per canonical event.
let payload = Array(sample.serialized().utf8)

let events = try mapping.plan.apply(payloadData: Data(payload), lookups: lookups)
let canonical = Array(events.map { $0.serialized() }.joined().utf8)
// As the ingest service parses a request body.
let parser = JSONParser(maxBytes: catalog.limits.maxDocumentBytes * 100, maxDepth: catalog.limits.maxDepth + 2)
print(
    "payload: \(payload.count) bytes → \(events.count) canonical event(s), \(canonical.count) bytes; "
        + "\(iterations) iterations × \(rounds) rounds")

nonisolated(unsafe) var sink = 0

func threadCPUNanoseconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) * 1e9 + Double(time.tv_nsec)
}

/// Median CPU ns per canonical event.
func measure(_ name: String, _ body: () throws -> Int) rethrows -> Double {
    var perEvent: [Double] = []
    for _ in 0..<rounds {
        let start = threadCPUNanoseconds()
        for _ in 0..<iterations { sink &+= try body() }
        perEvent.append((threadCPUNanoseconds() - start) / Double(iterations * events.count))
    }
    perEvent.sort()
    let median = perEvent[perEvent.count / 2]
    let line = name.padding(toLength: 10, withPad: " ", startingAt: 0)
    print("\(line) \(String(format: "%9.0f", median)) ns/event   (min \(String(format: "%.0f", perEvent[0])))")
    return median
}

let map = try measure("map") { try mapping.plan.apply(payloadData: Data(payload), lookups: lookups).count }
let ingest = try measure("ingest") {
    var count = 0
    for event in events { count &+= try catalog.validate(try parser.parse(Data(event.serialized().utf8))).id.utf8.count }
    return count
}
_ = try measure("mapped") {
    let payloadValue = try JSONParser(maxBytes: 1 << 20, maxDepth: 32).parse(Data(payload))
    return try mapping.plan.applyValidated(payload: payloadValue, lookups: lookups, catalog: catalog).count
}
print("mapping alone: \(String(format: "%.0f", 1e9 / map)) canonical events/s on one core")
print("map / ingest (parse + validate): \(String(format: "%.1f", 100 * map / ingest)) % (target < 20 %)")
if sink == 42 { print("") }
