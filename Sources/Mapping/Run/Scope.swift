import Events

/// Where the evaluation is inside the payload: the root, the element of the
/// innermost iteration, and the chain of iterations that led there.
///
/// Frames are pushed once per iteration and their index updated in place, so
/// walking 10,000 lines allocates nothing per line; the concrete source path
/// (`$.items[3].qty`) is rendered only when an error needs it.
struct Scope {
    struct Frame {
        /// The array path as written, relative to the enclosing frame when it starts with `@`.
        let array: SourcePath
        var index: Int
    }

    let root: JSONValue
    var current: JSONValue
    var frames: [Frame] = []
    /// Elements visited so far for this payload, checked against `maxVisitedItems`.
    var visited = 0
    var builtEvents = 0

    init(root: JSONValue) {
        self.root = root
        self.current = root
    }

    @inline(__always)
    func resolve(_ path: SourcePath) -> JSONValue? {
        path.resolve(root: root, current: current)
    }

    /// Zero-based position in the innermost iteration, if any.
    var position: Int? { frames.last?.index }

    /// The concrete location of `@`, such as `$.records[1].lines[3]`.
    var currentPathText: String {
        var text = "$"
        for frame in frames {
            if frame.array.anchor == .root { text = "$" }
            text += frame.array.segmentsText + "[\(frame.index)]"
        }
        return text
    }

    /// The concrete location `path` read from in this scope.
    func concreteText(of path: SourcePath) -> String {
        switch path.anchor {
        case .root: path.text
        case .current: currentPathText + path.segmentsText
        }
    }
}
