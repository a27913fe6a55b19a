import Foundation

/// A type a path parameter can be read as, with ``HTTPRequest/parameter(_:as:)``.
public protocol PathParameterValue {
    /// Nil when `text` is not a valid value; the caller then gets a 400.
    init?(pathParameter text: String)
    /// What a valid value looks like, for the error message: "an integer".
    static var pathParameterDescription: String { get }
}

extension String: PathParameterValue {
    public init?(pathParameter text: String) { self = text }
    public static var pathParameterDescription: String { "a string" }
}

extension Int: PathParameterValue {
    public init?(pathParameter text: String) { self.init(text, radix: 10) }
    public static var pathParameterDescription: String { "an integer" }
}

extension Int64: PathParameterValue {
    public init?(pathParameter text: String) { self.init(text, radix: 10) }
    public static var pathParameterDescription: String { "an integer" }
}

extension UUID: PathParameterValue {
    public init?(pathParameter text: String) { self.init(uuidString: text) }
    public static var pathParameterDescription: String { "a UUID" }
}

extension HTTPRequest {
    /// The raw value of path parameter `name`.
    ///
    /// A missing parameter means the route pattern and the handler disagree,
    /// which is our bug, so it is a 500 rather than the caller's 400.
    public func parameter(_ name: String) throws -> String {
        guard let value = pathParameters[name] else {
            throw HTTPError(
                .internalServerError, code: "missing_path_parameter",
                message: "The route has no path parameter '\(name)'.")
        }
        return value
    }

    /// Path parameter `name` as `type`; a value that does not parse is a 400
    /// `invalid_path_parameter` whose `field` is the parameter's name.
    public func parameter<Value: PathParameterValue>(_ name: String, as type: Value.Type) throws -> Value {
        let text = try parameter(name)
        guard let value = Value(pathParameter: text) else {
            throw HTTPError(
                .badRequest, code: "invalid_path_parameter",
                message: "Path parameter '\(name)' must be \(Value.pathParameterDescription).", field: name)
        }
        return value
    }
}
