import Events

/// What the mapping needs beyond the document: who sent it and what to assume when X12 is silent.
public struct X12MappingOptions: Sendable, Equatable {
    /// The event `source`, such as `edi.acme`.
    public var source: String
    /// Used when a document has no CUR segment; nil makes a missing CUR an error.
    public var defaultCurrency: String?
    /// The user recorded as buyer, receiver or submitter when the document has no PER contact
    /// with an e-mail address (EDI is sent by systems, not people); nil makes that an error.
    public var fallbackUser: String?
    /// Product id qualifiers tried in order for the canonical `sku`.
    public var skuQualifiers: [String]
    /// X12 unit of measure codes (355) translated to the tenant's spelling, such as `BX` → `BOX`;
    /// codes not listed pass through unchanged.
    public var unitsOfMeasure: [String: String]

    public init(
        source: String, defaultCurrency: String? = nil, fallbackUser: String? = nil,
        skuQualifiers: [String] = ["SK", "BP", "VP", "UP"], unitsOfMeasure: [String: String] = [:]
    ) {
        self.unitsOfMeasure = unitsOfMeasure
        self.source = source
        self.defaultCurrency = defaultCurrency
        self.fallbackUser = fallbackUser
        self.skuQualifiers = skuQualifiers
    }
}

/// Turns X12 documents into canonical business events.
///
/// Design: mapping is a pure function of the typed document and the options,
/// so the same interchange always yields the same events: the event `id` is
/// derived from the sender id and the interchange, group and set control
/// numbers (so a resent interchange is deduplicated by ingest), and
/// `occurred_at` from the document's own date and time (X12 times carry no
/// zone; they are read as UTC). Money leaves as decimal strings in the
/// document currency, rounded by `Finance.Money` to that currency's minor
/// unit; quantities and prices keep the digits the partner sent. The caller
/// validates the events against the catalog like any other inbound event.
public enum X12EventMapper {
    /// `purchase_order.created` from an 850.
    public static func purchaseOrderCreated(_ order: PurchaseOrder850, options: X12MappingOptions) throws(X12Error)
        -> JSONValue
    {
        try PurchaseOrderMapping(order: order, options: options).event()
    }

    /// `goods_receipt.posted` from an 856: one event per order (HL level O) in the notice.
    public static func goodsReceiptsPosted(_ notice: ShipNotice856, options: X12MappingOptions) throws(X12Error)
        -> [JSONValue]
    {
        try GoodsReceiptMapping(notice: notice, options: options).events()
    }

    /// `invoice.received` from an 810.
    public static func invoiceReceived(_ invoice: Invoice810, options: X12MappingOptions) throws(X12Error)
        -> JSONValue
    {
        try InvoiceMapping(invoice: invoice, options: options).event()
    }

    /// The canonical events for every business document in `interchange`, in order; 997s map to none.
    public static func events(for interchange: Interchange, options: X12MappingOptions) throws(X12Error)
        -> [JSONValue]
    {
        var events: [JSONValue] = []
        for document in try X12Document.readAll(interchange) {
            switch document {
            case .purchaseOrder(let order): events.append(try purchaseOrderCreated(order, options: options))
            case .shipNotice(let notice): events.append(contentsOf: try goodsReceiptsPosted(notice, options: options))
            case .invoice(let invoice): events.append(try invoiceReceived(invoice, options: options))
            case .functionalAcknowledgment: continue
            }
        }
        return events
    }
}
