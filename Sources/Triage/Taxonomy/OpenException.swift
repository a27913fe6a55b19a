import Foundation
import Finance

/// An exception waiting in a tenant's queue: what the scorer ranks and the recommender answers.
public struct OpenException: Sendable, Equatable {
    public var id: String
    public var tenant: TenantID
    public var supplier: String
    /// Sorted, each label once.
    public private(set) var labels: [ExceptionLabel]
    public var varianceType: VarianceType?
    /// The variance at stake, signed as the evidence gives it; its magnitude is what counts.
    public var exposure: Money
    /// The whole document's value (the invoice total, the count's book value).
    public var documentValue: Money
    public var openedAt: Date
    /// When the exception must be worked by (the SLA of the role it is routed to).
    public var dueAt: Date

    public init(
        id: String, tenant: TenantID, supplier: String, labels: some Sequence<ExceptionLabel>,
        varianceType: VarianceType? = nil, exposure: Money, documentValue: Money, openedAt: Date, dueAt: Date
    ) {
        self.id = id
        self.tenant = tenant
        self.supplier = supplier
        self.labels = Set(labels).sorted()
        self.varianceType = varianceType ?? VarianceType.dominant(of: self.labels)
        self.exposure = exposure
        self.documentValue = documentValue
        self.openedAt = openedAt
        self.dueAt = dueAt
    }

    /// An exception from a classification; the exposure is the classification's, or zero when it has none.
    public init(
        id: String, tenant: TenantID, supplier: String, classification: Classification, documentValue: Money,
        openedAt: Date, dueAt: Date
    ) {
        self.init(
            id: id, tenant: tenant, supplier: supplier, labels: classification.labels,
            varianceType: classification.varianceType,
            exposure: classification.exposure(in: documentValue.currency) ?? .zero(documentValue.currency),
            documentValue: documentValue, openedAt: openedAt, dueAt: dueAt)
    }

    public var amountBand: AmountBand { AmountBand(exposure) }
}
