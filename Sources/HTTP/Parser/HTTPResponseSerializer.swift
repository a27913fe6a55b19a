#if canImport(Glibc)
    import Glibc
#endif
import Platform
import Synchronization

/// Writes response heads. Framing is the server's alone: whatever a handler
/// put in `Content-Length`, `Transfer-Encoding`, `Connection`, `Keep-Alive`
/// or `Date` is replaced, and fields whose name is not a token or whose value
/// holds a control character are dropped so that no handler can split a
/// response.
enum HTTPResponseSerializer {
    /// Responses to HEAD, and 1xx, 204 and 304 responses, carry no body (RFC 9110 §6.4.1).
    static func hasBody(status: Int, isHead: Bool) -> Bool {
        !(isHead || status < 200 || status == 204 || status == 304)
    }

    /// Appends the status line and header section of `response` to `output`.
    ///
    /// - Parameters:
    ///   - isHead: the request was HEAD: `Content-Length` is the body's length
    ///     (or, when the handler sent no body, the length it declared), and no body follows.
    ///   - keepAlive: false adds `Connection: close`.
    ///   - requestVersion: an HTTP/1.0 client that keeps the connection needs `Connection: keep-alive`.
    static func appendHead(
        _ response: HTTPResponse, isHead: Bool, keepAlive: Bool, requestVersion: HTTPVersion,
        to output: inout [UInt8]
    ) {
        let status = response.status.code
        appendStatusLine(response.status, to: &output)
        var declaredLength: String?
        for field in response.headers {
            if isFramingField(field.name) {
                if isHead && field.name.caseInsensitiveEquals("content-length") { declaredLength = field.value }
                continue
            }
            guard isValidName(field.name), isValidValue(field.value) else { continue }
            output.append(contentsOf: field.name.utf8)
            output.append(ByteClass.colon)
            output.append(ByteClass.space)
            output.append(contentsOf: field.value.utf8)
            output.append(ByteClass.cr)
            output.append(ByteClass.lf)
        }
        if status >= 200 && status != 204 && status != 304 {
            appendLiteral("Content-Length: ", to: &output)
            if isHead && response.body.isEmpty, let declaredLength, let length = Int(declaredLength), length >= 0 {
                appendDecimal(length, to: &output)
            } else {
                appendDecimal(response.body.count, to: &output)
            }
            output.append(ByteClass.cr)
            output.append(ByteClass.lf)
        }
        appendLiteral("Date: ", to: &output)
        DateCache.shared.append(to: &output)
        if !keepAlive {
            appendLiteral("\r\nConnection: close", to: &output)
        } else if requestVersion == .http1_0 {
            appendLiteral("\r\nConnection: keep-alive", to: &output)
        }
        appendLiteral("\r\n\r\n", to: &output)
    }

    /// A complete response for the server's own answers (errors, 503s), closing or not.
    static func simpleResponse(
        _ status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], keepAlive: Bool
    ) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(160 + body.count)
        appendHead(
            HTTPResponse(status: status, headers: headers, body: body), isHead: false, keepAlive: keepAlive,
            requestVersion: .http1_1, to: &output)
        output.append(contentsOf: body)
        return output
    }

    static func appendStatusLine(_ status: HTTPStatus, to output: inout [UInt8]) {
        appendLiteral("HTTP/1.1 ", to: &output)
        let code = min(max(status.code, 100), 999)
        output.append(UInt8(0x30 + code / 100))
        output.append(UInt8(0x30 + code / 10 % 10))
        output.append(UInt8(0x30 + code % 10))
        output.append(ByteClass.space)
        for byte in status.reason.utf8 where ByteClass.isFieldValueByte(byte) { output.append(byte) }
        output.append(ByteClass.cr)
        output.append(ByteClass.lf)
    }

    @inline(__always)
    static func appendLiteral(_ literal: StaticString, to output: inout [UInt8]) {
        output.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    static func appendDecimal(_ value: Int, to output: inout [UInt8]) {
        if value < 10 {
            output.append(UInt8(0x30 + max(value, 0)))
            return
        }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var remaining = value
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while remaining > 0 && count < 20 {
                buffer[19 - count] = UInt8(0x30 + remaining % 10)
                remaining /= 10
                count += 1
            }
            output.append(contentsOf: buffer[(20 - count)...])
        }
    }

    private static func isFramingField(_ name: String) -> Bool {
        switch name.utf8.count {
        case 4: return name.caseInsensitiveEquals("date")
        case 10: return name.caseInsensitiveEquals("connection") || name.caseInsensitiveEquals("keep-alive")
        case 14: return name.caseInsensitiveEquals("content-length")
        case 17: return name.caseInsensitiveEquals("transfer-encoding")
        default: return false
        }
    }

    private static func isValidName(_ name: String) -> Bool {
        var any = false
        for byte in name.utf8 {
            guard ByteClass.isToken(byte) else { return false }
            any = true
        }
        return any
    }

    private static func isValidValue(_ value: String) -> Bool {
        for byte in value.utf8 where !ByteClass.isFieldValueByte(byte) { return false }
        return true
    }
}

/// The `Date` field value, formatted once per second and shared by every thread.
///
/// A seqlock rather than a mutex: readers on every loop and handler thread
/// never block or contend; whoever first notices a new second rewrites it.
final class DateCache: Sendable {
    static let shared = DateCache()

    /// Even when stable, odd while being rewritten.
    private let sequence = Atomic<UInt64>(0)
    private let second = Atomic<Int64>(Int64.min)
    // 29 bytes of IMF-fixdate in four words.
    private let word0 = Atomic<UInt64>(0)
    private let word1 = Atomic<UInt64>(0)
    private let word2 = Atomic<UInt64>(0)
    private let word3 = Atomic<UInt64>(0)

    static let length = 29

    func append(to output: inout [UInt8]) {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &spec)
        let now = Int64(spec.tv_sec)
        let before = sequence.load(ordering: .acquiring)
        if before & 1 == 0 && second.load(ordering: .relaxed) == now {
            let words = (
                word0.load(ordering: .relaxed), word1.load(ordering: .relaxed), word2.load(ordering: .relaxed),
                word3.load(ordering: .relaxed)
            )
            atomicMemoryFence(ordering: .acquiring)
            if sequence.load(ordering: .relaxed) == before {
                withUnsafeBytes(of: words) { output.append(contentsOf: $0.prefix(Self.length)) }
                return
            }
        }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { Self.format(seconds: now, into: $0) }
        withUnsafeBytes(of: words) { output.append(contentsOf: $0.prefix(Self.length)) }
        if before & 1 == 0,
            sequence.compareExchange(expected: before, desired: before &+ 1, ordering: .acquiringAndReleasing).exchanged
        {
            atomicMemoryFence(ordering: .releasing)
            word0.store(words.0, ordering: .relaxed)
            word1.store(words.1, ordering: .relaxed)
            word2.store(words.2, ordering: .relaxed)
            word3.store(words.3, ordering: .relaxed)
            second.store(now, ordering: .relaxed)
            sequence.store(before &+ 2, ordering: .releasing)
        }
    }

    /// Formats `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 §5.6.7) without calendars or locales.
    static func format(seconds: Int64, into buffer: UnsafeMutableRawBufferPointer) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let weekday = Int(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday.
        let (year, month, day) = CivilDays.date(fromDays: Int(days))
        let hour = Int(secondOfDay / 3600)
        let minute = Int(secondOfDay / 60 % 60)
        let second = Int(secondOfDay % 60)

        let weekdays: StaticString = "SunMonTueWedThuFriSat"
        let months: StaticString = "JanFebMarAprMayJunJulAugSepOctNovDec"
        var index = 0
        func put(_ byte: UInt8) {
            buffer[index] = byte
            index += 1
        }
        func putTwoDigits(_ value: Int) {
            put(UInt8(0x30 + value / 10 % 10))
            put(UInt8(0x30 + value % 10))
        }
        for offset in 0..<3 { put(weekdays.utf8Start[weekday * 3 + offset]) }
        put(ByteClass.comma)
        put(ByteClass.space)
        putTwoDigits(day)
        put(ByteClass.space)
        for offset in 0..<3 { put(months.utf8Start[(month - 1) * 3 + offset]) }
        put(ByteClass.space)
        putTwoDigits(year / 100)
        putTwoDigits(year % 100)
        put(ByteClass.space)
        putTwoDigits(hour)
        put(ByteClass.colon)
        putTwoDigits(minute)
        put(ByteClass.colon)
        putTwoDigits(second)
        put(ByteClass.space)
        put(0x47)
        put(0x4D)
        put(0x54)
    }
}
