import Events

/// How one canonical field gets its value: a source (`path`, `const`,
/// `template`, `concat`, `index`), a `transforms` pipeline, then `default` and
/// `required` for when nothing came out.
///
/// Order, which the README states for partners: the source is read; an absent
/// or null value skips the pipeline; a step that yields null ends it; if the
/// result is still null the `default` is used as written (not transformed),
/// else a `required` rule fails and an optional one leaves the field out.
struct ValueRule: Sendable {
    enum Source: Sendable {
        case path(SourcePath)
        case constant(JSONValue)
        case template([TemplatePart])
        case concat([ValueRule], separator: String, skipMissing: Bool)
        /// The position in the innermost iteration plus `offset` (`{"index": 1}` numbers lines from 1).
        case index(offset: Int)
    }

    enum TemplatePart: Sendable {
        case literal(String)
        case path(SourcePath)
    }

    let source: Source
    let transforms: [TransformStep]
    let defaultValue: JSONValue?
    let required: Bool
    /// The canonical field, as written in the document (`data.lines[].quantity`).
    let target: String
}

/// The shape of a canonical object: each member built by a rule, a nested object or an array.
struct ObjectShape: Sendable {
    struct Member: Sendable {
        let key: String
        let node: TargetNode
    }

    /// Sorted by key, so the first error reported for a payload is always the same one.
    let members: [Member]
}

indirect enum TargetNode: Sendable {
    case value(ValueRule)
    case object(ObjectShape)
    case array(ArrayBuilder)
}

/// `"data.lines[]": {"each": "$.items", "when": …, "fields": {…}}`: one element per source element.
struct ArrayBuilder: Sendable {
    enum Element: Sendable {
        case object(ObjectShape)
        case value(ValueRule)
    }

    let each: SourcePath
    let when: Condition?
    let element: Element
    let required: Bool
    let target: String
}

/// One entry of `outputs`: which event it makes, when, and how many.
struct OutputPlan: Sendable {
    let eventType: String
    let schemaVersion: Int
    let when: Condition?
    let forEach: SourcePath?
    let envelope: ObjectShape
    /// `outputs[0] (purchase_order.created)`, prefixed to run-time errors.
    let label: String
}
