// Countersign side of ops/bench/http: `GET /hello` and `POST /echo-json`
// through the product's Router and ErrorMiddleware on HTTPServer, doing the
// same work as the Hummingbird peer (decode the 1 KB order with Foundation's
// JSONDecoder, answer a small JSON summary). Host and port come from
// BENCH_HOST / BENCH_PORT; SIGTERM ends it.
import Foundation
import HTTP
import Telemetry

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

struct OrderSummary: Codable, Sendable {
    var id: String
    var lineCount: Int
    var totalMinor: Int
}

let environment = ProcessInfo.processInfo.environment
let host = environment["BENCH_HOST"] ?? "127.0.0.1"
let port = Int(environment["BENCH_PORT"] ?? "") ?? 8080
// Info: the server logs its "listening" line there; nothing is logged per request.
let logger = Logger(label: "countersign-bench", minimumLevel: .info, handler: JSONLinesLogHandler())

var router = Router()
try router.get("/hello") { _ in
    HTTPResponse(contentType: "text/plain; charset=utf-8", body: "Hello, world!")
}
try router.post("/echo-json") { request in
    let order = try request.decodeJSON(Order.self)
    let total = order.lines.reduce(0) { $0 + $1.quantity * $1.unitPriceMinor }
    return try .json(OrderSummary(id: order.id, lineCount: order.lines.count, totalMinor: total))
}

// Like the peer: defaults everywhere (one event loop per core), no access log;
// the error middleware stays because no real deployment would run without it.
let server = HTTPServer(
    configuration: HTTPServer.Configuration(host: host, port: port),
    responder: router.withMiddleware([ErrorMiddleware(logger: logger)]),
    logger: logger.with("component", "http")
)
try await server.run()
