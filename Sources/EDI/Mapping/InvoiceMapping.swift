import Finance
import Events

/// 810 → `invoice.received`.
///
/// | X12 | canonical |
/// | --- | --- |
/// | BIG01 / BIG02 / BIG04 | invoice_date / invoice_number / po_number |
/// | N1*SU (or SE, RI) N104 / N102 | supplier (ISA06 when absent) |
/// | CUR02 | currency |
/// | PER e-mail (IC first) | submitted_by |
/// | IT1 product id PL, else IT101 | lines[].po_line (IT101 becomes `line` when PL is sent) |
/// | IT102 / IT103 / IT104 | quantity / uom / unit_price |
/// | IT1 product ids (SK, BP, VP, UP), PID05 | sku, description |
/// | SAC*C*D240 / SAC*A / TXI02 | freight / discount / tax |
/// | TDS01 (N2) | total |
struct InvoiceMapping {
    let invoice: Invoice810
    let support: MappingSupport

    init(invoice: Invoice810, options: X12MappingOptions) {
        self.invoice = invoice
        support = MappingSupport(envelope: invoice.envelope, options: options)
    }

    func event() throws(X12Error) -> JSONValue {
        let currency = try support.currency(invoice.currency)
        let contacts = invoice.contacts + invoice.parties.flatMap(\.contacts)
        var data: [String: JSONValue] = [
            "invoice_number": .string(invoice.invoiceNumber),
            "invoice_date": .string(invoice.invoiceDate),
            "currency": .string(currency.code),
            "submitted_by": .string(try support.person(contacts, preferring: ["IC"], role: "submitter")),
            "supplier": support.partyValue(
                support.party(invoice.parties, preferring: ["SU", "SE", "RI"]), fallbackID: invoice.envelope.senderID),
            "total": .string(try support.amount(cents: invoice.totalCents, in: currency).amountText),
        ]
        if let poNumber = invoice.poNumber { data["po_number"] = .string(poNumber) }
        var lines: [JSONValue] = []
        for line in invoice.lines { lines.append(try self.line(line)) }
        data["lines"] = .array(lines)
        if let freight = try support.freight(invoice.allCharges, in: currency) { data["freight"] = freight }
        if let tax = try support.tax(invoice.allTaxes, in: currency) { data["tax"] = tax }
        let allowances = invoice.allCharges.filter { $0.indicator == "A" }.compactMap(\.amountCents)
        if !allowances.isEmpty {
            var amounts: [Finance.Money] = []
            for cents in allowances { amounts.append(try support.amount(cents: cents, in: currency)) }
            data["discount"] = .string(try support.sum(amounts, in: currency).amountText)
        }
        return support.envelopeObject(
            type: "invoice.received", id: support.eventID(), occurredAt: try support.groupTimestamp(), data: data)
    }

    private func line(_ line: Invoice810.Line) throws(X12Error) -> JSONValue {
        var object: [String: JSONValue] = [
            "sku": .string(try support.sku(line.productIDs, at: line.position, segmentID: "IT1")),
            "quantity": .string(line.quantity.value),
            "uom": .string(support.uom(line.quantity.unit)),
            "unit_price": .string(line.unitPrice),
        ]
        let assigned = line.lineNumber.flatMap(ElementValues.lineNumber)
        if let text = line.productIDs.value(preferring: ["PL"]) {
            guard let poLine = ElementValues.lineNumber(text) else {
                throw support.error(
                    "the PL product id '\(text.prefix(20))' is not a PO line number", position: line.position,
                    segmentID: "IT1")
            }
            object["po_line"] = .number(String(poLine))
            if let assigned { object["line"] = .number(String(assigned)) }
        } else if let assigned {
            // IT101 usually echoes the PO line; a non-numeric one marks a non-PO line.
            object["po_line"] = .number(String(assigned))
        }
        if let description = line.description { object["description"] = .string(description) }
        return .object(object)
    }
}
