import Events
import Foundation

/// `transforms`: a list of steps, each a bare name (`"trim"`) or a one-key
/// object whose value holds the step's options (`{"decimal": {"decimal_separator": ","}}`).
extension DocumentCompiler {
    static let transformNames = [
        "trim", "upper", "lower", "string", "empty_to_null", "decimal", "number", "integer", "date", "datetime", "unit",
        "lookup", "map", "round",
    ]
    static let maxTransforms = 20

    mutating func compileTransforms(_ value: JSONValue, at path: String) -> [TransformStep]? {
        guard case .array(let items) = value, items.count <= Self.maxTransforms else {
            report(path, "transforms is a list of at most \(Self.maxTransforms) steps")
            return nil
        }
        var steps: [TransformStep] = []
        var failed = false
        for (index, item) in items.enumerated() {
            let itemPath = Self.item(path, index)
            let name: String
            let options: [String: JSONValue]
            var optionsPath = itemPath
            switch item {
            case .string(let text):
                name = text
                options = [:]
            case .object(let object) where object.count == 1:
                guard let (key, value) = object.first, case .object(let given) = value else {
                    report(itemPath, "a step's options are an object: {\"name\": {…}}")
                    failed = true
                    continue
                }
                name = key
                options = given
                optionsPath = Self.child(itemPath, key)
            default:
                report(itemPath, "a step is a name such as \"trim\" or an object such as {\"decimal\": {…}}")
                failed = true
                continue
            }
            guard Self.transformNames.contains(name) else {
                report(
                    itemPath,
                    "unknown transform \(JSONValue.string(name).serialized()); known: \(Self.transformNames.joined(separator: ", "))"
                )
                failed = true
                continue
            }
            guard let transform = compileTransform(name, options: options, at: optionsPath) else {
                failed = true
                continue
            }
            steps.append(TransformStep(transform: transform, label: "transforms[\(index)] \(name)"))
        }
        return failed ? nil : steps
    }

    private mutating func compileTransform(_ name: String, options: [String: JSONValue], at path: String) -> Transform?
    {
        switch name {
        case "trim", "upper", "lower", "string", "empty_to_null":
            checkKeys(options, allowed: [], at: path, what: "\(name), which takes no options")
            switch name {
            case "trim": return .trim
            case "upper": return .upper
            case "lower": return .lower
            case "string": return .string
            default: return .emptyToNull
            }
        case "decimal", "number", "integer":
            guard let syntax = decimalSyntax(options, at: path, name: name) else { return nil }
            switch name {
            case "decimal": return .decimal(syntax)
            case "number": return .number(syntax)
            default: return .integer(syntax)
            }
        case "date", "datetime":
            return compileDateTime(name, options: options, at: path)
        case "unit":
            return compileUnit(options, at: path).map(Transform.unit)
        case "lookup":
            return compileLookup(options, at: path).map(Transform.lookup)
        case "map":
            return compileMap(options, at: path).map(Transform.map)
        default:
            return compileRound(options, at: path).map(Transform.round)
        }
    }

    private mutating func decimalSyntax(_ options: [String: JSONValue], at path: String, name: String) -> DecimalSyntax?
    {
        checkKeys(options, allowed: ["decimal_separator", "grouping_separator"], at: path, what: name)
        var syntax = DecimalSyntax()
        if let value = options["decimal_separator"] {
            guard let scalar = separator(value, at: Self.child(path, "decimal_separator"), allowNull: false) else {
                return nil
            }
            syntax.decimalSeparator = scalar
        }
        if let value = options["grouping_separator"], value != .null {
            guard let scalar = separator(value, at: Self.child(path, "grouping_separator"), allowNull: true) else {
                return nil
            }
            syntax.groupingSeparator = scalar
        }
        if syntax.groupingSeparator == syntax.decimalSeparator {
            report(path, "the decimal and grouping separators must differ")
            return nil
        }
        return syntax
    }

    private mutating func separator(_ value: JSONValue, at path: String, allowNull: Bool) -> Unicode.Scalar? {
        guard case .string(let text) = value, text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first,
            !("0"..."9").contains(scalar), scalar != "-", scalar != "+"
        else {
            report(path, "a separator is one character other than a digit, '-' or '+'\(allowNull ? " (or null)" : "")")
            return nil
        }
        return scalar
    }

    private mutating func compileDateTime(_ name: String, options: [String: JSONValue], at path: String) -> Transform? {
        checkKeys(options, allowed: ["format", "time_zone"], at: path, what: name)
        guard let format = string(options["format"], at: Self.child(path, "format"), what: "format") else { return nil }
        let pattern: DateTimePattern
        switch DateTimePattern.compile(format, needsTime: name == "datetime") {
        case .success(let compiled): pattern = compiled
        case .failure(let problem):
            report(Self.child(path, "format"), problem.reason)
            return nil
        }
        var zone: TimeZone?
        if let value = options["time_zone"] {
            guard let identifier = string(value, at: Self.child(path, "time_zone"), what: "time_zone") else {
                return nil
            }
            // IANA names only ("Europe/Berlin", "UTC"): abbreviations such as EST are ambiguous.
            guard identifier == "UTC" || identifier.contains("/"), let found = TimeZone(identifier: identifier) else {
                report(
                    Self.child(path, "time_zone"), "unknown IANA time zone \(JSONValue.string(identifier).serialized())"
                )
                return nil
            }
            zone = found
        }
        if name == "datetime" {
            guard zone != nil || pattern.carriesOffset else {
                report(
                    path,
                    "the format has no UTC offset, so time_zone (an IANA name such as \"Europe/Berlin\") is required")
                return nil
            }
            return .datetime(pattern, zone)
        }
        if pattern.carriesOffset, zone == nil {
            report(path, "the input names an instant, so time_zone is required to tell which day it falls on")
            return nil
        }
        return .date(pattern, zone)
    }

    private mutating func compileUnit(_ options: [String: JSONValue], at path: String) -> UnitConversion? {
        checkKeys(
            options, allowed: ["from", "from_path", "to", "factors", "scale", "rounding"], at: path, what: "unit")
        guard case .object(let table)? = options["factors"], !table.isEmpty, table.count <= 200 else {
            report(
                Self.child(path, "factors"),
                "factors is an object of 1 to 200 unit → size in a common base, such as {\"EA\": \"1\", \"DZ\": \"12\"}"
            )
            return nil
        }
        var factors: [String: FixedDecimal] = [:]
        for unit in table.keys.sorted() {
            guard let value = table[unit] else { continue }
            let factorPath = Self.child(Self.child(path, "factors"), unit)
            let parsed: FixedDecimal?
            switch value {
            case .string(let text): parsed = try? DecimalSyntax.standard.parse(text).get()
            case .number(let text): parsed = DecimalSyntax.parseJSONNumber(text)
            default: parsed = nil
            }
            guard let parsed, parsed.significand > 0 else {
                report(factorPath, "a factor is a positive decimal such as \"12\" or \"0.45359237\"")
                continue
            }
            guard factors.updateValue(parsed, forKey: unit.uppercased()) == nil else {
                report(factorPath, "the unit is listed twice (units compare without case)")
                continue
            }
        }
        let from: UnitConversion.From?
        switch (options["from"], options["from_path"]) {
        case (let constant?, nil):
            let code = string(constant, at: Self.child(path, "from"), what: "from")
            if let code, factors[code.uppercased()] == nil {
                report(Self.child(path, "from"), "the unit is not in factors")
            }
            from = code.map(UnitConversion.From.constant)
        case (nil, let unitPath?):
            from = sourcePath(unitPath, at: Self.child(path, "from_path")).map(UnitConversion.From.path)
        default:
            report(path, "unit needs exactly one of from (a unit code) or from_path (where the payload names the unit)")
            from = nil
        }
        let to = string(options["to"], at: Self.child(path, "to"), what: "to")
        let targetFactor = to.flatMap { factors[$0.uppercased()] }
        if to != nil, targetFactor == nil { report(Self.child(path, "to"), "the unit is not in factors") }
        var scale = 6
        if let value = options["scale"] {
            scale = integer(value, at: Self.child(path, "scale"), range: 0...FixedDecimal.maxScale) ?? 6
        }
        let rule = rounding(options["rounding"], at: Self.child(path, "rounding"))
        guard let from, let to, let targetFactor, let rule else { return nil }
        return UnitConversion(
            from: from, to: to, factors: factors, targetFactor: targetFactor, scale: scale, rule: rule)
    }

    private mutating func compileLookup(_ options: [String: JSONValue], at path: String) -> LookupStep? {
        checkKeys(options, allowed: ["table", "select", "on_missing", "default"], at: path, what: "lookup")
        let table = string(options["table"], at: Self.child(path, "table"), what: "table")
        if let table, !declaredTables.contains(table) {
            report(Self.child(path, "table"), "the table \"\(table)\" is not declared in the document's lookups")
        }
        var select: SourcePath?
        if let value = options["select"] {
            select = sourcePath(value, at: Self.child(path, "select"))
            if let chosen = select, chosen.anchor != .current {
                report(
                    Self.child(path, "select"), "select is relative to the found row: start it with @, as in \"@.id\"")
            }
        }
        guard let policy = missingPolicy(options, at: path), let table, declaredTables.contains(table) else {
            return nil
        }
        return LookupStep(table: table, select: select, onMissing: policy)
    }

    private mutating func compileMap(_ options: [String: JSONValue], at path: String) -> MapStep? {
        checkKeys(options, allowed: ["values", "on_missing", "default"], at: path, what: "map")
        guard case .object(let values)? = options["values"], !values.isEmpty, values.count <= 10_000 else {
            report(Self.child(path, "values"), "values is an object of 1 to 10,000 source value → canonical value")
            return nil
        }
        guard let policy = missingPolicy(options, at: path) else { return nil }
        return MapStep(values: values, onMissing: policy)
    }

    private mutating func missingPolicy(_ options: [String: JSONValue], at path: String) -> MissingEntryPolicy? {
        let fallback = options["default"]
        switch options["on_missing"] {
        case nil, .string("error")?:
            if fallback != nil {
                report(Self.child(path, "default"), "default is used only with \"on_missing\": \"default\"")
            }
            return .error
        case .string("keep")?:
            if fallback != nil {
                report(Self.child(path, "default"), "default is used only with \"on_missing\": \"default\"")
            }
            return .keep
        case .string("default")?:
            guard let fallback else {
                report(path, "\"on_missing\": \"default\" needs a default value")
                return nil
            }
            return .useDefault(fallback)
        default:
            report(Self.child(path, "on_missing"), "on_missing is \"error\", \"default\" or \"keep\"")
            return nil
        }
    }

    private mutating func compileRound(_ options: [String: JSONValue], at path: String) -> RoundStep? {
        checkKeys(options, allowed: ["currency", "currency_path", "scale", "mode"], at: path, what: "round")
        let given = ["currency", "currency_path", "scale"].filter { options[$0] != nil }
        guard given.count == 1 else {
            report(path, "round needs exactly one of currency, currency_path or scale")
            return nil
        }
        let target: RoundStep.Target?
        if let value = options["currency"] {
            let code = string(value, at: Self.child(path, "currency"), what: "currency")
            if let code, let exponent = CurrencyExponent.of(code) {
                target = .currency(code: code, exponent: exponent)
            } else {
                if code != nil {
                    report(Self.child(path, "currency"), "a currency is an ISO 4217 code such as \"USD\"")
                }
                target = nil
            }
        } else if let value = options["currency_path"] {
            target = sourcePath(value, at: Self.child(path, "currency_path")).map(RoundStep.Target.currencyPath)
        } else {
            target = integer(options["scale"], at: Self.child(path, "scale"), range: 0...FixedDecimal.maxScale)
                .map(RoundStep.Target.scale)
        }
        let rule = rounding(options["mode"], at: Self.child(path, "mode"))
        guard let target, let rule else { return nil }
        return RoundStep(target: target, rule: rule)
    }

    private mutating func rounding(_ value: JSONValue?, at path: String) -> FixedDecimal.Rounding? {
        guard let value else { return .halfEven }
        guard case .string(let text) = value, let rule = FixedDecimal.Rounding(rawValue: text) else {
            let names = FixedDecimal.Rounding.allCases.map(\.rawValue).joined(separator: ", ")
            report(path, "rounding is one of \(names)")
            return nil
        }
        return rule
    }
}
