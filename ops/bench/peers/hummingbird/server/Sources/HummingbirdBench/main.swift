// Hummingbird 2 peer for ops/bench/http: `GET /hello` and `POST /echo-json`,
// the same work as ops/bench/countersign-server (decode the 1 KB order with
// Foundation's JSONDecoder, answer a small JSON summary). Host and port come
// from BENCH_HOST / BENCH_PORT; Hummingbird logs "listening" once it accepts.
import Foundation
import Hummingbird

struct Line: Codable, Sendable {
    var sku: String
    var quantity: Int
    var unitPriceMinor: Int
    var note: String
}

struct Order: Codable, Sendable {
    var id: String
    var currency: String
    var lines: [Line]
}

struct OrderSummary: ResponseEncodable, Sendable {
    var id: String
    var lineCount: Int
    var totalMinor: Int
}

let environment = ProcessInfo.processInfo.environment
let host = environment["BENCH_HOST"] ?? "127.0.0.1"
let port = Int(environment["BENCH_PORT"] ?? "") ?? 8081

let router = Router()
router.get("hello") { _, _ -> String in
    "Hello, world!"
}
router.post("echo-json") { request, context -> OrderSummary in
    let order = try await request.decode(as: Order.self, context: context)
    let total = order.lines.reduce(0) { $0 + $1.quantity * $1.unitPriceMinor }
    return OrderSummary(id: order.id, lineCount: order.lines.count, totalMinor: total)
}

// Default configuration on purpose: the comparison is against Hummingbird as
// people deploy it (event loops = cores, no request logging).
let app = Application(
    router: router,
    configuration: .init(address: .hostname(host, port: port), serverName: "hummingbird-bench")
)
try await app.runService()
