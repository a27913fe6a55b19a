/// An 856 ship notice (ASN) or receipt advice, read from its transaction set.
///
/// The body is a tree of HL loops: shipment (S) → order (O, with PRF) →
/// optional tare/pack (T/P) → item (I, with LIN and SN1). Each HL names its
/// parent by HL02; a parent must have been declared earlier, so the tree has
/// no cycles and an item's order is found by walking up. Segments before the
/// first HL (DTM) belong to the notice; segments after an HL belong to it.
public struct ShipNotice856: Sendable, Hashable {
    public struct Level: Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            case shipment, order, tare, pack, item
            case other(String)

            init(code: String) {
                switch code {
                case "S": self = .shipment
                case "O": self = .order
                case "T": self = .tare
                case "P": self = .pack
                case "I": self = .item
                default: self = .other(code)
                }
            }
        }

        public let id: String
        public let parentID: String?
        public let kind: Kind
        public let position: Int
        public internal(set) var references: [Reference] = []
        public internal(set) var dates: [DateReference] = []
        public internal(set) var parties: [Party] = []
        /// PER segments not inside an N1 loop.
        public internal(set) var contacts: [Contact] = []
        /// TD503: the carrier's SCAC or other identification.
        public internal(set) var carrierCode: String?
        /// PRF01 on an order level.
        public internal(set) var purchaseOrderNumber: String?
        /// LIN01 on an item level: the line the item ships against.
        public internal(set) var lineID: String?
        public internal(set) var productIDs: [ProductID] = []
        /// SN102/SN103 on an item level.
        public internal(set) var shippedQuantity: Quantity?
        public internal(set) var description: String?
        var lin: Segment?
        var sn1: Segment?
    }

    public let envelope: EnvelopeReference
    /// BSN01 (00 original, ...).
    public let purposeCode: String
    /// BSN02: the shipment identification.
    public let shipmentID: String
    /// BSN03 as `YYYY-MM-DD` and BSN04 as `HH:MM:SS`.
    public let date: String
    public let time: String
    public let dates: [DateReference]
    public let levels: [Level]

    /// Index of each level by HL01, and of each level's nearest order ancestor: both built while
    /// reading so that lookups stay linear however large (or hostile) the notice is.
    let indexByID: [String: Int]
    let orderIndex: [Int?]

    public var shipment: Level? { levels.first { $0.kind == .shipment } }
    public var orders: [Level] { levels.filter { $0.kind == .order } }

    /// The item levels whose nearest order ancestor is `order`.
    public func items(of order: Level) -> [Level] {
        guard let target = indexByID[order.id] else { return [] }
        return levels.indices.filter { levels[$0].kind == .item && orderIndex[$0] == target }.map { levels[$0] }
    }

    /// The nearest ancestor of `level` that is an order.
    public func order(containing level: Level) -> Level? {
        guard let index = indexByID[level.id], let order = orderIndex[index] else { return nil }
        return levels[order]
    }

    /// All levels on the path from `level` up to the root, nearest first.
    public func ancestors(of level: Level) -> [Level] {
        var result: [Level] = []
        var parentID = level.parentID
        // Parents are declared before children, so the walk ends within `levels.count` steps.
        for _ in 0..<levels.count {
            guard let id = parentID, let index = indexByID[id] else { break }
            result.append(levels[index])
            parentID = levels[index].parentID
        }
        return result
    }

    public static func read(_ set: TransactionSet, envelope: EnvelopeReference) throws(X12Error) -> ShipNotice856 {
        var bsn: Segment?
        var ctt: Segment?
        var dates: [DateReference] = []
        var levels: [Level] = []
        var indexByID: [String: Int] = [:]
        var orderIndex: [Int?] = []
        var currentParty: Int?
        for segment in set.body {
            if let party = currentParty, let level = levels.indices.last {
                if try levels[level].parties[party].absorb(segment) { continue }
                currentParty = nil
            }
            if segment.id == "BSN" {
                guard bsn == nil else { throw DocumentScope.duplicate(segment) }
                bsn = segment
                continue
            }
            if segment.id == "CTT" {
                guard ctt == nil else { throw DocumentScope.duplicate(segment) }
                ctt = segment
                continue
            }
            if segment.id == "HL" {
                let level = try readLevel(segment, known: indexByID, isFirst: levels.isEmpty)
                let parent = level.parentID.flatMap { indexByID[$0] }
                orderIndex.append(parent.flatMap { levels[$0].kind == .order ? $0 : orderIndex[$0] })
                indexByID[level.id] = levels.count
                levels.append(level)
                continue
            }
            guard let current = levels.indices.last else {
                if segment.id == "DTM" { dates.append(try DateReference(segment)) }
                continue
            }
            try absorb(segment, into: &levels[current], currentParty: &currentParty)
        }
        guard let bsn else { throw DocumentScope.missing("BSN", "beginning segment for ship notice", in: set) }
        guard !levels.isEmpty else { throw DocumentScope.missing("HL", "hierarchical level", in: set) }
        for level in levels {
            try check(level, in: set)
        }
        try DocumentScope.checkCount(ctt, expected: levels.count, of: "HL segments")
        return ShipNotice856(
            envelope: envelope, purposeCode: try bsn.required(1, "BSN01 (purpose code)"),
            shipmentID: try bsn.required(2, "BSN02 (shipment identification)"),
            date: try ElementValues.date(bsn, 3, "BSN03 (date)"), time: try ElementValues.time(bsn, 4, "BSN04 (time)"),
            dates: dates, levels: levels, indexByID: indexByID, orderIndex: orderIndex)
    }

    private static func readLevel(_ segment: Segment, known: [String: Int], isFirst: Bool) throws(X12Error) -> Level {
        let id = try segment.required(1, "HL01 (hierarchical id number)")
        guard known[id] == nil else {
            throw segment.error(.invalidHierarchy, "HL01 \(id) is used by an earlier HL", element: 1)
        }
        let parentID = segment[2]
        if let parentID, known[parentID] == nil {
            throw segment.error(
                .invalidHierarchy, "HL02 names parent \(parentID), which no earlier HL declares", element: 2)
        }
        let kind = Level.Kind(code: try segment.required(3, "HL03 (hierarchical level code)"))
        if isFirst, kind != .shipment || parentID != nil {
            throw segment.error(
                .invalidHierarchy, "the first HL must be the shipment level (HL03 = S) without a parent", element: 3)
        }
        return Level(id: id, parentID: parentID, kind: kind, position: segment.position)
    }

    private static func absorb(_ segment: Segment, into level: inout Level, currentParty: inout Int?) throws(X12Error) {
        switch segment.id {
        case "REF": level.references.append(try Reference(segment))
        case "DTM": level.dates.append(try DateReference(segment))
        case "PER": level.contacts.append(try Contact(segment))
        case "N1":
            level.parties.append(try Party(segment))
            currentParty = level.parties.count - 1
        case "TD5":
            level.carrierCode = segment[3]
        case "PRF":
            level.purchaseOrderNumber = try segment.required(1, "PRF01 (purchase order number)")
        case "LIN":
            guard level.lin == nil else { throw DocumentScope.duplicate(segment) }
            level.lin = segment
            level.lineID = segment[1]
            level.productIDs = try ProductID.pairs(in: segment, from: 2)
            guard !level.productIDs.isEmpty else {
                throw segment.error(.missingElement, "LIN02/LIN03 (product id) is required", element: 2)
            }
        case "SN1":
            guard level.sn1 == nil else { throw DocumentScope.duplicate(segment) }
            level.sn1 = segment
            level.shippedQuantity = Quantity(
                value: try ElementValues.decimal(segment, 2, "SN102 (number of units shipped)"),
                unit: try segment.required(3, "SN103 (unit of measure)"))
        case "PID":
            if level.description == nil { level.description = segment[5] }
        default:
            break
        }
    }

    private static func check(_ level: Level, in set: TransactionSet) throws(X12Error) {
        func missing(_ segmentID: String, _ what: String) -> X12Error {
            X12Error(
                .missingSegment, "the \(what) level at HL segment \(level.position) has no \(segmentID)",
                position: level.position, segmentID: segmentID)
        }
        switch level.kind {
        case .order where level.purchaseOrderNumber == nil: throw missing("PRF", "order")
        case .item where level.lin == nil: throw missing("LIN", "item")
        case .item where level.sn1 == nil: throw missing("SN1", "item")
        default: break
        }
    }
}
