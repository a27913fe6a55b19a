import ControlPlane
import HTTP

/// `limit` and `cursor` of a keyset-paginated list (partners, users), read
/// the same way as ``AuditRoutes`` reads them.
struct PageParameters {
    /// Entries per page when `limit` is absent, and the largest accepted.
    struct Limits: Sendable {
        var defaultLimit = 50
        var maximumLimit = 200
    }

    let limit: Int
    let cursor: ListCursor?

    /// - Throws: `invalid_limit` or `invalid_cursor` (422).
    init(_ request: HTTPRequest, list: String, limits: Limits) throws {
        if let text = request.queryValue("limit") {
            guard text.count <= 4, let value = Int(text), (1...limits.maximumLimit).contains(value) else {
                throw HTTPError(
                    .unprocessableContent, code: "invalid_limit",
                    message: "limit must be an integer from 1 to \(limits.maximumLimit).", field: "limit")
            }
            limit = value
        } else {
            limit = limits.defaultLimit
        }
        cursor = try request.queryValue("cursor").map { try ListCursor(token: $0, list: list) }
    }
}

/// A page of a list: `{"data": [...], "next_cursor": "..." | null}`.
struct ListPage<Item: Encodable>: Encodable {
    let data: [Item]
    let nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case data
        case nextCursor = "next_cursor"
    }

    /// `next_cursor` is null on the last page rather than absent.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(data, forKey: .data)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}
