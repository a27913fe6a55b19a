/// The values of the root names an expression reads during one evaluation.
public struct Environment: Sendable, Equatable {
    public var values: [String: Value]

    public init(_ values: [String: Value] = [:]) {
        self.values = values
    }

    /// Converts run data to the declared shape, so that what was checked at
    /// publish time holds at run time: money and dates are typed, required
    /// fields are present, and undeclared data is left out.
    ///
    /// - Throws: `expression_data` naming the first path that does not fit.
    public init(json: [String: Value.JSON], conformingTo types: TypeEnvironment) throws(ExpressionError) {
        var values: [String: Value] = [:]
        for (name, type) in types.roots {
            guard let member = json[name] else {
                guard type.admitsNull else {
                    throw ExpressionError(.data, "expected \(type.spoken), found nothing", path: name)
                }
                values[name] = .null
                continue
            }
            values[name] = try Value(json: member, as: type, path: name)
        }
        self.init(values)
    }

    /// Converts run data without a declared shape; see ``Value/init(json:path:)``.
    public init(json: [String: Value.JSON]) throws(ExpressionError) {
        var values: [String: Value] = [:]
        for (name, member) in json { values[name] = try Value(json: member, path: name) }
        self.init(values)
    }

    /// Converts a workflow run's data; see ``Value/init(runData:path:)``.
    public init(runData json: [String: Value.JSON]) throws(ExpressionError) {
        var values: [String: Value] = [:]
        for (name, member) in json { values[name] = try Value(runData: member, path: name) }
        self.init(values)
    }

    public subscript(name: String) -> Value? {
        get { values[name] }
        set { values[name] = newValue }
    }
}
