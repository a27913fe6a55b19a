import Foundation

/// A linear value axis with "nice" bounds and ticks (multiples of 1, 2 or 5 × 10ⁿ).
struct ChartScale {
    let lower: Double
    let upper: Double
    let step: Double

    /// - Parameter wholeSteps: ticks at whole numbers only (counts make no sense as 0.5).
    init(minimum: Double, maximum: Double, targetTicks: Int = 5, wholeSteps: Bool) {
        let low = min(0, minimum)
        var high = max(0, maximum)
        if high == low { high = low + 1 }
        let rough = (high - low) / Double(targetTicks)
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let residual = rough / magnitude
        let nice: Double = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10
        var step = nice * magnitude
        if wholeSteps { step = max(1, step.rounded(.up)) }
        self.step = step
        lower = (low / step).rounded(.down) * step
        upper = (high / step).rounded(.up) * step
    }

    var ticks: [Double] {
        let count = Int(((upper - lower) / step).rounded())
        return (0...count).map { lower + Double($0) * step }
    }

    /// Maps a value to a y coordinate between `top` (upper bound) and `bottom` (lower bound).
    func y(_ value: Double, top: Double, bottom: Double) -> Double {
        bottom - (value - lower) / (upper - lower) * (bottom - top)
    }
}
