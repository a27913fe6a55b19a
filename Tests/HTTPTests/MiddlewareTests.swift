import Foundation
import HTTP
import Platform
import Synchronization
import Telemetry
import Testing

/// A domain error as another module would declare it.
struct SampleCodedError: CodedError {
    var code = "tenant_not_found"
    var message = "No tenant \"acme\" exists."
    var httpStatus = 404
    var field: String? = "slug"
}

struct SampleBug: Error, CustomDebugStringConvertible {
    var debugDescription: String { "SampleBug(connection: pg://secret@db, sql: SELECT 1)" }
}

private let ok = ClosureResponder { _ in HTTPResponse(contentType: "text/plain", body: "ok") }

private func echoContext(_ request: HTTPRequest) -> HTTPResponse {
    HTTPResponse(contentType: "text/plain", body: "\(request.context.requestID)|\(request.context.traceID)")
}

@Suite struct MiddlewareChainTests {
    @Test func firstMiddlewareIsOutermost() async throws {
        let order = Mutex<[String]>([])
        func step(_ name: String) -> ClosureMiddleware {
            ClosureMiddleware { request, next in
                order.withLock { $0.append("in \(name)") }
                let response = try await next.respond(to: request)
                order.withLock { $0.append("out \(name)") }
                return response
            }
        }
        let app = ClosureResponder { _ in
            order.withLock { $0.append("handler") }
            return HTTPResponse()
        }.withMiddleware([step("a"), step("b")])
        _ = try await app.respond(to: makeRequest(.get, "/"))
        #expect(order.withLock { $0 } == ["in a", "in b", "handler", "out b", "out a"])
    }

    @Test func anEmptyChainIsTheResponder() async throws {
        let response = try await MiddlewareChain([], responder: ok).respond(to: makeRequest(.get, "/"))
        #expect(response.text == "ok")
    }
}

@Suite struct RequestIDMiddlewareTests {
    @Test(arguments: [
        ("abc-123", true), ("0f8fad5b-d9cb-469f-a165-70867728950e", true), ("Root=1-5759e988;x", false),
        ("", false), ("has space", false), ("line\nbreak", false), ("caf\u{E9}", false),
        (String(repeating: "a", count: 128), true), (String(repeating: "a", count: 129), false),
    ])
    func incomingIdsAreHonouredOnlyWhenSane(incoming: String, honoured: Bool) async throws {
        let app = ClosureResponder { echoContext($0) }.withMiddleware([RequestIDMiddleware()])
        let response = try await app.respond(to: makeRequest(.get, "/", headers: ["x-request-id": incoming]))
        let id = try #require(response.headers["X-Request-Id"])
        #expect(response.text.hasPrefix(id + "|"))
        if honoured {
            #expect(id == incoming)
        } else {
            #expect(id != incoming)
            #expect(id.utf8.count == 32)
        }
    }

    @Test func generatedIdsAreUniqueHex() async throws {
        let app = ok.withMiddleware([RequestIDMiddleware()])
        var seen = Set<String>()
        for _ in 0..<100 {
            let id = try #require(try await app.respond(to: makeRequest(.get, "/")).headers["X-Request-Id"])
            #expect(id.allSatisfy { $0.isHexDigit && !$0.isUppercase })
            seen.insert(id)
        }
        #expect(seen.count == 100)
    }

    @Test func untrustedModeIgnoresIncomingIds() async throws {
        var configuration = RequestIDMiddleware.Configuration()
        configuration.trustsIncoming = false
        let app = ok.withMiddleware([RequestIDMiddleware(configuration: configuration)])
        let response = try await app.respond(to: makeRequest(.get, "/", headers: ["X-Request-Id": "mine"]))
        #expect(response.headers["X-Request-Id"] != "mine")
    }
}

@Suite struct TraceContextMiddlewareTests {
    static let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test(arguments: [
        (valid, true),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", true),
        ("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", true),
        ("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", false),
        ("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x", false),
        ("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false),
        ("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false),
        ("00-00000000000000000000000000000000-00f067aa0ba902b7-01", false),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false),
        ("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", false),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1", false),
        ("00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01", false),
        ("00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01", false),
        ("", false),
    ])
    func parsesTraceparentPerTheW3CGrammar(header: String, valid: Bool) {
        let parsed = TraceParent(parsing: header)
        #expect((parsed != nil) == valid)
        if let parsed {
            #expect(parsed.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
            #expect(parsed.parentID == "00f067aa0ba902b7")
        }
    }

    @Test func continuesTheCallersTraceWithANewSpan() async throws {
        let seen = Mutex<TraceContext?>(nil)
        let app = ClosureResponder { request in
            seen.withLock { $0 = request.context[TraceContextKey.self] }
            return echoContext(request)
        }.withMiddleware([TraceContextMiddleware()])
        let response = try await app.respond(
            to: makeRequest(.get, "/", headers: ["traceparent": Self.valid, "tracestate": "vendor=1"]))
        let trace = try #require(seen.withLock { $0 })
        #expect(trace.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(trace.parentSpanID == "00f067aa0ba902b7")
        #expect(trace.spanID != "00f067aa0ba902b7")
        #expect(trace.traceState == "vendor=1")
        #expect(response.text == "|4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(response.headers["traceparent"] == "00-4bf92f3577b34da6a3ce929d0e0e4736-\(trace.spanID)-01")
        // An outbound call from a child span names that span as the callee's parent.
        let child = trace.child()
        #expect(child.traceID == trace.traceID && child.parentSpanID == trace.spanID)
        #expect(TraceParent(parsing: child.traceparent)?.parentID == child.spanID)
    }

    @Test(arguments: [[:], ["traceparent": "garbage"], ["traceparent": valid, "Traceparent": valid]] as [HTTPHeaders])
    func startsAFreshTraceOtherwise(headers: HTTPHeaders) async throws {
        let app = ClosureResponder { echoContext($0) }.withMiddleware([TraceContextMiddleware()])
        let response = try await app.respond(to: makeRequest(.get, "/", headers: headers))
        let header = try #require(response.headers["traceparent"])
        let parsed = try #require(TraceParent(parsing: header))
        #expect(parsed.traceID != "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(response.text == "|\(parsed.traceID)")
    }
}

@Suite struct AccessLogMiddlewareTests {
    @Test func logsOneLinePerRequestWithoutTheQuery() async throws {
        let records = InMemoryLogHandler()
        let clock = ManualClock()
        let handler = ClosureResponder { _ in
            clock.advance(by: .microseconds(12_345))
            return HTTPResponse(status: .created)
        }
        let app = handler.withMiddleware([
            RequestIDMiddleware(), TraceContextMiddleware(),
            AccessLogMiddleware(logger: Logger(label: "access", handler: records), clock: clock),
        ])
        var request = makeRequest(.post, "/v1/events", headers: ["X-Request-Id": "req-1"])
        request.target = "/v1/events?api_key=sk_live_secret"
        request.query = [(name: "api_key", value: "sk_live_secret")]
        _ = try await app.respond(to: request)

        let record = try #require(records.records.only)
        #expect(record.message == "request")
        #expect(record.level == .info)
        #expect(record.metadata["method"] == "POST")
        #expect(record.metadata["path"] == "/v1/events")
        #expect(record.metadata["status"] == "201")
        #expect(record.metadata["duration_ms"] == "12.345")
        #expect(record.metadata["request_id"] == "req-1")
        #expect(record.metadata["trace_id"]?.count == 32)
        let line = String(decoding: JSONLinesLogHandler.encode(record), as: UTF8.self)
        #expect(!line.contains("secret"))
        #expect(line.contains(#""duration_ms":"12.345""#))
    }

    @Test func aThrowingHandlerIsLoggedAs500AndTheErrorPassedOn() async throws {
        let records = InMemoryLogHandler()
        let app = ClosureResponder { _ in throw SampleBug() }
            .withMiddleware([AccessLogMiddleware(logger: Logger(label: "access", handler: records))])
        await #expect(throws: SampleBug.self) { try await app.respond(to: makeRequest(.get, "/x")) }
        #expect(records.records.only?.metadata["status"] == "500")
    }

    @Test func timingAddsServerTiming() async throws {
        let clock = ManualClock()
        let app = ClosureResponder { _ in
            clock.advance(by: .milliseconds(3))
            return HTTPResponse()
        }.withMiddleware([TimingMiddleware(clock: clock)])
        #expect(try await app.respond(to: makeRequest(.get, "/")).headers["Server-Timing"] == "app;dur=3.000")
    }
}

@Suite struct AuthenticationMiddlewareTests {
    enum PrincipalKey: RequestContextKey { typealias Value = String }

    static let authenticate = AuthenticationMiddleware { request in
        guard request.headers["Authorization"] == "Bearer good" else {
            throw HTTPError(
                .unauthorized, code: "unauthenticated", message: "A valid API key is required.",
                responseHeaders: ["WWW-Authenticate": "Bearer"])
        }
        var request = request
        request.context[PrincipalKey.self] = "partner:acme"
        return request
    }

    @Test func passesThePrincipalOnAndRejectsOthers() async throws {
        let called = Mutex(0)
        let app = ClosureResponder { request in
            called.withLock { $0 += 1 }
            return HTTPResponse(contentType: "text/plain", body: request.context[PrincipalKey.self] ?? "")
        }.withMiddleware([RequestIDMiddleware(), ErrorMiddleware(logger: .disabled), Self.authenticate])

        let good = try await app.respond(to: makeRequest(.get, "/", headers: ["Authorization": "Bearer good"]))
        #expect(good.text == "partner:acme")
        let bad = try await app.respond(to: makeRequest(.get, "/", headers: ["Authorization": "Bearer bad"]))
        #expect(bad.status == .unauthorized)
        #expect(bad.headers["WWW-Authenticate"] == "Bearer")
        #expect(bad.errorField("code") as? String == "unauthenticated")
        #expect(called.withLock { $0 } == 1)
    }
}

@Suite struct SecurityHeadersMiddlewareTests {
    @Test func addsStrictDefaults() async throws {
        let response = try await ok.withMiddleware([SecurityHeadersMiddleware()]).respond(to: makeRequest(.get, "/"))
        #expect(response.headers["X-Content-Type-Options"] == "nosniff")
        #expect(response.headers["Referrer-Policy"] == "no-referrer")
        #expect(response.headers["X-Frame-Options"] == "DENY")
        let policy = try #require(response.headers["Content-Security-Policy"])
        #expect(policy.contains("default-src 'none'"))
        #expect(policy.contains("frame-ancestors 'none'"))
        #expect(!policy.contains("unsafe-inline"))
        #expect(response.headers["Strict-Transport-Security"] == nil)
    }

    @Test func keepsWhatTheHandlerSetAndOmitsWhatIsDisabled() async throws {
        var configuration = SecurityHeadersMiddleware.Configuration()
        configuration.frameOptions = nil
        configuration.strictTransportSecurity = "max-age=63072000"
        let handler = ClosureResponder { _ in
            HTTPResponse(headers: ["Content-Security-Policy": "default-src 'self'"])
        }
        let response = try await handler.withMiddleware([SecurityHeadersMiddleware(configuration: configuration)])
            .respond(to: makeRequest(.get, "/"))
        #expect(response.headers.values("Content-Security-Policy") == ["default-src 'self'"])
        #expect(response.headers["X-Frame-Options"] == nil)
        #expect(response.headers["Strict-Transport-Security"] == "max-age=63072000")
    }
}

@Suite struct ErrorMiddlewareTests {
    func app(throwing error: any Error, log: InMemoryLogHandler = InMemoryLogHandler()) -> MiddlewareChain {
        ClosureResponder { _ in throw error }.withMiddleware([
            RequestIDMiddleware(), ErrorMiddleware(logger: Logger(label: "http", handler: log)),
        ])
    }

    @Test func codedErrorsBecomeTheirStatusAndAJSONBody() async throws {
        let log = InMemoryLogHandler()
        let response = try await app(throwing: SampleCodedError(), log: log)
            .respond(to: makeRequest(.get, "/", headers: ["X-Request-Id": "req-7"]))
        #expect(response.status == .notFound)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(
            response.text
                == #"{"error":{"code":"tenant_not_found","message":"No tenant \"acme\" exists.","field":"slug","request_id":"req-7"}}"#
        )
        #expect(log.records.isEmpty)
    }

    @Test func aMissingFieldIsNull() async throws {
        var error = SampleCodedError()
        error.field = nil
        error.httpStatus = 409
        let response = try await app(throwing: error).respond(to: makeRequest(.get, "/"))
        #expect(response.status.code == 409)
        #expect(response.status.reason == "Conflict")
        #expect(response.text.contains(#""field":null"#))
    }

    @Test func otherErrorsAre500WithOnlyTheRequestIdAndAreLogged() async throws {
        let log = InMemoryLogHandler()
        let response = try await app(throwing: SampleBug(), log: log)
            .respond(to: makeRequest(.get, "/boom?token=x", headers: ["X-Request-Id": "req-9"]))
        #expect(response.status == .internalServerError)
        #expect(response.errorField("code") as? String == "internal_error")
        #expect(response.errorField("request_id") as? String == "req-9")
        #expect(!response.text.contains("secret"))
        #expect(!response.text.contains("SampleBug"))
        let record = try #require(log.records.only)
        #expect(record.level == .error)
        #expect(record.metadata["request_id"] == "req-9")
        #expect(record.metadata["error"]?.contains("pg://secret@db") == true)
    }

    @Test func anErrorGetsARequestIdEvenWithoutTheRequestIdMiddleware() async throws {
        let log = InMemoryLogHandler()
        let app = ClosureResponder { _ in throw SampleBug() }
            .withMiddleware([ErrorMiddleware(logger: Logger(label: "http", handler: log))])
        let response = try await app.respond(to: makeRequest(.get, "/"))
        let id = try #require(response.errorField("request_id") as? String)
        #expect(id.count == 32)
        #expect(log.records.only?.metadata["request_id"] == id)
    }

    @Test func serverSideCodedErrorsAreLogged() async throws {
        let log = InMemoryLogHandler()
        var error = SampleCodedError()
        error.code = "database_unavailable"
        error.httpStatus = 503
        let response = try await app(throwing: error, log: log).respond(to: makeRequest(.get, "/"))
        #expect(response.status == .serviceUnavailable)
        #expect(log.records.only?.metadata["code"] == "database_unavailable")
    }

    @Test func routerErrorsKeepTheirHeaders() async throws {
        var router = Router()
        try router.get("/x", named("x"))
        let app = router.withMiddleware([ErrorMiddleware(logger: .disabled)])
        let response = try await app.respond(to: makeRequest(.post, "/x"))
        #expect(response.status == .methodNotAllowed)
        #expect(response.headers["Allow"] == "GET, HEAD, OPTIONS")
        #expect(response.errorField("code") as? String == "method_not_allowed")
        #expect(try await app.respond(to: makeRequest(.get, "/y")).status == .notFound)
    }

    @Test func theRecommendedChainWorksEndToEnd() async throws {
        let log = InMemoryLogHandler()
        let logger = Logger(label: "http", handler: log)
        var router = Router()
        try router.get("/boom") { _ in throw SampleBug() }
        let app = router.withMiddleware([
            RequestIDMiddleware(), TraceContextMiddleware(), AccessLogMiddleware(logger: logger),
            SecurityHeadersMiddleware(), ErrorMiddleware(logger: logger),
        ])
        let response = try await app.respond(to: makeRequest(.get, "/boom"))
        #expect(response.status == .internalServerError)
        #expect(response.headers["X-Content-Type-Options"] == "nosniff")
        #expect(response.headers["traceparent"] != nil)
        let id = try #require(response.headers["X-Request-Id"])
        #expect(response.errorField("request_id") as? String == id)
        #expect(log.records.map(\.message) == ["request failed", "request"])
        #expect(log.records.allSatisfy { $0.metadata["request_id"] == id })
        #expect(log.records.last?.metadata["status"] == "500")
    }
}

extension Array {
    /// The single element, or nil if there are none or several.
    var only: Element? { count == 1 ? first : nil }
}

@Suite struct RequestTraceLoggingTests {
    @Test func whatAHandlerLogsCarriesTheRequestsTraceAndSpan() async throws {
        let records = InMemoryLogHandler()
        let logger = Logger(label: "handler", handler: records)
        let app = ClosureResponder { _ in
            logger.info("working")
            return HTTPResponse(status: .ok)
        }.withMiddleware([TraceContextMiddleware()])
        let response = try await app.respond(
            to: makeRequest(.get, "/", headers: ["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"]))
        let ours = try #require(TraceParent(parsing: response.headers["traceparent"] ?? ""))
        let record = try #require(records.records.only)
        #expect(record.metadata["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(record.metadata["span_id"] == ours.parentID)
        // Nothing outside the request inherits it.
        logger.info("after")
        #expect(records.records.last?.metadata["trace_id"] == nil)
    }
}
