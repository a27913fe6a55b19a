/// W3C Trace Context (https://www.w3.org/TR/trace-context/) for one unit of
/// work (a request, a step of a run, a delivery): the trace it belongs to,
/// this process's span within it, and the caller's span.
///
/// Every log line written while a context is ``current`` carries its
/// `trace_id` and `span_id`, and stored events keep the `traceparent` they
/// came with, so a partner can follow one business event from its request
/// through the runs it started to the webhooks they sent.
public struct TraceContext: Sendable, Equatable {
    /// The context of the work this task is doing, which ``Logger`` writes on
    /// every line. A task-local, so it follows the work into child tasks and
    /// never leaks into another request's.
    @TaskLocal public static var current: TraceContext?

    /// 32 lowercase hex digits, never all zero.
    public var traceID: String
    /// This server's span: 16 lowercase hex digits, never all zero.
    public var spanID: String
    /// The caller's span, when the request carried a valid `traceparent`.
    public var parentSpanID: String?
    /// Trace flags; bit 0 is "sampled".
    public var flags: UInt8
    /// The caller's `tracestate`, passed on unchanged (bounded in size).
    public var traceState: String?

    public init(
        traceID: String, spanID: String, parentSpanID: String? = nil, flags: UInt8 = 1, traceState: String? = nil
    ) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.flags = flags
        self.traceState = traceState
    }

    /// A new trace with random ids, marked sampled because our logs record it.
    public static func start() -> TraceContext {
        TraceContext(traceID: RandomIdentifier.hex(byteCount: 16), spanID: RandomIdentifier.hex(byteCount: 8))
    }

    /// Continues the caller's trace with a new span of ours, or nil when the
    /// header is not a valid `traceparent`.
    public static func continuing(traceparent: String, traceState: String? = nil) -> TraceContext? {
        guard let parsed = TraceParent(parsing: traceparent) else { return nil }
        let state = traceState.flatMap { $0.utf8.count <= 512 ? $0 : nil }
        return TraceContext(
            traceID: parsed.traceID, spanID: RandomIdentifier.hex(byteCount: 8), parentSpanID: parsed.parentID,
            flags: parsed.flags, traceState: state)
    }

    /// A context for a call this span makes: same trace, new span, this span as parent.
    public func child() -> TraceContext {
        TraceContext(
            traceID: traceID, spanID: RandomIdentifier.hex(byteCount: 8), parentSpanID: spanID, flags: flags,
            traceState: traceState)
    }

    /// The `traceparent` header value naming this span.
    /// Built from bytes: it is written for every request (response header, stored events' lineage).
    public var traceparent: String {
        var text = "00-"
        text.reserveCapacity(6 + traceID.utf8.count + spanID.utf8.count)
        text += traceID
        text += "-"
        text += spanID
        text += "-"
        text.unicodeScalars.append(Unicode.Scalar(Self.hexDigits[Int(flags >> 4)]))
        text.unicodeScalars.append(Unicode.Scalar(Self.hexDigits[Int(flags & 0xF)]))
        return text
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}

/// The fields of a `traceparent` header, validated per the W3C grammar.
public struct TraceParent: Sendable, Equatable {
    public var version: UInt8
    public var traceID: String
    public var parentID: String
    public var flags: UInt8

    /// Nil unless `value` is `version-traceid-parentid-flags` in lowercase hex
    /// with the right lengths, a version other than `ff`, and non-zero ids.
    /// Version 00 must be exactly 55 characters; later versions may append
    /// `-`-separated fields, which are ignored as the specification requires.
    public init?(parsing value: String) {
        let bytes = Array(value.utf8)
        guard bytes.count >= 55, let version = Self.hexByte(bytes[0], bytes[1]), version != 0xFF,
            bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"), bytes[52] == UInt8(ascii: "-"),
            let flags = Self.hexByte(bytes[53], bytes[54])
        else { return nil }
        if version == 0 {
            guard bytes.count == 55 else { return nil }
        } else if bytes.count > 55, bytes[55] != UInt8(ascii: "-") {
            return nil
        }
        let trace = bytes[3..<35], parent = bytes[36..<52]
        guard trace.allSatisfy(Self.isHexDigit), parent.allSatisfy(Self.isHexDigit),
            trace.contains(where: { $0 != UInt8(ascii: "0") }), parent.contains(where: { $0 != UInt8(ascii: "0") })
        else { return nil }
        self.version = version
        self.traceID = String(decoding: trace, as: UTF8.self)
        self.parentID = String(decoding: parent, as: UTF8.self)
        self.flags = flags
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool { nibble(byte) != nil }

    /// Lowercase only: the specification forbids uppercase hex.
    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    private static func hexByte(_ high: UInt8, _ low: UInt8) -> UInt8? {
        guard let high = nibble(high), let low = nibble(low) else { return nil }
        return high << 4 | low
    }
}

extension TraceContext {
    /// The span a stored `traceparent` names, or nil when it is not a valid
    /// one: for lines about work that belongs to that span, such as the run an
    /// event started or the delivery of an event, whose receiver sees this
    /// same span as its parent.
    public init?(naming traceparent: String) {
        guard let parsed = TraceParent(parsing: traceparent) else { return nil }
        self.init(traceID: parsed.traceID, spanID: parsed.parentID, flags: parsed.flags)
    }

    /// Runs `body` with the span `traceparent` names as ``current``; with no
    /// context at all when it is nil or invalid, so that a line never
    /// carries the trace of unrelated work around it.
    public static func withSpan<Result>(named traceparent: String?, _ body: () throws -> Result) rethrows -> Result {
        try $current.withValue(traceparent.flatMap(TraceContext.init(naming:)), operation: body)
    }
}
