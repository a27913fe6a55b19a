import Testing

@testable import Telemetry

@Suite("Random identifiers")
struct RandomIdentifierTests {
    /// Ids are lowercase hex of the asked length, and distinct across more draws than the 4 KB pool
    /// holds, so refills hand out fresh bytes, never a byte twice.
    @Test func idsAreHexOfTheirLengthAndDistinctAcrossRefills() {
        var seen = Set<String>()
        for index in 0..<2_000 {
            let byteCount = [8, 16, 3][index % 3]
            let id = RandomIdentifier.hex(byteCount: byteCount)
            #expect(id.utf8.count == byteCount * 2)
            #expect(id.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) })
            seen.insert(id)
        }
        #expect(seen.count == 2_000)
    }

    /// Each byte is used once: two takes from a pool never overlap.
    @Test func aPoolHandsOutEachByteOnce() {
        var pool = RandomPool()
        var first = [UInt8](repeating: 0, count: 4_000)
        var second = [UInt8](repeating: 0, count: 200)  // crosses into a refill
        pool.take(into: &first)
        pool.take(into: &second)
        // 200 random bytes equal to the pool's next 200 old ones would be a 2^-1600 accident.
        #expect(Array(first.suffix(200)) != second)
        #expect(first.contains { $0 != 0 } && second.contains { $0 != 0 })
    }
}
