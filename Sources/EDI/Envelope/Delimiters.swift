/// The four separators an interchange declares in its ISA segment.
///
/// X12 lets every sender pick its own, so nothing downstream may assume `*` and `~`:
/// the parser reads them from ISA and the 997 generator answers with the same ones.
public struct Delimiters: Sendable, Hashable {
    public let element: UInt8
    /// ISA16; splits composite elements such as `SN1` unit codes.
    public let component: UInt8
    /// ISA11 from version 00402 on; nil for older versions, where ISA11 is the standards identifier.
    public let repetition: UInt8?
    public let segment: UInt8

    public init(element: UInt8, component: UInt8, repetition: UInt8?, segment: UInt8) {
        self.element = element
        self.component = component
        self.repetition = repetition
        self.segment = segment
    }

    /// `*`, `:`, `^` and `~`: the separators most trading partners use.
    public static let standard = Delimiters(
        element: UInt8(ascii: "*"), component: UInt8(ascii: ":"), repetition: UInt8(ascii: "^"),
        segment: UInt8(ascii: "~"))

    /// Whether `byte` is one of these separators, and so may not appear inside a value.
    public func isDelimiter(_ byte: UInt8) -> Bool {
        byte == element || byte == component || byte == segment || byte == repetition
    }
}
