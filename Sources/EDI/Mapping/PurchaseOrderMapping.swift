import Events

/// 850 → `purchase_order.created`.
///
/// | X12 | canonical |
/// | --- | --- |
/// | BEG03 / BEG05 | po_number / order_date |
/// | PER (BD first) e-mail | created_by |
/// | N1*SU (or SE) N104 / N102 | supplier.id / supplier.name (ISA08 when absent) |
/// | N1*ST N104 | warehouse |
/// | CUR02 | currency |
/// | PO101, PO102, PO103, PO104 | line, quantity, uom, unit_price |
/// | PO1 product ids (SK, BP, VP, UP) | sku |
/// | PID05, PO4 pack × size, DTM*002 | description, uom_factor, expected_date |
/// | SAC*C*D240 / TXI02 | freight / tax |
struct PurchaseOrderMapping {
    let order: PurchaseOrder850
    let support: MappingSupport

    init(order: PurchaseOrder850, options: X12MappingOptions) {
        self.order = order
        support = MappingSupport(envelope: order.envelope, options: options)
    }

    func event() throws(X12Error) -> JSONValue {
        let currency = try support.currency(order.currency)
        let partyContacts = order.parties.flatMap(\.contacts)
        var data: [String: JSONValue] = [
            "po_number": .string(order.poNumber),
            "order_date": .string(order.orderDate),
            "currency": .string(currency.code),
            "created_by": .string(
                try support.person(order.contacts + partyContacts, preferring: ["BD"], role: "buyer")),
            "supplier": support.partyValue(
                support.party(order.parties, preferring: ["SU", "SE", "VN"]), fallbackID: order.envelope.receiverID),
        ]
        if let warehouse = support.party(order.parties, preferring: ["ST"])?.id {
            data["warehouse"] = .string(warehouse)
        }
        let headerDelivery = order.dates.first { $0.qualifier == "002" }?.date
        var lines: [JSONValue] = []
        for (index, line) in order.lines.enumerated() {
            lines.append(try self.line(line, ordinal: index + 1, defaultDelivery: headerDelivery))
        }
        data["lines"] = .array(lines)
        let charges = order.charges + order.lines.flatMap(\.charges)
        if let freight = try support.freight(charges, in: currency) { data["freight"] = freight }
        if let tax = try support.tax(order.taxes + order.lines.flatMap(\.taxes), in: currency) { data["tax"] = tax }
        return support.envelopeObject(
            type: "purchase_order.created", id: support.eventID(), occurredAt: try support.groupTimestamp(), data: data)
    }

    private func line(_ line: PurchaseOrder850.Line, ordinal: Int, defaultDelivery: String?) throws(X12Error)
        -> JSONValue
    {
        var number = ordinal
        if let text = line.lineNumber {
            guard let value = ElementValues.lineNumber(text) else {
                throw support.error(
                    "PO101 '\(text.prefix(20))' is not a line number from 1 to 999999", position: line.position,
                    segmentID: "PO1")
            }
            number = value
        }
        var object: [String: JSONValue] = [
            "line": .number(String(number)),
            "sku": .string(try support.sku(line.productIDs, at: line.position, segmentID: "PO1")),
            "quantity": .string(line.quantity.value),
            "uom": .string(support.uom(line.quantity.unit)),
            "unit_price": .string(line.unitPrice),
        ]
        if let description = line.description { object["description"] = .string(description) }
        if let factor = line.unitsPerPack { object["uom_factor"] = .string(factor) }
        if let delivery = line.dates.first(where: { $0.qualifier == "002" })?.date ?? defaultDelivery {
            object["expected_date"] = .string(delivery)
        }
        return .object(object)
    }
}
