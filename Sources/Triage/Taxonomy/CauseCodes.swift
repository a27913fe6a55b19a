/// Why an exception happened, as the tenant's people recorded it when they resolved it.
///
/// Open-ended on purpose: each tenant has its own vocabulary, and the model learns whatever
/// codes its history holds. The constants are the common ones, with sentences for people.
public struct RootCause: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let code: String

    /// - Throws: `invalid_code` unless `code` is a snake_case slug.
    public init(_ code: String) throws(TriageError) {
        guard Slug.isValid(code) else {
            throw TriageError(
                .invalidCode, "a root cause is a snake_case code such as 'partial_delivery'", field: "root_cause")
        }
        self.code = code
    }

    private init(known code: String) { self.code = code }

    public static let supplierPriceIncrease = RootCause(known: "supplier_price_increase")
    public static let poNotUpdated = RootCause(known: "po_not_updated")
    public static let partialDelivery = RootCause(known: "partial_delivery")
    public static let receivingNotPosted = RootCause(known: "receiving_not_posted")
    public static let duplicateSubmission = RootCause(known: "duplicate_submission")
    public static let freightSurcharge = RootCause(known: "freight_surcharge")
    public static let unitOfMeasureSetup = RootCause(known: "unit_of_measure_setup")
    public static let carrierDamage = RootCause(known: "carrier_damage")
    public static let countingError = RootCause(known: "counting_error")
    public static let shrinkage = RootCause(known: "shrinkage")
    public static let lateCustomerReturn = RootCause(known: "late_customer_return")

    public var description: String { code }

    public static func < (lhs: RootCause, rhs: RootCause) -> Bool { lhs.code < rhs.code }
}

/// What was done about an exception; the assistant recommends one, a person decides.
public struct Resolution: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let code: String

    /// - Throws: `invalid_code` unless `code` is a snake_case slug.
    public init(_ code: String) throws(TriageError) {
        guard Slug.isValid(code) else {
            throw TriageError(
                .invalidCode, "a resolution is a snake_case code such as 'request_credit_memo'", field: "resolution")
        }
        self.code = code
    }

    private init(known code: String) { self.code = code }

    public static let requestCreditMemo = Resolution(known: "request_credit_memo")
    public static let amendPurchaseOrder = Resolution(known: "amend_purchase_order")
    public static let holdForSecondReceipt = Resolution(known: "hold_for_second_receipt")
    public static let postMissingReceipt = Resolution(known: "post_missing_receipt")
    public static let rejectInvoice = Resolution(known: "reject_invoice")
    public static let approveVariance = Resolution(known: "approve_variance")
    public static let fixItemMaster = Resolution(known: "fix_item_master")
    public static let fileCarrierClaim = Resolution(known: "file_carrier_claim")
    public static let recount = Resolution(known: "recount")
    public static let writeOff = Resolution(known: "write_off")
    public static let denyReturn = Resolution(known: "deny_return")

    /// A sentence for the known codes ("request credit memo"); other codes read as their words.
    public var sentence: String {
        switch code {
        case "request_credit_memo": "request a credit memo from the supplier"
        case "amend_purchase_order": "amend the purchase order to the agreed price"
        case "hold_for_second_receipt": "hold the invoice until the rest is received"
        case "post_missing_receipt": "post the goods receipt that was not recorded"
        case "reject_invoice": "reject the invoice as a duplicate"
        case "approve_variance": "approve the variance for payment"
        case "fix_item_master": "correct the unit of measure in the item master"
        case "file_carrier_claim": "file a claim with the carrier"
        case "recount": "recount the location"
        case "write_off": "write the difference off"
        case "deny_return": "deny the return"
        default: code.replacingOccurrences(of: "_", with: " ")
        }
    }

    public var description: String { code }

    public static func < (lhs: Resolution, rhs: Resolution) -> Bool { lhs.code < rhs.code }
}
