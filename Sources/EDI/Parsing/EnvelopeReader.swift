/// Reads GS/GE groups and ST/SE sets from the segment stream and checks their trailers.
///
/// Each trailer (SE, GE, IEA) must count what it closes and repeat its header's
/// control number; a header that appears where a trailer was due is reported as
/// that trailer missing, at the position where it was expected.
struct EnvelopeReader {
    var tokenizer: SegmentTokenizer

    mutating func readGroups(interchangeControl: String) throws(X12Error) -> [FunctionalGroup] {
        var groups: [FunctionalGroup] = []
        while true {
            guard let segment = try tokenizer.next() else {
                throw missingTrailer("IEA", closing: "the interchange", at: tokenizer.nextPosition)
            }
            switch segment.id {
            case "GS":
                groups.append(try readGroup(header: segment))
            case "IEA":
                guard !groups.isEmpty else {
                    throw segment.error(.emptyInterchange, "the interchange holds no functional group")
                }
                let declared = try count(segment, 1, "IEA01 (number of functional groups)")
                guard declared == groups.count else {
                    throw segment.error(
                        .interchangeGroupCountMismatch,
                        "IEA01 says \(declared) functional group\(declared == 1 ? "" : "s") but the interchange has \(groups.count)",
                        element: 1)
                }
                let control = try segment.required(2, "IEA02 (interchange control number)")
                guard sameNumber(control, interchangeControl) else {
                    throw segment.error(
                        .interchangeControlMismatch,
                        "IEA02 \(control) does not match the ISA13 control number \(interchangeControl)", element: 2)
                }
                return groups
            case "ISA":
                throw missingTrailer("IEA", closing: "the interchange", at: segment.position)
            default:
                throw segment.error(
                    .unexpectedSegment, "\(segment.id) may not stand outside a functional group (GS ... GE)")
            }
        }
    }

    private mutating func readGroup(header: Segment) throws(X12Error) -> FunctionalGroup {
        let code = try header.required(1, "GS01 (functional identifier code)")
        guard let functionalID = FunctionalGroup.FunctionalID(rawValue: code) else {
            throw header.error(
                .unsupportedFunctionalGroup,
                "functional group '\(code.prefix(10))' is not supported; PO, SH, IN and FA are", element: 1)
        }
        let control = try header.required(6, "GS06 (group control number)")
        guard ByteClass.allDigits(control), control.utf8.count <= 9 else {
            throw header.error(.invalidElement, "GS06 must be 1 to 9 digits", element: 6)
        }
        let version = try header.required(8, "GS08 (version)")
        var sets: [TransactionSet] = []
        while true {
            guard let segment = try tokenizer.next() else {
                throw missingTrailer(
                    "GE", closing: "the functional group at segment \(header.position)", at: tokenizer.nextPosition)
            }
            switch segment.id {
            case "ST":
                sets.append(try readSet(header: segment, in: functionalID))
            case "GE":
                guard !sets.isEmpty else {
                    throw segment.error(.emptyFunctionalGroup, "the functional group holds no transaction set")
                }
                let declared = try count(segment, 1, "GE01 (number of transaction sets)")
                guard declared == sets.count else {
                    throw segment.error(
                        .groupSetCountMismatch,
                        "GE01 says \(declared) transaction set\(declared == 1 ? "" : "s") but the group has \(sets.count)",
                        element: 1)
                }
                let trailerControl = try segment.required(2, "GE02 (group control number)")
                guard sameNumber(trailerControl, control) else {
                    throw segment.error(
                        .groupControlMismatch,
                        "GE02 \(trailerControl) does not match the GS06 control number \(control)",
                        element: 2)
                }
                return FunctionalGroup(
                    functionalID: functionalID, applicationSender: header[2] ?? "",
                    applicationReceiver: header[3] ?? "",
                    date: try header.required(4, "GS04 (date)"), time: try header.required(5, "GS05 (time)"),
                    controlNumber: control, agency: header[7] ?? "", version: version, transactionSets: sets,
                    position: header.position)
            case "GS", "IEA", "ISA":
                throw missingTrailer(
                    "GE", closing: "the functional group at segment \(header.position)", at: segment.position)
            default:
                throw segment.error(
                    .unexpectedSegment, "\(segment.id) may not stand outside a transaction set (ST ... SE)")
            }
        }
    }

    private mutating func readSet(header: Segment, in group: FunctionalGroup.FunctionalID) throws(X12Error)
        -> TransactionSet
    {
        let code = try header.required(1, "ST01 (transaction set identifier)")
        guard let id = TransactionSet.SetID(rawValue: code) else {
            throw header.error(
                .unsupportedTransactionSet,
                "transaction set '\(code.prefix(10))' is not supported; 850, 856, 810 and 997 are", element: 1)
        }
        guard id.functionalID == group else {
            throw header.error(
                .transactionSetGroupMismatch,
                "a \(id.rawValue) may not travel in a functional group of type \(group.rawValue)", element: 1)
        }
        let control = try header.required(2, "ST02 (transaction set control number)")
        guard (4...9).contains(control.utf8.count) else {
            throw header.error(.invalidElement, "ST02 must be 4 to 9 characters", element: 2)
        }
        var segments = [header]
        while true {
            guard let segment = try tokenizer.next() else {
                throw missingTrailer(
                    "SE", closing: "the transaction set at segment \(header.position)", at: tokenizer.nextPosition)
            }
            switch segment.id {
            case "SE":
                segments.append(segment)
                let declared = try count(segment, 1, "SE01 (number of included segments)")
                guard declared == segments.count else {
                    throw segment.error(
                        .setSegmentCountMismatch,
                        "SE01 says \(declared) segments but the set has \(segments.count) (ST and SE included)",
                        element: 1)
                }
                let trailerControl = try segment.required(2, "SE02 (transaction set control number)")
                guard trailerControl == control else {
                    throw segment.error(
                        .setControlMismatch, "SE02 \(trailerControl) does not match the ST02 control number \(control)",
                        element: 2)
                }
                return TransactionSet(id: id, controlNumber: control, segments: segments)
            case "ST", "GE", "GS", "IEA", "ISA":
                throw missingTrailer(
                    "SE", closing: "the transaction set at segment \(header.position)", at: segment.position)
            default:
                segments.append(segment)
            }
        }
    }

    private func count(_ segment: Segment, _ index: Int, _ name: String) throws(X12Error) -> Int {
        let text = try segment.required(index, name)
        guard ByteClass.allDigits(text), text.utf8.count <= 9, let value = Int(text) else {
            throw segment.error(.invalidElement, "\(name) must be a number of at most 9 digits", element: index)
        }
        return value
    }

    /// Control numbers are numeric (N0): `000000905` and `905` are the same number.
    private func sameNumber(_ lhs: String, _ rhs: String) -> Bool {
        guard ByteClass.allDigits(lhs), ByteClass.allDigits(rhs), lhs.utf8.count <= 18, rhs.utf8.count <= 18 else {
            return lhs == rhs
        }
        return Int(lhs) == Int(rhs)
    }

    private func missingTrailer(_ trailer: String, closing what: String, at position: Int) -> X12Error {
        X12Error(
            .missingTrailer, "\(trailer) is missing: \(what) is not closed", position: position, segmentID: trailer)
    }
}
