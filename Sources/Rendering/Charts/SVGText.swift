/// Deterministic text for SVG numbers and chart values.
///
/// Coordinates are rounded to hundredths and written without trailing zeros
/// by integer arithmetic, so golden files do not depend on the platform's
/// floating-point printing or locale.
enum SVGText {
    static func number(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = abs(hundredths)
        let whole = magnitude / 100
        let fraction = magnitude % 100
        if fraction == 0 { return "\(sign)\(whole)" }
        if fraction % 10 == 0 { return "\(sign)\(whole).\(fraction / 10)" }
        return "\(sign)\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// A value as the chart's format writes it, with thousands separators.
    static func value(_ value: Double, format: ChartValueFormat) -> String {
        switch format {
        case .number(let digits):
            return grouped(value, fractionDigits: max(0, min(digits, 6)))
        case .money(let currency):
            let exponent = (try? MoneyText.exponent(of: currency)) ?? 2
            return "\(currency) \(grouped(value, fractionDigits: exponent))"
        }
    }

    /// An axis tick: the number only, since the unit is stated once beside the axis.
    static func tick(_ value: Double, format: ChartValueFormat, step: Double) -> String {
        switch format {
        case .number(let digits):
            return grouped(value, fractionDigits: max(0, min(digits, 6)))
        case .money:
            return grouped(value, fractionDigits: step.rounded() == step ? 0 : 2)
        }
    }

    /// The unit written above the value axis, if any.
    static func unit(_ format: ChartValueFormat) -> String? {
        if case .money(let currency) = format { return currency }
        return nil
    }

    static func grouped(_ value: Double, fractionDigits: Int) -> String {
        var scale: Double = 1
        for _ in 0..<fractionDigits { scale *= 10 }
        let scaled = (value * scale).rounded()
        guard scaled.isFinite, abs(scaled) < 9.0e18 else { return "–" }
        let minorUnits = Int64(scaled)
        let magnitude = minorUnits.magnitude
        let divisor = UInt64(scale)
        var text = minorUnits < 0 ? "-" : ""
        let whole = Array(String(magnitude / divisor))
        for (offset, digit) in whole.enumerated() {
            if offset > 0, (whole.count - offset) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        if fractionDigits > 0 {
            let fraction = String(magnitude % divisor)
            text += "." + String(repeating: "0", count: fractionDigits - fraction.count) + fraction
        }
        return text
    }
}
