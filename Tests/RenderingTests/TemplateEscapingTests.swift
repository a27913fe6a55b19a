import Rendering
import Testing

@Suite("Template escaping")
struct TemplateEscapingTests {
    @Test func scriptTagsAreEscapedInText() throws {
        let html = try render("<p>{{comment}}</p>", ["comment": "<script>alert(1)</script>"])
        #expect(html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>")
    }

    @Test func quotesCannotLeaveAnAttribute() throws {
        let context: ViewValue = ["v": #"" onmouseover="x' onfocus='y` z"#]
        let html = try render(#"<input value="{{v}}"><a title='{{v}}'>"#, context)
        #expect(
            html
                == #"<input value="&quot; onmouseover=&quot;x&#39; onfocus=&#39;y&#96; z"><a title='&quot; onmouseover=&quot;x&#39; onfocus=&#39;y&#96; z'>"#
        )
    }

    @Test func ampersandsAreEscapedOnceInTextAndAttributes() throws {
        let html = try render(#"<a href="/q?a={{a}}">{{a}}</a>"#, ["a": "1&b=2 &amp;"])
        #expect(html == #"<a href="/q?a=1&amp;b=2 &amp;amp;">1&amp;b=2 &amp;amp;</a>"#)
    }

    @Test func nonASCIITextPassesThroughUnchanged() throws {
        #expect(try render("{{x}}", ["x": "Zürich — 東京 <ok>"]) == "Zürich — 東京 &lt;ok&gt;")
    }

    @Test func tripleBracesRefuseAPlainString() throws {
        let error = #expect(throws: TemplateError.self) {
            try render("a\n{{{ body }}}", ["body": "<b>bold</b>"])
        }
        #expect(error?.kind == .untrustedRawOutput)
        #expect(error?.view == "page.html")
        #expect(error?.line == 2)
        #expect(error?.variable == "body")
    }

    @Test(arguments: [ViewValue.int(1), .bool(true), .null, .list([]), .object([:])])
    func tripleBracesRefuseEverythingButTrustedHTML(value: ViewValue) throws {
        let error = #expect(throws: TemplateError.self) { try render("{{{x}}}", ["x": value]) }
        #expect(error?.kind == .untrustedRawOutput)
    }

    @Test func tripleBracesWriteTrustedHTMLAsIs() throws {
        let trusted = TrustedHTML(escaping: "<i>") + TrustedHTML(escaping: " & more")
        #expect(try render("{{{x}}}", ["x": .html(trusted)]) == "&lt;i&gt; &amp; more")
        #expect(trusted.markup == "&lt;i&gt; &amp; more")
    }

    @Test func doubleBracesEscapeEvenTrustedHTML() throws {
        let chart = try Chart.bar(title: "T", categories: [], values: [], options: ChartOptions(id: "c"))
        let html = try render(#"<div title="{{x}}">"#, ["x": .html(chart)])
        #expect(!html.contains("<svg"))
        #expect(html.contains("&lt;svg"))
    }
}
