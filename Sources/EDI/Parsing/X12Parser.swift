import Foundation

/// Parses one ANSI X12 interchange into a typed envelope tree and checks its envelopes.
///
/// Design: the input is read once, byte by byte, from a `[UInt8]`; ISA (fixed
/// width) declares the separators, a tokenizer cuts the rest into segments and
/// a small recursive reader builds Interchange → FunctionalGroup →
/// TransactionSet while checking every count and control number in the
/// trailers. Work is bounded by ``X12Limits`` before anything is allocated, so
/// hostile input is refused rather than exhausting memory. The parser reads
/// envelopes only; the business content of each set is read by the document
/// readers (``PurchaseOrder850``, ``ShipNotice856``, ``Invoice810``,
/// ``FunctionalAcknowledgment997``). No I/O, no shared state: safe anywhere.
public struct X12Parser: Sendable {
    public var limits: X12Limits

    public init(limits: X12Limits = X12Limits()) {
        self.limits = limits
    }

    public func parse(_ text: String) throws(X12Error) -> Interchange {
        guard text.utf8.count <= limits.maxBytes else { throw tooLarge(text.utf8.count) }
        return try parse(Array(text.utf8))
    }

    public func parse(_ data: Data) throws(X12Error) -> Interchange {
        guard data.count <= limits.maxBytes else { throw tooLarge(data.count) }
        return try parse([UInt8](data))
    }

    public func parse(_ bytes: [UInt8]) throws(X12Error) -> Interchange {
        guard bytes.count <= limits.maxBytes else { throw tooLarge(bytes.count) }
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        while start < bytes.count, ByteClass.isWhitespace(bytes[start]) { start += 1 }
        guard start < bytes.count else {
            throw X12Error(.emptyInterchange, "the input holds no interchange")
        }
        let header = try ISAHeader.read(bytes, at: start)
        var tokenizer = SegmentTokenizer(
            bytes: bytes, from: start + ISAHeader.length, delimiters: header.delimiters, limits: limits)
        var reader = EnvelopeReader(tokenizer: tokenizer)
        let groups = try reader.readGroups(interchangeControl: header.field(13))
        tokenizer = reader.tokenizer
        guard tokenizer.isAtEnd else {
            throw X12Error(
                .trailingData, "data follows the IEA segment; send one interchange per message",
                position: tokenizer.nextPosition)
        }
        func trimmed(_ number: Int) -> String {
            String(header.field(number).drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        }
        return Interchange(
            delimiters: header.delimiters, authorizationQualifier: header.field(1), authorization: trimmed(2),
            securityQualifier: header.field(3), security: trimmed(4), senderQualifier: header.field(5),
            senderID: trimmed(6), receiverQualifier: header.field(7), receiverID: trimmed(8), date: header.field(9),
            time: header.field(10), version: header.field(12), controlNumber: header.field(13),
            acknowledgmentRequested: header.field(14) == "1",
            usage: Interchange.Usage(rawValue: header.field(15)) ?? .production,
            groups: groups, segmentCount: tokenizer.position)
    }

    private func tooLarge(_ count: Int) -> X12Error {
        X12Error(.tooLarge, "the interchange is \(count) bytes; at most \(limits.maxBytes) are accepted")
    }
}
