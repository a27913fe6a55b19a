import Events
import Foundation
import Testing

@Suite("Middleware: reference tables by JSON and CSV")
struct ReferenceTableTests {
    @Test func entriesArePutReadListedAndDeleted() async throws {
        try await withMiddlewareWorld { world in
            let created = try await world.call(
                .put, "/v1/reference/items/BOLT-M8-40", body: #"{"uom": "EA", "uom_factors": {"BOX": "100"}}"#)
            #expect(created.status == 201, "\(created.text)")
            let updated = try await world.call(
                .put, "/v1/reference/items/BOLT-M8-40", body: #"{"uom": "EA", "uom_factors": {"BOX": "50"}}"#)
            #expect(updated.status == 200)
            let read = try await world.call(.get, "/v1/reference/items/BOLT-M8-40")
            #expect(read.json["value"]?["uom_factors"]?["BOX"]?.stringValue == "50")
            #expect(try await world.call(.put, "/v1/reference/items/NUT-M8", body: #"{"uom": "EA"}"#).status == 201)
            let page = try await world.call(.get, "/v1/reference/items?limit=1")
            #expect(page.json["data"]?.arrayValue?.first?["key"]?.stringValue == "BOLT-M8-40")
            let next = try #require(page.json["next_cursor"]?.stringValue)
            let second = try await world.call(.get, "/v1/reference/items?limit=1&cursor=\(next)")
            #expect(second.json["data"]?.arrayValue?.first?["key"]?.stringValue == "NUT-M8")
            #expect(try await world.call(.delete, "/v1/reference/items/NUT-M8").status == 204)
            #expect(try await world.call(.get, "/v1/reference/items/NUT-M8").status == 404)
            #expect(try await world.call(.put, "/v1/reference/items/X", body: #"["not an object"]"#).status == 422)
            #expect(try await world.call(.put, "/v1/reference/Bad-Table/X", body: #"{}"#).status == 422)
            #expect(try await world.count("audit_log", where: "action LIKE 'reference.%'") == 4)
        }
    }

    @Test func aCSVUploadLoadsEveryRowNestsDottedColumnsAndCanReplaceTheTable() async throws {
        try await withMiddlewareWorld { world in
            let csv = "sku,uom,uom_factors.BOX,description\r\nBOLT-M8-40,EA,100,\"Hex bolt M8x40, zinc\"\r\nNUT-M8,EA,,\"Nut \"\"M8\"\"\"\r\n"
            let reply = try await world.call(.post, "/v1/reference/items?key=sku", body: csv, contentType: "text/csv")
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["upserted"] == .number("2"))
            let bolt = try await world.call(.get, "/v1/reference/items/BOLT-M8-40")
            let expected = try JSONParser().parse(
                #"{"uom": "EA", "uom_factors": {"BOX": "100"}, "description": "Hex bolt M8x40, zinc"}"#)
            #expect(bolt.json["value"] == expected)
            let nut = try await world.call(.get, "/v1/reference/items/NUT-M8")
            #expect(nut.json["value"]?["description"]?.stringValue == "Nut \"M8\"")
            #expect(nut.json["value"]?["uom_factors"] == nil)

            let replaced = try await world.call(
                .post, "/v1/reference/items?key=sku&mode=replace", body: "sku,uom\nWASHER-M8,EA\n", contentType: "text/csv")
            #expect(replaced.json["deleted"] == .number("2"))
            #expect(try await world.count("reference_entries") == 1)
        }
    }

    @Test(arguments: [
        ("key,id\n1,a\n2,b,c\n", "row 3", "fields"),
        ("key,id\n1,a\n1,b\n", "row 3, column 1", "also on row 2"),
        ("key,id\n1,a\n2,\"open\n", "row 3, column 2", "not closed"),
        ("key,id\n1,a\"b\n", "row 2, column 2", "quote"),
        ("key,key\n1,a\n", "row 1, column 2", "named twice"),
        ("key,id\n,a\n", "row 2, column 1", "key"),
    ])
    func aBrokenUploadNamesRowAndColumnAndStoresNothing(csv: String, place: String, reason: String) async throws {
        try await withMiddlewareWorld { world in
            #expect(try await world.call(.put, "/v1/reference/suppliers/9", body: #"{"id": "SUP-9"}"#).status == 201)
            let reply = try await world.call(
                .post, "/v1/reference/suppliers?mode=replace", body: csv, contentType: "text/csv")
            #expect(reply.status == 422, "\(reply.text)")
            #expect(reply.errorCode == "invalid_csv")
            let message = reply.json["error"]?["message"]?.stringValue ?? ""
            #expect(message.hasPrefix(place + ":"), "\(message)")
            #expect(message.contains(reason), "\(message)")
            // All or nothing: the table is as it was.
            #expect(try await world.count("reference_entries") == 1)
            #expect(try await world.call(.get, "/v1/reference/suppliers/9").status == 200)
        }
    }

    @Test func anUploadThatIsNotCSVIsRefused() async throws {
        try await withMiddlewareWorld { world in
            let reply = try await world.call(.post, "/v1/reference/suppliers", body: #"{"a": 1}"#)
            #expect(reply.status == 415)
        }
    }
}
