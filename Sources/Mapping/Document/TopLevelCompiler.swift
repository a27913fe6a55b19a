import Events

/// The document's top level: identity, the reference tables it needs, its outputs.
extension DocumentCompiler {
    static let topLevelKeys = ["slug", "version", "title", "description", "source", "lookups", "outputs"]
    static let maxOutputs = 50

    mutating func compileDocument(_ json: JSONValue) -> MappingDocument? {
        guard case .object(let object) = json else {
            report("$", "a mapping document is a JSON object")
            return nil
        }
        checkKeys(object, allowed: Self.topLevelKeys, at: "$", what: "the document")
        let slug = string(object["slug"], at: "$.slug", what: "slug")
        if let slug, !Self.isSlug(slug) {
            report("$.slug", "a slug is 1 to 64 lower-case letters, digits and '-', starting with a letter or digit")
        }
        var version: MappingVersion?
        if let text = string(object["version"], at: "$.version", what: "version") {
            version = MappingVersion(text)
            if version == nil { report("$.version", "a version is MAJOR.MINOR.PATCH, such as \"1.0.0\"") }
        }
        let title = string(object["title"], at: "$.title", what: "title")
        let source = string(object["source"], at: "$.source", what: "source (what the mapping reads)")
        let description = string(object["description"], at: "$.description", what: "description", required: false)
        var tables: [String] = []
        switch object["lookups"] {
        case nil: break
        case .array(let items)?:
            for (index, item) in items.enumerated() {
                let path = Self.item("$.lookups", index)
                guard case .string(let name) = item, Self.isTableName(name) else {
                    report(path, "a table name is 1 to 64 lower-case letters, digits and '_', starting with a letter")
                    continue
                }
                if declaredTables.insert(name).inserted {
                    tables.append(name)
                } else {
                    report(path, "the table \"\(name)\" is listed twice")
                }
            }
        default:
            report("$.lookups", "lookups is a list of reference table names")
        }
        var outputs: [OutputPlan] = []
        if case .array(let items)? = object["outputs"], (1...Self.maxOutputs).contains(items.count) {
            for (index, item) in items.enumerated() {
                if let output = compileOutput(item, at: Self.item("$.outputs", index), index: index) {
                    outputs.append(output)
                }
            }
        } else {
            report("$.outputs", "outputs is a list of 1 to \(Self.maxOutputs) outputs")
        }
        guard let slug, let version, let title, let source, issues.isEmpty else { return nil }
        return MappingDocument(
            slug: slug, version: version, title: title, description: description, source: source, lookupTables: tables,
            plan: MappingPlan(limits: limits, outputs: outputs), document: json)
    }

    static func isSlug(_ text: String) -> Bool {
        guard let first = text.utf8.first, text.utf8.count <= 64, first != UInt8(ascii: "-") else { return false }
        return text.utf8.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "-")
        }
    }

    static func isTableName(_ text: String) -> Bool {
        guard let first = text.utf8.first, text.utf8.count <= 64,
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first)
        else { return false }
        return text.utf8.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "_")
        }
    }
}
