/// An incremental HTTP/1.1 response parser for one response per connection.
///
/// Feed it what the socket delivers with ``receive(_:)`` until ``isComplete``,
/// or call ``receiveEnd()`` when the peer closes. Strict where a lenient
/// reading could change what the response means (CRLF line ends, header
/// syntax, conflicting `Content-Length`, chunk syntax), lenient where RFC 9112
/// tells a client to be (a missing reason phrase, obs-fold unfolded into a
/// space, `Transfer-Encoding` overriding `Content-Length`).
///
/// Framing (RFC 9112 §6.3): a response to HEAD, and every 204 and 304, has no
/// body; 1xx responses are skipped (101 is refused: the client never asks to
/// upgrade); a final `chunked` coding means chunked, any other
/// `Transfer-Encoding` means "until close"; otherwise `Content-Length`, and
/// without one, until close. Every buffer is bounded by the limits: the head
/// and the trailers by ``Limits/maxHeaderBytes``, the body by
/// ``Limits/maxBodyBytes``, past which it is truncated (parsing stops and the
/// response is complete) or refused.
struct HTTPResponseParser: Sendable {
    struct Limits: Sendable, Equatable {
        var maxHeaderBytes: Int
        var maxHeaderCount: Int
        var maxBodyBytes: Int
        /// Past `maxBodyBytes`: keep the first bytes and stop (true), or fail with `responseTooLarge` (false).
        var truncatesBody: Bool
    }

    private enum State: Equatable {
        case statusLine
        case headers
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
        case complete
    }

    /// A chunk-size line carries a size and ignored extensions; this bounds it.
    static let maxChunkLineLength = 4096
    /// 1xx responses tolerated before the final one.
    static let maxInformationalResponses = 8

    let limits: Limits
    let isResponseToHead: Bool

    private var state = State.statusLine
    /// Received bytes not yet consumed: at most one incomplete line.
    private var pending: [UInt8] = []
    /// Bytes of the incomplete line already searched for LF.
    private var scanned = 0
    private var sectionBytes = 0
    private var fields: [(name: String, value: String)] = []
    private var informationalCount = 0
    private var receivedAnything = false

    private(set) var version = HTTPVersion.http1_1
    private(set) var status = HTTPStatus.ok
    private(set) var headers = HTTPHeaders()
    private(set) var trailers = HTTPHeaders()
    private(set) var body: [UInt8] = []
    private(set) var isBodyTruncated = false

    init(limits: Limits, isResponseToHead: Bool) {
        self.limits = limits
        self.isResponseToHead = isResponseToHead
    }

    /// The final response is complete; nothing more needs to be read.
    var isComplete: Bool { state == .complete }

    /// Consumes newly received bytes; bytes after the end of the response are ignored.
    mutating func receive(_ bytes: ArraySlice<UInt8>) throws(HTTPClientError) {
        guard state != .complete, !bytes.isEmpty else { return }
        receivedAnything = true
        pending.append(contentsOf: bytes)
        var position = 0
        defer {
            if state == .complete {
                pending.removeAll()
            } else if position > 0 {
                pending.removeFirst(position)
            }
        }
        try process(&position)
    }

    /// The peer closed the connection: ends a close-delimited body, or explains what is missing.
    mutating func receiveEnd() throws(HTTPClientError) {
        switch state {
        case .complete:
            return
        case .untilClose:
            state = .complete
        case .statusLine where !receivedAnything:
            throw HTTPClientError(.connectionClosed, "the server closed the connection without responding")
        case .statusLine, .headers:
            throw HTTPClientError(.connectionClosed, "the server closed the connection inside the response head")
        case .body(let remaining):
            throw HTTPClientError(
                .connectionClosed, "the server closed the connection \(remaining) bytes before the end of the body")
        case .chunkSize, .chunkData, .chunkDataEnd, .trailers:
            throw HTTPClientError(.connectionClosed, "the server closed the connection inside the chunked body")
        }
    }

    // MARK: State machine

    private mutating func process(_ position: inout Int) throws(HTTPClientError) {
        while true {
            let available = pending.count - position
            switch state {
            case .complete:
                return

            case .statusLine, .headers, .chunkSize, .trailers:
                guard let line = try nextLine(&position) else { return }
                try handleLine(line)

            case .body(let remaining):
                let count = min(remaining, available)
                guard count > 0 else { return }
                let proceed = try appendBody(pending[position..<(position + count)])
                position += count
                if !proceed { return }
                state = remaining == count ? .complete : .body(remaining: remaining - count)

            case .chunkData(let remaining):
                let count = min(remaining, available)
                guard count > 0 else { return }
                let proceed = try appendBody(pending[position..<(position + count)])
                position += count
                if !proceed { return }
                state = remaining == count ? .chunkDataEnd : .chunkData(remaining: remaining - count)

            case .chunkDataEnd:
                if available >= 1 && pending[position] != ByteClass.cr {
                    throw malformed("chunk data is not followed by CRLF")
                }
                guard available >= 2 else { return }
                guard pending[position + 1] == ByteClass.lf else {
                    throw malformed("chunk data is not followed by CRLF")
                }
                position += 2
                state = .chunkSize

            case .untilClose:
                guard available > 0 else { return }
                let proceed = try appendBody(pending[position...])
                position = pending.count
                if !proceed { return }
            }
        }
    }

    /// The next complete line without its CRLF, or nil when more bytes are needed.
    private mutating func nextLine(_ position: inout Int) throws(HTTPClientError) -> Range<Int>? {
        let searchFrom = position + scanned
        guard searchFrom < pending.count,
            let lineFeed = pending[searchFrom...].firstIndex(of: ByteClass.lf)
        else {
            scanned = pending.count - position
            try checkLineLength(scanned)
            return nil
        }
        scanned = 0
        try checkLineLength(lineFeed - position)
        guard lineFeed > position, pending[lineFeed - 1] == ByteClass.cr else {
            throw malformed("a line of the response does not end with CRLF")
        }
        let line = position..<(lineFeed - 1)
        position = lineFeed + 1
        return line
    }

    /// Refuses a line, complete or not, that can no longer fit its limit.
    private func checkLineLength(_ length: Int) throws(HTTPClientError) {
        switch state {
        case .statusLine, .headers, .trailers:
            if sectionBytes + length > limits.maxHeaderBytes {
                throw HTTPClientError(
                    .responseTooLarge,
                    "the response \(state == .trailers ? "trailers are" : "head is") larger than \(limits.maxHeaderBytes) bytes"
                )
            }
        case .chunkSize:
            if length > Self.maxChunkLineLength + 1 { throw malformed("a chunk-size line is too long") }
        default:
            break
        }
    }

    private mutating func handleLine(_ line: Range<Int>) throws(HTTPClientError) {
        switch state {
        case .statusLine:
            sectionBytes += line.count + 2
            try parseStatusLine(line)
            state = .headers
        case .headers:
            sectionBytes += line.count + 2
            if line.isEmpty {
                try completeHead()
            } else {
                try parseField(line)
            }
        case .trailers:
            sectionBytes += line.count + 2
            if line.isEmpty {
                trailers = HTTPHeaders(fields.map { ($0.name, $0.value) })
                fields = []
                state = .complete
            } else {
                try parseField(line)
            }
        case .chunkSize:
            let size = try parseChunkSize(line)
            if size == 0 {
                state = .trailers
                sectionBytes = 0
                fields = []
            } else {
                state = .chunkData(remaining: size)
            }
        default:
            break
        }
    }

    // MARK: Head

    private mutating func parseStatusLine(_ line: Range<Int>) throws(HTTPClientError) {
        let bytes = pending[line]
        let start = line.lowerBound
        guard bytes.count >= 12, bytes.starts(with: Self.httpPrefix), ByteClass.isDigit(pending[start + 5]),
            pending[start + 6] == ByteClass.dot, ByteClass.isDigit(pending[start + 7]),
            pending[start + 8] == ByteClass.space
        else { throw malformed("the status line is malformed") }
        guard pending[start + 5] == 0x31 else { throw malformed("the response is not HTTP/1.x") }
        version = pending[start + 7] == 0x30 ? .http1_0 : .http1_1
        var code = 0
        for index in (start + 9)..<(start + 12) {
            guard ByteClass.isDigit(pending[index]) else { throw malformed("the status code is not three digits") }
            code = code * 10 + Int(pending[index] &- 0x30)
        }
        guard (100...599).contains(code) else { throw malformed("the status code \(code) is out of range") }
        var reason = ""
        if bytes.count > 12 {
            guard pending[start + 12] == ByteClass.space else { throw malformed("the status line is malformed") }
            let reasonBytes = pending[(start + 13)..<line.upperBound]
            guard reasonBytes.allSatisfy(ByteClass.isFieldValueByte) else {
                throw malformed("the reason phrase contains a control character")
            }
            reason = String(decoding: reasonBytes, as: UTF8.self)
        }
        status = HTTPStatus(code: code, reason: reason)
    }

    private static let httpPrefix = Array("HTTP/".utf8)

    private mutating func parseField(_ line: Range<Int>) throws(HTTPClientError) {
        let start = line.lowerBound
        let end = line.upperBound
        if ByteClass.isWhitespace(pending[start]) {
            // obs-fold: RFC 9112 §5.2 has a user agent replace it with a space.
            guard !fields.isEmpty else { throw malformed("the first header line starts with whitespace") }
            let value = try fieldValue(start..<end)
            let last = fields.count - 1
            if !value.isEmpty {
                fields[last].value = fields[last].value.isEmpty ? value : fields[last].value + " " + value
            }
            return
        }
        var index = start
        while index < end && ByteClass.isToken(pending[index]) { index += 1 }
        guard index < end, pending[index] == ByteClass.colon, index > start else {
            throw malformed("a header field name is malformed")
        }
        let name = String(decoding: pending[start..<index], as: UTF8.self)
        let value = try fieldValue((index + 1)..<end)
        guard fields.count < limits.maxHeaderCount else {
            throw HTTPClientError(
                .responseTooLarge, "the response has more than \(limits.maxHeaderCount) header fields")
        }
        fields.append((name: name, value: value))
    }

    /// The value with optional whitespace trimmed; control characters other than HTAB are refused.
    private func fieldValue(_ range: Range<Int>) throws(HTTPClientError) -> String {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper && ByteClass.isWhitespace(pending[lower]) { lower += 1 }
        while upper > lower && ByteClass.isWhitespace(pending[upper - 1]) { upper -= 1 }
        let bytes = pending[lower..<upper]
        guard bytes.allSatisfy(ByteClass.isFieldValueByte) else {
            throw malformed("a header field value contains a control character")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private mutating func completeHead() throws(HTTPClientError) {
        if status.code < 200 {
            guard status.code != 101 else { throw malformed("the server switched protocols without being asked") }
            informationalCount += 1
            guard informationalCount <= Self.maxInformationalResponses else {
                throw malformed("the server sent more than \(Self.maxInformationalResponses) 1xx responses")
            }
            fields = []
            sectionBytes = 0
            state = .statusLine
            return
        }
        headers = HTTPHeaders(fields.map { ($0.name, $0.value) })
        fields = []
        if isResponseToHead || status.code == 204 || status.code == 304 {
            state = .complete
            return
        }
        let codings = Self.listElements(headers.values("Transfer-Encoding"))
        if headers.contains("Transfer-Encoding") {
            guard version == .http1_1 else { throw malformed("an HTTP/1.0 response uses Transfer-Encoding") }
            guard let last = codings.last else { throw malformed("Transfer-Encoding is empty") }
            if last.caseInsensitiveEquals("chunked") {
                guard codings.filter({ $0.caseInsensitiveEquals("chunked") }).count == 1 else {
                    throw malformed("chunked is applied more than once")
                }
                state = .chunkSize
            } else {
                // RFC 9112 §6.3: without a final chunked, a response is delimited by close.
                state = .untilClose
            }
            return
        }
        if headers.contains("Content-Length") {
            let length = try contentLength()
            if length > limits.maxBodyBytes && !limits.truncatesBody {
                throw HTTPClientError(
                    .responseTooLarge,
                    "the response body of \(length) bytes is larger than \(limits.maxBodyBytes) bytes")
            }
            state = length == 0 ? .complete : .body(remaining: length)
            return
        }
        state = .untilClose
    }

    /// `Content-Length` may repeat, or be a list, only if every value is the same (RFC 9110 §8.6).
    private func contentLength() throws(HTTPClientError) -> Int {
        var length: Int?
        for element in Self.listElements(headers.values("Content-Length"), keepingEmpty: true) {
            guard !element.isEmpty, element.utf8.count <= 18, element.utf8.allSatisfy(ByteClass.isDigit),
                let value = Int(element)
            else { throw malformed("Content-Length is not a valid length") }
            if let length, length != value { throw malformed("Content-Length values disagree") }
            length = value
        }
        guard let length else { throw malformed("Content-Length is empty") }
        return length
    }

    private static func listElements(_ values: [String], keepingEmpty: Bool = false) -> [String] {
        values.flatMap { value in
            value.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingWhitespace() }
                .filter { keepingEmpty || !$0.isEmpty }
        }
    }

    // MARK: Body

    private func parseChunkSize(_ line: Range<Int>) throws(HTTPClientError) -> Int {
        var index = line.lowerBound
        let end = line.upperBound
        var size = 0
        while index < end && ByteClass.isHexDigit(pending[index]) {
            guard size <= (Int.max >> 4) else { throw malformed("a chunk size is too large") }
            size = size << 4 | ByteClass.hexValue(pending[index])
            index += 1
        }
        guard index > line.lowerBound else { throw malformed("a chunk size is malformed") }
        while index < end && ByteClass.isWhitespace(pending[index]) { index += 1 }
        guard index < end else { return size }
        guard pending[index] == ByteClass.semicolon,
            pending[index..<end].allSatisfy(ByteClass.isFieldValueByte)
        else { throw malformed("a chunk extension is malformed") }
        return size
    }

    /// Appends body bytes within the limit. Returns false when the body was
    /// truncated at the limit and the response is now complete.
    private mutating func appendBody(_ bytes: ArraySlice<UInt8>) throws(HTTPClientError) -> Bool {
        let room = limits.maxBodyBytes - body.count
        if bytes.count <= room {
            body.append(contentsOf: bytes)
            return true
        }
        guard limits.truncatesBody else {
            throw HTTPClientError(.responseTooLarge, "the response body is larger than \(limits.maxBodyBytes) bytes")
        }
        body.append(contentsOf: bytes.prefix(room))
        isBodyTruncated = true
        state = .complete
        return false
    }

    private func malformed(_ message: String) -> HTTPClientError { HTTPClientError(.malformedResponse, message) }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
