import Finance

/// What triggered a label: which line and field, what was expected against what was found, and the amount.
public struct Evidence: Sendable, Equatable {
    /// The invoice line (or count line, or document line) it is about; `nil` for the document as a whole.
    public var line: Int?
    /// The field compared, in snake_case: `unit_price`, `quantity`, `freight`, `invoice_number`, …
    public var field: String
    public var expected: String?
    public var actual: String?
    /// The variance in money, signed: positive when more is billed (or missing) than supported.
    public var amount: Money?
    /// The other document involved (the earlier invoice of a duplicate).
    public var reference: String?
    /// A sentence for people.
    public var note: String

    public init(
        line: Int? = nil, field: String, expected: String? = nil, actual: String? = nil, amount: Money? = nil,
        reference: String? = nil, note: String
    ) {
        self.line = line
        self.field = field
        self.expected = expected
        self.actual = actual
        self.amount = amount
        self.reference = reference
        self.note = note
    }
}

/// The labels of one exception, each with the evidence that triggered it.
///
/// Labels come out sorted by code and each at most once, however many findings support it,
/// so the same documents always classify the same way.
public struct Classification: Sendable, Equatable {
    public struct Finding: Sendable, Equatable {
        public var label: ExceptionLabel
        public var evidence: [Evidence]
    }

    public private(set) var findings: [Finding]

    public init() { findings = [] }

    public var labels: [ExceptionLabel] { findings.map(\.label) }

    public var isEmpty: Bool { findings.isEmpty }

    public func evidence(for label: ExceptionLabel) -> [Evidence] {
        findings.first { $0.label == label }?.evidence ?? []
    }

    /// The dominant variance type of the labels.
    public var varianceType: VarianceType? { VarianceType.dominant(of: labels) }

    /// The sum of the positive evidence amounts: what the exception puts at stake.
    ///
    /// Only amounts in `currency` count; `nil` when none is.
    public func exposure(in currency: Currency) -> Money? {
        var total: Int64 = 0
        var any = false
        for finding in findings {
            for item in finding.evidence {
                guard let amount = item.amount, amount.currency == currency else { continue }
                any = true
                let (sum, overflow) = total.addingReportingOverflow(max(0, amount.minorUnits))
                total = overflow ? .max : sum
            }
        }
        return any ? Money(minorUnits: total, currency: currency) : nil
    }

    mutating func add(_ label: ExceptionLabel, _ evidence: Evidence) {
        if let index = findings.firstIndex(where: { $0.label == label }) {
            findings[index].evidence.append(evidence)
        } else {
            let position = findings.firstIndex { $0.label > label } ?? findings.endIndex
            findings.insert(Finding(label: label, evidence: [evidence]), at: position)
        }
    }
}
