/// A REF reference: qualifier (REF01) and value (REF02, or REF03 when only a description is sent).
public struct Reference: Sendable, Hashable {
    public let qualifier: String
    public let value: String

    init(_ segment: Segment) throws(X12Error) {
        qualifier = try segment.required(1, "REF01 (reference qualifier)")
        guard let value = segment[2] ?? segment[3] else {
            throw segment.error(.missingElement, "REF02 or REF03 is required", element: 2)
        }
        self.value = value
    }
}

/// A DTM date: qualifier (002 delivery requested, 011 shipped, ...), date and optional time.
public struct DateReference: Sendable, Hashable {
    public let qualifier: String
    /// `YYYY-MM-DD`.
    public let date: String
    /// `HH:MM:SS`, when DTM03 is sent.
    public let time: String?

    init(_ segment: Segment) throws(X12Error) {
        qualifier = try segment.required(1, "DTM01 (date/time qualifier)")
        date = try ElementValues.date(segment, 2, "DTM02 (date)")
        time = segment[3] == nil ? nil : try ElementValues.time(segment, 3, "DTM03 (time)")
    }
}

/// A PER contact; `email` is the first EM communication number.
public struct Contact: Sendable, Hashable {
    public let functionCode: String
    public let name: String?
    /// (qualifier, number) pairs from PER03/04, PER05/06, PER07/08.
    public let communications: [Communication]

    public struct Communication: Sendable, Hashable {
        public let qualifier: String
        public let number: String
    }

    public var email: String? { communications.first { $0.qualifier == "EM" }?.number }

    init(_ segment: Segment) throws(X12Error) {
        functionCode = try segment.required(1, "PER01 (contact function code)")
        name = segment[2]
        var communications: [Communication] = []
        for index in stride(from: 3, through: 7, by: 2) {
            guard let qualifier = segment[index] else { continue }
            guard let number = segment[index + 1] else {
                throw segment.error(
                    .missingElement, "PER\(ISAHeader.pad(index + 1)) is required with its qualifier", element: index + 1
                )
            }
            communications.append(Communication(qualifier: qualifier, number: number))
        }
        self.communications = communications
    }
}

/// An N1 party loop (N1 with its N2/N3/N4, REF and PER segments).
public struct Party: Sendable, Hashable {
    /// N101: BY buyer, SU supplier, SE selling party, ST ship-to, SF ship-from, RI remit-to, BT bill-to.
    public let entityCode: String
    public let name: String?
    /// N103: how N104 is assigned (92 assigned by buyer, 91 by seller, 1 DUNS, ...).
    public let idQualifier: String?
    public let id: String?
    public internal(set) var addressLines: [String] = []
    public internal(set) var city: String?
    public internal(set) var postalCode: String?
    public internal(set) var country: String?
    public internal(set) var contacts: [Contact] = []
    public internal(set) var references: [Reference] = []
    public let position: Int

    init(_ segment: Segment) throws(X12Error) {
        entityCode = try segment.required(1, "N101 (entity identifier code)")
        name = segment[2]
        idQualifier = segment[3]
        id = segment[4]
        guard name != nil || id != nil else {
            throw segment.error(.missingElement, "N102 (name) or N104 (identification code) is required", element: 2)
        }
        if id != nil, idQualifier == nil {
            throw segment.error(
                .missingElement, "N103 (identification code qualifier) is required with N104", element: 3)
        }
        position = segment.position
    }

    /// Takes N2/N3/N4/REF/PER that follow N1; false for any other segment, which ends the loop.
    mutating func absorb(_ segment: Segment) throws(X12Error) -> Bool {
        switch segment.id {
        case "N2": return true
        case "N3":
            addressLines.append(contentsOf: [segment[1], segment[2]].compactMap { $0 })
            return true
        case "N4":
            city = segment[1]
            postalCode = segment[3]
            country = segment[4]
            return true
        case "PER":
            contacts.append(try Contact(segment))
            return true
        case "REF":
            references.append(try Reference(segment))
            return true
        default:
            return false
        }
    }
}

/// A product or service identifier: qualifier (BP buyer's part, VP vendor's part, SK SKU, UP UPC, ...) and value.
public struct ProductID: Sendable, Hashable {
    public let qualifier: String
    public let value: String

    /// The pairs from `first` on (PO106/PO107, IT106/IT107, LIN02/LIN03, ...).
    static func pairs(in segment: Segment, from first: Int) throws(X12Error) -> [ProductID] {
        var result: [ProductID] = []
        var index = first
        while index <= segment.elements.count {
            switch (segment[index], segment[index + 1]) {
            case (let qualifier?, let value?): result.append(ProductID(qualifier: qualifier, value: value))
            case (nil, nil): break
            case (nil, _?):
                throw segment.error(.missingElement, "a product id needs its qualifier", element: index)
            case (_?, nil):
                throw segment.error(.missingElement, "a product id qualifier needs its value", element: index + 1)
            }
            index += 2
        }
        return result
    }
}

extension [ProductID] {
    /// The value for the first qualifier in `preference` that is present.
    public func value(preferring preference: [String]) -> String? {
        for qualifier in preference {
            if let match = first(where: { $0.qualifier == qualifier }) { return match.value }
        }
        return nil
    }
}

/// A SAC service, promotion, allowance or charge. Amounts are in cents (SAC05 is N2).
public struct Charge: Sendable, Hashable {
    /// SAC01: `A` allowance, `C` charge, `N` no allowance or charge.
    public let indicator: String
    /// SAC02, such as `D240` freight.
    public let code: String?
    public let amountCents: Int64?
    public let description: String?

    public var isFreight: Bool { indicator == "C" && code == "D240" }

    init(_ segment: Segment) throws(X12Error) {
        indicator = try segment.required(1, "SAC01 (allowance or charge indicator)")
        guard ["A", "C", "N"].contains(indicator) else {
            throw segment.error(.invalidCode, "SAC01 must be A, C or N", element: 1)
        }
        code = segment[2]
        amountCents = segment[5] == nil ? nil : try ElementValues.impliedCents(segment, 5, "SAC05 (amount)")
        description = segment[15]
    }
}

/// A TXI tax: type code (ST sales, VA VAT, ...) and amount in the document currency.
public struct Tax: Sendable, Hashable {
    public let typeCode: String
    /// TXI02 as canonical decimal text.
    public let amount: String?
    public let percent: String?

    init(_ segment: Segment) throws(X12Error) {
        typeCode = try segment.required(1, "TXI01 (tax type code)")
        amount = segment[2] == nil ? nil : try ElementValues.decimal(segment, 2, "TXI02 (monetary amount)")
        percent = segment[3] == nil ? nil : try ElementValues.decimal(segment, 3, "TXI03 (percent)")
        guard amount != nil || percent != nil else {
            throw segment.error(.missingElement, "TXI02 (amount) or TXI03 (percent) is required", element: 2)
        }
    }
}

/// A quantity with its unit of measure.
public struct Quantity: Sendable, Hashable {
    /// Canonical decimal text.
    public let value: String
    public let unit: String

    public init(value: String, unit: String) {
        self.value = value
        self.unit = unit
    }
}
