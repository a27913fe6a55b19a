import Events

/// 856 → `goods_receipt.posted`, one event per order level.
///
/// | X12 | canonical |
/// | --- | --- |
/// | BSN02 | receipt_number and asn_number (suffixed with the order's HL01 when the notice covers several orders) |
/// | BSN03 + BSN04 | occurred_at |
/// | PRF01 (order level) | po_number |
/// | N1*ST N104 (order or shipment level) | warehouse |
/// | N1*SF (or SU) N104 / N102 | supplier |
/// | PER e-mail (RE first) | received_by |
/// | REF*PK | delivery_note |
/// | TD503 | carrier.id |
/// | LIN product id PL, else LIN01 | lines[].po_line |
/// | LIN product ids (SK, BP, VP, UP) | lines[].sku |
/// | SN102 / SN103 | lines[].quantity / uom |
struct GoodsReceiptMapping {
    let notice: ShipNotice856
    let support: MappingSupport

    init(notice: ShipNotice856, options: X12MappingOptions) {
        self.notice = notice
        support = MappingSupport(envelope: notice.envelope, options: options)
    }

    func events() throws(X12Error) -> [JSONValue] {
        let orders = notice.orders
        guard !orders.isEmpty else {
            throw support.error("the ship notice has no order level (HL03 = O) to receive against", segmentID: "HL")
        }
        var events: [JSONValue] = []
        for order in orders {
            events.append(try event(for: order, suffix: orders.count > 1 ? order.id : nil))
        }
        return events
    }

    private func event(for order: ShipNotice856.Level, suffix: String?) throws(X12Error) -> JSONValue {
        let scope = [order] + notice.ancestors(of: order)
        let parties = scope.flatMap(\.parties)
        let contacts = scope.flatMap(\.contacts) + parties.flatMap(\.contacts)
        guard let warehouse = support.party(parties, preferring: ["ST"])?.id else {
            throw support.error(
                "the order at HL segment \(order.position) has no ship-to (N1*ST with N104) to name the warehouse",
                position: order.position, segmentID: "N1")
        }
        guard let poNumber = order.purchaseOrderNumber else {
            throw support.error(
                "the order at HL segment \(order.position) has no PRF purchase order number", position: order.position,
                segmentID: "PRF")
        }
        let number = suffix.map { "\(notice.shipmentID)-\($0)" } ?? notice.shipmentID
        var data: [String: JSONValue] = [
            "receipt_number": .string(number),
            "asn_number": .string(notice.shipmentID),
            "po_number": .string(poNumber),
            "warehouse": .string(warehouse),
            "received_by": .string(try support.person(contacts, preferring: ["RE"], role: "receiver")),
        ]
        if let supplier = support.party(parties, preferring: ["SF", "SU"]) {
            data["supplier"] = support.partyValue(supplier, fallbackID: notice.envelope.senderID)
        }
        if let note = scope.flatMap(\.references).first(where: { $0.qualifier == "PK" }) {
            data["delivery_note"] = .string(note.value)
        }
        if let carrier = scope.lazy.compactMap(\.carrierCode).first {
            data["carrier"] = .object(["id": .string(carrier)])
        }
        let items = notice.items(of: order)
        guard !items.isEmpty else {
            throw support.error(
                "the order at HL segment \(order.position) has no item level (HL03 = I)", position: order.position,
                segmentID: "HL")
        }
        var lines: [JSONValue] = []
        for item in items { lines.append(try line(item)) }
        data["lines"] = .array(lines)
        return support.envelopeObject(
            type: "goods_receipt.posted", id: support.eventID(suffix: suffix),
            occurredAt: support.timestamp(date: notice.date, time: notice.time), data: data)
    }

    private func line(_ item: ShipNotice856.Level) throws(X12Error) -> JSONValue {
        guard let text = item.productIDs.value(preferring: ["PL"]) ?? item.lineID,
            let poLine = ElementValues.lineNumber(text)
        else {
            throw support.error(
                "the item at HL segment \(item.position) names no PO line (LIN01 or a PL product id from 1 to 999999)",
                position: item.position, segmentID: "LIN")
        }
        var object: [String: JSONValue] = [
            "po_line": .number(String(poLine)),
            "sku": .string(try support.sku(item.productIDs, at: item.position, segmentID: "LIN")),
        ]
        if let quantity = item.shippedQuantity {
            object["quantity"] = .string(quantity.value)
            object["uom"] = .string(support.uom(quantity.unit))
        }
        return .object(object)
    }
}
