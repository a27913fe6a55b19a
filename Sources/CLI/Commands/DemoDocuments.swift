import ControlPlane
import Engine
import Events
import Foundation
import Ingest

/// Open three-way-match exceptions for a demo tenant: purchase orders,
/// receipts and invoices that go through the real ingest and engine, so the
/// portal's queue has work in it.
///
/// Deterministic from the seed: order `i` receives 1–3 boxes short on its
/// second line and every fourth also invoices the nuts 5 % above the PO price,
/// so every order leaves an exception and the queue mixes their kinds. Event ids derive from
/// the seed and index, so running it again stores nothing twice. The people
/// on the documents are demo addresses of their own, never the tenant's demo
/// users, so segregation of duties does not stop those users from deciding.
struct DemoDocuments {
    let tenant: Slug
    let count: Int
    let seed: UInt64

    static let suppliers = [
        ("SUP-007", "Northern Fasteners Ltd"), ("SUP-012", "Baltic Hardware AS"), ("SUP-031", "Lone Star Supply Co"),
    ]

    /// Ingests the documents and lets the engine run; returns the open tasks the tenant then has.
    func load(databases: TenantDatabases, catalog: EventCatalog) async throws -> Int {
        let ingest = IngestService(catalog: catalog, databases: databases)
        let context = IngestContext(ingress: .api, detail: "demo")
        for index in 1...max(1, count) {
            for document in documents(index) {
                let response = try await ingest.ingest(
                    body: Array(document.utf8), tenant: tenant, idempotencyKey: nil, context: context)
                guard response.status < 300 else {
                    throw DemoError(message: "a demo document was refused: \(response.body)")
                }
            }
        }
        let engine = WorkflowEngine(databases: databases)
        while try await engine.process(tenant: tenant) > 0 {}
        // A server started next takes the tenant's runtime over at once, not when this process's lease expires.
        await engine.releaseLeases()
        return try await databases.withConnection(for: tenant) { connection in
            try await connection.query("SELECT count(*)::int AS n FROM tasks WHERE status = 'open'")[0].decode("n", as: Int.self)
        }
    }

    func documents(_ index: Int) -> [String] {
        let key = "demo-\(seed)-\(index)"
        let po = "PO-D\(seed % 1000)-\(1000 + index)"
        let (supplierID, supplierName) = Self.suppliers[(index + Int(seed % 3)) % Self.suppliers.count]
        let short = 1 + index % 3
        // 1,000 bolts at 0.124 + 20 boxes of nuts + 35.00 freight.
        let (nutPrice, totalText) = index % 4 == 0 ? ("4.7250", "253.50") : ("4.5000", "249.00")
        let day = 1 + index % 20
        let date = String(format: "2026-11-%02d", day)
        let tenantDomain = tenant.value.replacingOccurrences(of: "_", with: "-") + ".example"
        return [
            #"{"type":"purchase_order.created","id":"\#(key)-po","occurred_at":"\#(date)T09:00:00Z","source":"erp","data":{"po_number":"\#(po)","supplier":{"id":"\#(supplierID)","name":"\#(supplierName)"},"currency":"USD","created_by":"demo.buyer@\#(tenantDomain)","lines":[{"line":1,"sku":"BOLT-M8-40","description":"Hex bolt M8x40, zinc","quantity":"1000","uom":"EA","unit_price":"0.1240"},{"line":2,"sku":"NUT-M8","description":"Hex nut M8","quantity":"20","uom":"BOX","uom_factor":"100","unit_price":"4.5000"}],"freight":"35.00","tax":"0.00"}}"#,
            #"{"type":"goods_receipt.posted","id":"\#(key)-gr","occurred_at":"\#(date)T15:00:00Z","source":"wms","data":{"receipt_number":"GR-\#(key)","po_number":"\#(po)","warehouse":"DAL-1","received_by":"demo.dock@\#(tenantDomain)","lines":[{"po_line":1,"sku":"BOLT-M8-40","quantity":"1000","uom":"EA","condition":"good"},{"po_line":2,"sku":"NUT-M8","quantity":"\#((20 - short) * 100)","uom":"EA","condition":"good"}]}}"#,
            #"{"type":"invoice.received","id":"\#(key)-inv","occurred_at":"\#(date)T18:00:00Z","source":"ap-inbox","data":{"invoice_number":"INV-\#(key)","supplier":{"id":"\#(supplierID)","name":"\#(supplierName)"},"po_number":"\#(po)","invoice_date":"\#(date)","currency":"USD","submitted_by":"demo.intake@\#(tenantDomain)","lines":[{"po_line":1,"sku":"BOLT-M8-40","quantity":"1000","uom":"EA","unit_price":"0.1240"},{"po_line":2,"sku":"NUT-M8","quantity":"20","uom":"BOX","unit_price":"\#(nutPrice)"}],"freight":"35.00","tax":"0.00","total":"\#(totalText)"}}"#,
        ]
    }
}

struct DemoError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
