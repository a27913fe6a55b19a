import HTTP
import Testing

/// SplitMix64: tiny, fast and fully determined by its seed, so any failure
/// reproduces from the seed and index printed with it.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Builds plausible requests and then breaks them in the ways attackers and broken clients do.
struct RequestGenerator {
    var random: SplitMix64

    static let methods = ["GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH", "PROPFIND", "G E T", "get", ""]
    static let targets = [
        "/", "/a/b/c", "/search?q=x+y&z=%41", "/a/../../b", "/%2e%2e/x", "http://h.example/p?q", "*", "/a%zz", "/%00",
        "/caf%C3%A9", "https://u@h/", "/a#frag", "//double//slash", "/" + String(repeating: "x", count: 300),
    ]
    static let versions = ["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1 ", "http/1.1", "HTTP/1.", "HTTP/9.9", ""]
    static let headerNames = [
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Expect", "X-Custom", "content-length",
        "TRANSFER-ENCODING", "Host ", " Host", "X[y]", "Accept", "Cookie", "",
    ]
    static let headerValues = [
        "h.example", "0", "5", "12", "5, 5", "5, 6", "-1", "+3", "99999999999999999999", "chunked", "gzip, chunked",
        "chunked, gzip", "identity", "close", "keep-alive", "100-continue", "a\tb", "  padded  ", "", "\u{7}",
    ]
    static let special: [UInt8] = [
        0x0D, 0x0A, 0x20, 0x09, 0x3A, 0x2C, 0x3B, 0x30, 0x31, 0x66, 0x00, 0x7F, 0x80, 0xFF, 0x25,
    ]

    mutating func int(_ upperBound: Int) -> Int { Int(random.next() % UInt64(max(upperBound, 1))) }
    mutating func pick<T>(_ items: [T]) -> T { items[int(items.count)] }
    mutating func chance(_ percent: Int) -> Bool { int(100) < percent }

    mutating func body(chunked: Bool) -> [UInt8] {
        let payload = (0..<int(40)).map { _ in UInt8(truncatingIfNeeded: 0x61 + int(26)) }
        guard chunked else { return payload }
        var out: [UInt8] = []
        var offset = 0
        while offset < payload.count {
            let size = min(1 + int(10), payload.count - offset)
            out += Array(String(size, radix: 16).utf8)
            if chance(20) { out += Array(";ext=\(int(9))".utf8) }
            out += [0x0D, 0x0A] + payload[offset..<(offset + size)] + [0x0D, 0x0A]
            offset += size
        }
        out += Array("0\r\n".utf8)
        if chance(30) { out += Array("X-Trailer: \(int(100))\r\n".utf8) }
        out += [0x0D, 0x0A]
        return out
    }

    mutating func request() -> [UInt8] {
        let chunked = chance(30)
        var body = self.body(chunked: chunked)
        var head = "\(pick(Self.methods)) \(pick(Self.targets)) \(chance(85) ? "HTTP/1.1" : pick(Self.versions))\r\n"
        if chance(90) { head += "Host: h.example\r\n" }
        if chunked {
            head += "Transfer-Encoding: chunked\r\n"
        } else if !body.isEmpty || chance(20) {
            head += "Content-Length: \(body.count)\r\n"
        }
        for _ in 0..<int(5) { head += "\(pick(Self.headerNames)): \(pick(Self.headerValues))\r\n" }
        head += "\r\n"
        if chance(5) { body += Array("GET /next HTTP/1.1\r\nHost: h\r\n\r\n".utf8) }
        return Array(head.utf8) + body
    }

    mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + int(4)) {
            guard !bytes.isEmpty else { break }
            let position = int(bytes.count)
            switch int(8) {
            case 0: bytes[position] ^= UInt8(truncatingIfNeeded: 1 << int(8))
            case 1: bytes[position] = pick(Self.special)
            case 2: bytes.insert(pick(Self.special), at: position)
            case 3: bytes.remove(at: position)
            case 4:
                let end = min(bytes.count, position + 1 + int(20))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            case 5: bytes = Array(bytes[0..<position])
            case 6: bytes.insert(contentsOf: Array("\r\nContent-Length: 3\r\n".utf8), at: position)
            default: bytes.insert(contentsOf: Array("\r\nTransfer-Encoding: chunked\r\n".utf8), at: position)
            }
        }
        return bytes
    }
}

@Suite("Parser fuzzing")
struct FuzzTests {
    /// A summary that must not depend on how the bytes were split into reads.
    struct Summary: Equatable {
        var requests: [String]
        var error: HTTPParserError.Kind?
        var leftover: Int
    }

    static func summarize(_ outcome: ParseOutcome) -> Summary {
        Summary(
            requests: outcome.requests.map {
                "\($0.request.method) \($0.request.path) \($0.request.body.count) \($0.keepAlive)"
            },
            error: outcome.error?.kind, leftover: outcome.error == nil ? outcome.leftover : 0)
    }

    /// 4 × 25,000 generated-and-mutated requests (plus a share left intact), each parsed
    /// whole and again in random-sized pieces: both must agree, and each must end in
    /// requests, a refusal, or a clean wait for more bytes.
    @Test(
        "100,000 generated and mutated requests: no crash, no hang, same result however split", arguments: [1, 2, 3, 4])
    func fuzz(seed: UInt64) {
        var generator = RequestGenerator(random: SplitMix64(seed: 0xC0FFEE &* seed))
        let limits = HTTPRequestParser.Limits(
            maxRequestLineLength: 512, maxHeaderBytes: 1024, maxHeaderCount: 12, maxBodyBytes: 64)
        var parsed = 0
        var refused = 0
        var mismatches: [String] = []
        for index in 0..<25_000 {
            let original = generator.request()
            let input = generator.chance(70) ? generator.mutate(original) : original
            let whole = Self.summarize(parseRequests(input, limits: limits))
            let split = Self.summarize(parseRequests(input, limits: limits, chunkSize: 1 + generator.int(17)))
            if whole != split && mismatches.count < 5 {
                mismatches.append(
                    "seed \(seed) #\(index): \(String(decoding: input, as: UTF8.self).debugDescription) whole \(whole) split \(split)"
                )
            }
            if whole.error != nil { refused += 1 } else if !whole.requests.isEmpty { parsed += 1 }
        }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        // The generator must exercise both outcomes, or the run proves little.
        #expect(parsed > 1_000)
        #expect(refused > 1_000)
    }

    @Test("random bytes: always refused or waiting, never a crash")
    func randomBytes() {
        var random = SplitMix64(seed: 42)
        for _ in 0..<5_000 {
            let count = Int(random.next() % 300)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let whole = FuzzTests.summarize(parseRequests(bytes))
            let split = FuzzTests.summarize(parseRequests(bytes, chunkSize: 1 + Int(random.next() % 7)))
            #expect(whole == split)
        }
    }
}
