/// A transaction set read into its typed document.
public enum X12Document: Sendable, Hashable {
    case purchaseOrder(PurchaseOrder850)
    case shipNotice(ShipNotice856)
    case invoice(Invoice810)
    case functionalAcknowledgment(FunctionalAcknowledgment997)

    /// Reads one set with the reader its ST01 calls for.
    public static func read(_ set: TransactionSet, group: FunctionalGroup, interchange: Interchange) throws(X12Error)
        -> X12Document
    {
        let envelope = EnvelopeReference(interchange: interchange, group: group, set: set)
        switch set.id {
        case .purchaseOrder: return .purchaseOrder(try PurchaseOrder850.read(set, envelope: envelope))
        case .shipNotice: return .shipNotice(try ShipNotice856.read(set, envelope: envelope))
        case .invoice: return .invoice(try Invoice810.read(set, envelope: envelope))
        case .functionalAcknowledgment:
            return .functionalAcknowledgment(try FunctionalAcknowledgment997.read(set, envelope: envelope))
        }
    }

    /// Reads every set of `interchange`, stopping at the first that is not acceptable.
    public static func readAll(_ interchange: Interchange) throws(X12Error) -> [X12Document] {
        var documents: [X12Document] = []
        for (group, set) in interchange.transactionSets {
            documents.append(try read(set, group: group, interchange: interchange))
        }
        return documents
    }
}
