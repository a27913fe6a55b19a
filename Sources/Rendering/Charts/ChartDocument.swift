/// The parts every chart shares: the `<figure>`, the accessible SVG shell with
/// `<title>` and `<desc>`, legend, value axis with grid lines, category labels
/// and the optional data table. Each chart kind only draws its marks.
///
/// Colours are CSS custom properties (`var(--brand-primary)` …) so partner
/// branding applies without inline styles; app.css defines the rest.
struct ChartDocument {
    let kind: String
    /// How the text alternative introduces the chart: "Bar chart", "Line chart".
    let kindLabel: String
    let title: String
    let categories: [String]
    let series: [ChartSeries]
    let options: ChartOptions
    let scale: ChartScale

    static let seriesColours = [
        "var(--brand-primary)", "var(--brand-accent)", "var(--chart-3)", "var(--chart-4)", "var(--chart-5)",
        "var(--chart-6)",
    ]

    static func colour(ofSeries index: Int) -> String { seriesColours[index % seriesColours.count] }

    var showsLegend: Bool { series.count > 1 }
    var left: Double { 64 }
    var right: Double { Double(options.width) - 16 }
    var top: Double { showsLegend ? 56 : 32 }
    var bottom: Double { Double(options.height) - 40 }
    var band: Double { (right - left) / Double(max(categories.count, 1)) }

    func centre(ofCategory index: Int) -> Double { left + band * (Double(index) + 0.5) }
    func y(_ value: Double) -> Double { scale.y(value, top: top, bottom: bottom) }

    func render(marks: String) -> TrustedHTML {
        let id = options.id
        var svg = "<figure class=\"chart chart--\(kind)\">\n"
        svg += "<figcaption class=\"chart__caption\" aria-hidden=\"true\">\(HTMLEscaper.escape(title))</figcaption>\n"
        svg +=
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart__svg\" viewBox=\"0 0 \(options.width) \(options.height)\""
        svg += " role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\" focusable=\"false\">\n"
        svg += "<title id=\"\(id)-title\">\(HTMLEscaper.escape(title))</title>\n"
        svg += "<desc id=\"\(id)-desc\">\(HTMLEscaper.escape(textAlternative))</desc>\n"
        if showsLegend { svg += legend }
        svg += valueAxis
        svg += marks
        svg += categoryAxis
        svg += "</svg>\n"
        if options.dataTable != .none { svg += dataTable }
        svg += "</figure>\n"
        return TrustedHTML(unchecked: svg)
    }

    /// Every value in words, so the chart's content is available without seeing it.
    var textAlternative: String {
        var text = options.summary.map { $0 + " " } ?? ""
        text += kindLabel
        if series.count > 1 { text += " of " + series.map(\.name).joined(separator: ", ") }
        text += ". "
        guard !categories.isEmpty else { return text + "No data." }
        let entries = categories.indices.map { index in
            if series.count == 1 { return "\(categories[index]): \(formatted(series[0].values[index]))" }
            let values = series.map { "\($0.name) \(formatted($0.values[index]))" }
            return "\(categories[index]): " + values.joined(separator: ", ")
        }
        return text + entries.joined(separator: "; ") + "."
    }

    func formatted(_ value: Double) -> String { SVGText.value(value, format: options.valueFormat) }

    func markTitle(category index: Int, series seriesIndex: Int) -> String {
        let value = formatted(series[seriesIndex].values[index])
        let label =
            series.count > 1
            ? "\(categories[index]), \(series[seriesIndex].name): \(value)" : "\(categories[index]): \(value)"
        return "<title>\(HTMLEscaper.escape(label))</title>"
    }

    private var legend: String {
        var out = "<g class=\"chart__legend\">\n"
        var x = left
        for (index, entry) in series.enumerated() {
            let colour = Self.colour(ofSeries: index)
            out += "<rect x=\"\(SVGText.number(x))\" y=\"12\" width=\"12\" height=\"12\" fill=\"\(colour)\"/>"
            out += "<text x=\"\(SVGText.number(x + 18))\" y=\"22\">\(HTMLEscaper.escape(entry.name))</text>\n"
            // An estimate of the text's width: exact metrics need a font, which the server has not got.
            x += 18 + Double(entry.name.count) * 7 + 24
        }
        return out + "</g>\n"
    }

    private var valueAxis: String {
        var out = "<g class=\"chart__grid\">\n"
        if let unit = SVGText.unit(options.valueFormat) {
            out += "<text class=\"chart__unit\" x=\"\(SVGText.number(left - 8))\" y=\"\(SVGText.number(top - 12))\""
            out += " text-anchor=\"end\">\(HTMLEscaper.escape(unit))</text>\n"
        }
        for tick in scale.ticks {
            let y = SVGText.number(y(tick))
            out += "<line x1=\"\(SVGText.number(left))\" x2=\"\(SVGText.number(right))\" y1=\"\(y)\" y2=\"\(y)\"/>"
            out += "<text x=\"\(SVGText.number(left - 8))\" y=\"\(y)\" dy=\"0.32em\" text-anchor=\"end\">"
            out += "\(HTMLEscaper.escape(SVGText.tick(tick, format: options.valueFormat, step: scale.step)))</text>\n"
        }
        return out + "</g>\n"
    }

    private var categoryAxis: String {
        var out = "<g class=\"chart__axis\">\n"
        let baseline = SVGText.number(y(max(scale.lower, 0)))
        out += "<line class=\"chart__baseline\" x1=\"\(SVGText.number(left))\" x2=\"\(SVGText.number(right))\""
        out += " y1=\"\(baseline)\" y2=\"\(baseline)\"/>\n"
        for (index, category) in categories.enumerated() {
            out += "<text x=\"\(SVGText.number(centre(ofCategory: index)))\" y=\"\(SVGText.number(bottom + 20))\""
            out += " text-anchor=\"middle\">\(HTMLEscaper.escape(category))</text>\n"
        }
        return out + "</g>\n"
    }

    private var dataTable: String {
        let hidden = options.dataTable == .visuallyHidden ? " visually-hidden" : ""
        var out = "<table class=\"chart__table\(hidden)\">\n<caption>\(HTMLEscaper.escape(title))</caption>\n"
        out += "<thead><tr><th scope=\"col\">\(HTMLEscaper.escape(options.categoryHeading))</th>"
        for entry in series { out += "<th scope=\"col\" class=\"num\">\(HTMLEscaper.escape(entry.name))</th>" }
        out += "</tr></thead>\n<tbody>\n"
        for (index, category) in categories.enumerated() {
            out += "<tr><th scope=\"row\">\(HTMLEscaper.escape(category))</th>"
            for entry in series {
                out += "<td class=\"num\">\(HTMLEscaper.escape(formatted(entry.values[index])))</td>"
            }
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }
}
