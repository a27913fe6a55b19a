import EDI
import Foundation
import Testing

/// Garbage never crashes: every mutation of a sample either parses (and then reads, maps and
/// acknowledges without trapping) or is refused with a located, typed error.
@Suite("X12 hostile input")
struct MutationTests {
    /// SplitMix64: a fixed seed gives the same mutations on every run.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
    }

    static let interesting: [UInt8] = Array("*~>^:|\n\r 0123456789AZSEGIHLPO-.".utf8) + [0, 0x1C, 0x7F, 0xC3, 0xFF]

    static func mutate(_ input: [UInt8], with random: inout Generator) -> [UInt8] {
        var bytes = input
        for _ in 0...random.below(3) {
            guard !bytes.isEmpty else { break }
            let at = random.below(bytes.count)
            switch random.below(6) {
            case 0: bytes[at] = interesting[random.below(interesting.count)]
            case 1: bytes.removeSubrange(at..<min(bytes.count, at + 1 + random.below(20)))
            case 2:
                let end = min(bytes.count, at + 1 + random.below(60))
                bytes.insert(contentsOf: bytes[at..<end], at: random.below(bytes.count))
            case 3: bytes.removeSubrange(at...)
            case 4: bytes.insert(interesting[random.below(interesting.count)], at: at)
            default: bytes[at] = UInt8(truncatingIfNeeded: random.next())
            }
        }
        return bytes
    }

    @Test(arguments: ["850.edi", "856.edi", "810.edi"])
    func mutationsParseOrFailWithATypedError(sample: String) throws {
        let original = Array(try Fixtures.sample(sample).utf8)
        var random = Generator(state: 0xC0FFEE ^ UInt64(original.count))
        var parsed = 0
        var refused: [String: Int] = [:]
        for _ in 0..<400 {
            let bytes = Self.mutate(original, with: &random)
            do throws(X12Error) {
                let interchange = try X12Parser(limits: X12Limits(maxBytes: 4096)).parse(bytes)
                parsed += 1
                #expect(interchange.segmentCount >= 4)
                _ = AcknowledgmentGenerator.verdictsByReading(interchange)
                if let events = try? X12EventMapper.events(for: interchange, options: Fixtures.options) {
                    for event in events { #expect(event["id"]?.stringValue?.hasPrefix("x12-") == true) }
                }
                _ = try? AcknowledgmentGenerator().acknowledge(
                    interchange, verdicts: AcknowledgmentGenerator.verdictsByReading(interchange),
                    controlNumbers: .init(interchange: 1, group: 1), createdAt: Date(timeIntervalSince1970: 0))
            } catch {
                refused[error.code, default: 0] += 1
                #expect(X12Error.Kind(rawValue: error.code) != nil)
                #expect(!error.message.isEmpty)
                if let position = error.position { #expect(position >= 1 && position <= bytes.count) }
            }
        }
        // Both paths must have been exercised, and more than one kind of refusal seen.
        #expect(parsed > 0)
        #expect(refused.count >= 3, "\(refused)")
    }

    @Test func hostileSizesAreRefusedBeforeWork() throws {
        let isa =
            "ISA*00*          *00*          *ZZ*A              *ZZ*B              *261102*0915*U*00401*000000001*0*P*>~"
        let manyEmpty = isa + String(repeating: "~", count: 10_000)
        let error = x12Error { () throws(X12Error) in try X12Parser().parse(manyEmpty) }
        #expect(error?.kind == .invalidSegmentID)
        let wide = isa + "GS" + String(repeating: "*", count: 100_000) + "~"
        #expect(x12Error { () throws(X12Error) in try X12Parser().parse(wide) }?.kind == .tooManyElements)
        let long = isa + "GS*PO*A*B*20261102*0915*1*X*004010~ST*850*0001~" + String(repeating: "REF*A*B~", count: 2_000)
        #expect(
            x12Error { () throws(X12Error) in try X12Parser(limits: X12Limits(maxSegments: 1_000)).parse(long) }?.kind
                == .tooManySegments)
    }
}
