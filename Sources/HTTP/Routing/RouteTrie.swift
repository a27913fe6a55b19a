/// A segment trie of routes: one node per path segment, literal edges first,
/// then a single parameter edge, then a catch-all at the node.
///
/// Matching walks the request path once and backtracks only where a literal
/// edge leads to a dead end, so its cost depends on the path's depth, not on
/// how many routes exist (a linear regex scan would test every route).
struct RouteTrie: Sendable {
    struct Route: Sendable {
        let method: HTTPMethod
        let pattern: RoutePattern
        let responder: any HTTPResponder
    }

    /// Handlers registered for one path shape. A list, not a dictionary:
    /// a shape has a handful of methods, and comparing short method strings
    /// costs less than hashing one.
    struct Endpoints: Sendable {
        private(set) var routes: [Route] = []

        var isEmpty: Bool { routes.isEmpty }
        var methods: [HTTPMethod] { routes.map(\.method) }

        subscript(method: HTTPMethod) -> Route? {
            for route in routes where route.method == method { return route }
            return nil
        }

        mutating func add(_ route: Route) throws(RouteConfigurationError) {
            if let existing = self[route.method] {
                throw RouteConfigurationError(
                    pattern: route.pattern.text,
                    problem: "\(route.method.rawValue) is already routed to '\(existing.pattern.text)'")
            }
            routes.append(route)
        }
    }

    private struct Node: Sendable {
        var literals: [String: Node] = [:]
        /// At most one element; an array because a struct cannot hold an
        /// optional of itself, and an array keeps value semantics for free.
        var parameter: [Node] = []
        var endpoints = Endpoints()
        var catchAll = Endpoints()
    }

    private var root = Node()

    mutating func insert(_ method: HTTPMethod, _ pattern: RoutePattern, responder: any HTTPResponder)
        throws(RouteConfigurationError)
    {
        let route = Route(method: method, pattern: pattern, responder: responder)
        try Self.insert(route, at: pattern.segments[...], into: &root)
    }

    private static func insert(_ route: Route, at segments: ArraySlice<RoutePattern.Segment>, into node: inout Node)
        throws(RouteConfigurationError)
    {
        guard let segment = segments.first else {
            try node.endpoints.add(route)
            return
        }
        switch segment {
        case .literal(let text):
            try insert(route, at: segments.dropFirst(), into: &node.literals[text, default: Node()])
        case .parameter:
            if node.parameter.isEmpty { node.parameter.append(Node()) }
            try insert(route, at: segments.dropFirst(), into: &node.parameter[0])
        case .catchAll:
            try node.catchAll.add(route)
        }
    }

    /// The endpoints whose path shape matches, with the captured parameter
    /// values in pattern order and the catch-all remainder, if any.
    func match(_ segments: [Substring]) -> (endpoints: Endpoints, values: [Substring], rest: Substring?)? {
        var values: [Substring] = []
        return Self.match(segments[...], node: root, values: &values)
    }

    private static func match(_ segments: ArraySlice<Substring>, node: Node, values: inout [Substring])
        -> (endpoints: Endpoints, values: [Substring], rest: Substring?)?
    {
        guard let segment = segments.first else {
            if !node.endpoints.isEmpty { return (node.endpoints, values, nil) }
            if !node.catchAll.isEmpty { return (node.catchAll, values, "") }
            return nil
        }
        let remaining = segments.dropFirst()
        if let child = node.literals[String(segment)], let found = match(remaining, node: child, values: &values) {
            return found
        }
        if let child = node.parameter.first {
            values.append(segment)
            if let found = match(remaining, node: child, values: &values) { return found }
            values.removeLast()
        }
        if !node.catchAll.isEmpty {
            return (node.catchAll, values, Substring(segments.joined(separator: "/")))
        }
        return nil
    }
}
