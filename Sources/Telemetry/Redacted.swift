/// Wraps a secret so that it cannot reach a log line, an error message or an
/// audit detail by accident: every textual representation is `[redacted]`.
/// Reading the secret needs the explicit `revealed` property.
public struct Redacted<Value: Sendable>: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public let revealed: Value

    public init(_ value: Value) { self.revealed = value }

    public var description: String { "[redacted]" }
    public var debugDescription: String { "[redacted]" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}

extension Redacted: Equatable where Value: Equatable {}
