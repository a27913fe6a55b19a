import Foundation
import Rendering
import Testing

@Suite("Template errors")
struct TemplateErrorTests {
    @Test func missingVariableNamesViewLineAndVariable() throws {
        let error = #expect(throws: TemplateError.self) {
            try render(
                sources: ["pages/tasks.html": "<h1>{{title}}</h1>\n<p>{{ task.amount }}</p>"], view: "pages/tasks",
                ["title": "T", "task": [:]])
        }
        #expect(error?.kind == .missingVariable)
        #expect(error?.code == "template_missing_variable")
        #expect(error?.view == "pages/tasks.html")
        #expect(error?.line == 2)
        #expect(error?.variable == "task.amount")
        #expect(error?.message.contains("pages/tasks.html line 2") == true)
        #expect(error?.httpStatus == 500)
    }

    @Test func missingVariableInsideAPartialNamesThePartial() throws {
        let sources = ["page.html": "x\n{{> card}}", "partials/card.html": "\n\n{{missing}}"]
        let error = #expect(throws: TemplateError.self) { try render(sources: sources, [:]) }
        #expect(error?.view == "partials/card.html")
        #expect(error?.line == 3)
        #expect(error?.variable == "missing")
    }

    @Test(arguments: ["{{#if flag}}x{{/if}}", "{{#each rows}}x{{/each}}", "{{> p missing}}", "{{a.b}}", "{{../a}}"])
    func everyLookupIsStrict(template: String) throws {
        let error = #expect(throws: TemplateError.self) {
            try render(sources: ["page.html": template, "partials/p.html": ""], ["a": [:]])
        }
        #expect(error?.kind == .missingVariable)
    }

    @Test func indexOutsideEachIsAnError() throws {
        let error = #expect(throws: TemplateError.self) { try render("{{@index}}", [:]) }
        #expect(error?.kind == .missingVariable)
    }

    @Test(arguments: [ViewValue.null, .list([]), .object([:])])
    func printingNullListOrObjectIsAnError(value: ViewValue) throws {
        let error = #expect(throws: TemplateError.self) { try render("{{x}}", ["x": value]) }
        #expect(error?.kind == .typeMismatch)
        #expect(error?.variable == "x")
    }

    @Test func eachOverANonListIsAnError() throws {
        let error = #expect(throws: TemplateError.self) { try render("{{#each x}}{{/each}}", ["x": "text"]) }
        #expect(error?.kind == .typeMismatch)
    }

    @Test(arguments: [
        ("a\n{{#each rows}}\nx", TemplateError.Kind.unclosedBlock, 2),
        ("{{#if a}}\n{{#each b}}\n{{/if}}", .mismatchedBlock, 3),
        ("\n\n{{/if}}", .mismatchedBlock, 3),
        ("x\n{{else}}", .syntax, 2),
        ("{{#if a}}1{{else}}2{{else}}3{{/if}}", .syntax, 1),
        ("one\ntwo {{name", .syntax, 2),
        ("{{#with a}}{{/with}}", .syntax, 1),
        ("{{#if}}{{/if}}", .syntax, 1),
        ("\n{{ a..b }}", .syntax, 2),
        ("{{ 1abc }}", .syntax, 1),
        ("{{}}", .syntax, 1),
        ("{{^x}}{{/x}}", .syntax, 1),
        ("{{#if a}}{{!layout base}}{{/if}}", .syntax, 1),
        ("x\n\n{{> nowhere}}", .unknownPartial, 3),
        ("{{!layout nowhere}}", .unknownLayout, 1),
    ])
    func compileErrorsNameFileAndLine(template: String, kind: TemplateError.Kind, line: Int) throws {
        let error = #expect(throws: TemplateError.self) {
            try ViewLibrary(sources: ["pages/broken.html": template, "layouts/base.html": "{{{content}}}"])
        }
        #expect(error?.kind == kind)
        #expect(error?.view == "pages/broken.html")
        #expect(error?.line == line)
    }

    @Test func layoutCyclesAreRefused() throws {
        let error = #expect(throws: TemplateError.self) {
            try ViewLibrary(sources: [
                "layouts/a.html": "{{!layout b}}{{{content}}}", "layouts/b.html": "{{!layout a}}{{{content}}}",
            ])
        }
        #expect(error?.kind == .layoutCycle)
    }

    @Test func partialsCannotDeclareALayout() throws {
        let error = #expect(throws: TemplateError.self) {
            try ViewLibrary(sources: ["partials/p.html": "{{!layout base}}", "layouts/base.html": "{{{content}}}"])
        }
        #expect(error?.view == "partials/p.html")
    }

    @Test func selfIncludingPartialStopsAtTheDepthLimit() throws {
        let library = try ViewLibrary(
            sources: ["page.html": "{{> loop}}", "partials/loop.html": "x{{> loop}}"],
            configuration: ViewLibrary.Configuration(maxPartialDepth: 5))
        let error = #expect(throws: TemplateError.self) { try library.render("page", context: [:]) }
        #expect(error?.kind == .depthLimit)
    }

    @Test func recursivePartialsRenderTrees() throws {
        let library = try ViewLibrary(sources: [
            "page.html": "{{> node tree}}",
            "partials/node.html": "({{name}}{{#each children}}{{> node}}{{/each}})",
        ])
        let tree: ViewValue = [
            "name": "a", "children": [["name": "b", "children": []], ["name": "c", "children": []]],
        ]
        #expect(try library.render("page", context: ["tree": tree]) == "(a(b)(c))")
    }

    @Test func unknownViewIsAnError() throws {
        let library = try ViewLibrary(sources: [:])
        let error = #expect(throws: TemplateError.self) { try library.render("pages/none", context: [:]) }
        #expect(error?.kind == .unknownView)
    }

    @Test func loadingAFolderReportsTheBrokenFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("views-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("pages"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "ok {{x}}".write(to: folder.appendingPathComponent("pages/good.html"), atomically: true, encoding: .utf8)
        let library = try ViewLibrary.load(from: folder)
        #expect(library.templateNames == ["pages/good"])
        try "line1\n{{#if x}}".write(
            to: folder.appendingPathComponent("pages/bad.html"), atomically: true, encoding: .utf8)
        let error = #expect(throws: TemplateError.self) { try ViewLibrary.load(from: folder) }
        #expect(error?.view == "pages/bad.html")
        #expect(error?.line == 2)
    }
}
