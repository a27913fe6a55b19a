/// Work bounds for parsing untrusted interchanges; every one is configuration.
///
/// The parser checks them before it allocates, so a hostile or broken file costs
/// at most `maxBytes` of input plus a bounded number of small segments.
public struct X12Limits: Sendable, Equatable {
    /// Largest interchange accepted, in bytes (default 16 MiB, far above a typical EDI batch).
    public var maxBytes: Int
    /// Most segments accepted in one interchange, ISA and IEA included (default 500,000).
    public var maxSegments: Int
    /// Most elements in one segment (default 512; the widest standard segments have fewer than 40).
    public var maxElementsPerSegment: Int

    public init(maxBytes: Int = 16 << 20, maxSegments: Int = 500_000, maxElementsPerSegment: Int = 512) {
        self.maxBytes = maxBytes
        self.maxSegments = maxSegments
        self.maxElementsPerSegment = maxElementsPerSegment
    }
}
