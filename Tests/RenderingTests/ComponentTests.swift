import Rendering
import Testing

@Suite("Components")
struct ComponentTests {
    @Test(arguments: [
        "/", "/exceptions?page=2", "#main", "?q=1", "https://acme.example/help", "mailto:a@b.example", "tel:+1555",
    ])
    func safeLinksPass(href: String) throws {
        #expect(try LinkTarget.validate(href) == href)
    }

    @Test(arguments: [
        "javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "//evil.example/x", "/\\evil.example",
        "http://plain.example", "vbscript:x", "/a b", "/a\nb", "", "relative/path",
    ])
    func unsafeLinksAreRefused(href: String) {
        let error = #expect(throws: ComponentError.self) { try LinkTarget.validate(href) }
        #expect(error?.code == "component_unsafe_link")
    }

    @Test func navLinksAndSessionsValidateTheirTargets() {
        #expect(throws: ComponentError.self) { try LayoutContext.NavLink("Home", href: "javascript:x") }
        #expect(throws: ComponentError.self) { try LayoutContext.Session(displayName: "D", signOutHref: "//x") }
    }

    @Test func portalBrandRefusesUnsafeValues() {
        #expect(throws: BrandError.self) {
            try PortalBrand(name: "A", partner: "Bad Slug", supportEmail: "a@b.example", footerText: "")
        }
        #expect(throws: ComponentError.self) {
            try PortalBrand(
                name: "A", partner: "a", logoSource: "data:image/svg+xml,x", supportEmail: "a@b.example", footerText: ""
            )
        }
        #expect(throws: ComponentError.self) {
            try PortalBrand(name: "A", partner: "a", supportEmail: "not an email", footerText: "")
        }
    }

    @Test func pageKeysOverrideLayoutKeys() throws {
        let brand = try PortalBrand(name: "A", partner: "a", supportEmail: "s@a.example", footerText: "f")
        let context = LayoutContext(pageTitle: "T", brand: brand, csrfToken: "c").context(page: [
            "page_title": "Page", "rows": [1],
        ])
        #expect(context["page_title"] == "Page")
        #expect(context["rows"] == [1])
        #expect(context["csrf_token"] == "c")
        #expect(context["session"] == .null)
    }

    @Test(arguments: [
        (1, 1, [1]), (1, 10, [1, 2, 3, 10]), (5, 12, [1, 3, 4, 5, 6, 7, 12]), (12, 12, [1, 10, 11, 12]),
        (3, 5, [1, 2, 3, 4, 5]),
    ])
    func paginationShowsEndsAndAWindow(page: Int, count: Int, expected: [Int]) throws {
        let pagination = try Pagination(page: page, pageCount: count) { "/p/\($0)" }
        guard case .list(let items) = pagination.viewValue["pages"] ?? .null else {
            Issue.record("no pages list")
            return
        }
        let numbers = items.compactMap { item -> Int? in
            if case .int(let number) = item["number"] ?? .null { return number }
            return nil
        }
        #expect(numbers == expected)
        let gaps = items.filter { $0["gap"] == true }.count
        #expect(gaps == zip(expected, expected.dropFirst()).filter { $1 > $0 + 1 }.count)
    }

    @Test func paginationRefusesPagesOutOfRangeAndUnsafeLinks() {
        #expect(throws: ComponentError.self) { try Pagination(page: 0, pageCount: 3) { "/p/\($0)" } }
        #expect(throws: ComponentError.self) { try Pagination(page: 4, pageCount: 3) { "/p/\($0)" } }
        #expect(throws: ComponentError.self) { try Pagination(page: 1, pageCount: 3) { "javascript:\($0)" } }
    }

    @Test func formFieldsNeverEchoPasswordsAndNeedPlainNames() throws {
        let password = try FormField(name: "password", label: "Password", type: .password, value: "hunter2")
        #expect(password.viewValue["value"] == "")
        #expect(throws: ComponentError.self) { try FormField(name: #"x" onfocus="y"#, label: "X") }
        let bare = try FormField(name: "q", label: "Search")
        #expect(bare.describedBy == "")
        #expect(bare.viewValue["error"] == .null)
    }

    @Test func dataTableRowsMustMatchTheColumns() {
        #expect(throws: ComponentError.self) {
            try DataTable(id: "t", caption: "c", columns: [.init("A"), .init("B")], rows: [[.text("only one")]])
        }
        #expect(throws: ComponentError.self) {
            try DataTable(
                id: "t", caption: "c", columns: [.init("A")], rows: [[.link(text: "x", href: "javascript:x")]])
        }
    }

    @Test func flashErrorsAreUrgent() {
        #expect(FlashMessage(.error, "x").viewValue["urgent"] == true)
        #expect(FlashMessage(.info, "x").viewValue["urgent"] == false)
    }

    @Test func viewValueLiteralsAndHelpers() {
        let value: ViewValue = ["a": 1, "b": "two", "c": true, "d": [1, 2], "e": nil]
        #expect(value["a"] == .int(1))
        #expect(value["b"] == .string("two"))
        #expect(value["e"] == .null)
        #expect(value["missing"] == nil)
        #expect(ViewValue.optional(Optional<StatusBadge>.none) == .null)
        #expect(ViewValue.list(of: [StatusBadge("x", tone: .info)]) == [["label": "x", "tone": "info"]])
        #expect(ViewValue.string("s").merging(["k": 1]) == ["k": 1])
    }
}
