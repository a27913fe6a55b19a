/// Password storage with scrypt, in a self-describing string.
///
/// ```
/// $scrypt$ln=17,r=8,p=1$<salt>$<hash>
/// ```
///
/// `ln` is log₂ N; salt and hash are standard Base64 without padding, as in the
/// PHC string format. Because the parameters travel with each hash, they can be
/// raised later: old hashes still verify, and ``needsRehash(_:)`` says when to
/// re-hash a password at the next successful login.
///
/// A stored string is untrusted input too (a restored backup, a compromised
/// row): before any work is done its parameters are checked against
/// ``Limits``, so it cannot make verification allocate gigabytes or spin for
/// minutes.
///
/// Passwords are hashed as their UTF-8 bytes, exactly as given; callers that
/// want canonically equivalent Unicode spellings to match must normalise first.
/// Hashing and verifying are deliberately slow (hundreds of milliseconds with
/// the defaults) and synchronous; run them where blocking a thread is acceptable.
public struct PasswordHasher: Sendable {
    /// The parameters new hashes are made with.
    public struct Configuration: Sendable, Hashable {
        /// log₂ of scrypt's cost N. Default 17 (N = 131 072), OWASP's recommendation.
        public var logN: Int
        /// scrypt's block size r. Default 8.
        public var blockSize: Int
        /// scrypt's parallelism p. Default 1.
        public var parallelism: Int
        /// Random salt length, in bytes. Default 16.
        public var saltByteCount: Int
        /// Stored hash length, in bytes. Default 32.
        public var hashByteCount: Int
        /// Bounds on what a stored hash may ask for.
        public var limits: Limits

        public init(
            logN: Int = 17, blockSize: Int = 8, parallelism: Int = 1, saltByteCount: Int = 16,
            hashByteCount: Int = 32, limits: Limits = Limits()
        ) {
            self.logN = logN
            self.blockSize = blockSize
            self.parallelism = parallelism
            self.saltByteCount = saltByteCount
            self.hashByteCount = hashByteCount
            self.limits = limits
        }
    }

    /// The most a hash string may ask for; anything beyond is refused with
    /// `password_hash_parameters_out_of_range` before deriving.
    public struct Limits: Sendable, Hashable {
        /// Memory one derivation may allocate, in bytes. Default 256 MiB, about
        /// twice what the default parameters need (~128 MiB).
        public var maximumMemoryBytes: Int
        /// scrypt work N·r·p. Default 2²², four times the default parameters.
        public var maximumWork: Int
        /// Longest salt accepted, in bytes. Default 64.
        public var maximumSaltByteCount: Int
        /// Accepted stored-hash lengths, in bytes. Default 16...64: shorter hashes
        /// would make a match too easy to hit by chance.
        public var hashByteCountRange: ClosedRange<Int>
        /// Longest hash string parsed at all, in characters. Default 512.
        public var maximumEncodedLength: Int

        public init(
            maximumMemoryBytes: Int = 256 << 20, maximumWork: Int = 1 << 22, maximumSaltByteCount: Int = 64,
            hashByteCountRange: ClosedRange<Int> = 16...64, maximumEncodedLength: Int = 512
        ) {
            self.maximumMemoryBytes = maximumMemoryBytes
            self.maximumWork = maximumWork
            self.maximumSaltByteCount = maximumSaltByteCount
            self.hashByteCountRange = hashByteCountRange
            self.maximumEncodedLength = maximumEncodedLength
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// A new hash string for `password`, with a fresh random salt.
    ///
    /// - Throws: `password_hash_parameters_out_of_range` if the configuration
    ///   exceeds its own limits (it could not be verified later); errors from
    ///   ``KDF/Scrypt``.
    public func hash(_ password: String) throws -> String {
        let parameters = EncodedPasswordHash.Parameters(
            logN: configuration.logN, blockSize: configuration.blockSize, parallelism: configuration.parallelism)
        try parameters.check(within: configuration.limits)
        guard (1...configuration.limits.maximumSaltByteCount).contains(configuration.saltByteCount),
            configuration.limits.hashByteCountRange.contains(configuration.hashByteCount)
        else {
            throw CryptographyError(
                .passwordHashParametersOutOfRange, "the configured salt or hash length is outside the limits")
        }
        let salt = try SecureRandom.bytes(count: configuration.saltByteCount)
        let hash = try derive(password, salt: salt, parameters: parameters, byteCount: configuration.hashByteCount)
        return EncodedPasswordHash(parameters: parameters, salt: salt, hash: hash).encoded
    }

    /// Whether `password` matches the hash string `encoded`, using the
    /// parameters recorded in `encoded` and a constant-time comparison.
    ///
    /// - Returns: `false` for a wrong password.
    /// - Throws: `malformed_password_hash` if `encoded` cannot be parsed;
    ///   `password_hash_parameters_out_of_range` if it asks for more than
    ///   ``Limits`` allow. Both mean the stored value is broken, not that the
    ///   password is wrong, and are worth alerting on.
    public func verify(_ password: String, against encoded: String) throws -> Bool {
        let stored = try EncodedPasswordHash(parsing: encoded, limits: configuration.limits)
        let candidate = try derive(
            password, salt: stored.salt, parameters: stored.parameters, byteCount: stored.hash.count)
        return ConstantTime.equals(candidate, stored.hash)
    }

    /// Whether `encoded` was made with parameters other than the current
    /// configuration (or cannot be parsed), so the password should be hashed
    /// again after the next successful ``verify(_:against:)``.
    public func needsRehash(_ encoded: String) -> Bool {
        guard let stored = try? EncodedPasswordHash(parsing: encoded, limits: configuration.limits) else {
            return true
        }
        return stored.parameters
            != EncodedPasswordHash.Parameters(
                logN: configuration.logN, blockSize: configuration.blockSize,
                parallelism: configuration.parallelism)
            || stored.salt.count != configuration.saltByteCount || stored.hash.count != configuration.hashByteCount
    }

    private func derive(
        _ password: String, salt: [UInt8], parameters: EncodedPasswordHash.Parameters, byteCount: Int
    ) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(
            from: password.utf8, salt: salt, outputByteCount: byteCount, rounds: 1 << parameters.logN,
            blockSize: parameters.blockSize, parallelism: parameters.parallelism,
            maxMemory: configuration.limits.maximumMemoryBytes)
        // The derived hash is stored in the clear anyway, so an ordinary array is fine.
        return key.withUnsafeBytes { Array($0) }
    }
}

/// The parsed form of `$scrypt$ln=…,r=…,p=…$<salt>$<hash>`.
struct EncodedPasswordHash: Sendable {
    struct Parameters: Sendable, Hashable {
        var logN: Int
        var blockSize: Int
        var parallelism: Int

        /// Refuses parameters that RFC 7914 forbids or that exceed `limits`, so
        /// neither a configuration nor a stored string can demand unbounded work.
        func check(within limits: PasswordHasher.Limits) throws {
            // N = 2^ln must fit in an Int, and RFC 7914 requires N < 2^(16·r).
            guard (1...62).contains(logN), blockSize >= 1, parallelism >= 1, logN < 16 * blockSize else {
                throw CryptographyError(
                    .passwordHashParametersOutOfRange, "the scrypt parameters are outside RFC 7914's ranges")
            }
            let (partial, overflow1) = (1 << logN).multipliedReportingOverflow(by: blockSize)
            let (work, overflow2) = partial.multipliedReportingOverflow(by: parallelism)
            guard !overflow1, !overflow2, work <= limits.maximumWork else {
                throw CryptographyError(
                    .passwordHashParametersOutOfRange, "the scrypt parameters ask for more work than allowed")
            }
            guard
                let memory = KDF.Scrypt.requiredMemory(
                    rounds: 1 << logN, blockSize: blockSize, parallelism: parallelism),
                memory <= limits.maximumMemoryBytes
            else {
                throw CryptographyError(
                    .passwordHashParametersOutOfRange, "the scrypt parameters ask for more memory than allowed")
            }
        }
    }

    static let prefix = "$scrypt$"

    var parameters: Parameters
    var salt: [UInt8]
    var hash: [UInt8]

    init(parameters: Parameters, salt: [UInt8], hash: [UInt8]) {
        self.parameters = parameters
        self.salt = salt
        self.hash = hash
    }

    /// Parses strictly (exact prefix, parameter order and digits) and checks
    /// every parameter against `limits` before returning.
    init(parsing encoded: String, limits: PasswordHasher.Limits) throws {
        guard encoded.utf8.count <= limits.maximumEncodedLength else {
            throw Self.malformed("the password hash is too long")
        }
        let fields = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 5, fields[0].isEmpty, fields[1] == "scrypt" else {
            throw Self.malformed("the password hash is not in $scrypt$ln=…,r=…,p=…$salt$hash form")
        }
        let settings = fields[2].split(separator: ",", omittingEmptySubsequences: false)
        guard settings.count == 3,
            let logN = Self.number(settings[0], named: "ln"),
            let blockSize = Self.number(settings[1], named: "r"),
            let parallelism = Self.number(settings[2], named: "p")
        else {
            throw Self.malformed("the password hash parameters are not ln=…,r=…,p=…")
        }
        let salt: [UInt8]
        let hash: [UInt8]
        do {
            salt = try Base64.decode(fields[3])
            hash = try Base64.decode(fields[4])
        } catch {
            throw Self.malformed("the password hash salt or hash is not valid Base64")
        }
        let parameters = Parameters(logN: logN, blockSize: blockSize, parallelism: parallelism)
        try parameters.check(within: limits)
        guard (1...limits.maximumSaltByteCount).contains(salt.count) else {
            throw CryptographyError(
                .passwordHashParametersOutOfRange, "the password hash salt length is outside the limits")
        }
        guard limits.hashByteCountRange.contains(hash.count) else {
            throw CryptographyError(
                .passwordHashParametersOutOfRange, "the password hash length is outside the limits")
        }
        self.init(parameters: parameters, salt: salt, hash: hash)
    }

    var encoded: String {
        Self.prefix + "ln=\(parameters.logN),r=\(parameters.blockSize),p=\(parameters.parallelism)$"
            + Base64.encode(salt, padding: false) + "$" + Base64.encode(hash, padding: false)
    }

    /// `name=digits`: 1–9 ASCII digits without a leading zero, so the value
    /// cannot overflow and has exactly one spelling.
    private static func number(_ field: Substring, named name: String) -> Int? {
        let prefix = name + "="
        guard field.hasPrefix(prefix) else { return nil }
        let digits = field.utf8.dropFirst(prefix.utf8.count)
        guard (1...9).contains(digits.count), digits.first != UInt8(ascii: "0"),
            digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    private static func malformed(_ message: String) -> CryptographyError {
        CryptographyError(.malformedPasswordHash, message)
    }
}
