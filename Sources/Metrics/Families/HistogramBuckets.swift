/// Upper bounds for histogram buckets. `+Inf` is always added by the
/// histogram itself and need not be listed.
public enum HistogramBuckets {
    /// Request and query latency in seconds, from 1 ms to 10 s: the range an
    /// HTTP handler or a database round trip falls in, with roughly 2.5×
    /// steps so that quantile estimates stay within one step.
    public static let latencySeconds: [Double] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    /// `count` bounds starting at `start`, each `factor` times the previous.
    public static func exponential(start: Double, factor: Double, count: Int) throws(MetricsError) -> [Double] {
        guard start > 0, start.isFinite, factor > 1, factor.isFinite, count > 0 else {
            throw MetricsError(
                .invalidBuckets, "exponential buckets need start > 0, factor > 1 and count > 0")
        }
        var bounds: [Double] = []
        var bound = start
        for _ in 0..<count {
            bounds.append(bound)
            bound *= factor
        }
        return bounds
    }

    /// `count` bounds starting at `start`, `width` apart.
    public static func linear(start: Double, width: Double, count: Int) throws(MetricsError) -> [Double] {
        guard start.isFinite, width > 0, width.isFinite, count > 0 else {
            throw MetricsError(.invalidBuckets, "linear buckets need a finite start, width > 0 and count > 0")
        }
        return (0..<count).map { start + Double($0) * width }
    }

    /// The bounds a histogram keeps: finite and strictly increasing, with a
    /// trailing `+Inf` dropped because the histogram adds its own.
    static func validated(_ bounds: [Double], for metric: String) throws(MetricsError) -> [Double] {
        var finite = bounds
        if finite.last == .infinity { finite.removeLast() }
        for (index, bound) in finite.enumerated() {
            guard bound.isFinite else {
                throw MetricsError(
                    .invalidBuckets, "bucket bounds of \(metric) must be finite, except a last +Inf", field: metric)
            }
            guard index == 0 || finite[index - 1] < bound else {
                throw MetricsError(
                    .invalidBuckets, "bucket bounds of \(metric) must be strictly increasing", field: metric)
            }
        }
        return finite
    }
}
