import Foundation
import HTTP
import Testing

@Suite struct JSONBodyTests {
    struct Line: Codable, Equatable {
        var sku: String
        var quantity: Int
        var price: Decimal?
    }

    enum Status: String, Codable { case open, closed }

    struct Order: Codable, Equatable {
        var id: UUID
        var placedAt: Date
        var status: Status
        var lines: [Line]
        var tags: [String: Bool]?
    }

    static let validBody = """
        {"id":"0F8FAD5B-D9CB-469F-A165-70867728950E","placedAt":"2025-01-31T12:00:00Z","status":"open",
         "lines":[{"sku":"A","quantity":1},{"sku":"B","quantity":2,"price":1.25}]}
        """

    func post(_ body: String, contentType: String? = "application/json") -> HTTPRequest {
        var headers = HTTPHeaders()
        if let contentType { headers.add("Content-Type", contentType) }
        return makeRequest(.post, "/orders", headers: headers, body: body)
    }

    func failure(_ request: HTTPRequest) -> HTTPError? {
        do {
            _ = try request.decodeJSON(Order.self)
            return nil
        } catch {
            return error as? HTTPError
        }
    }

    @Test func decodesAValidBody() throws {
        let order = try post(Self.validBody).decodeJSON(Order.self)
        #expect(order.lines.count == 2)
        #expect(order.lines[1].price == Decimal(string: "1.25"))
        #expect(order.placedAt == Date(timeIntervalSince1970: 1_738_324_800))
        let fractional = Self.validBody.replacingOccurrences(of: "12:00:00Z", with: "12:00:00.250Z")
        #expect(try post(fractional).decodeJSON(Order.self).placedAt == Date(timeIntervalSince1970: 1_738_324_800.25))
        #expect(order.status == .open)
    }

    @Test(arguments: [
        ("application/json", true), ("application/json; charset=utf-8", true), ("Application/JSON;charset=UTF-8", true),
        ("application/problem+json", true), ("application/json; charset=\"utf-8\"", true),
        ("application/json; charset=latin1", false), ("text/plain", false), ("text/json", false),
        ("application/x-www-form-urlencoded", false), ("multipart/form-data; boundary=x", false), ("", false),
    ])
    func contentTypeMustBeJSON(contentType: String, accepted: Bool) {
        let error = failure(post(Self.validBody, contentType: contentType))
        if accepted {
            #expect(error == nil)
        } else {
            #expect(error?.httpStatus == 415)
            #expect(error?.code == "unsupported_media_type")
            #expect(error?.field == "Content-Type")
        }
    }

    @Test func aMissingContentTypeIs415() {
        #expect(failure(post(Self.validBody, contentType: nil))?.httpStatus == 415)
    }

    @Test(arguments: [
        ("", 400, nil as String?, "The request body is empty; JSON was expected."),
        ("{\"id\":", 400, nil, "The request body is not valid JSON."),
        ("not json", 400, nil, "The request body is not valid JSON."),
        ("[]", 422, nil, "The request body must be an object."),
        (
            #"{"id":"0F8FAD5B-D9CB-469F-A165-70867728950E","placedAt":"2025-01-31T12:00:00Z","status":"open","lines":[{"sku":"A","quantity":1},{"sku":"B","quantity":2},{"sku":"C"}]}"#,
            422, "lines[2].quantity", "Field 'lines[2].quantity' is required."
        ),
        (
            #"{"id":"0F8FAD5B-D9CB-469F-A165-70867728950E","placedAt":"2025-01-31T12:00:00Z","status":"open","lines":[{"sku":"A","quantity":"one"}]}"#,
            422, "lines[0].quantity", "Field 'lines[0].quantity' must be an integer."
        ),
        (
            #"{"id":"0F8FAD5B-D9CB-469F-A165-70867728950E","placedAt":"2025-01-31T12:00:00Z","status":"open","lines":[{"sku":null,"quantity":1}]}"#,
            422, "lines[0].sku", "Field 'lines[0].sku' must not be null."
        ),
        (
            #"{"id":"0F8FAD5B-D9CB-469F-A165-70867728950E","placedAt":"2025-01-31T12:00:00Z","status":"open","lines":{}}"#,
            422, "lines", "Field 'lines' must be an array."
        ),
        (
            #"{"id":"0F8FAD5B-D9CB-469F-A165-70867728950E","placedAt":"2025-01-31T12:00:00Z","status":"open","lines":[],"tags":{"a":1}}"#,
            422, "tags.a", "Field 'tags.a' must be true or false."
        ),
        (
            #"{"id":"0F8FAD5B-D9CB-469F-A165-70867728950E","placedAt":"2025-01-31T12:00:00Z","status":"open","lines":[7]}"#,
            422, "lines[0]", "Field 'lines[0]' must be an object."
        ),
        (
            #"{"id":"0F8FAD5B-D9CB-469F-A165-70867728950E","placedAt":"2025-01-31T12:00:00Z","lines":[]}"#,
            422, "status", "Field 'status' is required."
        ),
    ])
    func failuresNameTheFieldAndTheProblem(body: String, status: Int, field: String?, message: String) {
        let error = failure(post(body))
        #expect(error?.httpStatus == status)
        #expect(error?.code == "invalid_json")
        #expect(error?.field == field)
        #expect(error?.message == message)
    }

    @Test(arguments: [
        (#""placedAt":"yesterday","status":"open""#, "placedAt"),
        (#""placedAt":"2025-01-31T12:00:00Z","status":"pending""#, "status"),
    ])
    func invalidValuesNameTheField(fragment: String, field: String) {
        let body = #"{"id":"0F8FAD5B-D9CB-469F-A165-70867728950E","lines":[],"# + fragment + "}"
        let error = failure(post(body))
        #expect(error?.httpStatus == 422)
        #expect(error?.field == field)
        #expect(error?.message.hasPrefix("Field '\(field)' is invalid: ") == true)
        #expect(error?.message.contains("Optional") == false)
    }

    @Test func decodingErrorsReachTheClientThroughTheErrorMiddleware() async throws {
        var router = Router()
        try router.post("/orders") { request in
            let order = try request.decodeJSON(Order.self)
            return try .json(order, status: .created)
        }
        let app = router.withMiddleware([RequestIDMiddleware(), ErrorMiddleware(logger: .disabled)])
        let bad = try await app.respond(to: post(#"{"lines":[{"sku":"A"}]}"#))
        #expect(bad.status == .unprocessableContent)
        #expect(bad.errorField("code") as? String == "invalid_json")
        let good = try await app.respond(to: post(Self.validBody))
        #expect(good.status == .created)
        #expect(try JSONCoding.decoder.decode(Order.self, from: Data(good.body)).lines.count == 2)
    }

    @Test func jsonResponsesAreSortedWithISODates() throws {
        struct Reply: Encodable {
            var zeta = 1
            var alpha = "a/b"
            var at = Date(timeIntervalSince1970: 0)
        }
        let response = try HTTPResponse.json(Reply(), status: .accepted, headers: ["X-Extra": "1"])
        #expect(response.status == .accepted)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(response.headers["X-Extra"] == "1")
        #expect(response.text == #"{"alpha":"a/b","at":"1970-01-01T00:00:00Z","zeta":1}"#)
    }
}
