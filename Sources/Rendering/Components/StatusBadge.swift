/// A short status word with a colour that repeats its meaning (`partials/status_badge.html`).
public struct StatusBadge: Sendable, Equatable, ViewRepresentable {
    public enum Tone: String, Sendable {
        case neutral, info, success, warning, danger
    }

    public let label: String
    public let tone: Tone

    public init(_ label: String, tone: Tone) {
        self.label = label
        self.tone = tone
    }

    public var viewValue: ViewValue { ["label": .string(label), "tone": .string(tone.rawValue)] }
}
