import Foundation
import Rendering
import Testing

/// Compiles `sources` (the first one is rendered) and renders it with `context`.
func render(sources: [String: String], view: String = "page", _ context: ViewValue) throws -> String {
    try ViewLibrary(sources: sources).render(view, context: context)
}

func render(_ template: String, _ context: ViewValue) throws -> String {
    try render(sources: ["page.html": template], context)
}

@Suite("Template syntax")
struct TemplateSyntaxTests {
    @Test func variablesAndDottedPaths() throws {
        let context: ViewValue = ["name": "Acme", "task": ["amount": "USD 12.00", "count": 3, "urgent": true]]
        #expect(
            try render("Hi {{name}}, {{ task.amount }} x{{task.count}} {{task.urgent}}", context)
                == "Hi Acme, USD 12.00 x3 true")
    }

    @Test func decimalsPrintInPlainForm() throws {
        let context: ViewValue = ["rate": .decimal(Decimal(string: "1234.5") ?? 0)]
        #expect(try render("{{rate}}", context) == "1234.5")
    }

    @Test func eachWithIndexFirstLastAndCurrentItem() throws {
        let template = "{{#each items}}{{@index}}:{{.}}{{#if @first}}(first){{/if}}{{#if @last}}(last){{/if}};{{/each}}"
        #expect(try render(template, ["items": ["a", "b", "c"]]) == "0:a(first);1:b;2:c(last);")
        #expect(try render("{{#each items}}{{this}}{{/each}}", ["items": [1, 2]]) == "12")
    }

    @Test func eachElseForEmptyAndNullLists() throws {
        let template = "{{#each rows}}row{{else}}none{{/each}}"
        #expect(try render(template, ["rows": []]) == "none")
        #expect(try render(template, ["rows": nil]) == "none")
        #expect(try render(template, ["rows": [1]]) == "row")
    }

    @Test func nestedEachSeesItsItemAndEveryOuterScope() throws {
        let context: ViewValue = [
            "currency": "EUR",
            "groups": [
                ["name": "A", "lines": [["sku": "x"], ["sku": "y"]]],
                ["name": "B", "lines": [["sku": "z", "currency": "USD"]]],
            ],
        ]
        let template =
            "{{#each groups}}{{name}}[{{#each lines}}{{@index}}{{sku}}/{{name}}/{{currency}} {{/each}}]{{/each}}"
        #expect(try render(template, context) == "A[0x/A/EUR 1y/A/EUR ]B[0z/B/USD ]")
    }

    @Test func parentPathSkipsTheInnerScope() throws {
        let context: ViewValue = ["label": "outer", "items": [["label": "inner"]]]
        #expect(try render("{{#each items}}{{label}}|{{../label}}{{/each}}", context) == "inner|outer")
    }

    @Test func nestedIndexRefersToTheInnermostLoop() throws {
        let context: ViewValue = ["rows": [["cells": ["a", "b"]], ["cells": ["c"]]]]
        #expect(try render("{{#each rows}}{{#each cells}}{{@index}}{{.}} {{/each}}{{/each}}", context) == "0a 1b 0c ")
    }

    @Test(arguments: [
        (ViewValue.bool(true), "yes"), (.bool(false), "no"), (.null, "no"), (.string(""), "no"), (.string("x"), "yes"),
        (.int(0), "no"), (.int(7), "yes"), (.list([]), "no"), (.list([1]), "yes"), (.object([:]), "yes"),
    ])
    func ifAndUnlessTruthiness(value: ViewValue, expected: String) throws {
        #expect(try render("{{#if flag}}yes{{else}}no{{/if}}", ["flag": value]) == expected)
        #expect(try render("{{#unless flag}}no{{else}}yes{{/unless}}", ["flag": value]) == expected)
    }

    @Test func partialsUseTheCallersScopeOrTheGivenContext() throws {
        let sources = [
            "page.html": "{{> greeting}} / {{> badge task.status}} / {{#each people}}{{> greeting}}{{/each}}",
            "partials/greeting.html": "Hello {{name}}",
            "partials/badge.html": "<b>{{label}}</b> for {{name}}",
        ]
        let context: ViewValue = [
            "name": "Ann", "task": ["status": ["label": "Open"]], "people": [["name": "Bo"], ["name": "Cy"]],
        ]
        #expect(try render(sources: sources, context) == "Hello Ann / <b>Open</b> for Ann / Hello BoHello Cy")
    }

    @Test func partialNamesMayHaveFolders() throws {
        let sources = ["page.html": "{{> forms/hint}}", "partials/forms/hint.html": "hint {{x}}"]
        #expect(try render(sources: sources, ["x": 1]) == "hint 1")
    }

    @Test func layoutWrapsTheViewAndSeesTheSameContext() throws {
        let sources = [
            "page.html": "{{!layout base}}\n<p>{{body}}</p>\n",
            "layouts/base.html": "<title>{{title}}</title><main>{{{content}}}</main>",
        ]
        #expect(
            try render(sources: sources, ["title": "T & C", "body": "B"])
                == "<title>T &amp; C</title><main><p>B</p>\n</main>")
    }

    @Test func layoutsNest() throws {
        let sources = [
            "page.html": "{{!layout inner}}page",
            "layouts/inner.html": "{{!layout outer}}[{{{content}}}]",
            "layouts/outer.html": "<{{{content}}}>",
        ]
        #expect(try render(sources: sources, [:]) == "<[page]>")
    }

    @Test func commentsProduceNothing() throws {
        #expect(try render("a{{! note }}b{{!-- has }} inside --}}c", [:]) == "abc")
    }

    @Test func standaloneTagLinesDisappear() throws {
        let template = """
            <ul>
              {{#each items}}
              <li>{{.}}</li>
              {{/each}}
            </ul>
            {{! trailing note }}
            """
        #expect(try render(template, ["items": ["a", "b"]]) == "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n")
    }

    @Test func tagsSharingALineKeepTheirWhitespace() throws {
        #expect(try render("  {{#if x}}y{{/if}}  \n", ["x": true]) == "  y  \n")
    }

    @Test func renderHTMLFeedsAnotherRender() throws {
        let library = try ViewLibrary(sources: [
            "fragment.html": "<em>{{word}}</em>", "page.html": "<div>{{{inner}}}</div>",
        ])
        let fragment = try library.renderHTML("fragment", context: ["word": "<b>"])
        #expect(try library.render("page", context: ["inner": .html(fragment)]) == "<div><em>&lt;b&gt;</em></div>")
    }

    @Test func renderBytesMatchesRender() throws {
        let library = try ViewLibrary(sources: ["page.html": "ünïcødé {{x}} €"])
        let bytes = try library.renderBytes("page", context: ["x": "✓"])
        #expect(String(decoding: bytes, as: UTF8.self) == "ünïcødé ✓ €")
        #expect(library.templateNames == ["page"])
    }

    @Test func tenThousandRowTableRendersEveryRow() throws {
        let library = try ViewLibrary(sources: [
            "page.html":
                "<table>\n{{#each rows}}\n<tr><td>{{@index}}</td><td>{{name}}</td><td>{{amount}}</td></tr>\n{{/each}}\n</table>\n"
        ])
        let rows = (0..<10_000).map { index -> ViewValue in
            ["name": .string("item <\(index)>"), "amount": .int(index * 3)]
        }
        let html = try library.render("page", context: ["rows": .list(rows)])
        let lines = html.split(separator: "\n")
        #expect(lines.count == 10_002)
        #expect(lines[1] == "<tr><td>0</td><td>item &lt;0&gt;</td><td>0</td></tr>")
        #expect(lines[10_000] == "<tr><td>9999</td><td>item &lt;9999&gt;</td><td>29997</td></tr>")
    }
}

@Suite("Template partial newlines")
struct PartialNewlineTests {
    @Test func aPartialsFinalNewlineIsDropped() throws {
        let sources = ["page.html": "<td>{{> badge}}</td>", "partials/badge.html": "<b>{{x}}</b>\n"]
        #expect(try render(sources: sources, ["x": 1]) == "<td><b>1</b></td>")
        #expect(try render(sources: ["page.html": "a\n"], [:]) == "a\n")
    }
}
