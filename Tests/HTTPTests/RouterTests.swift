import Foundation
import HTTP
import Platform
import Testing

@Suite struct RouterTests {
    static func sampleRouter() throws -> Router {
        var router = Router()
        try router.get("/", named("root"))
        try router.get("/hello", named("hello"))
        try router.get("/v1/tenants", named("tenants"))
        try router.post("/v1/tenants", named("create-tenant"))
        try router.get("/v1/tenants/:slug", named("tenant"))
        try router.delete("/v1/tenants/:slug", named("delete-tenant"))
        try router.get("/v1/tenants/new", named("new-tenant"))
        try router.get("/v1/tenants/:slug/runs/:id", named("run"))
        try router.get("/v1/tenants/new/runs/:id/edit", named("odd"))
        try router.get("/static/*path", named("static"))
        try router.get("/files/:kind/*rest", named("files"))
        return router
    }

    @Test(arguments: [
        (HTTPMethod.get, "/", "root"),
        (.get, "/hello", "hello"),
        (.get, "/hello/", "hello"),
        (.get, "//hello", "hello"),
        (.get, "/v1/tenants", "tenants"),
        (.post, "/v1/tenants", "create-tenant"),
        (.get, "/v1/tenants/acme", "tenant slug=acme"),
        (.delete, "/v1/tenants/acme", "delete-tenant slug=acme"),
        (.get, "/v1/tenants/new", "new-tenant"),
        (.get, "/v1/tenants/acme/runs/42", "run id=42 slug=acme"),
        // A literal edge that dead-ends falls back to the parameter edge.
        (.get, "/v1/tenants/new/runs/7", "run id=7 slug=new"),
        (.get, "/v1/tenants/new/runs/7/edit", "odd id=7"),
        (.get, "/v1/tenants/caf\u{E9} au lait", "tenant slug=caf\u{E9} au lait"),
        (.get, "/static/css/app.css", "static path=css/app.css"),
        (.get, "/static/", "static path="),
        (.get, "/static", "static path="),
        (.get, "/files/img/a/b/c.png", "files kind=img rest=a/b/c.png"),
        (.get, "/files/img", "files kind=img rest="),
        (.head, "/hello", "hello"),
        (.head, "/v1/tenants/acme", "tenant slug=acme"),
    ])
    func routesToTheExpectedHandler(method: HTTPMethod, path: String, expected: String) async throws {
        let response = try await Self.sampleRouter().respond(to: makeRequest(method, path))
        #expect(response.status == .ok)
        #expect(response.text == expected)
    }

    @Test(arguments: ["/nope", "/hello/there", "/v1", "/v1/tenants/acme/runs", "/HELLO", "/files"])
    func unknownPathsAreNotFound(path: String) async throws {
        let router = try Self.sampleRouter()
        await #expect(throws: HTTPError.self) { try await router.respond(to: makeRequest(.get, path)) }
        do {
            _ = try await router.respond(to: makeRequest(.get, path))
        } catch let error as HTTPError {
            #expect(error.httpStatus == 404)
            #expect(error.code == "not_found")
        }
    }

    @Test(arguments: [
        (HTTPMethod.put, "/v1/tenants/acme", "DELETE, GET, HEAD, OPTIONS"),
        (.delete, "/v1/tenants", "GET, HEAD, OPTIONS, POST"),
        (.post, "/hello", "GET, HEAD, OPTIONS"),
        (HTTPMethod("BREW"), "/hello", "GET, HEAD, OPTIONS"),
    ])
    func wrongMethodIs405WithAllow(method: HTTPMethod, path: String, allow: String) async throws {
        let router = try Self.sampleRouter()
        do {
            _ = try await router.respond(to: makeRequest(method, path))
            Issue.record("expected 405")
        } catch let error as HTTPError {
            #expect(error.httpStatus == 405)
            #expect(error.code == "method_not_allowed")
            #expect(error.responseHeaders["Allow"] == allow)
        }
    }

    @Test func optionsIsAnsweredWithAllow() async throws {
        let response = try await Self.sampleRouter().respond(to: makeRequest(.options, "/v1/tenants/acme"))
        #expect(response.status == .noContent)
        #expect(response.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS")
    }

    @Test func explicitHeadAndOptionsRoutesWin() async throws {
        var router = Router()
        try router.get("/x", named("get"))
        try router.add(.head, "/x", named("head"))
        try router.add(.options, "/x", named("options"))
        #expect(try await router.respond(to: makeRequest(.head, "/x")).text == "head")
        #expect(try await router.respond(to: makeRequest(.options, "/x")).text == "options")
    }

    @Test func literalSegmentWinsOverParameterEvenForAnotherMethod() async throws {
        // The path decides the resource; a method it lacks is a 405, not another route.
        var router = Router()
        try router.post("/a/new", named("post-new"))
        try router.get("/a/:id", named("get-id"))
        do {
            _ = try await router.respond(to: makeRequest(.get, "/a/new"))
            Issue.record("expected 405")
        } catch let error as HTTPError {
            #expect(error.httpStatus == 405)
        }
    }

    @Test(arguments: [
        ("hello", "must start with '/'"),
        ("/a/:", "needs a name"),
        ("/a/:1x", "needs a name"),
        ("/a/:na-me", "needs a name"),
        ("/a/*", "needs a name"),
        ("/*rest/b", "must be the last segment"),
        ("/a/:id/b/:id", "appears twice"),
    ])
    func malformedPatternsAreRejected(pattern: String, problem: String) throws {
        var router = Router()
        do {
            try router.get(pattern, named("x"))
            Issue.record("expected \(pattern) to be rejected")
        } catch let error as RouteConfigurationError {
            #expect(error.pattern == pattern)
            #expect(error.problem.contains(problem))
        }
    }

    @Test func aSecondHandlerForTheSameShapeIsRejected() throws {
        var router = Router()
        try router.get("/t/:slug", named("a"))
        try router.post("/t/:other", named("b"))
        #expect(throws: RouteConfigurationError.self) { try router.get("/t/:name", named("c")) }
        #expect(throws: RouteConfigurationError.self) { try router.post("/t/:slug/", named("d")) }
    }

    @Test func parameterNamesMayDifferPerMethodOnTheSameShape() async throws {
        var router = Router()
        try router.get("/t/:slug", named("get"))
        try router.delete("/t/:id", named("delete"))
        #expect(try await router.respond(to: makeRequest(.get, "/t/x")).text == "get slug=x")
        #expect(try await router.respond(to: makeRequest(.delete, "/t/x")).text == "delete id=x")
    }

    @Test func groupsAddPrefixAndMiddlewareToTheirRoutesOnly() async throws {
        let tag = ClosureMiddleware { request, next in
            var response = try await next.respond(to: request)
            response.headers.add("X-Group", "v1")
            return response
        }
        var router = Router()
        try router.get("/healthz", named("health"))
        try router.group("/v1/", middleware: [tag]) { v1 in
            try v1.get("/tenants/:slug", named("tenant"))
            try v1.group("/admin") { admin in try admin.post("/plans", named("plans")) }
        }
        let tenant = try await router.respond(to: makeRequest(.get, "/v1/tenants/acme"))
        #expect(tenant.text == "tenant slug=acme")
        #expect(tenant.headers["X-Group"] == "v1")
        let plans = try await router.respond(to: makeRequest(.post, "/v1/admin/plans"))
        #expect(plans.text == "plans")
        #expect(plans.headers["X-Group"] == "v1")
        let health = try await router.respond(to: makeRequest(.get, "/healthz"))
        #expect(health.headers["X-Group"] == nil)
        #expect(throws: RouteConfigurationError.self) {
            try router.group("/v2") { v2 in try v2.get("tenants", named("bad")) }
        }
    }

    @Test func manyRoutesStillMatch() async throws {
        var router = Router()
        for index in 0..<500 {
            try router.get("/r\(index)/:id", named("r\(index)"))
            try router.get("/r\(index)/:id/items/:item", named("i\(index)"))
        }
        #expect(try await router.respond(to: makeRequest(.get, "/r499/9/items/3")).text == "i499 id=9 item=3")
        #expect(try await router.respond(to: makeRequest(.get, "/r0/1")).text == "r0 id=1")
    }
}

@Suite struct RouterPathParameterTests {
    let id = UUID()

    func request(_ parameters: [String: String]) -> HTTPRequest {
        var request = makeRequest(.get, "/x")
        request.pathParameters = parameters
        return request
    }

    @Test func typedParametersParse() throws {
        let request = request(["id": id.uuidString, "n": "42", "big": "9000000000", "slug": "acme"])
        #expect(try request.parameter("id", as: UUID.self) == id)
        #expect(try request.parameter("n", as: Int.self) == 42)
        #expect(try request.parameter("big", as: Int64.self) == 9_000_000_000)
        #expect(try request.parameter("slug") == "acme")
        #expect(try request.parameter("slug", as: String.self) == "acme")
    }

    @Test(arguments: [
        ("id", "not-a-uuid", "Path parameter 'id' must be a UUID."),
        ("n", "4x2", "Path parameter 'n' must be an integer."),
        ("n", "", "Path parameter 'n' must be an integer."),
        ("n", "99999999999999999999999", "Path parameter 'n' must be an integer."),
    ])
    func invalidValuesAre400NamingTheParameter(name: String, value: String, message: String) {
        let request = request([name: value])
        do {
            if name == "id" {
                _ = try request.parameter(name, as: UUID.self)
            } else {
                _ = try request.parameter(name, as: Int.self)
            }
            Issue.record("expected an error")
        } catch let error as HTTPError {
            #expect(error.httpStatus == 400)
            #expect(error.code == "invalid_path_parameter")
            #expect(error.field == name)
            #expect(error.message == message)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func aMissingParameterIsOurBug() {
        do {
            _ = try request([:]).parameter("id", as: UUID.self)
            Issue.record("expected an error")
        } catch let error as HTTPError {
            #expect(error.httpStatus == 500)
            #expect(error.code == "missing_path_parameter")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func routerBindsTypedParametersEndToEnd() async throws {
        var router = Router()
        try router.get("/runs/:id") { request in
            let id = try request.parameter("id", as: UUID.self)
            return HTTPResponse(contentType: "text/plain", body: id.uuidString)
        }
        let app = router.withMiddleware([ErrorMiddleware(logger: .disabled)])
        #expect(try await app.respond(to: makeRequest(.get, "/runs/\(id.uuidString)")).text == id.uuidString)
        let bad = try await app.respond(to: makeRequest(.get, "/runs/42"))
        #expect(bad.status == .badRequest)
        #expect(bad.errorField("field") as? String == "id")
    }
}
