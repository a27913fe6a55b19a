import Foundation

/// The coders every JSON body in and out goes through, so that the wire
/// format is the same everywhere: ISO 8601 dates, keys exactly as the types
/// declare them (a decoding error's field path then matches the JSON the
/// client sent), and sorted keys out so responses are byte-for-byte stable.
public enum JSONCoding {
    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom(decodeDate)
        return decoder
    }()

    private static let plainDate = Date.ISO8601FormatStyle()
    private static let fractionalDate = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// ISO 8601 date-time, with or without fractional seconds. Done by hand
    /// because Foundation's `.iso8601` strategy reports a bad date without its
    /// coding path, and the client must be told which field was wrong.
    @Sendable private static func decodeDate(_ decoder: any Decoder) throws -> Date {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        if let date = try? plainDate.parse(text) { return date }
        if let date = try? fractionalDate.parse(text) { return date }
        throw DecodingError.dataCorruptedError(
            in: container, debugDescription: "expected an ISO 8601 date-time such as 2025-01-31T12:00:00Z")
    }

    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
}

extension HTTPRequest {
    /// The body decoded as `type`.
    ///
    /// Throws ``HTTPError``: 415 `unsupported_media_type` unless the
    /// Content-Type is `application/json` or `application/*+json` (UTF-8);
    /// 400 `invalid_json` when the body is empty or not JSON; 422
    /// `invalid_json` when it is JSON of the wrong shape, with `field` the
    /// path of the offending value (`lines[2].quantity`) and a message naming it.
    public func decodeJSON<T: Decodable>(_ type: T.Type = T.self, decoder: JSONDecoder = JSONCoding.decoder) throws
        -> T
    {
        try JSONBodyDecoding.checkContentType(headers["Content-Type"])
        guard !body.isEmpty else {
            throw HTTPError(.badRequest, code: "invalid_json", message: "The request body is empty; JSON was expected.")
        }
        do {
            return try body.withUnsafeBufferPointer { buffer in
                try decoder.decode(T.self, from: Data(buffer: buffer))
            }
        } catch let error as DecodingError {
            throw JSONBodyDecoding.httpError(for: error)
        }
    }
}

extension HTTPResponse {
    /// A JSON response of `value`, encoded with ``JSONCoding/encoder``.
    public static func json(
        _ value: some Encodable, status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(),
        encoder: JSONEncoder = JSONCoding.encoder
    ) throws -> HTTPResponse {
        var headers = headers
        headers.set("Content-Type", "application/json")
        return HTTPResponse(status: status, headers: headers, body: Array(try encoder.encode(value)))
    }
}

/// Turns content-type and decoding failures into errors a client can act on.
enum JSONBodyDecoding {
    static func checkContentType(_ value: String?) throws {
        guard let value, isJSON(value) else {
            throw HTTPError(
                .unsupportedMediaType, code: "unsupported_media_type",
                message: "The request body must be sent as Content-Type: application/json.", field: "Content-Type")
        }
    }

    /// `application/json` or `application/<x>+json`, with no charset or a UTF-8 one.
    static func isJSON(_ contentType: String) -> Bool {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let mediaType = parts.first else { return false }
        guard mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
        else { return false }
        for parameter in parts.dropFirst() where parameter.hasPrefix("charset=") {
            let charset = parameter.dropFirst("charset=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            if charset != "utf-8" && charset != "utf8" { return false }
        }
        return true
    }

    static func httpError(for error: DecodingError) -> HTTPError {
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return invalid(field: field, message: "Field '\(field)' is required.")
        case .valueNotFound(_, let context):
            let field = path(context.codingPath)
            return invalid(field: field, message: "Field '\(field)' must not be null.")
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            let expected = describe(type)
            if field.isEmpty { return invalid(field: nil, message: "The request body must be \(expected).") }
            return invalid(field: field, message: "Field '\(field)' must be \(expected).")
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if field.isEmpty {
                return HTTPError(.badRequest, code: "invalid_json", message: "The request body is not valid JSON.")
            }
            // The description comes from the decoder or the type's own init(from:),
            // ("Expected date string to be ISO8601-formatted."), never from server state.
            return invalid(field: field, message: "Field '\(field)' is invalid: \(context.debugDescription)")
        @unknown default:
            return HTTPError(.badRequest, code: "invalid_json", message: "The request body could not be decoded.")
        }
    }

    private static func invalid(field: String?, message: String) -> HTTPError {
        HTTPError(.unprocessableContent, code: "invalid_json", message: message, field: field)
    }

    /// `lines[2].quantity` from a coding path.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                if !text.isEmpty { text += "." }
                text += key.stringValue
            }
        }
        return text
    }

    /// What the decoder wanted, in the words of JSON rather than Swift.
    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is any BinaryInteger.Type: "an integer"
        case is any BinaryFloatingPoint.Type, is Decimal.Type: "a number"
        case is String.Type, is Date.Type, is UUID.Type, is URL.Type: "a string"
        case is Bool.Type: "true or false"
        default:
            // Containers arrive as Array<Any> / Dictionary<String, Any>; anything
            // else that is neither is a nested Decodable type, i.e. an object.
            String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }
}
