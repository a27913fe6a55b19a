/// One segment: its tag and its elements, as written.
///
/// Elements stay raw text so that no information is lost; composites and
/// repetitions are split on demand with the interchange's own separators.
public struct Segment: Sendable, Hashable {
    /// The tag, such as `BEG`.
    public let id: String
    /// Elements 1...n; `elements[0]` is element 01.
    public let elements: [String]
    /// 1-based index of this segment in its interchange (ISA is 1).
    public let position: Int
    let component: UInt8
    let repetition: UInt8?

    public init(id: String, elements: [String], position: Int, delimiters: Delimiters = .standard) {
        self.id = id
        self.elements = elements
        self.position = position
        component = delimiters.component
        repetition = delimiters.repetition
    }

    /// Element `index` (1-based) as written, or nil when absent or empty: X12 does not distinguish the two.
    public subscript(_ index: Int) -> String? {
        guard index >= 1, index <= elements.count else { return nil }
        let value = elements[index - 1]
        return value.isEmpty ? nil : value
    }

    /// Element `index` split at the component separator.
    public func components(_ index: Int) -> [String] {
        guard let value = self[index] else { return [] }
        return value.split(separator: Character(Unicode.Scalar(component)), omittingEmptySubsequences: false).map(
            String.init)
    }

    /// Element `index` split at the repetition separator (one value when the version has none).
    public func repetitions(_ index: Int) -> [String] {
        guard let value = self[index] else { return [] }
        guard let repetition else { return [value] }
        return value.split(separator: Character(Unicode.Scalar(repetition)), omittingEmptySubsequences: false).map(
            String.init)
    }

    /// Element `index`, or a `missing_element` error naming this segment.
    public func required(_ index: Int, _ name: String) throws(X12Error) -> String {
        guard let value = self[index] else {
            throw X12Error(
                .missingElement, "\(name) is required", position: position, segmentID: id, elementIndex: index)
        }
        return value
    }

    func error(_ kind: X12Error.Kind, _ message: String, element: Int? = nil) -> X12Error {
        X12Error(kind, message, position: position, segmentID: id, elementIndex: element)
    }
}
