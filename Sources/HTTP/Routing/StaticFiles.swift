import Foundation

/// Serves the files under one directory (`Portal/static`) for a route such as
/// `GET /static/*path`.
///
/// Safe by construction: a path with `.`/`..` segments, a dotfile, a
/// backslash or a NUL is refused; the resolved path (symlinks followed) must
/// still lie inside the root; only regular files are served. Every refusal is
/// a plain 404 so that probing learns nothing.
///
/// Each response carries a strong `ETag` (a SHA-256 of the content),
/// `Cache-Control` (`no-cache` for HTML so that pages revalidate, a max-age
/// for assets) and a Content-Type from the extension; `If-None-Match` gets a
/// 304. Small files are cached in memory, bounded in total, and re-read when
/// their size, inode or modification time changes. HEAD is served like GET;
/// the server omits the body.
public struct StaticFiles: HTTPResponder {
    public struct Configuration: Sendable {
        /// The catch-all path parameter that holds the file's path; when the
        /// request has no such parameter the whole request path is used.
        public var parameterName: String = "path"
        /// For everything but HTML. Default one hour.
        public var cacheControl: String = "public, max-age=3600"
        /// For `.html`: revalidate every time, so a deploy shows at once.
        public var htmlCacheControl: String = "no-cache"
        /// Served for a directory, if present. Nil serves no directories.
        public var indexFile: String? = "index.html"
        /// Larger files are not served at all (responses are built in memory). Bytes; default 16 MiB.
        public var maximumFileSize: Int = 16 << 20
        /// Larger files are read on every request instead of cached. Bytes; default 1 MiB.
        public var maximumCachedFileSize: Int = 1 << 20
        /// Bound on all cached content together. Bytes; default 32 MiB.
        public var maximumCacheSize: Int = 32 << 20
        /// Lowercase extension → Content-Type; unknown extensions get `application/octet-stream`.
        public var contentTypes: [String: String] = StaticFiles.defaultContentTypes

        public init() {}
    }

    public let configuration: Configuration
    private let root: String
    private let cache: StaticFileCache

    /// - Parameter root: the directory to serve; symlinks in it are resolved
    ///   once, here, so that containment checks compare canonical paths.
    /// - Throws: ``StaticFilesError`` when `root` is not a readable directory.
    public init(root: String, configuration: Configuration = Configuration()) throws {
        guard let resolved = FileAccess.canonicalPath(root), FileAccess.isDirectory(resolved) else {
            throw StaticFilesError(root: root)
        }
        self.root = resolved
        self.configuration = configuration
        self.cache = StaticFileCache(
            maximumEntrySize: configuration.maximumCachedFileSize, maximumTotalSize: configuration.maximumCacheSize)
    }

    public func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        guard request.method == .get || request.method == .head else {
            throw HTTPError.methodNotAllowed(request.method, allowed: [.get, .head, .options])
        }
        let relative = request.pathParameters[configuration.parameterName] ?? request.path
        guard let file = try load(relative) else { throw HTTPError.notFound() }
        var headers: HTTPHeaders = ["ETag": file.entityTag, "Cache-Control": cacheControl(for: file.path)]
        if let condition = request.headers["If-None-Match"], Self.matches(condition, entityTag: file.entityTag) {
            return HTTPResponse(status: .notModified, headers: headers)
        }
        headers.add("Content-Type", contentType(for: file.path))
        return HTTPResponse(status: .ok, headers: headers, body: file.content)
    }

    /// The file for a request path, or nil when it must not or cannot be served.
    func load(_ relative: String) throws -> StaticFileCache.Entry? {
        guard let segments = Self.safeSegments(relative) else { return nil }
        let candidate = segments.isEmpty ? root : root + "/" + segments.joined(separator: "/")
        guard let path = contained(candidate) else { return nil }
        if FileAccess.isDirectory(path) {
            guard let index = configuration.indexFile, let indexPath = contained(path + "/" + index) else { return nil }
            return try cache.entry(at: indexPath, maximumSize: configuration.maximumFileSize)
        }
        return try cache.entry(at: path, maximumSize: configuration.maximumFileSize)
    }

    /// The canonical path if it lies inside the root; symlinks that escape,
    /// or that lead to a dotfile inside it, are refused.
    private func contained(_ path: String) -> String? {
        guard let resolved = FileAccess.canonicalPath(path) else { return nil }
        if resolved == root { return resolved }
        guard resolved.hasPrefix(root + "/"), Self.safeSegments(String(resolved.dropFirst(root.count))) != nil else {
            return nil
        }
        return resolved
    }

    /// Path segments, or nil if any is empty-dot, parent, hidden, or holds a backslash or NUL.
    static func safeSegments(_ path: String) -> [Substring]? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        for segment in segments {
            if segment.hasPrefix(".") || segment.contains("\\") || segment.contains("\0") { return nil }
        }
        return segments
    }

    /// RFC 9110 §13.1.2: `*` or a list of tags compared weakly (a `W/` prefix is ignored).
    static func matches(_ condition: String, entityTag: String) -> Bool {
        for candidate in condition.split(separator: ",") {
            let tag = candidate.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            let opaque = tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag
            if opaque == entityTag { return true }
        }
        return false
    }

    private func fileExtension(_ path: String) -> String {
        guard let name = path.split(separator: "/").last, let dot = name.lastIndex(of: ".") else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    private func contentType(for path: String) -> String {
        configuration.contentTypes[fileExtension(path)] ?? "application/octet-stream"
    }

    private func cacheControl(for path: String) -> String {
        let ext = fileExtension(path)
        return ext == "html" || ext == "htm" ? configuration.htmlCacheControl : configuration.cacheControl
    }

    public static let defaultContentTypes: [String: String] = [
        "html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8", "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8", "mjs": "text/javascript; charset=utf-8",
        "json": "application/json", "map": "application/json", "txt": "text/plain; charset=utf-8",
        "csv": "text/csv; charset=utf-8", "xml": "application/xml", "svg": "image/svg+xml",
        "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
        "webp": "image/webp", "avif": "image/avif", "ico": "image/x-icon", "woff": "font/woff",
        "woff2": "font/woff2", "pdf": "application/pdf", "wasm": "application/wasm",
        "webmanifest": "application/manifest+json",
    ]
}

/// The static-files root could not be used; a start-up error.
public struct StaticFilesError: Error, CustomStringConvertible {
    public let root: String
    public var description: String { "static files root '\(root)' is not a readable directory" }
}
