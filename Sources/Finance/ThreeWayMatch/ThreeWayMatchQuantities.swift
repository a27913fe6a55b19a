import Foundation

extension ThreeWayMatch {
    /// What has been received and previously invoiced against each PO line, in internal units.
    struct LineQuantities {
        typealias Reason = ThreeWayMatchResult.Reason

        /// Accepted receipt quantity per PO line number.
        private(set) var received: [Int: Decimal] = [:]
        /// Receipt lines that could not be counted, reported on every invoice line of that PO line.
        private(set) var receiptProblems: [Int: [Reason]] = [:]
        /// Quantity billed so far per PO line number; grows as the invoice's lines are matched.
        private(set) var invoiced: [Int: Decimal] = [:]

        /// Nothing received or billed: what a missing order amounts to.
        init() {}

        init(
            order: ThreeWayMatch.PurchaseOrder, receipts: [ThreeWayMatch.GoodsReceipt],
            previousInvoices: [ThreeWayMatch.Invoice], policy: ThreeWayMatchPolicy
        ) {
            let resolver = LineResolver(order)
            for receipt in receipts where receipt.poNumber == order.number {
                for line in receipt.lines {
                    countReceipt(line, of: receipt, resolver: resolver, policy: policy)
                }
            }
            // Earlier invoices whose lines do not resolve or convert were exceptions
            // when they were matched; they are left out rather than guessed at.
            for invoice in previousInvoices where invoice.poNumber == order.number {
                for line in invoice.lines {
                    guard case .found(let orderLine, _) = resolver.resolve(poLine: line.poLine, sku: line.sku),
                        let quantity = LineUnits(orderLine, policy: policy).internalQuantity(line.quantity, line.uom)
                    else { continue }
                    invoiced[orderLine.line, default: 0] += quantity
                }
            }
        }

        /// Adds `quantity` to what is billed against `poLine` and returns the total before it.
        mutating func bill(_ quantity: Decimal, against poLine: Int) -> Decimal {
            let before = invoiced[poLine] ?? 0
            invoiced[poLine] = before + quantity
            return before
        }

        private mutating func countReceipt(
            _ line: ThreeWayMatch.GoodsReceipt.Line, of receipt: ThreeWayMatch.GoodsReceipt, resolver: LineResolver,
            policy: ThreeWayMatchPolicy
        ) {
            let condition = line.condition ?? "good"
            switch resolver.resolve(poLine: line.poLine, sku: line.sku) {
            case .notOnOrder:
                // Not this invoice's concern: nothing can bill a line the order does not have.
                return
            case .ambiguous(let candidates):
                for candidate in candidates {
                    receiptProblems[candidate, default: []].append(
                        Reason(
                            .ambiguousSKU, .exception,
                            "receipt \(receipt.number) counts SKU \(line.sku) without a PO line, and the order "
                                + "has it on "
                                + "lines \(candidates.map(String.init).joined(separator: ", ")); it was not counted",
                            reference: receipt.number))
                }
            case .found(let orderLine, let matchedBy):
                if matchedBy == .poLine, policy.requiresSKUAgreement, line.sku != orderLine.sku {
                    receiptProblems[orderLine.line, default: []].append(
                        Reason(
                            .skuMismatch, .exception,
                            "receipt \(receipt.number) counts SKU \(line.sku) against PO line \(orderLine.line), which "
                                + "orders \(orderLine.sku); it was not counted",
                            reference: receipt.number))
                    return
                }
                guard policy.acceptedReceiptConditions.contains(condition) else { return }
                let units = LineUnits(orderLine, policy: policy)
                guard let quantity = units.internalQuantity(line.quantity, line.uom) else {
                    receiptProblems[orderLine.line, default: []].append(
                        Reason(
                            .uomMismatch, .exception,
                            "receipt \(receipt.number) counts PO line \(orderLine.line) in \(line.uom), which is not "
                                + "\(units.acceptedUnits); it was not counted",
                            reference: receipt.number))
                    return
                }
                received[orderLine.line, default: 0] += quantity
            }
        }
    }
}
