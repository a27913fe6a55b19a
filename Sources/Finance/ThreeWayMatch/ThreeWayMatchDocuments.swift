import Foundation

/// Three-way matching of a supplier invoice against its purchase order and goods receipts.
///
/// Everything here is pure: the caller loads the documents (from the canonical
/// `purchase_order.created`, `goods_receipt.posted` and `invoice.received`
/// events) and hands them in as values; ``match(invoice:purchaseOrder:receipts:previousInvoices:policy:)``
/// returns a ``ThreeWayMatchResult`` that says what matched, what did not, and why.
public enum ThreeWayMatch {}

extension ThreeWayMatch {
    /// A purchase order as the latest `purchase_order.*` event states it.
    ///
    /// Quantities and prices are `Decimal`s read exactly from the events'
    /// decimal strings (``DecimalText/parse(_:)``), never from floating point.
    public struct PurchaseOrder: Sendable, Equatable {
        public struct Line: Sendable, Equatable {
            public var line: Int
            public var sku: String
            /// Ordered quantity in ``uom``.
            public var quantity: Decimal
            public var uom: String
            /// Base units per one ``uom`` (a BOX of 100 EA: 100); `nil` means the line has no base unit.
            public var uomFactor: Decimal?
            /// The base unit ``uomFactor`` counts; `nil` means the policy's ``ThreeWayMatchPolicy/defaultBaseUnit``,
            /// because the event schema names the factor but not the unit it converts to.
            public var baseUOM: String?
            /// Price per one ``uom`` in the order's currency.
            public var unitPrice: Decimal

            public init(
                line: Int, sku: String, quantity: Decimal, uom: String, uomFactor: Decimal? = nil,
                baseUOM: String? = nil, unitPrice: Decimal
            ) {
                self.line = line
                self.sku = sku
                self.quantity = quantity
                self.uom = uom
                self.uomFactor = uomFactor
                self.baseUOM = baseUOM
                self.unitPrice = unitPrice
            }
        }

        public var number: String
        public var supplierID: String
        public var currency: Currency
        public var lines: [Line]
        /// Agreed freight; absent means none was agreed, so any freight billed is a variance.
        public var freight: Decimal?
        /// Agreed tax; absent means none, as for freight.
        public var tax: Decimal?

        public init(
            number: String, supplierID: String, currency: Currency, lines: [Line], freight: Decimal? = nil,
            tax: Decimal? = nil
        ) {
            self.number = number
            self.supplierID = supplierID
            self.currency = currency
            self.lines = lines
            self.freight = freight
            self.tax = tax
        }
    }

    /// A posted goods receipt. Receipts naming another purchase order are ignored,
    /// so a caller may pass every receipt it holds for the supplier.
    public struct GoodsReceipt: Sendable, Equatable {
        public struct Line: Sendable, Equatable {
            /// The purchase order line received against; `nil` falls back to the SKU.
            public var poLine: Int?
            public var sku: String
            /// Quantity counted, in ``uom``.
            public var quantity: Decimal
            public var uom: String
            /// `good`, `damaged`, `rejected` or `quarantined`; `nil` means good, as in the event.
            public var condition: String?

            public init(poLine: Int?, sku: String, quantity: Decimal, uom: String, condition: String? = nil) {
                self.poLine = poLine
                self.sku = sku
                self.quantity = quantity
                self.uom = uom
                self.condition = condition
            }
        }

        public var number: String
        public var poNumber: String
        public var lines: [Line]

        public init(number: String, poNumber: String, lines: [Line]) {
            self.number = number
            self.poNumber = poNumber
            self.lines = lines
        }
    }

    /// A supplier invoice as `invoice.received` states it.
    public struct Invoice: Sendable, Equatable {
        public struct Line: Sendable, Equatable {
            /// The invoice's own line number; results fall back to the 1-based position.
            public var line: Int?
            /// The purchase order line billed; `nil` falls back to the SKU.
            public var poLine: Int?
            public var sku: String
            /// Quantity billed, in ``uom``.
            public var quantity: Decimal
            public var uom: String
            /// Price per one ``uom`` in the invoice's currency.
            public var unitPrice: Decimal
            /// The line amount as printed; `nil` means quantity × price.
            public var amount: Decimal?

            public init(
                line: Int? = nil, poLine: Int?, sku: String, quantity: Decimal, uom: String, unitPrice: Decimal,
                amount: Decimal? = nil
            ) {
                self.line = line
                self.poLine = poLine
                self.sku = sku
                self.quantity = quantity
                self.uom = uom
                self.unitPrice = unitPrice
                self.amount = amount
            }
        }

        /// Identity of the document (the event id): a previous invoice with the
        /// same id is this invoice being matched again, not a duplicate of it.
        public var id: String
        public var number: String
        public var supplierID: String
        public var poNumber: String?
        /// `YYYY-MM-DD`, compared as text for duplicate detection.
        public var invoiceDate: String
        public var currency: Currency
        public var lines: [Line]
        public var freight: Decimal?
        public var tax: Decimal?
        public var discount: Decimal?
        public var total: Decimal

        public init(
            id: String, number: String, supplierID: String, poNumber: String?, invoiceDate: String,
            currency: Currency, lines: [Line], freight: Decimal? = nil, tax: Decimal? = nil,
            discount: Decimal? = nil, total: Decimal
        ) {
            self.id = id
            self.number = number
            self.supplierID = supplierID
            self.poNumber = poNumber
            self.invoiceDate = invoiceDate
            self.currency = currency
            self.lines = lines
            self.freight = freight
            self.tax = tax
            self.discount = discount
            self.total = total
        }
    }
}
