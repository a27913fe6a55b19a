/// A purchase order, its goods receipt and an invoice that match exactly
/// (one line, 10 × 1.00 USD; PO number `PO-C<index>`, event ids
/// `po-`/`gr-`/`inv-<index>`): a `three-way-match` run that goes documents →
/// match → route → release without a person. Tests that need many runs
/// send one trio per index.
public func cleanMatchEvents(_ index: Int) -> [String] {
    let po = "PO-C\(index)"
    return [
        #"{"type":"purchase_order.created","id":"po-\#(index)","occurred_at":"2026-11-02T09:00:00Z","source":"erp","data":{"po_number":"\#(po)","supplier":{"id":"SUP-1","name":"Supplier"},"currency":"USD","created_by":"buyer@client.example","lines":[{"line":1,"sku":"SKU-1","quantity":"10","uom":"EA","unit_price":"1.00"}],"freight":"0.00","tax":"0.00"}}"#,
        #"{"type":"goods_receipt.posted","id":"gr-\#(index)","occurred_at":"2026-11-03T09:00:00Z","source":"wms","data":{"receipt_number":"GR-C\#(index)","po_number":"\#(po)","warehouse":"DAL-1","received_by":"dock@client.example","lines":[{"po_line":1,"sku":"SKU-1","quantity":"10","uom":"EA","condition":"good"}]}}"#,
        #"{"type":"invoice.received","id":"inv-\#(index)","occurred_at":"2026-11-04T09:00:00Z","source":"ap","data":{"invoice_number":"INV-C\#(index)","supplier":{"id":"SUP-1","name":"Supplier"},"po_number":"\#(po)","invoice_date":"2026-11-04","currency":"USD","submitted_by":"clerk@client.example","lines":[{"po_line":1,"sku":"SKU-1","quantity":"10","uom":"EA","unit_price":"1.00"}],"freight":"0.00","tax":"0.00","total":"10.00"}}"#,
    ]
}
