import Foundation

/// Every template of the portal, compiled and cross-checked once at start-up.
///
/// Templates are named by their path under the views folder without `.html`:
/// `pages/tasks`, `layouts/base`, `partials/flash`. `{{> flash}}` refers to
/// `partials/flash`, `{{!layout base}}` to `layouts/base`. Loading fails with
/// the file and line of the first problem — syntax, unclosed block, unknown
/// partial or layout, layout cycle — so a broken view never reaches a request.
/// The library is immutable and `Sendable`: one instance serves all requests.
/// The syntax is documented in `Sources/Rendering/README.md`.
public struct ViewLibrary: Sendable {
    public struct Configuration: Sendable {
        /// How deeply partials may include partials; stops a partial that includes itself forever.
        public var maxPartialDepth: Int
        /// Bytes reserved for a render's output before it starts; the buffer grows beyond it as needed.
        public var initialCapacity: Int

        public init(maxPartialDepth: Int = 32, initialCapacity: Int = 16 * 1024) {
            self.maxPartialDepth = maxPartialDepth
            self.initialCapacity = initialCapacity
        }
    }

    private let templates: [String: CompiledTemplate]
    public let configuration: Configuration

    /// Compiles templates given as text, keyed by path under the views folder (`pages/home.html`).
    public init(sources: [String: String], configuration: Configuration = Configuration()) throws(TemplateError) {
        var compiled: [String: CompiledTemplate] = [:]
        for (path, text) in sources.sorted(by: { $0.key < $1.key }) {
            let name = path.hasSuffix(".html") ? String(path.dropLast(5)) : path
            var source = Array(text.utf8)
            // A partial's final newline would end every inline use (a cell, a badge) with a line break.
            if name.hasPrefix("partials/"), source.last == UInt8(ascii: "\n") {
                source.removeLast()
                if source.last == UInt8(ascii: "\r") { source.removeLast() }
            }
            compiled[name] = try TemplateCompiler(name: name, source: source).compile()
        }
        try TemplateLinker(templates: compiled).check()
        templates = compiled
        self.configuration = configuration
    }

    /// Reads every `.html` file below `directory` (recursively) and compiles it.
    public static func load(from directory: URL, configuration: Configuration = Configuration()) throws(TemplateError)
        -> ViewLibrary
    {
        try ViewLibrary(sources: TemplateFiles.read(directory), configuration: configuration)
    }

    /// Every template name, sorted.
    public var templateNames: [String] { templates.keys.sorted() }

    public func contains(_ name: String) -> Bool { templates[name] != nil }

    /// Renders the template `name` (and its layout, if it declares one) as UTF-8 bytes.
    public func renderBytes(_ name: String, context: ViewValue) throws(TemplateError) -> [UInt8] {
        guard let template = templates[name] else {
            throw TemplateError(.unknownView, view: name + ".html", line: nil, "no template named \(name)")
        }
        var session = RenderSession(
            templates: templates, maxDepth: configuration.maxPartialDepth, context: context,
            capacity: configuration.initialCapacity)
        try session.renderPage(template)
        return session.output
    }

    public func render(_ name: String, context: ViewValue) throws(TemplateError) -> String {
        String(decoding: try renderBytes(name, context: context), as: UTF8.self)
    }

    /// A rendered fragment to embed in another render through `{{{ }}}`.
    public func renderHTML(_ name: String, context: ViewValue) throws(TemplateError) -> TrustedHTML {
        TrustedHTML(unchecked: try render(name, context: context))
    }
}

/// Reads a views folder into `ViewLibrary(sources:)` form.
enum TemplateFiles {
    static func read(_ directory: URL) throws(TemplateError) -> [String: String] {
        let root = directory.standardizedFileURL
        let rootPath = root.path.hasSuffix("/") ? root.path : root.path + "/"
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            throw TemplateError(.unreadable, view: root.path, line: nil, "the views folder cannot be read")
        }
        var sources: [String: String] = [:]
        for case let url as URL in enumerator where url.pathExtension == "html" {
            let path = url.standardizedFileURL.path
            let relative = path.hasPrefix(rootPath) ? String(path.dropFirst(rootPath.count)) : url.lastPathComponent
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TemplateError(.unreadable, view: relative, line: nil, "the file cannot be read")
            }
            sources[relative] = String(decoding: data, as: UTF8.self)
        }
        return sources
    }
}
