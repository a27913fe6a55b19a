import Events

extension JSONValue {
    /// The value at a dotted path (`data.po_number`, `lines[0].sku`); nil if absent.
    func value(at path: String) -> JSONValue? {
        values(at: path).first
    }

    /// Every value at a path where `[*]` fans out over an array
    /// (`receipts[*].data.received_by`), in order.
    func values(at path: String) -> [JSONValue] {
        var current: [JSONValue] = [self]
        for segment in path.split(separator: ".") {
            var name = Substring(segment)
            var selectors: [Substring] = []
            while let open = name.lastIndex(of: "["), name.last == "]" {
                selectors.insert(name[name.index(after: open)..<name.index(before: name.endIndex)], at: 0)
                name = name[..<open]
            }
            current = current.compactMap { $0[String(name)] }
            for selector in selectors {
                current = current.flatMap { value -> [JSONValue] in
                    guard case .array(let items) = value else { return [] }
                    if selector == "*" { return items }
                    guard let index = Int(selector), items.indices.contains(index) else { return [] }
                    return [items[index]]
                }
            }
        }
        return current
    }
}
