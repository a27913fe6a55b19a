/// Splits a request target (RFC 9112 §3.2) into a decoded path, query
/// parameters and, for absolute-form, the authority that replaces `Host`.
public struct RequestTarget: Sendable, Equatable {
    /// Percent-decoded path with dot segments removed; `*` for asterisk-form.
    public var path: String
    /// Query parameters in order, percent-decoded, `+` read as a space.
    public var query: [QueryParameter]
    /// The authority of an absolute-form target (`http://host:port/...`).
    public var authority: String?

    /// One `name=value` pair of a query string.
    public struct QueryParameter: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    /// Parses a target that has already been checked to hold visible ASCII only.
    public static func parse(_ target: String, isOptions: Bool = false) throws(HTTPParserError) -> RequestTarget {
        var copy = target
        let result: Result<RequestTarget, HTTPParserError> = copy.withUTF8 { bytes in
            do throws(HTTPParserError) {
                return .success(try parse(UnsafeRawBufferPointer(bytes), isOptions: isOptions))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    static func parse(_ bytes: UnsafeRawBufferPointer, isOptions: Bool) throws(HTTPParserError) -> RequestTarget {
        let count = bytes.count
        guard count > 0 else { throw HTTPParserError(.invalidTarget) }
        var authority: String?
        var pathStart = 0
        if bytes[0] == ByteClass.slash {
            pathStart = 0
        } else if count == 1 && bytes[0] == ByteClass.asterisk {
            // Asterisk-form names the server itself and only OPTIONS may use it.
            guard isOptions else { throw HTTPParserError(.invalidTarget) }
            return RequestTarget(path: "*", query: [], authority: nil)
        } else {
            let schemeLength: Int
            if count >= 7 && bytes.equalsLowercase(0..<7, "http://") {
                schemeLength = 7
            } else if count >= 8 && bytes.equalsLowercase(0..<8, "https://") {
                schemeLength = 8
            } else {
                // Authority-form belongs to CONNECT, which a server that is not a proxy refuses.
                throw HTTPParserError(.invalidTarget)
            }
            var end = schemeLength
            while end < count && bytes[end] != ByteClass.slash && bytes[end] != ByteClass.questionMark {
                // Userinfo in a target is deprecated and a classic spoofing device.
                if bytes[end] == 0x40 { throw HTTPParserError(.invalidTarget) }
                end += 1
            }
            guard end > schemeLength else { throw HTTPParserError(.invalidTarget) }
            authority = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[schemeLength..<end]), as: UTF8.self)
            pathStart = end
        }
        var queryStart = count
        var index = pathStart
        while index < count {
            let byte = bytes[index]
            if byte == ByteClass.questionMark {
                queryStart = index
                break
            }
            // A fragment is never sent by a conforming client; refusing it avoids two readings of the path.
            if byte == 0x23 { throw HTTPParserError(.invalidTarget) }
            index += 1
        }
        let path: String
        if pathStart == queryStart {
            path = "/"
        } else {
            path = try decodePath(UnsafeRawBufferPointer(rebasing: bytes[pathStart..<queryStart]))
        }
        var query: [QueryParameter] = []
        if queryStart < count {
            let queryBytes = UnsafeRawBufferPointer(rebasing: bytes[(queryStart + 1)..<count])
            if queryBytes.contains(0x23) { throw HTTPParserError(.invalidTarget) }
            query = try parseQuery(queryBytes)
        }
        return RequestTarget(path: path, query: query, authority: authority)
    }

    /// Decodes `%XX` escapes and removes dot segments, so that `/a/%2e%2e/b` and
    /// `/b` reach the router (and the static file server) as the same path.
    static func decodePath(_ bytes: UnsafeRawBufferPointer) throws(HTTPParserError) -> String {
        var needsWork = false
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == ByteClass.percent || (byte == ByteClass.dot && previous == ByteClass.slash) {
                needsWork = true
                break
            }
            previous = byte
        }
        if !needsWork {
            return String(decoding: bytes, as: UTF8.self)
        }
        var decoded = try percentDecode(bytes, plusAsSpace: false)
        if decoded.first != ByteClass.slash { decoded.insert(ByteClass.slash, at: 0) }
        decoded = removeDotSegments(decoded)
        guard let string = String(validating: decoded, as: UTF8.self) else {
            throw HTTPParserError(.invalidPercentEncoding)
        }
        return string
    }

    /// Parses `a=1&b=two+words&flag`; empty pairs are skipped, a name without `=` has an empty value.
    static func parseQuery(_ bytes: UnsafeRawBufferPointer) throws(HTTPParserError) -> [QueryParameter] {
        var result: [QueryParameter] = []
        var start = 0
        let count = bytes.count
        while start <= count {
            var end = start
            var equals = -1
            while end < count && bytes[end] != ByteClass.ampersand {
                if equals < 0 && bytes[end] == ByteClass.equals { equals = end }
                end += 1
            }
            if end > start {
                let nameEnd = equals >= 0 ? equals : end
                let name = try decodeComponent(UnsafeRawBufferPointer(rebasing: bytes[start..<nameEnd]))
                let value =
                    equals >= 0 ? try decodeComponent(UnsafeRawBufferPointer(rebasing: bytes[(equals + 1)..<end])) : ""
                result.append(QueryParameter(name: name, value: value))
            }
            start = end + 1
        }
        return result
    }

    private static func decodeComponent(_ bytes: UnsafeRawBufferPointer) throws(HTTPParserError) -> String {
        var plain = true
        for byte in bytes where byte == ByteClass.percent || byte == ByteClass.plus {
            plain = false
            break
        }
        if plain { return String(decoding: bytes, as: UTF8.self) }
        let decoded = try percentDecode(bytes, plusAsSpace: true)
        guard let string = String(validating: decoded, as: UTF8.self) else {
            throw HTTPParserError(.invalidPercentEncoding)
        }
        return string
    }

    /// Decodes `%XX` escapes; refuses malformed escapes and encoded NUL, which
    /// would otherwise truncate paths in anything that hands them to C.
    static func percentDecode(_ bytes: UnsafeRawBufferPointer, plusAsSpace: Bool) throws(HTTPParserError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte == ByteClass.percent {
                guard index + 2 < count else { throw HTTPParserError(.invalidPercentEncoding) }
                let high = ByteClass.hexValue(bytes[index + 1])
                let low = ByteClass.hexValue(bytes[index + 2])
                guard high >= 0, low >= 0 else { throw HTTPParserError(.invalidPercentEncoding) }
                let value = UInt8(high << 4 | low)
                guard value != 0 else { throw HTTPParserError(.invalidPercentEncoding) }
                output.append(value)
                index += 3
            } else {
                output.append(plusAsSpace && byte == ByteClass.plus ? ByteClass.space : byte)
                index += 1
            }
        }
        return output
    }

    /// RFC 3986 §5.2.4 over an absolute path; the result always starts with `/`.
    static func removeDotSegments(_ path: [UInt8]) -> [UInt8] {
        var segments: [ArraySlice<UInt8>] = []
        var index = 1
        let count = path.count
        var endsWithSlash = false
        while index <= count {
            var end = index
            while end < count && path[end] != ByteClass.slash { end += 1 }
            let segment = path[index..<end]
            let isLast = end >= count
            if segment.count == 1 && segment.first == ByteClass.dot {
                endsWithSlash = isLast
            } else if segment.count == 2 && segment.first == ByteClass.dot && segment.last == ByteClass.dot {
                if !segments.isEmpty { segments.removeLast() }
                endsWithSlash = isLast
            } else {
                segments.append(segment)
                endsWithSlash = false
            }
            index = end + 1
        }
        var output: [UInt8] = []
        output.reserveCapacity(count)
        for segment in segments {
            output.append(ByteClass.slash)
            output.append(contentsOf: segment)
        }
        if output.isEmpty || endsWithSlash { output.append(ByteClass.slash) }
        return output
    }
}
