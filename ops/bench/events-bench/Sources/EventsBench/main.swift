import Events
import Foundation

// Usage: EventsBench [iterations-per-round] [rounds] [only-step]
//
// Times, for the 1 KB stock.adjusted event that ops/bench/ingest posts, each
// step of the CPU work the server does per event — parse, validate,
// serialise — and the three together, and prints the median CPU ns per event
// over the rounds. Run it before and after a change on the same idle machine
// and compare; the figures are not thresholds.
let arguments = CommandLine.arguments
let iterations = arguments.count > 1 ? Int(arguments[1]) ?? 20_000 : 20_000
let rounds = arguments.count > 2 ? Int(arguments[2]) ?? 7 : 7
/// One of parse, validate, serialise, all or load (to profile one step with perf).
let only = arguments.count > 3 ? arguments[3] : nil

let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let catalog = try EventCatalog.load(from: root.appendingPathComponent("Templates/events"))
let body = [UInt8](try Data(contentsOf: root.appendingPathComponent("ops/bench/wrk/stock-adjusted-1k.json")))
// As the ingest service does: the body limit covers a batch, the depth the batch wrapper.
let parser = JSONParser(maxBytes: catalog.limits.maxDocumentBytes * 100, maxDepth: catalog.limits.maxDepth + 2)

let document = try parser.parse(Data(body))
let validated = try catalog.validate(document)
let canonical = validated.document.serialized()
print("event: \(body.count) bytes, canonical form \(canonical.utf8.count) bytes; \(iterations) iterations × \(rounds) rounds")

/// Keeps results alive so the optimiser cannot drop the work.
nonisolated(unsafe) var sink = 0

/// CPU time of this thread, in nanoseconds: other load on the machine delays the
/// benchmark but does not inflate this figure as much as it would wall-clock time.
func threadCPUNanoseconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) * 1e9 + Double(time.tv_nsec)
}

func measure(_ name: String, _ body: () throws -> Int) rethrows {
    if let only, !name.hasPrefix(only) { return }
    var perEvent: [Double] = []
    for _ in 0..<rounds {
        let start = threadCPUNanoseconds()
        for _ in 0..<iterations { sink &+= try body() }
        perEvent.append((threadCPUNanoseconds() - start) / Double(iterations))
    }
    perEvent.sort()
    let median = perEvent[perEvent.count / 2]
    let line = name.padding(toLength: 10, withPad: " ", startingAt: 0)
    print("\(line) \(String(format: "%9.0f", median)) ns/event   (min \(String(format: "%.0f", perEvent[0])))")
}

try measure("parse") {
    if case .object(let members) = try parser.parse(Data(body)) { return members.count }
    return 0
}
try measure("validate") { try catalog.validate(document).id.utf8.count }
measure("serialise") { validated.document.serialized().utf8.count }
try measure("all three") {
    let event = try catalog.validate(try parser.parse(Data(body)))
    return event.document.serialized().utf8.count
}
if only == nil || only == "load" {
    // Start-up cost: reading and compiling the whole catalog (patterns included).
    let clock = ContinuousClock()
    var loads: [Duration] = []
    for _ in 0..<5 {
        let start = clock.now
        sink &+= try EventCatalog.load(from: root.appendingPathComponent("Templates/events")).types.count
        loads.append(start.duration(to: clock.now))
    }
    print("load       \(loads.sorted()[2]) per catalog load (median of 5)")
}
if sink == 42 { print("") }
