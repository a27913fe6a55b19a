/// Previous/next and numbered page links (`partials/pagination.html`).
///
/// Shows the first and last page, the current page with `window` pages either
/// side, and a gap marker for what is left out, so the list stays short on a
/// phone however many pages there are.
public struct Pagination: Sendable, Equatable, ViewRepresentable {
    public let page: Int
    public let pageCount: Int
    public let label: String
    public let hrefs: [Int: String]
    public let window: Int

    /// - Parameter href: the URL of a page number; checked with `LinkTarget`.
    /// - Throws: `component_invalid` unless 1 ≤ page ≤ pageCount.
    public init(
        page: Int, pageCount: Int, label: String = "Pagination", window: Int = 2, href: (Int) -> String
    ) throws(ComponentError) {
        guard pageCount >= 1, (1...pageCount).contains(page), window >= 1 else {
            throw ComponentError(
                .invalidComponent, field: "page",
                "page \(page) is not within 1...\(pageCount), or the window is below 1")
        }
        self.page = page
        self.pageCount = pageCount
        self.label = label
        self.window = window
        var hrefs: [Int: String] = [:]
        for number in Self.visiblePages(page: page, pageCount: pageCount, window: window) {
            hrefs[number] = try LinkTarget.validate(href(number))
        }
        self.hrefs = hrefs
    }

    static func visiblePages(page: Int, pageCount: Int, window: Int) -> [Int] {
        let around = max(1, page - window)...min(pageCount, page + window)
        return Array(Set([1, pageCount]).union(around)).sorted()
    }

    public var viewValue: ViewValue {
        var items: [ViewValue] = []
        var previous = 0
        for number in hrefs.keys.sorted() {
            if number > previous + 1 { items.append(["gap": true, "current": false, "number": .null, "href": .null]) }
            items.append([
                "gap": false, "current": .bool(number == page), "number": .int(number),
                "href": .string(hrefs[number] ?? ""),
            ])
            previous = number
        }
        return [
            "label": .string(label), "page": .int(page), "page_count": .int(pageCount),
            "previous_href": page > 1 ? .string(hrefs[page - 1] ?? "") : .null,
            "next_href": page < pageCount ? .string(hrefs[page + 1] ?? "") : .null,
            "pages": .list(items),
        ]
    }
}
