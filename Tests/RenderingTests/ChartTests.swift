import Rendering
import Testing

@Suite("Charts")
struct ChartTests {
    static let agingOptions = ChartOptions(id: "aging", width: 320, height: 200)

    @Test func barChartGolden() throws {
        let chart = try Chart.bar(
            title: "Open exceptions by age", categories: ["0–7 days", "8–30 days", "> 30 <days>"], values: [12, 5, 2],
            options: Self.agingOptions)
        #expect(chart.markup == Self.barGolden)
    }

    @Test func areaChartWithMoneyAndHiddenTableGolden() throws {
        let chart = try Chart.line(
            title: "MRR", categories: ["Jan", "Feb", "Mar"],
            series: [
                ChartSeries(name: "MRR", values: [1200.5, 1350, 990.25]),
                ChartSeries(name: "Target", values: [1000, 1100, 1200]),
            ],
            filled: true,
            options: ChartOptions(
                id: "mrr", width: 320, height: 200, valueFormat: .money(currency: "USD"), dataTable: .visuallyHidden))
        #expect(chart.markup == Self.areaGolden)
    }

    @Test func stackedBarWithVisibleTableGolden() throws {
        let chart = try Chart.stackedBar(
            title: "Runs", categories: ["W1", "W2"],
            series: [ChartSeries(name: "Done", values: [3, 4]), ChartSeries(name: "Failed", values: [1, 0])],
            options: ChartOptions(id: "runs", width: 320, height: 200, dataTable: .visible))
        #expect(chart.markup == Self.stackedGolden)
    }

    @Test func outputIsDeterministic() throws {
        let make = {
            try Chart.line(
                title: "Throughput", categories: ["W1", "W2", "W3"],
                series: [ChartSeries(name: "Events", values: [0.1, 0.2, 0.3])],
                options: ChartOptions(id: "t", valueFormat: .number(fractionDigits: 1)))
        }
        #expect(try make() == make())
    }

    @Test func everyChartIsAnAccessibleImage() throws {
        let options = ChartOptions(id: "c1")
        let series = [ChartSeries(name: "A", values: [1, 2])]
        let charts = [
            try Chart.bar(title: "T", categories: ["x", "y"], values: [1, 2], options: options),
            try Chart.line(title: "T", categories: ["x", "y"], series: series, options: options),
            try Chart.stackedBar(title: "T", categories: ["x", "y"], series: series, options: options),
        ]
        for chart in charts {
            #expect(chart.markup.contains(#"role="img" aria-labelledby="c1-title c1-desc""#))
            #expect(chart.markup.contains(#"<title id="c1-title">T</title>"#))
            #expect(chart.markup.contains(#"<desc id="c1-desc">"#))
            #expect(chart.markup.contains("x: 1; y: 2."))
            #expect(!chart.markup.contains("style="))
        }
    }

    @Test func labelsTitlesAndSeriesNamesAreEscaped() throws {
        let attack = #"<script>alert("x")</script>&'"#
        let chart = try Chart.stackedBar(
            title: attack, categories: [attack],
            series: [ChartSeries(name: attack, values: [1]), ChartSeries(name: "b", values: [2])],
            options: ChartOptions(id: "e", summary: attack, categoryHeading: attack, dataTable: .visible))
        #expect(!chart.markup.contains("<script"))
        #expect(!chart.markup.contains("\"x\""))
        #expect(chart.markup.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"))
    }

    @Test func summaryComesFirstAndEmptyDataSaysSo() throws {
        let chart = try Chart.bar(
            title: "Aging", categories: [], values: [], options: ChartOptions(id: "a", summary: "All clear."))
        #expect(chart.markup.contains(#"<desc id="a-desc">All clear. Bar chart. No data.</desc>"#))
    }

    @Test func seriesBeyondTheBrandColoursUseChartVariables() throws {
        let series = (1...3).map { ChartSeries(name: "S\($0)", values: [Double($0)]) }
        let chart = try Chart.line(title: "T", categories: ["a"], series: series, options: ChartOptions(id: "s"))
        #expect(chart.markup.contains(#"stroke="var(--brand-primary)""#))
        #expect(chart.markup.contains(#"stroke="var(--brand-accent)""#))
        #expect(chart.markup.contains(#"stroke="var(--chart-3)""#))
    }

    @Test func lineChartAxisReachesBelowZeroForNegativeValues() throws {
        let chart = try Chart.line(
            title: "Variance", categories: ["a", "b"], series: [ChartSeries(name: "v", values: [-3, 7])],
            options: ChartOptions(id: "v"))
        #expect(chart.markup.contains(">-4</text>"))
        #expect(chart.markup.contains(">8</text>"))
    }

    @Test(arguments: [
        ("bad id", [1.0], ["a"]), ("1abc", [1], ["a"]), ("ok", [1, 2], ["a"]), ("ok", [-1], ["a"]),
        ("ok", [.nan], ["a"]),
        ("ok", [.infinity], ["a"]),
    ])
    func invalidInputIsRefused(id: String, values: [Double], categories: [String]) {
        #expect(throws: ChartError.self) {
            try Chart.bar(title: "T", categories: categories, values: values, options: ChartOptions(id: id))
        }
    }

    @Test func invalidCurrencyAndSizeAreRefused() {
        #expect(throws: ChartError.self) {
            try Chart.bar(
                title: "T", categories: ["a"], values: [1],
                options: ChartOptions(id: "m", valueFormat: .money(currency: "usd")))
        }
        #expect(throws: ChartError.self) {
            try Chart.bar(title: "T", categories: ["a"], values: [1], options: ChartOptions(id: "m", width: 10))
        }
        #expect(throws: ChartError.self) {
            try Chart.line(title: "T", categories: ["a"], series: [], options: ChartOptions(id: "m"))
        }
    }

    static let barGolden = """
        <figure class="chart chart--bar">
        <figcaption class="chart__caption" aria-hidden="true">Open exceptions by age</figcaption>
        <svg xmlns="http://www.w3.org/2000/svg" class="chart__svg" viewBox="0 0 320 200" role="img" aria-labelledby="aging-title aging-desc" focusable="false">
        <title id="aging-title">Open exceptions by age</title>
        <desc id="aging-desc">Bar chart. 0–7 days: 12; 8–30 days: 5; &gt; 30 &lt;days&gt;: 2.</desc>
        <g class="chart__grid">
        <line x1="64" x2="304" y1="160" y2="160"/><text x="56" y="160" dy="0.32em" text-anchor="end">0</text>
        <line x1="64" x2="304" y1="117.33" y2="117.33"/><text x="56" y="117.33" dy="0.32em" text-anchor="end">5</text>
        <line x1="64" x2="304" y1="74.67" y2="74.67"/><text x="56" y="74.67" dy="0.32em" text-anchor="end">10</text>
        <line x1="64" x2="304" y1="32" y2="32"/><text x="56" y="32" dy="0.32em" text-anchor="end">15</text>
        </g>
        <g class="chart__marks">
        <rect x="76" y="57.6" width="56" height="102.4" fill="var(--brand-primary)"><title>0–7 days: 12</title></rect>
        <rect x="156" y="117.33" width="56" height="42.67" fill="var(--brand-primary)"><title>8–30 days: 5</title></rect>
        <rect x="236" y="142.93" width="56" height="17.07" fill="var(--brand-primary)"><title>&gt; 30 &lt;days&gt;: 2</title></rect>
        </g>
        <g class="chart__axis">
        <line class="chart__baseline" x1="64" x2="304" y1="160" y2="160"/>
        <text x="104" y="180" text-anchor="middle">0–7 days</text>
        <text x="184" y="180" text-anchor="middle">8–30 days</text>
        <text x="264" y="180" text-anchor="middle">&gt; 30 &lt;days&gt;</text>
        </g>
        </svg>
        </figure>

        """

    static let areaGolden = """
        <figure class="chart chart--area">
        <figcaption class="chart__caption" aria-hidden="true">MRR</figcaption>
        <svg xmlns="http://www.w3.org/2000/svg" class="chart__svg" viewBox="0 0 320 200" role="img" aria-labelledby="mrr-title mrr-desc" focusable="false">
        <title id="mrr-title">MRR</title>
        <desc id="mrr-desc">Area chart of MRR, Target. Jan: MRR USD 1,200.50, Target USD 1,000.00; Feb: MRR USD 1,350.00, Target USD 1,100.00; Mar: MRR USD 990.25, Target USD 1,200.00.</desc>
        <g class="chart__legend">
        <rect x="64" y="12" width="12" height="12" fill="var(--brand-primary)"/><text x="82" y="22">MRR</text>
        <rect x="127" y="12" width="12" height="12" fill="var(--brand-accent)"/><text x="145" y="22">Target</text>
        </g>
        <g class="chart__grid">
        <text class="chart__unit" x="56" y="44" text-anchor="end">USD</text>
        <line x1="64" x2="304" y1="160" y2="160"/><text x="56" y="160" dy="0.32em" text-anchor="end">0</text>
        <line x1="64" x2="304" y1="125.33" y2="125.33"/><text x="56" y="125.33" dy="0.32em" text-anchor="end">500</text>
        <line x1="64" x2="304" y1="90.67" y2="90.67"/><text x="56" y="90.67" dy="0.32em" text-anchor="end">1,000</text>
        <line x1="64" x2="304" y1="56" y2="56"/><text x="56" y="56" dy="0.32em" text-anchor="end">1,500</text>
        </g>
        <g class="chart__marks">
        <path class="chart__area" d="M104 160 L104 76.77 L184 66.4 L264 91.34 L264 160 Z" fill="var(--brand-primary)" fill-opacity="0.15"/>
        <path class="chart__line" d="M104 76.77 L184 66.4 L264 91.34" fill="none" stroke="var(--brand-primary)" stroke-width="2"/>
        <circle cx="104" cy="76.77" r="3" fill="var(--brand-primary)"><title>Jan, MRR: USD 1,200.50</title></circle>
        <circle cx="184" cy="66.4" r="3" fill="var(--brand-primary)"><title>Feb, MRR: USD 1,350.00</title></circle>
        <circle cx="264" cy="91.34" r="3" fill="var(--brand-primary)"><title>Mar, MRR: USD 990.25</title></circle>
        <path class="chart__area" d="M104 160 L104 90.67 L184 83.73 L264 76.8 L264 160 Z" fill="var(--brand-accent)" fill-opacity="0.15"/>
        <path class="chart__line" d="M104 90.67 L184 83.73 L264 76.8" fill="none" stroke="var(--brand-accent)" stroke-width="2"/>
        <circle cx="104" cy="90.67" r="3" fill="var(--brand-accent)"><title>Jan, Target: USD 1,000.00</title></circle>
        <circle cx="184" cy="83.73" r="3" fill="var(--brand-accent)"><title>Feb, Target: USD 1,100.00</title></circle>
        <circle cx="264" cy="76.8" r="3" fill="var(--brand-accent)"><title>Mar, Target: USD 1,200.00</title></circle>
        </g>
        <g class="chart__axis">
        <line class="chart__baseline" x1="64" x2="304" y1="160" y2="160"/>
        <text x="104" y="180" text-anchor="middle">Jan</text>
        <text x="184" y="180" text-anchor="middle">Feb</text>
        <text x="264" y="180" text-anchor="middle">Mar</text>
        </g>
        </svg>
        <table class="chart__table visually-hidden">
        <caption>MRR</caption>
        <thead><tr><th scope="col">Category</th><th scope="col" class="num">MRR</th><th scope="col" class="num">Target</th></tr></thead>
        <tbody>
        <tr><th scope="row">Jan</th><td class="num">USD 1,200.50</td><td class="num">USD 1,000.00</td></tr>
        <tr><th scope="row">Feb</th><td class="num">USD 1,350.00</td><td class="num">USD 1,100.00</td></tr>
        <tr><th scope="row">Mar</th><td class="num">USD 990.25</td><td class="num">USD 1,200.00</td></tr>
        </tbody>
        </table>
        </figure>

        """

    static let stackedGolden = """
        <figure class="chart chart--stacked-bar">
        <figcaption class="chart__caption" aria-hidden="true">Runs</figcaption>
        <svg xmlns="http://www.w3.org/2000/svg" class="chart__svg" viewBox="0 0 320 200" role="img" aria-labelledby="runs-title runs-desc" focusable="false">
        <title id="runs-title">Runs</title>
        <desc id="runs-desc">Stacked bar chart of Done, Failed. W1: Done 3, Failed 1; W2: Done 4, Failed 0.</desc>
        <g class="chart__legend">
        <rect x="64" y="12" width="12" height="12" fill="var(--brand-primary)"/><text x="82" y="22">Done</text>
        <rect x="134" y="12" width="12" height="12" fill="var(--brand-accent)"/><text x="152" y="22">Failed</text>
        </g>
        <g class="chart__grid">
        <line x1="64" x2="304" y1="160" y2="160"/><text x="56" y="160" dy="0.32em" text-anchor="end">0</text>
        <line x1="64" x2="304" y1="134" y2="134"/><text x="56" y="134" dy="0.32em" text-anchor="end">1</text>
        <line x1="64" x2="304" y1="108" y2="108"/><text x="56" y="108" dy="0.32em" text-anchor="end">2</text>
        <line x1="64" x2="304" y1="82" y2="82"/><text x="56" y="82" dy="0.32em" text-anchor="end">3</text>
        <line x1="64" x2="304" y1="56" y2="56"/><text x="56" y="56" dy="0.32em" text-anchor="end">4</text>
        </g>
        <g class="chart__marks">
        <rect x="82" y="82" width="84" height="78" fill="var(--brand-primary)"><title>W1, Done: 3</title></rect>
        <rect x="82" y="56" width="84" height="26" fill="var(--brand-accent)"><title>W1, Failed: 1</title></rect>
        <rect x="202" y="56" width="84" height="104" fill="var(--brand-primary)"><title>W2, Done: 4</title></rect>
        </g>
        <g class="chart__axis">
        <line class="chart__baseline" x1="64" x2="304" y1="160" y2="160"/>
        <text x="124" y="180" text-anchor="middle">W1</text>
        <text x="244" y="180" text-anchor="middle">W2</text>
        </g>
        </svg>
        <table class="chart__table">
        <caption>Runs</caption>
        <thead><tr><th scope="col">Category</th><th scope="col" class="num">Done</th><th scope="col" class="num">Failed</th></tr></thead>
        <tbody>
        <tr><th scope="row">W1</th><td class="num">3</td><td class="num">1</td></tr>
        <tr><th scope="row">W2</th><td class="num">4</td><td class="num">0</td></tr>
        </tbody>
        </table>
        </figure>

        """
}
