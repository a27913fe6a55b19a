import Cryptography
import Telemetry

/// A presented or issued API key: `cs_<env>_<identifier>_<secret><checksum>`.
///
/// ```
/// cs_live_4fJ0aQz9KxVb_Xq3...(32 chars)...k7Rz2Q
/// └──── prefix ──────┘ └─── secret ───┘└crc┘
/// ```
///
/// - `env` is `live` or `test`, so a test key cannot be mistaken for a live
///   one by a person or a scanner.
/// - `identifier`: 12 random base62 characters. With `cs_<env>_` it forms the
///   public **prefix**, stored in `api_credentials.key_prefix`, shown in lists
///   and logs, and used to find the row.
/// - `secret`: 32 random base62 characters, about 190 bits; only its SHA-256
///   (over the whole key) is stored.
/// - `checksum`: CRC-32 of everything before it, as 6 base62 digits. Leaked
///   keys are recognisable without a database (``APIKey/scan(_:)``, or the
///   regular expression `cs_(live|test)_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}` plus
///   the checksum), and a mistyped key is refused before any lookup.
///
/// Base62 keeps the key one "word" (a double-click selects all of it) and safe
/// in headers, URLs and shells. Every key has the same length.
///
/// The full text never appears in `description`, `debugDescription` or
/// `dump`; only ``prefix`` does.
public struct APIKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Whether a key acts on live data or on a test environment.
    public enum Environment: String, Sendable, CaseIterable, Codable {
        case live
        case test
    }

    /// `cs_`: the vendor marker scanners look for.
    public static let vendorPrefix = "cs_"
    /// Random base62 characters in the public identifier (~71 bits: unique
    /// without coordination; the database's unique index catches the rest).
    public static let identifierLength = 12
    /// Random base62 characters in the secret (~190 bits, above the 160 required).
    public static let secretLength = 32
    /// Base62 digits of the CRC-32 (62⁶ > 2³²).
    public static let checksumLength = 6
    /// The length of every key: `cs_` + env(4) + `_` + identifier + `_` + secret + checksum.
    public static let length = vendorPrefix.utf8.count + 4 + 1 + identifierLength + 1 + secretLength + checksumLength

    public let environment: Environment
    /// The random public part after `cs_<env>_`.
    public let identifier: String
    private let text: Redacted<String>

    /// `cs_<env>_<identifier>`: public, what `key_prefix` holds.
    public var prefix: String { Self.prefix(environment: environment, identifier: identifier) }

    /// Parses a key as presented in `Authorization: Bearer …`.
    ///
    /// Structure and checksum are checked here, so a malformed or mistyped key
    /// is refused without a database round trip.
    ///
    /// - Throws: `invalid_api_key` (401), whose message says what is wrong
    ///   without repeating any of the key.
    public init(parsing text: some StringProtocol) throws(CredentialError) {
        let bytes = Array(text.utf8)
        guard bytes.starts(with: Self.vendorPrefix.utf8) else {
            throw .invalidKey("an API key starts with cs_live_ or cs_test_")
        }
        guard bytes.count == Self.length else {
            throw .invalidKey("an API key is \(Self.length) characters long")
        }
        let environmentText = String(decoding: bytes[3..<7], as: UTF8.self)
        guard let environment = Environment(rawValue: environmentText), bytes[7] == UInt8(ascii: "_") else {
            throw .invalidKey("an API key starts with cs_live_ or cs_test_")
        }
        let identifierEnd = 8 + Self.identifierLength
        let checksumStart = Self.length - Self.checksumLength
        guard bytes[identifierEnd] == UInt8(ascii: "_"),
            bytes[8..<identifierEnd].allSatisfy(Base62.isDigit),
            bytes[(identifierEnd + 1)...].allSatisfy(Base62.isDigit)
        else {
            throw .invalidKey("an API key has letters and digits only after its environment")
        }
        guard let checksum = Base62.decode(bytes[checksumStart...]),
            checksum == CRC32.checksum(bytes[..<checksumStart])
        else {
            throw .invalidKey("its checksum does not match; it was probably mistyped or truncated")
        }
        self.environment = environment
        self.identifier = String(decoding: bytes[8..<identifierEnd], as: UTF8.self)
        self.text = Redacted(String(decoding: bytes, as: UTF8.self))
    }

    /// Assembles a key from its random parts and appends the checksum.
    /// Both parts must already be base62 of the right length.
    init(environment: Environment, identifier: String, secret: String) {
        let body = Self.prefix(environment: environment, identifier: identifier) + "_" + secret
        self.environment = environment
        self.identifier = identifier
        self.text = Redacted(body + Base62.encode(CRC32.checksum(body.utf8), width: Self.checksumLength))
    }

    /// A new key from the operating system's CSPRNG.
    static func random(environment: Environment) throws -> APIKey {
        APIKey(
            environment: environment,
            identifier: try Base62.random(count: identifierLength),
            secret: try Base62.random(count: secretLength))
    }

    /// `cs_<env>_<identifier>`.
    static func prefix(environment: Environment, identifier: String) -> String {
        vendorPrefix + environment.rawValue + "_" + identifier
    }

    /// The environment a stored prefix belongs to, or nil if it is not a prefix
    /// of this format.
    public static func environment(ofPrefix prefix: String) -> Environment? {
        let bytes = Array(prefix.utf8)
        guard bytes.count == 8 + identifierLength, bytes.starts(with: vendorPrefix.utf8), bytes[7] == UInt8(ascii: "_"),
            bytes[8...].allSatisfy(Base62.isDigit)
        else { return nil }
        return Environment(rawValue: String(decoding: bytes[3..<7], as: UTF8.self))
    }

    /// The full key text. Only for showing a newly issued key once; everything
    /// else works with the hash or the prefix.
    func reveal() -> String { text.revealed }

    /// SHA-256 of the whole key, as stored in `api_credentials.key_hash`.
    ///
    /// A fast hash is right here (unlike passwords): the secret has ~190 bits
    /// of entropy, so there is nothing to brute-force.
    public func hash() throws -> [UInt8] {
        try SHA256.hash(data: text.revealed.utf8).bytes
    }

    /// Whether this key hashes to `storedHash`, compared in constant time.
    public func matches(storedHash: [UInt8]) throws -> Bool {
        ConstantTime.equals(try hash(), storedHash)
    }

    /// Every well-formed key with a valid checksum inside `text`: for secret
    /// scanning of logs, repositories and support tickets without a database.
    public static func scan(_ text: some StringProtocol) -> [APIKey] {
        let bytes = Array(text.utf8)
        let marker = Array(vendorPrefix.utf8)
        var found: [APIKey] = []
        var index = 0
        while index + length <= bytes.count {
            if bytes[index..<(index + marker.count)].elementsEqual(marker),
                let key = try? APIKey(parsing: String(decoding: bytes[index..<(index + length)], as: UTF8.self))
            {
                found.append(key)
                index += length
            } else {
                index += 1
            }
        }
        return found
    }

    /// Constant-time, since one side is usually attacker-supplied.
    public static func == (lhs: APIKey, rhs: APIKey) -> Bool {
        ConstantTime.equals(lhs.text.revealed.utf8, rhs.text.revealed.utf8)
    }

    public var description: String { "\(prefix)_[redacted]" }
    public var debugDescription: String { "APIKey(\(prefix)_[redacted])" }
    public var customMirror: Mirror {
        Mirror(self, children: ["prefix": prefix], displayStyle: .struct)
    }
}

/// A key just created: the one moment its full text exists outside the
/// caller's hands. Show ``reveal()`` once, store ``hash`` and ``prefix``.
///
/// Its `description`, `debugDescription` and `dump` show the prefix only, so
/// logging the value by mistake leaks nothing usable.
public struct IssuedAPIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let key: APIKey
    /// SHA-256 of the full key, for `api_credentials.key_hash`.
    public let hash: [UInt8]

    /// Issues a new random key in `environment`.
    ///
    /// - Throws: a ``Cryptography/CryptographyError`` if the random generator
    ///   or hashing fails.
    public static func generate(environment: APIKey.Environment) throws -> IssuedAPIKey {
        try IssuedAPIKey(key: APIKey.random(environment: environment))
    }

    init(key: APIKey) throws {
        self.key = key
        self.hash = try key.hash()
    }

    /// `cs_<env>_<identifier>`, for `key_prefix`.
    public var prefix: String { key.prefix }
    public var environment: APIKey.Environment { key.environment }

    /// The full key text, to print or return exactly once at creation.
    public func reveal() -> String { key.reveal() }

    public var description: String { "IssuedAPIKey(\(prefix)_[redacted])" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["prefix": prefix], displayStyle: .struct)
    }
}

/// Base62 (`0-9A-Za-z`) digits for API keys.
enum Base62 {
    static let digits = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    static func isDigit(_ byte: UInt8) -> Bool { value(of: byte) != nil }

    static func value(of byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt64(byte - UInt8(ascii: "A")) + 10
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt64(byte - UInt8(ascii: "a")) + 36
        default: nil
        }
    }

    /// `value` as exactly `width` digits, most significant first, zero-padded.
    static func encode(_ value: UInt32, width: Int) -> String {
        var remaining = UInt64(value)
        var output = [UInt8](repeating: digits[0], count: width)
        for index in stride(from: width - 1, through: 0, by: -1) {
            output[index] = digits[Int(remaining % 62)]
            remaining /= 62
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The number `text` spells, or nil for a non-digit or a value above
    /// `UInt32.max` (which no checksum can be).
    static func decode(_ text: some Collection<UInt8>) -> UInt32? {
        // Ten digits exceed UInt32 already; the bound keeps UInt64 from overflowing.
        guard text.count <= 10 else { return nil }
        var result: UInt64 = 0
        for byte in text {
            guard let digit = value(of: byte) else { return nil }
            result = result * 62 + digit
        }
        return UInt32(exactly: result)
    }

    /// `count` uniformly random digits. Bytes ≥ 248 (= 4 × 62) are discarded
    /// so that `byte % 62` has no bias.
    static func random(count: Int) throws -> String {
        var output: [UInt8] = []
        output.reserveCapacity(count)
        while output.count < count {
            for byte in try SecureRandom.bytes(count: count * 2) where byte < 248 {
                output.append(digits[Int(byte % 62)])
                if output.count == count { break }
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
