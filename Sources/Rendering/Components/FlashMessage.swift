/// A one-off notice shown at the top of the next page (`partials/flash.html`).
public struct FlashMessage: Sendable, Equatable, ViewRepresentable {
    public enum Level: String, Sendable {
        case info, success, warning, error
    }

    public let level: Level
    public let message: String

    public init(_ level: Level, _ message: String) {
        self.level = level
        self.message = message
    }

    /// Errors use `role="alert"` so screen readers announce them at once; the rest are polite `status`.
    public var viewValue: ViewValue {
        ["level": .string(level.rawValue), "message": .string(message), "urgent": .bool(level == .error)]
    }
}
