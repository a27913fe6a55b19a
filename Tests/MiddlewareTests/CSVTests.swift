import Events
import Foundation
import Mapping
import Middleware
import Testing

@Suite("Middleware: CSV reading (RFC 4180), documents and column specs")
struct CSVTests {
    @Test func quotedFieldsHoldCommasQuotesAndLineBreaks() throws {
        let rows = try CSVParser().parse("\u{FEFF}a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n,,\n")
        #expect(rows == [["a", "b", "c"], ["x, y", "say \"hi\"", "two\nlines"], ["", "", ""]])
        #expect(try CSVParser().parse("a\nb") == [["a"], ["b"]])
        #expect(try CSVParser().parse("") == [])
    }

    @Test(arguments: [
        ("a,b\n1,\"2\"x\n", CSVError(row: 2, column: 2, message: "text after the closing quote; quote the whole field")),
        ("a,b\n1,2\"\n", CSVError(row: 2, column: 2, message: "a quote inside an unquoted field; quote the field and double the quote")),
        ("a\n\"b", CSVError(row: 2, column: 1, message: "a quoted field is not closed")),
    ])
    func malformedInputNamesRowAndColumn(text: String, error: CSVError) {
        #expect(throws: error) { try CSVParser().parse(text) }
    }

    @Test func tooManyRowsAreRefused() {
        #expect(throws: CSVError.self) { try CSVParser(maximumRows: 2).parse("a\nb\nc\n") }
    }

    @Test func rowsGroupIntoDocumentsByValueInOrderOfFirstAppearance() throws {
        let text = "po,sku,qty\nPO-2,A,1\nPO-1,B,2\nPO-2,C,\n"
        let (header, documents) = try CSVDocuments.read(text, groupBy: "po")
        #expect(header == ["po", "sku", "qty"])
        #expect(documents.map(\.rowNumbers) == [[2, 4], [3]])
        let first = documents[0].payload
        #expect(first["po"]?.stringValue == "PO-2")
        #expect(first["_rows"]?.arrayValue?.count == 2)
        #expect(first["_rows"]?.arrayValue?.last?["qty"] == nil)
        #expect(throws: MiddlewareError.self) { try CSVDocuments.read(text, groupBy: "nope") }
        #expect(CSVDocuments.encode([["a", "b,c"], ["\"q\"", ""]]) == "a,\"b,c\"\r\n\"\"\"q\"\"\",\r\n")
    }

    @Test func aColumnSpecCompilesToAMappingThatBuildsLinesFromTheGroupsRows() throws {
        let catalog = try EventCatalog.load(from: repositoryRoot.appendingPathComponent("Templates/events"))
        let mapping = try ColumnSpec.mapping(
            "id=adj,occurred_at=at,source='history',data.adjustment_number=adj,data.warehouse=wh,data.reason=reason,"
                + "data.adjusted_by=who:lower,data.lines[].sku=sku,data.lines[].quantity=qty,data.lines[].uom=uom",
            eventType: "stock.adjusted")
        let text = "adj,at,wh,reason,who,sku,qty,uom\n"
            + "ADJ-1,2026-11-20T10:00:00Z,DAL-1,damage,Dock.Lee@client.example,BOLT-M8-40,-3,EA\n"
            + "ADJ-1,2026-11-20T10:00:00Z,DAL-1,damage,Dock.Lee@client.example,NUT-M8,-1,EA\n"
        let (_, documents) = try CSVDocuments.read(text, groupBy: "adj")
        let events = try mapping.plan.applyValidated(
            payload: documents[0].payload, lookups: InMemoryReferenceLookup(), catalog: catalog)
        #expect(events.count == 1)
        #expect(events[0].id == "ADJ-1")
        #expect(events[0].data["adjusted_by"]?.stringValue == "dock.lee@client.example")
        #expect(events[0].data["lines"]?.arrayValue?.map { $0["sku"]?.stringValue ?? "" } == ["BOLT-M8-40", "NUT-M8"])
        #expect(throws: MiddlewareError.self) { try ColumnSpec.mapping("nonsense", eventType: "stock.adjusted") }
    }

    @Test func referenceUploadsNestDottedColumnsAndRefuseClashes() throws {
        let entries = try ReferenceCSV().entries("sku,f.BOX,f.CS\nA,10,\n", keyColumn: "sku")
        #expect(entries.count == 1)
        #expect(entries[0].value == .object(["f": .object(["BOX": .string("10")])]))
        #expect(throws: MiddlewareError.self) { try ReferenceCSV().entries("k,f,f.BOX\nA,1,2\n", keyColumn: nil) }
    }
}
