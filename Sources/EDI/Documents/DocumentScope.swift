/// Helpers the transaction-set readers share: mandatory segments, duplicates, currency codes.
enum DocumentScope {
    static func missing(_ segmentID: String, _ what: String, in set: TransactionSet) -> X12Error {
        X12Error(
            .missingSegment, "\(segmentID) (\(what)) is required in the \(set.id.rawValue) but missing",
            position: set.trailer?.position ?? set.position, segmentID: segmentID)
    }

    static func duplicate(_ segment: Segment) -> X12Error {
        segment.error(.unexpectedSegment, "\(segment.id) may appear only once in this transaction set")
    }

    static func outsideLoop(_ segment: Segment, _ loop: String) -> X12Error {
        segment.error(.unexpectedSegment, "\(segment.id) must follow a \(loop) segment in its loop")
    }

    /// CUR02 must be an ISO 4217 code; events carry it as is.
    static func currency(_ segment: Segment) throws(X12Error) -> String {
        let code = try segment.required(2, "CUR02 (currency code)")
        guard code.utf8.count == 3, code.utf8.allSatisfy(ByteClass.isUpper) else {
            throw segment.error(.invalidCode, "CUR02 must be a three-letter ISO 4217 code", element: 2)
        }
        return code
    }

    /// CTT01 must count what the document holds.
    static func checkCount(_ segment: Segment?, expected: Int, of what: String) throws(X12Error) {
        guard let segment else { return }
        let text = try segment.required(1, "CTT01 (number of \(what))")
        guard let declared = Int(text), ByteClass.allDigits(text) else {
            throw segment.error(.invalidElement, "CTT01 must be a whole number", element: 1)
        }
        guard declared == expected else {
            throw segment.error(
                .countMismatch, "CTT01 says \(declared) \(what) but the transaction set has \(expected)", element: 1)
        }
    }
}
