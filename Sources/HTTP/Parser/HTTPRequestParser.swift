#if canImport(Glibc)
    import Glibc
#endif

/// An incremental, strict HTTP/1.1 request parser (RFC 9110, RFC 9112).
///
/// Feed it the unconsumed bytes of a connection; it consumes what it could use
/// and reports at most one event per call. Bytes of an incomplete line are left
/// unconsumed (the caller keeps them and appends what arrives next); the parser
/// remembers how far it already searched so slow clients cost no rescanning.
///
/// Strict choices, each of which closes a request-smuggling or desync hole:
/// lines must end in CRLF (bare LF and bare CR are refused, not tolerated);
/// obs-fold, whitespace before a colon, control characters in names or values,
/// `Content-Length` together with `Transfer-Encoding`, differing or malformed
/// `Content-Length`, any transfer coding but a single final `chunked`, and
/// `Transfer-Encoding` in HTTP/1.0 are all refused with 400. Limits are checked
/// as bytes arrive, before anything is buffered past them: a body's size is
/// judged from `Content-Length` before it is read, and a chunked body as it grows.
public struct HTTPRequestParser: Sendable {
    /// Size limits; each produces its own status when exceeded.
    public struct Limits: Sendable, Equatable {
        /// Longest request line in bytes, without CRLF; longer gets 414. Default 8 KiB.
        public var maxRequestLineLength: Int
        /// Largest header section (and, separately, trailer section) in bytes; larger gets 431. Default 32 KiB.
        public var maxHeaderBytes: Int
        /// Most header fields (and trailer fields); more gets 431. Default 100.
        public var maxHeaderCount: Int
        /// Largest request body in bytes after chunked decoding; larger gets 413. Default 4 MiB.
        public var maxBodyBytes: Int

        public init(
            maxRequestLineLength: Int = 8 * 1024, maxHeaderBytes: Int = 32 * 1024, maxHeaderCount: Int = 100,
            maxBodyBytes: Int = 4 * 1024 * 1024
        ) {
            self.maxRequestLineLength = maxRequestLineLength
            self.maxHeaderBytes = maxHeaderBytes
            self.maxHeaderCount = maxHeaderCount
            self.maxBodyBytes = maxBodyBytes
        }
    }

    /// What one call to ``parse(_:)`` produced.
    public enum Event: Sendable {
        /// The header section is complete and a body follows. `expectsContinue`
        /// is true when an HTTP/1.1 client is waiting for `100 Continue`.
        case head(expectsContinue: Bool)
        /// A complete request. `keepAlive` is false when the connection must close after the response.
        case request(HTTPRequest, keepAlive: Bool)
    }

    private enum State: Equatable {
        case requestLine
        case headers
        case body(remaining: Int)
        case chunkHeader
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
    }

    /// Chunk header lines carry only a size and extensions that are ignored; this bounds them.
    static let maxChunkLineLength = 4096
    /// Empty lines tolerated before a request line (RFC 9112 §2.2 asks for at least one).
    static let maxLeadingEmptyLines = 8

    public let limits: Limits
    private var state = State.requestLine
    /// Bytes of the current incomplete line already searched for LF.
    private var scanned = 0
    private var leadingEmptyLines = 0

    private var method = HTTPMethod.get
    private var target = ""
    private var parsedTarget = RequestTarget(path: "/", query: [], authority: nil)
    private var version = HTTPVersion.http1_1
    private var headers = HTTPHeaders()
    private var trailers = HTTPHeaders()
    private var sectionBytes = 0
    private var sectionCount = 0
    private var contentLength = -1
    private var transferEncoding = TransferCodings()
    private var hostCount = 0
    private var hostIsValid = true
    private var connectionClose = false
    private var connectionKeepAlive = false
    private var expectsContinue = false
    private var body: [UInt8] = []

    private struct TransferCodings {
        var present = false
        var chunkedCount = 0
        var lastIsChunked = false
        var hasUnknown = false
    }

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// True between requests: nothing of a next request has been consumed.
    public var isAtRequestBoundary: Bool { state == .requestLine && leadingEmptyLines == 0 }

    /// Consumes what it can of `buffer`.
    ///
    /// - Returns: how many bytes were consumed and the event they completed, if
    ///   any. With no event, every byte not consumed belongs to an incomplete
    ///   line and must be passed again, followed by new bytes.
    /// - Throws: ``HTTPParserError``; the connection must answer with its status and close.
    public mutating func parse(_ buffer: UnsafeRawBufferPointer) throws(HTTPParserError) -> (
        consumed: Int, event: Event?
    ) {
        var position = 0
        let count = buffer.count
        while true {
            switch state {
            case .body(let remaining):
                let available = Swift.min(remaining, count - position)
                if available > 0 {
                    body.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[position..<(position + available)]))
                    position += available
                }
                if available == remaining { return (position, completeRequest()) }
                state = .body(remaining: remaining - available)
                return (position, nil)

            case .chunkData(let remaining):
                let available = Swift.min(remaining, count - position)
                if available > 0 {
                    body.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[position..<(position + available)]))
                    position += available
                }
                if available < remaining {
                    state = .chunkData(remaining: remaining - available)
                    return (position, nil)
                }
                state = .chunkDataEnd

            case .chunkDataEnd:
                if count - position >= 1 && buffer[position] != ByteClass.cr {
                    throw HTTPParserError(.invalidChunkTerminator)
                }
                if count - position < 2 { return (position, nil) }
                guard buffer[position + 1] == ByteClass.lf else { throw HTTPParserError(.bareCarriageReturn) }
                position += 2
                state = .chunkHeader

            case .requestLine, .headers, .chunkHeader, .trailers:
                let searchFrom = position + scanned
                guard searchFrom < count, let lineFeed = Self.findLineFeed(buffer, from: searchFrom) else {
                    scanned = count - position
                    try checkIncompleteLine(length: scanned)
                    return (position, nil)
                }
                scanned = 0
                // Limits first, exactly as for an incomplete line, so the verdict never
                // depends on where the reads happened to split the bytes.
                try checkIncompleteLine(length: lineFeed - position)
                guard lineFeed > position, buffer[lineFeed - 1] == ByteClass.cr else {
                    throw HTTPParserError(.bareLineFeed)
                }
                let line = position..<(lineFeed - 1)
                position = lineFeed + 1
                if let event = try parseLine(buffer, line) { return (position, event) }
            }
        }
    }

    @inline(__always)
    private static func findLineFeed(_ buffer: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = buffer.baseAddress,
            let found = memchr(base + start, Int32(ByteClass.lf), buffer.count - start)
        else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// Refuses an incomplete line as soon as it can no longer fit its limit, so
    /// a client cannot make the server buffer more than the limits allow.
    private func checkIncompleteLine(length: Int) throws(HTTPParserError) {
        switch state {
        case .requestLine:
            // The line may still lack its CR, hence one byte of slack.
            if length > limits.maxRequestLineLength + 1 { throw HTTPParserError(.requestLineTooLong) }
        case .headers, .trailers:
            if sectionBytes + length > limits.maxHeaderBytes { throw HTTPParserError(.headerSectionTooLarge) }
        case .chunkHeader:
            if length > Self.maxChunkLineLength + 1 { throw HTTPParserError(.chunkLineTooLong) }
        default:
            break
        }
    }

    private mutating func parseLine(_ buffer: UnsafeRawBufferPointer, _ line: Range<Int>) throws(HTTPParserError)
        -> Event?
    {
        switch state {
        case .requestLine:
            if line.isEmpty {
                leadingEmptyLines += 1
                if leadingEmptyLines > Self.maxLeadingEmptyLines { throw HTTPParserError(.invalidRequestLine) }
                return nil
            }
            if line.count > limits.maxRequestLineLength { throw HTTPParserError(.requestLineTooLong) }
            try parseRequestLine(buffer, line)
            state = .headers
            return nil

        case .headers:
            sectionBytes += line.count + 2
            if sectionBytes > limits.maxHeaderBytes { throw HTTPParserError(.headerSectionTooLarge) }
            if line.isEmpty { return try completeHead() }
            try parseHeaderField(buffer, line, isTrailer: false)
            return nil

        case .trailers:
            sectionBytes += line.count + 2
            if sectionBytes > limits.maxHeaderBytes { throw HTTPParserError(.headerSectionTooLarge) }
            if line.isEmpty { return completeRequest() }
            try parseHeaderField(buffer, line, isTrailer: true)
            return nil

        case .chunkHeader:
            if line.count > Self.maxChunkLineLength { throw HTTPParserError(.chunkLineTooLong) }
            let size = try Self.parseChunkHeader(buffer, line)
            if size == 0 {
                state = .trailers
                sectionBytes = 0
                sectionCount = 0
            } else {
                if size > limits.maxBodyBytes - body.count { throw HTTPParserError(.contentTooLarge) }
                state = .chunkData(remaining: size)
            }
            return nil

        default:
            return nil
        }
    }

    // MARK: Request line

    private mutating func parseRequestLine(_ buffer: UnsafeRawBufferPointer, _ line: Range<Int>) throws(HTTPParserError)
    {
        var index = line.lowerBound
        let end = line.upperBound
        while index < end && buffer[index] != ByteClass.space {
            guard ByteClass.isToken(buffer[index]) else {
                throw HTTPParserError(buffer[index] == ByteClass.cr ? .bareCarriageReturn : .invalidMethod)
            }
            index += 1
        }
        guard index > line.lowerBound else { throw HTTPParserError(.invalidMethod) }
        guard index < end else { throw HTTPParserError(.invalidRequestLine) }
        let methodRange = line.lowerBound..<index
        index += 1
        let targetStart = index
        while index < end && buffer[index] != ByteClass.space {
            guard ByteClass.isTargetByte(buffer[index]) else {
                throw HTTPParserError(buffer[index] == ByteClass.cr ? .bareCarriageReturn : .invalidTarget)
            }
            index += 1
        }
        guard index > targetStart else { throw HTTPParserError(.invalidRequestLine) }
        guard index < end else { throw HTTPParserError(.invalidRequestLine) }
        let targetRange = targetStart..<index
        version = try Self.parseVersion(buffer, (index + 1)..<end)

        method = Self.makeMethod(buffer, methodRange)
        let targetBytes = UnsafeRawBufferPointer(rebasing: buffer[targetRange])
        target = String(decoding: targetBytes, as: UTF8.self)
        parsedTarget = try RequestTarget.parse(targetBytes, isOptions: method == .options)
    }

    private static func makeMethod(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> HTTPMethod {
        // The common methods share one String each instead of decoding a new one per request.
        switch range.count {
        case 3:
            if buffer.equalsExactly(range, "GET") { return .get }
            if buffer.equalsExactly(range, "PUT") { return .put }
        case 4:
            if buffer.equalsExactly(range, "POST") { return .post }
            if buffer.equalsExactly(range, "HEAD") { return .head }
        case 5:
            if buffer.equalsExactly(range, "PATCH") { return .patch }
        case 6:
            if buffer.equalsExactly(range, "DELETE") { return .delete }
        case 7:
            if buffer.equalsExactly(range, "OPTIONS") { return .options }
        default:
            break
        }
        return HTTPMethod(String(decoding: UnsafeRawBufferPointer(rebasing: buffer[range]), as: UTF8.self))
    }

    private static func parseVersion(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) throws(HTTPParserError)
        -> HTTPVersion
    {
        let start = range.lowerBound
        guard range.count == 8, buffer.equalsExactly(start..<(start + 5), "HTTP/"),
            ByteClass.isDigit(buffer[start + 5]), buffer[start + 6] == ByteClass.dot,
            ByteClass.isDigit(buffer[start + 7])
        else {
            for index in range where buffer[index] == ByteClass.cr { throw HTTPParserError(.bareCarriageReturn) }
            throw HTTPParserError(.invalidVersion)
        }
        let major = Int(buffer[start + 5] &- 0x30)
        let minor = Int(buffer[start + 7] &- 0x30)
        guard major == 1 else { throw HTTPParserError(.unsupportedVersion) }
        // A higher 1.x minor version is read as the highest we implement (RFC 9110 §2.5).
        return minor == 0 ? .http1_0 : .http1_1
    }

    // MARK: Header fields

    private mutating func parseHeaderField(_ buffer: UnsafeRawBufferPointer, _ line: Range<Int>, isTrailer: Bool)
        throws(HTTPParserError)
    {
        let start = line.lowerBound
        let end = line.upperBound
        if ByteClass.isWhitespace(buffer[start]) { throw HTTPParserError(.obsoleteLineFolding) }
        var index = start
        while index < end && ByteClass.isToken(buffer[index]) { index += 1 }
        guard index < end, buffer[index] == ByteClass.colon else {
            if index < end && ByteClass.isWhitespace(buffer[index]) {
                var probe = index
                while probe < end && ByteClass.isWhitespace(buffer[probe]) { probe += 1 }
                if probe < end && buffer[probe] == ByteClass.colon { throw HTTPParserError(.whitespaceBeforeColon) }
            }
            if index < end && buffer[index] == ByteClass.cr { throw HTTPParserError(.bareCarriageReturn) }
            throw HTTPParserError(.invalidHeaderName)
        }
        guard index > start else { throw HTTPParserError(.invalidHeaderName) }
        let name = start..<index
        var valueStart = index + 1
        while valueStart < end && ByteClass.isWhitespace(buffer[valueStart]) { valueStart += 1 }
        var valueEnd = end
        while valueEnd > valueStart && ByteClass.isWhitespace(buffer[valueEnd - 1]) { valueEnd -= 1 }
        for position in valueStart..<valueEnd where !ByteClass.isFieldValueByte(buffer[position]) {
            throw HTTPParserError(buffer[position] == ByteClass.cr ? .bareCarriageReturn : .invalidHeaderValue)
        }
        let value = valueStart..<valueEnd

        sectionCount += 1
        if sectionCount > limits.maxHeaderCount { throw HTTPParserError(.tooManyHeaderFields) }

        let nameString = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[name]), as: UTF8.self)
        let valueString = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[value]), as: UTF8.self)
        if isTrailer {
            trailers.add(nameString, valueString)
            return
        }
        headers.add(nameString, valueString)
        try interpret(buffer, name: name, value: value)
    }

    /// Records what the framing and connection-management fields say.
    private mutating func interpret(_ buffer: UnsafeRawBufferPointer, name: Range<Int>, value: Range<Int>)
        throws(HTTPParserError)
    {
        switch name.count {
        case 4 where buffer.equalsLowercase(name, "host"):
            hostCount += 1
            for index in value {
                switch buffer[index] {
                case ByteClass.space, ByteClass.tab, ByteClass.comma, ByteClass.slash, 0x5C, 0x40, 0x3F, 0x23:
                    hostIsValid = false
                default:
                    continue
                }
            }
        case 6 where buffer.equalsLowercase(name, "expect"):
            // RFC 9110 §10.1.1: HTTP/1.0 clients cannot expect, so the field is ignored for them.
            guard version == .http1_1 else { return }
            if buffer.equalsLowercase(value, "100-continue") {
                expectsContinue = true
            } else {
                throw HTTPParserError(.expectationFailed)
            }
        case 10 where buffer.equalsLowercase(name, "connection"):
            Self.forEachListElement(buffer, value) { element in
                if buffer.equalsLowercase(element, "close") { connectionClose = true }
                if buffer.equalsLowercase(element, "keep-alive") { connectionKeepAlive = true }
            }
        case 14 where buffer.equalsLowercase(name, "content-length"):
            try parseContentLength(buffer, value)
        case 17 where buffer.equalsLowercase(name, "transfer-encoding"):
            transferEncoding.present = true
            var sawElement = false
            Self.forEachListElement(buffer, value) { element in
                sawElement = true
                if element.isEmpty {
                    transferEncoding.hasUnknown = true
                    transferEncoding.lastIsChunked = false
                } else if buffer.equalsLowercase(element, "chunked") {
                    transferEncoding.chunkedCount += 1
                    transferEncoding.lastIsChunked = true
                } else {
                    transferEncoding.hasUnknown = true
                    transferEncoding.lastIsChunked = false
                }
            }
            if !sawElement { transferEncoding.hasUnknown = true }
        default:
            break
        }
    }

    /// `Content-Length` may repeat, or be a list, only if every value is the same (RFC 9110 §8.6).
    private mutating func parseContentLength(_ buffer: UnsafeRawBufferPointer, _ value: Range<Int>)
        throws(HTTPParserError)
    {
        var failure: HTTPParserError.Kind?
        var sawElement = false
        Self.forEachListElement(buffer, value) { element in
            sawElement = true
            guard failure == nil else { return }
            guard !element.isEmpty else {
                failure = .invalidContentLength
                return
            }
            var length = 0
            for index in element {
                let byte = buffer[index]
                guard ByteClass.isDigit(byte) else {
                    failure = .invalidContentLength
                    return
                }
                let (shifted, overflow1) = length.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = shifted.addingReportingOverflow(Int(byte &- 0x30))
                if overflow1 || overflow2 {
                    failure = .invalidContentLength
                    return
                }
                length = sum
            }
            if contentLength >= 0 && contentLength != length {
                failure = .conflictingContentLength
                return
            }
            contentLength = length
        }
        if !sawElement { failure = .invalidContentLength }
        if let failure { throw HTTPParserError(failure) }
    }

    /// Calls `body` with each comma-separated element, trimmed of optional whitespace.
    @inline(__always)
    private static func forEachListElement(
        _ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ body: (Range<Int>) -> Void
    ) {
        var start = range.lowerBound
        let end = range.upperBound
        guard start < end else { return }
        while true {
            var stop = start
            while stop < end && buffer[stop] != ByteClass.comma { stop += 1 }
            var lower = start
            var upper = stop
            while lower < upper && ByteClass.isWhitespace(buffer[lower]) { lower += 1 }
            while upper > lower && ByteClass.isWhitespace(buffer[upper - 1]) { upper -= 1 }
            body(lower..<upper)
            if stop >= end { return }
            start = stop + 1
        }
    }

    private mutating func completeHead() throws(HTTPParserError) -> Event? {
        if version == .http1_1 && hostCount == 0 { throw HTTPParserError(.missingHost) }
        if hostCount > 1 { throw HTTPParserError(.multipleHost) }
        if !hostIsValid { throw HTTPParserError(.invalidHost) }
        if let authority = parsedTarget.authority {
            // RFC 9112 §3.2.2: the target's authority wins over any Host field.
            headers.set("Host", authority)
        }
        if transferEncoding.present {
            if contentLength >= 0 { throw HTTPParserError(.contentLengthWithTransferEncoding) }
            if version == .http1_0 { throw HTTPParserError(.transferEncodingInHTTP10) }
            if !transferEncoding.lastIsChunked && transferEncoding.chunkedCount > 0 {
                throw HTTPParserError(.chunkedNotFinal)
            }
            if transferEncoding.hasUnknown { throw HTTPParserError(.unsupportedTransferCoding) }
            if transferEncoding.chunkedCount != 1 { throw HTTPParserError(.chunkedNotFinal) }
            state = .chunkHeader
            return .head(expectsContinue: expectsContinue)
        }
        if contentLength > limits.maxBodyBytes { throw HTTPParserError(.contentTooLarge) }
        if contentLength > 0 {
            body.reserveCapacity(contentLength)
            state = .body(remaining: contentLength)
            return .head(expectsContinue: expectsContinue)
        }
        return completeRequest()
    }

    private static func parseChunkHeader(_ buffer: UnsafeRawBufferPointer, _ line: Range<Int>) throws(HTTPParserError)
        -> Int
    {
        var index = line.lowerBound
        let end = line.upperBound
        var size = 0
        while index < end && ByteClass.isHexDigit(buffer[index]) {
            guard size <= (Int.max >> 4) else { throw HTTPParserError(.invalidChunkSize) }
            size = size << 4 | ByteClass.hexValue(buffer[index])
            index += 1
        }
        guard index > line.lowerBound else {
            if index < end && buffer[index] == ByteClass.cr { throw HTTPParserError(.bareCarriageReturn) }
            throw HTTPParserError(.invalidChunkSize)
        }
        guard index < end else { return size }
        // Extensions are ignored, but must still be `BWS ";" ...` without control characters.
        while index < end && ByteClass.isWhitespace(buffer[index]) { index += 1 }
        guard index < end else { throw HTTPParserError(.invalidChunkExtension) }
        guard buffer[index] == ByteClass.semicolon else {
            if buffer[index] == ByteClass.cr { throw HTTPParserError(.bareCarriageReturn) }
            throw HTTPParserError(.invalidChunkSize)
        }
        for position in index..<end where !ByteClass.isFieldValueByte(buffer[position]) {
            throw HTTPParserError(buffer[position] == ByteClass.cr ? .bareCarriageReturn : .invalidChunkExtension)
        }
        return size
    }

    private mutating func completeRequest() -> Event {
        let keepAlive = version == .http1_1 ? !connectionClose : (connectionKeepAlive && !connectionClose)
        var requestBody: [UInt8] = []
        swap(&requestBody, &body)
        var query: [(name: String, value: String)] = []
        if !parsedTarget.query.isEmpty {
            query.reserveCapacity(parsedTarget.query.count)
            for parameter in parsedTarget.query { query.append((name: parameter.name, value: parameter.value)) }
        }
        let request = HTTPRequest(
            method: method, target: target, path: parsedTarget.path, query: query, version: version,
            headers: headers, body: requestBody, trailers: trailers)
        reset()
        return .request(request, keepAlive: keepAlive)
    }

    private mutating func reset() {
        state = .requestLine
        scanned = 0
        leadingEmptyLines = 0
        headers = HTTPHeaders()
        trailers = HTTPHeaders()
        sectionBytes = 0
        sectionCount = 0
        contentLength = -1
        transferEncoding = TransferCodings()
        hostCount = 0
        hostIsValid = true
        connectionClose = false
        connectionKeepAlive = false
        expectsContinue = false
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always)
    func equalsExactly(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        guard let base = baseAddress else { return range.isEmpty }
        return memcmp(base + range.lowerBound, literal.utf8Start, range.count) == 0
    }
}
