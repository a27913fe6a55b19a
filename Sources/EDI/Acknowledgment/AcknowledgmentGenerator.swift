import Foundation

/// Builds the 997 functional acknowledgment interchange answering a received interchange.
///
/// Design: a pure function of the received interchange, one verdict per set
/// (accepted unless told otherwise), the control numbers the caller allocated
/// and the creation time the caller supplies (no clock is read here). The
/// answer goes back the way the input came: sender and receiver swapped, the
/// same separators and ISA version, one 997 per acknowledged functional group,
/// all in one FA group. Counts in SE, GE and IEA are the writer's own, so they
/// are right by construction; tests parse the output with ``X12Parser``.
public struct AcknowledgmentGenerator: Sendable {
    /// Control numbers for the acknowledgment; the caller keeps them unique per partner.
    public struct ControlNumbers: Sendable, Equatable {
        /// ISA13/IEA02, 1...999999999.
        public var interchange: Int
        /// GS06/GE02, 1...999999999.
        public var group: Int
        /// ST02 of the first 997; further ones count up from it.
        public var firstSet: Int

        public init(interchange: Int, group: Int, firstSet: Int = 1) {
            self.interchange = interchange
            self.group = group
            self.firstSet = firstSet
        }
    }

    public var lineBreaks: Bool

    /// - Parameter lineBreaks: add a line break after each segment terminator, for people reading the file.
    public init(lineBreaks: Bool = false) {
        self.lineBreaks = lineBreaks
    }

    /// Verdicts from reading every set with its document reader: a set whose reader throws is rejected
    /// with the AK3/AK4 notes its error names.
    public static func verdictsByReading(_ interchange: Interchange) -> [SetKey: SetVerdict] {
        var verdicts: [SetKey: SetVerdict] = [:]
        for (group, set) in interchange.transactionSets {
            do {
                _ = try X12Document.read(set, group: group, interchange: interchange)
                verdicts[SetKey(group: group, set: set)] = .accepted
            } catch {
                verdicts[SetKey(group: group, set: set)] = .rejected(SetRejection(error: error, in: set))
            }
        }
        return verdicts
    }

    /// The 997 interchange as text.
    ///
    /// - Throws: `x12_unsupported_functional_group` when the interchange holds only acknowledgments
    ///   (997s are not acknowledged), `x12_unencodable_value` for a control number out of range.
    public func acknowledge(
        _ interchange: Interchange, verdicts: [SetKey: SetVerdict] = [:], controlNumbers: ControlNumbers,
        createdAt: Date
    ) throws(X12Error) -> String {
        let groups = interchange.groups.filter { $0.functionalID != .functionalAcknowledgment }
        guard let firstGroup = groups.first else {
            throw X12Error(
                .unsupportedFunctionalGroup, "the interchange holds only acknowledgments, which are not acknowledged")
        }
        let lastSet = controlNumbers.firstSet + groups.count - 1
        for (name, value) in [
            ("interchange", controlNumbers.interchange), ("group", controlNumbers.group),
            ("first set", controlNumbers.firstSet), ("last set", lastSet),
        ] where !(1...999_999_999).contains(value) {
            throw X12Error(.unencodable, "the \(name) control number must be from 1 to 999999999")
        }
        let stamp = Stamp(createdAt)
        let delimiters = interchange.delimiters
        var writer = X12Writer(delimiters: delimiters, lineBreaks: lineBreaks)
        let interchangeControl = Self.zeroPadded(controlNumbers.interchange, width: 9)
        try writer.writeRaw(
            "ISA",
            [
                "00", Self.padded("", 10), "00", Self.padded("", 10), interchange.receiverQualifier,
                Self.padded(interchange.receiverID, 15), interchange.senderQualifier,
                Self.padded(interchange.senderID, 15), String(stamp.date.suffix(6)), stamp.time,
                delimiters.repetition.map { String(UnicodeScalar($0)) } ?? "U", interchange.version, interchangeControl,
                "0", interchange.usage.rawValue, String(UnicodeScalar(delimiters.component)),
            ])
        let groupControl = String(controlNumbers.group)
        try writer.write(
            "GS",
            [
                "FA", firstGroup.applicationReceiver, firstGroup.applicationSender, stamp.date, stamp.time,
                groupControl,
                "X", firstGroup.version,
            ])
        for (offset, group) in groups.enumerated() {
            let setControl = Self.zeroPadded(controlNumbers.firstSet + offset, width: 4)
            let start = writer.segmentCount
            try writer.write("ST", ["997", setControl])
            try writeResponse(to: group, verdicts: verdicts, into: &writer)
            try writer.write("SE", [String(writer.segmentCount - start + 1), setControl])
        }
        try writer.write("GE", [String(groups.count), groupControl])
        try writer.write("IEA", ["1", interchangeControl])
        return writer.text
    }

    private func writeResponse(to group: FunctionalGroup, verdicts: [SetKey: SetVerdict], into writer: inout X12Writer)
        throws(X12Error)
    {
        try writer.write("AK1", [group.functionalID.rawValue, group.controlNumber])
        var accepted = 0
        for set in group.transactionSets {
            try writer.write("AK2", [set.id.rawValue, set.controlNumber])
            switch verdicts[SetKey(group: group, set: set)] ?? .accepted {
            case .accepted:
                accepted += 1
                try writer.write("AK5", ["A"])
            case .rejected(let rejection):
                for note in rejection.segments {
                    try writer.write("AK3", [note.segmentID, String(note.positionInSet), note.loopID, note.errorCode])
                    for element in note.elements {
                        let bad = element.badData.map { clean($0, writer.delimiters) }
                        try writer.write(
                            "AK4", [String(element.position), element.reference, element.errorCode, bad])
                    }
                }
                try writer.write("AK5", ["R"] + rejection.setErrorCodes.prefix(5).map { $0 })
            }
        }
        let count = group.transactionSets.count
        let status = accepted == count ? "A" : accepted == 0 ? "R" : "P"
        try writer.write("AK9", [status, String(count), String(count), String(accepted)])
    }

    private func clean(_ value: String, _ delimiters: Delimiters) -> String {
        String(decoding: value.utf8.filter { !delimiters.isDelimiter($0) }, as: UTF8.self)
    }

    static func padded(_ text: String, _ width: Int) -> String {
        String(text.prefix(width)) + String(repeating: " ", count: max(0, width - text.count))
    }

    static func zeroPadded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// CCYYMMDD and HHMM in UTC.
    private struct Stamp {
        let date: String
        let time: String

        init(_ instant: Date) {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = .gmt
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: instant)
            let year = AcknowledgmentGenerator.zeroPadded(parts.year ?? 1970, width: 4)
            let month = AcknowledgmentGenerator.zeroPadded(parts.month ?? 1, width: 2)
            let day = AcknowledgmentGenerator.zeroPadded(parts.day ?? 1, width: 2)
            date = year + month + day
            time =
                AcknowledgmentGenerator.zeroPadded(parts.hour ?? 0, width: 2)
                + AcknowledgmentGenerator.zeroPadded(parts.minute ?? 0, width: 2)
        }
    }
}
