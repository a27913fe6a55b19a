/// Maps the model's raw top probability to how often such a top answer was right.
///
/// Naive Bayes multiplies features that are not independent (a label set and its variance type),
/// so its raw probabilities are too sure of themselves; a single softmax temperature cannot fix
/// that when some labels are plain wrong (noise pushes the temperature up and makes clear cases
/// look doubtful). Isotonic regression (pool adjacent violators) on leave-one-out answers fits a
/// monotone step function instead: a higher raw probability never gets a lower confidence, and
/// each step is the observed share of right answers, smoothed by one right and one wrong pseudo-answer.
struct ConfidenceCalibration: Sendable, Equatable {
    /// Upper raw-probability bound of each step, increasing.
    private(set) var bounds: [Double] = []
    private(set) var values: [Double] = []

    /// No calibration: the raw probability is the confidence.
    static let identity = ConfidenceCalibration()

    /// Fewer observations than this keep the raw probability: too few to say anything.
    static let minimumObservations = 50

    init() {}

    init(observations: [(raw: Double, correct: Bool)]) {
        guard observations.count >= Self.minimumObservations else { return }
        struct Block {
            var correct: Double
            var count: Double
            var upper: Double
            /// Smoothed by one right and one wrong pseudo-answer; pooling on this keeps the steps monotone.
            var value: Double { (correct + 1) / (count + 2) }
        }
        var blocks: [Block] = []
        for observation in observations.sorted(by: { $0.raw < $1.raw }) {
            blocks.append(Block(correct: observation.correct ? 1 : 0, count: 1, upper: observation.raw))
            while blocks.count > 1, blocks[blocks.count - 2].value >= blocks[blocks.count - 1].value {
                let last = blocks.removeLast()
                blocks[blocks.count - 1].correct += last.correct
                blocks[blocks.count - 1].count += last.count
                blocks[blocks.count - 1].upper = last.upper
            }
        }
        bounds = blocks.map(\.upper)
        values = blocks.map(\.value)
    }

    func confidence(forRaw raw: Double) -> Double {
        guard let last = values.last else { return raw }
        // Binary search for the first step whose bound covers `raw`.
        var low = 0
        var high = bounds.count
        while low < high {
            let middle = (low + high) / 2
            if bounds[middle] < raw { low = middle + 1 } else { high = middle }
        }
        return low < values.count ? values[low] : last
    }
}
