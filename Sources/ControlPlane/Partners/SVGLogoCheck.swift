import Foundation

/// Decides whether an SVG document is safe to serve as a partner's logo.
///
/// It refuses rather than repairs: a logo that needs repair is a mistake or
/// an attack, and a repaired document is one nobody has looked at. The
/// document is tokenised as XML (tags, attributes, comments, CDATA, the XML
/// declaration) by a scanner at least as strict as a browser's XML parser, so
/// that what is checked is what a browser would render:
///
/// - no DOCTYPE or entity declarations (entity expansion, external entities);
///   only the five predefined entities and character references;
/// - no `<script>`, `<foreignObject>` (HTML inside SVG), or the other
///   elements that embed active or external content;
/// - no event-handler attributes (`on*`);
/// - no `href` / `xlink:href` (any namespace prefix) except a fragment `#id`;
/// - no `javascript:` anywhere (after entity decoding, ignoring case and the
///   whitespace and control characters browsers skip inside URLs), and no CSS
///   `url(...)` other than `url(#id)` nor `@import`: styles are external
///   references too;
/// - the root element is `<svg>`, every element is closed, and the whole
///   document is valid UTF-8 within the size limit.
public enum SVGLogoCheck {
    /// Elements that run script, embed documents or pull in other resources.
    /// (`<use>`, `<image>` and `<a>` stay allowed: their `href` may only name a fragment.)
    static let forbiddenElements: Set<String> = [
        "script", "foreignobject", "iframe", "embed", "object", "handler", "listener", "audio", "video", "link",
        "meta", "base",
    ]

    static let predefinedEntities: [String: Unicode.Scalar] = [
        "lt": "<", "gt": ">", "amp": "&", "quot": "\"", "apos": "'",
    ]

    /// Returns normally for a safe document; otherwise throws `invalid_logo` (422, field `logo`) saying why.
    public static func check(_ bytes: [UInt8]) throws(ControlPlaneError) {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw refusal("it is not valid UTF-8") }
        var scanner = Tokenizer(Array(text.unicodeScalars))
        try scanner.document()
    }

    static func refusal(_ reason: String) -> ControlPlaneError {
        .invalid("invalid_logo", "the SVG logo was refused: \(reason)", field: "logo")
    }

    /// Checks a piece of decoded text (attribute value, text, CDATA) for active or external content.
    static func checkContent(_ text: String) throws(ControlPlaneError) {
        // Browsers drop tabs, newlines and other controls inside URL schemes ("java\tscript:").
        let squeezed = String(text.unicodeScalars.filter { $0.value > 0x20 && $0.value != 0x7F }).lowercased()
        if squeezed.contains("javascript:") || squeezed.contains("vbscript:") {
            throw refusal("it contains a javascript: URL")
        }
        if squeezed.contains("@import") { throw refusal("it imports a stylesheet") }
        var rest = squeezed[...]
        while let range = rest.range(of: "url(") {
            let after = rest[range.upperBound...].drop { $0 == "\"" || $0 == "'" }
            guard after.first == "#" else { throw refusal("it references an external resource with url()") }
            rest = after
        }
    }

    /// A single pass over the document's Unicode scalars.
    struct Tokenizer {
        let scalars: [Unicode.Scalar]
        var position = 0
        var open: [String] = []
        var sawRoot = false

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var atEnd: Bool { position >= scalars.count }

        func starts(with text: String) -> Bool {
            var index = position
            for scalar in text.unicodeScalars {
                guard index < scalars.count, scalars[index] == scalar else { return false }
                index += 1
            }
            return true
        }

        /// Everything up to `terminator`, consumed with it.
        mutating func take(until terminator: String, what: String) throws(ControlPlaneError) -> String {
            var collected = String.UnicodeScalarView()
            while !atEnd {
                if starts(with: terminator) {
                    position += terminator.unicodeScalars.count
                    return String(collected)
                }
                collected.append(scalars[position])
                position += 1
            }
            throw SVGLogoCheck.refusal("a \(what) is not closed")
        }

        mutating func document() throws(ControlPlaneError) {
            if starts(with: "\u{FEFF}") { position += 1 }
            if starts(with: "<?xml") {
                position += 5
                _ = try take(until: "?>", what: "XML declaration")
            }
            while !atEnd {
                if starts(with: "<!--") {
                    position += 4
                    _ = try take(until: "-->", what: "comment")
                } else if starts(with: "<![CDATA[") {
                    guard !open.isEmpty else { throw SVGLogoCheck.refusal("text appears outside the <svg> element") }
                    position += 9
                    try SVGLogoCheck.checkContent(try take(until: "]]>", what: "CDATA section"))
                } else if starts(with: "<!") {
                    throw SVGLogoCheck.refusal("it declares a DOCTYPE or entities")
                } else if starts(with: "<?") {
                    throw SVGLogoCheck.refusal("it contains a processing instruction")
                } else if starts(with: "</") {
                    position += 2
                    try endTag()
                } else if starts(with: "<") {
                    position += 1
                    try startTag()
                } else {
                    try text()
                }
            }
            guard sawRoot else { throw SVGLogoCheck.refusal("it has no <svg> element") }
            guard open.isEmpty else { throw SVGLogoCheck.refusal("the element <\(open.last ?? "")> is not closed") }
        }

        mutating func text() throws(ControlPlaneError) {
            var raw = String.UnicodeScalarView()
            while !atEnd, scalars[position] != "<" {
                raw.append(scalars[position])
                position += 1
            }
            let decoded = try SVGLogoCheck.decodeEntities(String(raw))
            if open.isEmpty {
                guard decoded.unicodeScalars.allSatisfy(Self.isWhitespace) else {
                    throw SVGLogoCheck.refusal("text appears outside the <svg> element")
                }
            }
            try SVGLogoCheck.checkContent(decoded)
        }

        mutating func name() throws(ControlPlaneError) -> String {
            var collected = String.UnicodeScalarView()
            while !atEnd, Self.isNameCharacter(scalars[position]) {
                collected.append(scalars[position])
                position += 1
            }
            guard let first = collected.first, !("0"..."9").contains(first), first != "-", first != "." else {
                throw SVGLogoCheck.refusal("a tag or attribute name is malformed")
            }
            return String(collected)
        }

        mutating func skipWhitespace() -> Bool {
            let start = position
            while !atEnd, Self.isWhitespace(scalars[position]) { position += 1 }
            return position > start
        }

        mutating func startTag() throws(ControlPlaneError) {
            let element = try name()
            let local = Self.localName(element)
            if open.isEmpty {
                guard !sawRoot else { throw SVGLogoCheck.refusal("it has more than one root element") }
                guard local == "svg" else { throw SVGLogoCheck.refusal("the root element is not <svg>") }
                sawRoot = true
            }
            guard !SVGLogoCheck.forbiddenElements.contains(local) else {
                throw SVGLogoCheck.refusal("it contains a <\(local)> element")
            }
            var seen: Set<String> = []
            while true {
                let spaced = skipWhitespace()
                guard !atEnd else { throw SVGLogoCheck.refusal("the tag <\(local)> is not closed") }
                if starts(with: "/>") {
                    position += 2
                    return
                }
                if starts(with: ">") {
                    position += 1
                    open.append(element)
                    return
                }
                guard spaced else { throw SVGLogoCheck.refusal("attributes of <\(local)> are not separated") }
                let attribute = try name()
                guard seen.insert(attribute).inserted else {
                    throw SVGLogoCheck.refusal("an attribute of <\(local)> is repeated")
                }
                _ = skipWhitespace()
                guard !atEnd, scalars[position] == "=" else {
                    throw SVGLogoCheck.refusal("the attribute \(attribute) has no value")
                }
                position += 1
                _ = skipWhitespace()
                guard !atEnd, scalars[position] == "\"" || scalars[position] == "'" else {
                    throw SVGLogoCheck.refusal("the attribute \(attribute) is not quoted")
                }
                let quote = String(scalars[position])
                position += 1
                let raw = try take(until: quote, what: "attribute value")
                guard !raw.contains("<") else { throw SVGLogoCheck.refusal("an attribute value contains <") }
                try SVGLogoCheck.checkAttribute(
                    name: Self.localName(attribute).lowercased(), value: try SVGLogoCheck.decodeEntities(raw))
            }
        }

        mutating func endTag() throws(ControlPlaneError) {
            let element = try name()
            _ = skipWhitespace()
            guard !atEnd, scalars[position] == ">" else { throw SVGLogoCheck.refusal("an end tag is malformed") }
            position += 1
            guard open.last == element else {
                throw SVGLogoCheck.refusal("the end tag </\(element)> does not match the open element")
            }
            open.removeLast()
        }

        /// `xlink:href` → `href`; element names compare without case (`foreignObject`).
        static func localName(_ name: String) -> String {
            String(name.split(separator: ":").last ?? Substring(name)).lowercased()
        }

        static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
            scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
        }

        static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", "-", ".", ":": return true
            default: return scalar.value >= 0x80
            }
        }
    }

    static func checkAttribute(name: String, value: String) throws(ControlPlaneError) {
        if name.hasPrefix("on") { throw refusal("it has an event-handler attribute (\(name))") }
        // Animation can set an attribute later: <set attributeName="href" to="https://…">.
        if name == "attributename" {
            let target = Tokenizer.localName(value.trimmingCharacters(in: .whitespacesAndNewlines))
            if target == "href" || target == "src" || target.hasPrefix("on") {
                throw refusal("it animates the \(target) attribute")
            }
        }
        if name == "href" || name == "src" {
            guard value.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("#") else {
                throw refusal("it references something outside the document (\(name))")
            }
        }
        try checkContent(value)
    }

    /// Decodes `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and `&#n;` / `&#xh;`;
    /// any other entity would need a DTD, which is refused.
    static func decodeEntities(_ text: String) throws(ControlPlaneError) -> String {
        guard text.contains("&") else { return text }
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars[...]
        while let scalar = scalars.popFirst() {
            guard scalar == "&" else {
                out.append(scalar)
                continue
            }
            guard let end = scalars.firstIndex(of: ";"), scalars.distance(from: scalars.startIndex, to: end) <= 10
            else {
                throw refusal("an & is not part of an entity")
            }
            let entity = String(String.UnicodeScalarView(scalars[..<end]))
            scalars = scalars[scalars.index(after: end)...]
            if let value = predefinedEntities[entity] {
                out.append(value)
            } else if entity.hasPrefix("#x") || entity.hasPrefix("#X"),
                let code = UInt32(entity.dropFirst(2), radix: 16),
                let value = Unicode.Scalar(code)
            {
                out.append(value)
            } else if entity.hasPrefix("#"), let code = UInt32(entity.dropFirst(), radix: 10),
                let value = Unicode.Scalar(code)
            {
                out.append(value)
            } else {
                throw refusal("it uses an undeclared entity")
            }
        }
        return String(out)
    }
}
