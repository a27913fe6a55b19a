import Foundation
import HTTP
import Testing

/// A throw-away static root:
/// index.html, app.css, data.bin, logo.SVG, .env, .git/config, sub/x.js, sub/index.html,
/// inside-link → app.css, secret-link → a file outside, escape-dir → the outside folder.
final class StaticFixture {
    let base: URL
    let root: URL

    init() throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("static-\(UUID().uuidString)")
        root = base.appendingPathComponent("root")
        let outside = base.appendingPathComponent("outside")
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try fm.createDirectory(at: root.appendingPathComponent(".git"), withIntermediateDirectories: true)
        try fm.createDirectory(at: outside, withIntermediateDirectories: true)
        try write("<h1>home</h1>", "index.html")
        try write("body{}", "app.css")
        try write("<svg/>", "logo.SVG")
        try write("\u{0}\u{1}", "data.bin")
        try write("SECRET=1", ".env")
        try write("[core]", ".git/config")
        try write("let x = 1", "sub/x.js")
        try write("<h1>sub</h1>", "sub/index.html")
        try "outside secret".write(to: outside.appendingPathComponent("passwd"), atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(
            atPath: root.appendingPathComponent("inside-link").path, withDestinationPath: "app.css")
        try fm.createSymbolicLink(
            atPath: root.appendingPathComponent("secret-link").path,
            withDestinationPath: outside.appendingPathComponent("passwd").path)
        try fm.createSymbolicLink(
            atPath: root.appendingPathComponent("escape-dir").path, withDestinationPath: outside.path)
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("env-link").path, withDestinationPath: ".env")
    }

    func write(_ text: String, _ path: String) throws {
        try Data(text.utf8).write(to: root.appendingPathComponent(path))
    }

    deinit { try? FileManager.default.removeItem(at: base) }
}

@Suite struct StaticFilesTests {
    let fixture: StaticFixture
    let app: MiddlewareChain

    init() throws {
        fixture = try StaticFixture()
        var router = Router()
        try router.get("/static/*path", StaticFiles(root: fixture.root.path))
        app = router.withMiddleware([ErrorMiddleware(logger: .disabled)])
    }

    func get(_ path: String, headers: HTTPHeaders = HTTPHeaders(), method: HTTPMethod = .get) async throws
        -> HTTPResponse
    {
        try await app.respond(to: makeRequest(method, "/static/" + path, headers: headers))
    }

    @Test(arguments: [
        ("app.css", "body{}", "text/css; charset=utf-8", "public, max-age=3600"),
        ("index.html", "<h1>home</h1>", "text/html; charset=utf-8", "no-cache"),
        ("", "<h1>home</h1>", "text/html; charset=utf-8", "no-cache"),
        ("sub", "<h1>sub</h1>", "text/html; charset=utf-8", "no-cache"),
        ("sub/x.js", "let x = 1", "text/javascript; charset=utf-8", "public, max-age=3600"),
        ("logo.SVG", "<svg/>", "image/svg+xml", "public, max-age=3600"),
        ("data.bin", "\u{0}\u{1}", "application/octet-stream", "public, max-age=3600"),
        // A symlink inside the root is served as its target, typed by the target's name.
        ("inside-link", "body{}", "text/css; charset=utf-8", "public, max-age=3600"),
        ("sub//x.js", "let x = 1", "text/javascript; charset=utf-8", "public, max-age=3600"),
    ])
    func servesFilesWithTypeAndCaching(path: String, body: String, type: String, cacheControl: String)
        async throws
    {
        let response = try await get(path)
        #expect(response.status == .ok)
        #expect(response.text == body)
        #expect(response.headers["Content-Type"] == type)
        #expect(response.headers["Cache-Control"] == cacheControl)
        let tag = try #require(response.headers["ETag"])
        #expect(tag.hasPrefix("\"") && tag.hasSuffix("\"") && tag.count == 34)
    }

    @Test(arguments: [
        "../outside/passwd", "sub/../../outside/passwd", "..", "./app.css", ".env", ".git/config", "sub/.hidden",
        "secret-link", "escape-dir/passwd", "env-link", "missing.css", "app.css/x", "a\\..\\b",
        "app.css\u{0}.png", "/etc/passwd",
    ])
    func refusesAnythingOutsideOrHidden(path: String) async throws {
        let response = try await get(path)
        #expect(response.status == .notFound)
        #expect(!response.text.contains("secret"))
    }

    @Test func directAbsolutePathsStayInsideTheRoot() async throws {
        // With no catch-all parameter the request path itself is used, still relative to the root.
        let files = try StaticFiles(root: fixture.root.path)
        let response = try await files.respond(to: makeRequest(.get, "/app.css"))
        #expect(response.text == "body{}")
        await #expect(throws: HTTPError.self) { try await files.respond(to: makeRequest(.get, "/../outside/passwd")) }
    }

    @Test func ifNoneMatchGives304() async throws {
        let first = try await get("app.css")
        let tag = try #require(first.headers["ETag"])
        for condition in [tag, "W/\(tag)", "\"other\", \(tag)", "*"] {
            let response = try await get("app.css", headers: ["If-None-Match": condition])
            #expect(response.status == .notModified)
            #expect(response.body.isEmpty)
            #expect(response.headers["ETag"] == tag)
            #expect(response.headers["Cache-Control"] == "public, max-age=3600")
        }
        #expect(try await get("app.css", headers: ["If-None-Match": "\"stale\""]).status == .ok)
    }

    @Test func headIsServedLikeGet() async throws {
        let response = try await get("app.css", method: .head)
        #expect(response.status == .ok)
        #expect(response.headers["ETag"] != nil)
        // The body stays: the server sends its length as Content-Length and omits it.
        #expect(response.text == "body{}")
        #expect(try await get("app.css", method: .post).status == .methodNotAllowed)
    }

    @Test func aChangedFileGetsANewTag() async throws {
        let before = try #require(try await get("app.css").headers["ETag"])
        try fixture.write("body{color:red}", "app.css")
        let after = try await get("app.css")
        #expect(after.text == "body{color:red}")
        #expect(after.headers["ETag"] != before)
        try fixture.write("body{}", "app.css")
        #expect(try await get("app.css").headers["ETag"] == before)
    }

    @Test func tagsDependOnContentOnly() async throws {
        try fixture.write("body{}", "copy.css")
        #expect(try await get("copy.css").headers["ETag"] == (try await get("app.css").headers["ETag"]))
    }

    @Test func sizeLimitsHold() async throws {
        var configuration = StaticFiles.Configuration()
        configuration.maximumFileSize = 8
        configuration.maximumCachedFileSize = 4
        configuration.maximumCacheSize = 4
        let files = try StaticFiles(root: fixture.root.path, configuration: configuration)
        func fetch(_ path: String) async throws -> HTTPResponse {
            var request = makeRequest(.get, "/static/" + path)
            request.pathParameters = ["path": path]
            return try await files.respond(to: request)
        }
        #expect(try await fetch("app.css").text == "body{}")  // 6 bytes: served, not cached
        #expect(try await fetch("app.css").text == "body{}")
        await #expect(throws: HTTPError.self) { try await fetch("index.html") }  // 13 bytes: too large
    }

    @Test func aMissingRootIsAStartUpError() {
        #expect(throws: StaticFilesError.self) { try StaticFiles(root: "/nonexistent/static") }
    }

    @Test func customCacheControlAndTypes() async throws {
        var configuration = StaticFiles.Configuration()
        configuration.cacheControl = "public, max-age=31536000, immutable"
        configuration.contentTypes["bin"] = "application/x-test"
        var router = Router()
        try router.get("/assets/*path", StaticFiles(root: fixture.root.path, configuration: configuration))
        let response = try await router.respond(to: makeRequest(.get, "/assets/data.bin"))
        #expect(response.headers["Cache-Control"] == "public, max-age=31536000, immutable")
        #expect(response.headers["Content-Type"] == "application/x-test")
    }
}
