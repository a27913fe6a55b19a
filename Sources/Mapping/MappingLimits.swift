/// Work bounds for compiling partner-written documents and mapping untrusted payloads.
///
/// Mapping runs on the ingest path, so a hostile payload or document must hit
/// one of these and fail with `mapping_limit_exceeded` (or a document/payload
/// error) instead of consuming memory or stack.
public struct MappingLimits: Sendable, Equatable {
    /// Largest mapping document accepted, in bytes.
    public var maxDocumentBytes: Int
    /// Deepest JSON nesting accepted in a mapping document.
    public var maxDocumentDepth: Int
    /// Deepest nesting of rules inside rules: conditions in conditions, `concat`
    /// parts, array builders inside array builders.
    public var maxRuleNesting: Int
    /// Largest payload accepted by `apply(payloadData:lookups:)`, in bytes.
    public var maxPayloadBytes: Int
    /// Deepest payload nesting accepted by `apply(payloadData:lookups:)`.
    public var maxPayloadDepth: Int
    /// Events one payload may produce across all outputs.
    public var maxEventsPerPayload: Int
    /// Elements one iterated array (`for_each` or `each`) may have; the
    /// canonical line lists allow 10,000.
    public var maxArrayItems: Int
    /// Elements visited across every iteration of one payload, so nested
    /// arrays cannot multiply into unbounded work.
    public var maxVisitedItems: Int
    /// Longest string a `template` or `concat` may build, in UTF-8 bytes.
    public var maxBuiltStringBytes: Int

    public init(
        maxDocumentBytes: Int = 256 * 1024, maxDocumentDepth: Int = 32, maxRuleNesting: Int = 16,
        maxPayloadBytes: Int = 1 << 20, maxPayloadDepth: Int = 32, maxEventsPerPayload: Int = 1_000,
        maxArrayItems: Int = 10_000, maxVisitedItems: Int = 100_000, maxBuiltStringBytes: Int = 8 * 1024
    ) {
        self.maxDocumentBytes = maxDocumentBytes
        self.maxDocumentDepth = maxDocumentDepth
        self.maxRuleNesting = maxRuleNesting
        self.maxPayloadBytes = maxPayloadBytes
        self.maxPayloadDepth = maxPayloadDepth
        self.maxEventsPerPayload = maxEventsPerPayload
        self.maxArrayItems = maxArrayItems
        self.maxVisitedItems = maxVisitedItems
        self.maxBuiltStringBytes = maxBuiltStringBytes
    }
}
