/// Server-rendered SVG charts that are accessible and brandable.
///
/// Every chart is a `<figure>` holding an SVG with `role="img"`, a `<title>`
/// and a `<desc>` that lists every value, so the picture has a full text
/// alternative; an optional data table carries the same numbers. Labels are
/// escaped, colours are CSS custom properties, and the output is a pure
/// function of the input (coordinates are rounded by integer arithmetic), so
/// golden tests pin it exactly.
public enum Chart {
    /// One bar per category, e.g. open exceptions by age bucket. Values must be zero or more.
    public static func bar(title: String, categories: [String], values: [Double], options: ChartOptions)
        throws(ChartError) -> TrustedHTML
    {
        let series = [ChartSeries(name: title, values: values)]
        try validate(categories: categories, series: series, options: options, nonNegative: true)
        let scale = ChartScale(
            minimum: values.min() ?? 0, maximum: values.max() ?? 0, wholeSteps: wholeSteps(options.valueFormat))
        let document = ChartDocument(
            kind: "bar", kindLabel: "Bar chart", title: title, categories: categories, series: series, options: options,
            scale: scale)
        var marks = "<g class=\"chart__marks\">\n"
        let width = document.band * 0.7
        for (index, value) in values.enumerated() {
            let top = document.y(value)
            let bottom = document.y(0)
            marks += rect(
                x: document.centre(ofCategory: index) - width / 2, y: top, width: width, height: bottom - top,
                colour: ChartDocument.colour(ofSeries: 0), title: document.markTitle(category: index, series: 0))
        }
        return document.render(marks: marks + "</g>\n")
    }

    /// Bars split into one segment per series, stacked from zero; values must be zero or more.
    public static func stackedBar(title: String, categories: [String], series: [ChartSeries], options: ChartOptions)
        throws(ChartError) -> TrustedHTML
    {
        try validate(categories: categories, series: series, options: options, nonNegative: true)
        let totals = categories.indices.map { index in series.reduce(0) { $0 + $1.values[index] } }
        let scale = ChartScale(minimum: 0, maximum: totals.max() ?? 0, wholeSteps: wholeSteps(options.valueFormat))
        let document = ChartDocument(
            kind: "stacked-bar", kindLabel: "Stacked bar chart", title: title, categories: categories, series: series,
            options: options, scale: scale)
        var marks = "<g class=\"chart__marks\">\n"
        let width = document.band * 0.7
        for index in categories.indices {
            var base = 0.0
            for (seriesIndex, entry) in series.enumerated() {
                let value = entry.values[index]
                let top = document.y(base + value)
                let bottom = document.y(base)
                base += value
                guard value > 0 else { continue }
                marks += rect(
                    x: document.centre(ofCategory: index) - width / 2, y: top, width: width, height: bottom - top,
                    colour: ChartDocument.colour(ofSeries: seriesIndex),
                    title: document.markTitle(category: index, series: seriesIndex))
            }
        }
        return document.render(marks: marks + "</g>\n")
    }

    /// One line per series over ordered categories (months, weeks); `filled` shades the area under each line.
    public static func line(
        title: String, categories: [String], series: [ChartSeries], filled: Bool = false, options: ChartOptions
    ) throws(ChartError) -> TrustedHTML {
        try validate(categories: categories, series: series, options: options, nonNegative: false)
        let all = series.flatMap(\.values)
        let scale = ChartScale(
            minimum: all.min() ?? 0, maximum: all.max() ?? 0, wholeSteps: wholeSteps(options.valueFormat))
        let document = ChartDocument(
            kind: filled ? "area" : "line", kindLabel: filled ? "Area chart" : "Line chart", title: title,
            categories: categories, series: series, options: options, scale: scale)
        var marks = "<g class=\"chart__marks\">\n"
        let baseline = SVGText.number(document.y(max(scale.lower, 0)))
        for (seriesIndex, entry) in series.enumerated() where !entry.values.isEmpty {
            let colour = ChartDocument.colour(ofSeries: seriesIndex)
            let points = entry.values.indices.map {
                "\(SVGText.number(document.centre(ofCategory: $0))) \(SVGText.number(document.y(entry.values[$0])))"
            }
            if filled {
                let first = SVGText.number(document.centre(ofCategory: 0))
                let last = SVGText.number(document.centre(ofCategory: entry.values.count - 1))
                marks += "<path class=\"chart__area\" d=\"M\(first) \(baseline) L\(points.joined(separator: " L"))"
                marks += " L\(last) \(baseline) Z\" fill=\"\(colour)\" fill-opacity=\"0.15\"/>\n"
            }
            marks += "<path class=\"chart__line\" d=\"M\(points.joined(separator: " L"))\" fill=\"none\""
            marks += " stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
            for index in entry.values.indices {
                marks += "<circle cx=\"\(SVGText.number(document.centre(ofCategory: index)))\""
                marks += " cy=\"\(SVGText.number(document.y(entry.values[index])))\" r=\"3\" fill=\"\(colour)\">"
                marks += document.markTitle(category: index, series: seriesIndex) + "</circle>\n"
            }
        }
        return document.render(marks: marks + "</g>\n")
    }

    private static func rect(x: Double, y: Double, width: Double, height: Double, colour: String, title: String)
        -> String
    {
        "<rect x=\"\(SVGText.number(x))\" y=\"\(SVGText.number(y))\" width=\"\(SVGText.number(width))\""
            + " height=\"\(SVGText.number(height))\" fill=\"\(colour)\">\(title)</rect>\n"
    }

    private static func wholeSteps(_ format: ChartValueFormat) -> Bool {
        if case .number(let digits) = format { return digits == 0 }
        return false
    }

    private static func validate(
        categories: [String], series: [ChartSeries], options: ChartOptions, nonNegative: Bool
    ) throws(ChartError) {
        guard let first = options.id.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first | 0x20),
            options.id.utf8.allSatisfy({ byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: "_")
            })
        else {
            throw ChartError(.invalidID, "a chart id starts with a letter and has only letters, digits, - and _")
        }
        guard options.width >= 160, options.height >= 120, options.width <= 4096, options.height <= 4096 else {
            throw ChartError(.invalidData, "a chart is between 160×120 and 4096×4096 units")
        }
        guard !series.isEmpty else { throw ChartError(.invalidData, "a chart needs at least one series") }
        if case .money(let currency) = options.valueFormat {
            do { _ = try MoneyText.exponent(of: currency) } catch {
                throw ChartError(.invalidData, "chart currency: \(error.message)")
            }
        }
        for entry in series {
            guard entry.values.count == categories.count else {
                throw ChartError(
                    .invalidData,
                    "series '\(entry.name)' has \(entry.values.count) values for \(categories.count) categories")
            }
            guard entry.values.allSatisfy(\.isFinite) else {
                throw ChartError(.invalidData, "series '\(entry.name)' has a value that is not a finite number")
            }
            guard !nonNegative || entry.values.allSatisfy({ $0 >= 0 }) else {
                throw ChartError(.invalidData, "series '\(entry.name)' has a negative value, which a bar cannot show")
            }
        }
    }
}
