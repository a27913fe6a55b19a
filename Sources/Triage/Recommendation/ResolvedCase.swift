import Foundation

/// An exception a person resolved: the history a tenant's model learns from.
public struct ResolvedCase: Sendable, Equatable {
    public var id: String
    public var tenant: TenantID
    public var supplier: String
    /// Sorted, each label once.
    public private(set) var labels: [ExceptionLabel]
    public var varianceType: VarianceType?
    public var amountBand: AmountBand
    public var rootCause: RootCause
    public var resolution: Resolution
    /// When the exception was raised: the day-of-week feature is read from it, as for open exceptions.
    public var openedAt: Date
    public var resolvedAt: Date
    /// Who decided (a user id): the assistant recommends, a person decides.
    public var decidedBy: String
    /// Whether the person chose differently from what the assistant recommended.
    public var overrodeRecommendation: Bool

    public init(
        id: String, tenant: TenantID, supplier: String, labels: some Sequence<ExceptionLabel>,
        varianceType: VarianceType? = nil, amountBand: AmountBand, rootCause: RootCause, resolution: Resolution,
        openedAt: Date, resolvedAt: Date, decidedBy: String, overrodeRecommendation: Bool = false
    ) {
        self.id = id
        self.tenant = tenant
        self.supplier = supplier
        self.labels = Set(labels).sorted()
        self.varianceType = varianceType ?? VarianceType.dominant(of: self.labels)
        self.amountBand = amountBand
        self.rootCause = rootCause
        self.resolution = resolution
        self.openedAt = openedAt
        self.resolvedAt = resolvedAt
        self.decidedBy = decidedBy
        self.overrodeRecommendation = overrodeRecommendation
    }

    public var features: CaseFeatures {
        CaseFeatures(
            supplier: supplier, labels: labels, varianceType: varianceType, amountBand: amountBand,
            dayOfWeek: Weekday(openedAt))
    }
}

/// What the model looks at: the same for a resolved case and an open exception.
public struct CaseFeatures: Sendable, Equatable {
    public var supplier: String
    /// Sorted, each label once.
    public private(set) var labels: [ExceptionLabel]
    public var varianceType: VarianceType?
    public var amountBand: AmountBand
    public var dayOfWeek: Weekday

    public init(
        supplier: String, labels: some Sequence<ExceptionLabel>, varianceType: VarianceType?, amountBand: AmountBand,
        dayOfWeek: Weekday
    ) {
        self.supplier = supplier
        self.labels = Set(labels).sorted()
        self.varianceType = varianceType
        self.amountBand = amountBand
        self.dayOfWeek = dayOfWeek
    }

    public init(_ exception: OpenException) {
        self.init(
            supplier: exception.supplier, labels: exception.labels, varianceType: exception.varianceType,
            amountBand: exception.amountBand, dayOfWeek: Weekday(exception.openedAt))
    }
}

/// The UTC day of the week, Monday first; UTC so that the feature does not depend on the server's zone.
public enum Weekday: Int, Sendable, CaseIterable {
    case monday, tuesday, wednesday, thursday, friday, saturday, sunday

    public init(_ date: Date) {
        let days = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        // 1970-01-01 was a Thursday.
        let index = ((days + 3) % 7 + 7) % 7
        self = Weekday(rawValue: index) ?? .monday
    }

    /// `monday` … `sunday`: how the weekday is written in JSON.
    public var code: String { "\(self)" }

    public init?(code: String) {
        guard let day = Weekday.allCases.first(where: { $0.code == code }) else { return nil }
        self = day
    }
}
