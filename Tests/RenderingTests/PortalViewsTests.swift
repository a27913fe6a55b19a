import Foundation
import Rendering
import Testing

/// Renders the real files in Portal/views/layouts and Portal/views/partials with fixture data.
@Suite("Portal layouts and partials")
struct PortalViewsTests {
    /// The repository root, found from this file (symlinks resolved, so a private test package works too).
    static let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let views = root.appendingPathComponent("Portal/views")

    /// Layouts and partials only: pages belong to other modules and are tested there.
    static func sharedTemplates() throws -> [String: String] {
        var sources: [String: String] = [:]
        for folder in ["layouts", "partials"] {
            let directory = views.appendingPathComponent(folder)
            for file in try FileManager.default.contentsOfDirectory(atPath: directory.path)
            where file.hasSuffix(".html") {
                sources["\(folder)/\(file)"] = try String(
                    contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            }
        }
        return sources
    }

    static func library(pages: [String: String] = [:]) throws -> ViewLibrary {
        try ViewLibrary(sources: sharedTemplates().merging(pages) { _, page in page })
    }

    static func brand(name: String = "Acme Partners") throws -> PortalBrand {
        try PortalBrand(
            name: name, partner: "acme", logoSource: "/brand/acme/logo.svg", supportEmail: "help@acme.example",
            supportPhone: "+1 (555) 010-0200", footerText: "© Acme Partners. Powered by Countersign.")
    }

    static func layout(session: Bool = true, flash: [FlashMessage] = []) throws -> LayoutContext {
        try LayoutContext(
            pageTitle: "Exceptions", brand: brand(),
            nav: [.init("Home", href: "/"), .init("Exceptions", href: "/exceptions", isCurrent: true)],
            session: session ? .init(displayName: "Dana Clerk") : nil, csrfToken: "tok-123", flash: flash)
    }

    /// Fixture context for each partial; a new partial without one fails `everyPartialHasAFixture`.
    static func partialFixtures() throws -> [String: ViewValue] {
        let money = try MoneyValue(minorUnits: -123_450, currency: "USD")
        return [
            "partials/csrf": ["csrf_token": "tok-123"],
            "partials/flash": [
                "flash": .list(of: [FlashMessage(.success, "Saved."), FlashMessage(.error, "Failed <x>.")])
            ],
            "partials/form_field": try FormField(
                name: "email", label: "Email", type: .email, value: "a@b.example", isRequired: true,
                autocomplete: "email", hint: "We never share it.", error: "Enter a valid email address."
            ).viewValue,
            "partials/data_table": try sampleTable().viewValue,
            "partials/table_cell": [
                "header": false, "numeric": false, "text": "plain", "money": .null, "link": .null, "badge": .null,
            ],
            "partials/money_cell": money.viewValue,
            "partials/status_badge": StatusBadge("Overdue", tone: .danger).viewValue,
            "partials/pagination": try Pagination(page: 5, pageCount: 12) { "/exceptions?page=\($0)" }.viewValue,
        ]
    }

    static func sampleTable(rows: Bool = true) throws -> DataTable {
        try DataTable(
            id: "exceptions", caption: "Open exceptions",
            columns: [
                .init("Invoice"), .init("Supplier"), .init("Amount", isNumeric: true), .init("State"),
                .init("Age", isNumeric: true),
            ],
            rows: rows
                ? [
                    [
                        .rowHeader("INV-1"), .link(text: "Fresh <Farms>", href: "/suppliers/7"),
                        .money(try MoneyValue(minorUnits: 123_450, currency: "EUR")),
                        .badge(StatusBadge("Open", tone: .warning)),
                        .number("12"),
                    ]
                ] : [],
            emptyMessage: "No open exceptions.")
    }

    @Test func everyLayoutAndPartialCompiles() throws {
        let names = try Self.library().templateNames
        #expect(names.contains("layouts/base"))
        for partial in [
            "csrf", "flash", "form_field", "data_table", "table_cell", "money_cell", "status_badge", "pagination",
        ] {
            #expect(names.contains("partials/\(partial)"), "missing partials/\(partial).html")
        }
    }

    @Test func everyPartialHasAFixtureAndRenders() throws {
        let library = try Self.library()
        let fixtures = try Self.partialFixtures()
        for name in library.templateNames where name.hasPrefix("partials/") {
            let context = try #require(fixtures[name], "no fixture for \(name)")
            let html = try library.render(name, context: context)
            #expect(!html.isEmpty, "\(name) rendered nothing")
        }
    }

    @Test func everyLayoutRendersAPage() throws {
        let layouts = try Self.library().templateNames.filter { $0.hasPrefix("layouts/") }
        #expect(!layouts.isEmpty)
        for layout in layouts {
            let name = layout.dropFirst("layouts/".count)
            let library = try Self.library(pages: ["pages/probe.html": "{{!layout \(name)}}<p>probe</p>"])
            let html = try library.render("pages/probe", context: Self.layout().context())
            #expect(html.contains("<p>probe</p>"), "\(layout) does not place {{{content}}}")
        }
    }

    @Test func noTemplateHasInlineScriptOrStyle() throws {
        for (path, source) in try Self.sharedTemplates() {
            let lower = source.lowercased()
            #expect(!lower.contains("<script"), "\(path)")
            #expect(!lower.contains("<style"), "\(path)")
            #expect(!lower.contains("style="), "\(path)")
            #expect(lower.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil, "\(path)")
        }
    }

    @Test func baseLayoutIsSemanticAndBranded() throws {
        let library = try Self.library(pages: ["pages/test.html": "{{!layout base}}\n<h1>{{heading}}</h1>\n"])
        let context = try Self.layout(flash: [FlashMessage(.error, "Could not save.")]).context(page: [
            "heading": "Open items"
        ])
        let html = try library.render("pages/test", context: context)
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        #expect(html.contains("<title>Exceptions · Acme Partners</title>"))
        #expect(html.contains(#"<link rel="stylesheet" href="/static/app.css">"#))
        #expect(html.contains(#"<link rel="stylesheet" href="/brand/acme.css">"#))
        #expect(html.contains(##"<a class="skip-link" href="#main">Skip to main content</a>"##))
        #expect(html.contains("<header class=\"site-header\">"))
        #expect(html.contains(#"<img class="brand__logo" src="/brand/acme/logo.svg" alt="" height="32">"#))
        #expect(html.contains(#"<nav class="site-nav" aria-label="Main">"#))
        #expect(html.contains(#"<li><a href="/exceptions" aria-current="page">Exceptions</a></li>"#))
        #expect(html.contains(#"<li><a href="/">Home</a></li>"#))
        #expect(html.contains("<main id=\"main\" tabindex=\"-1\">"))
        #expect(html.contains("<h1>Open items</h1>"))
        #expect(html.contains(#"<div class="flash flash--error" role="alert">Could not save.</div>"#))
        #expect(html.contains(#"<input type="hidden" name="csrf_token" value="tok-123">"#))
        #expect(html.contains("Dana Clerk"))
        #expect(html.contains(#"<a href="mailto:help@acme.example">help@acme.example</a>"#))
        #expect(html.contains(#"<a href="tel:+15550100200">+1 (555) 010-0200</a>"#))
        #expect(html.contains("© Acme Partners. Powered by Countersign."))
        #expect(html.hasSuffix("</html>\n"))
        // Main content sits between the header and the footer.
        let main = try #require(html.range(of: "<h1>"))
        let header = try #require(html.range(of: "</header>"))
        let footer = try #require(html.range(of: "<footer"))
        #expect(header.upperBound <= main.lowerBound && main.upperBound <= footer.lowerBound)
    }

    @Test func baseLayoutWithoutSessionNavOrLogo() throws {
        let library = try Self.library(pages: ["pages/test.html": "{{!layout base}}x"])
        let brand = try PortalBrand(
            name: "Bare", partner: "bare", supportEmail: "s@bare.example", footerText: "Bare Ltd")
        let context = LayoutContext(pageTitle: "Sign in", brand: brand, csrfToken: "t").context()
        let html = try library.render("pages/test", context: context)
        #expect(!html.contains("<form"))
        #expect(!html.contains("<nav"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("tel:"))
        #expect(!html.contains("flash-list"))
    }

    @Test func layoutEscapesPartnerSuppliedText() throws {
        let library = try Self.library(pages: ["pages/test.html": "{{!layout base}}x"])
        var layout = try Self.layout()
        layout.brand = try Self.brand(name: #"<script>alert("x")</script>"#)
        let html = try library.render("pages/test", context: layout.context())
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"))
    }

    @Test func formFieldTiesHintAndErrorToTheInput() throws {
        let library = try Self.library()
        let html = try library.render(
            "partials/form_field", context: try Self.partialFixtures()["partials/form_field"] ?? nil)
        #expect(
            html.contains(
                #"<label class="field__label" for="field-email">Email <span class="field__required">(required)</span></label>"#
            ))
        #expect(html.contains(#"<p class="field__hint" id="field-email-hint">We never share it.</p>"#))
        #expect(html.contains(#"id="field-email-error""#))
        #expect(
            html.contains(
                #"<input class="field__input" id="field-email" name="email" type="email" value="a@b.example" required autocomplete="email" aria-describedby="field-email-hint field-email-error" aria-invalid="true">"#
            ))
        let plain = try FormField(name: "note", label: "Note", value: #"" onfocus="x"#)
        let plainHTML = try library.render("partials/form_field", context: plain.viewValue)
        #expect(
            plainHTML.contains(
                #"<input class="field__input" id="field-note" name="note" type="text" value="&quot; onfocus=&quot;x">"#)
        )
    }

    @Test func dataTableHasCaptionScopesAndCellKinds() throws {
        let library = try Self.library()
        let html = try library.render("partials/data_table", context: try Self.sampleTable().viewValue)
        #expect(html.contains(#"<caption id="exceptions-caption">Open exceptions</caption>"#))
        #expect(html.contains(#"<th scope="col">Invoice</th>"#))
        #expect(html.contains(#"<th scope="col" class="num">Amount</th>"#))
        #expect(html.contains(#"<th scope="row">INV-1</th>"#))
        #expect(html.contains(#"<td><a href="/suppliers/7">Fresh &lt;Farms&gt;</a></td>"#))
        #expect(html.contains(#"<td class="num money">EUR 1,234.50</td>"#))
        #expect(html.contains(#"<td><span class="badge badge--warning">Open</span></td>"#))
        #expect(html.contains(#"<td class="num">12</td>"#))
        #expect(html.contains(#"role="region" aria-labelledby="exceptions-caption" tabindex="0""#))
        let empty = try library.render("partials/data_table", context: try Self.sampleTable(rows: false).viewValue)
        #expect(empty.contains(#"<td class="data-table__empty" colspan="5">No open exceptions.</td>"#))
    }

    @Test func moneyCellMarksNegativeAmounts() throws {
        let html = try Self.library().render(
            "partials/money_cell", context: try MoneyValue(minorUnits: -5, currency: "USD").viewValue)
        #expect(html == "<td class=\"num money money--negative\">USD -0.05</td>")
    }

    @Test func csrfPartialIsTheHiddenInput() throws {
        let html = try Self.library().render("partials/csrf", context: ["csrf_token": #"a"b"#])
        #expect(html == "<input type=\"hidden\" name=\"csrf_token\" value=\"a&quot;b\">")
    }

    @Test func paginationShowsAWindowWithGaps() throws {
        let html = try Self.library().render(
            "partials/pagination", context: try Self.partialFixtures()["partials/pagination"] ?? nil)
        #expect(html.contains(#"<a href="/exceptions?page=4" rel="prev">"#))
        #expect(html.contains(#"<a href="/exceptions?page=6" rel="next">"#))
        #expect(html.contains(#"<a href="/exceptions?page=5" aria-current="page">5</a>"#))
        #expect(html.components(separatedBy: "pagination__gap").count == 3)
        #expect(html.contains("Page 5 of 12"))
        let first = try Self.library().render(
            "partials/pagination", context: try Pagination(page: 1, pageCount: 1) { "/x?page=\($0)" }.viewValue)
        #expect(first.contains(#"<span class="pagination__edge">Previous</span>"#))
        #expect(first.contains(#"<span class="pagination__edge">Next</span>"#))
    }

    @Test func stylesheetMeetsThePortalsRules() throws {
        let css = try String(contentsOf: Self.root.appendingPathComponent("Portal/static/app.css"), encoding: .utf8)
        #expect(!css.contains("@import"))
        #expect(!css.contains("@font-face"))
        #expect(!css.contains("url("))
        #expect(css.contains("system-ui"))
        #expect(css.contains("var(--brand-primary)"))
        #expect(css.contains("var(--brand-on-primary)"))
        #expect(css.contains(":focus-visible"))
        #expect(css.contains("@media (prefers-reduced-motion: reduce)"))
        #expect(css.contains("@media print"))
        #expect(css.contains("overflow-x: auto"))
        #expect(css.contains("flex-wrap: wrap"))
        #expect(css.contains(".visually-hidden"))
    }
}
