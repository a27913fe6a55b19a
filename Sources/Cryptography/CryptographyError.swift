/// Everything the Cryptography module throws.
///
/// `code` is stable and machine-readable, so callers (and the API's single
/// error mapping) can branch on it; `message` and `description` are safe to show
/// and never contain key material, plaintext or passwords. What OpenSSL said
/// (its thread-local error queue) and the throw site appear only in
/// `debugDescription`, which is meant for logs.
///
/// The type deliberately has the shape of `Platform.CodedError` (`code`,
/// `message`) without conforming to it: this module sits below `Platform` in
/// the dependency order and must not import it. A higher module can add the
/// conformance retroactively.
public struct CryptographyError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The kinds of failure, each with a stable `code`.
    public enum Kind: String, Sendable, CaseIterable {
        /// A tag or MAC did not match: wrong key, wrong associated data, or the
        /// data was modified. Deliberately indistinguishable from one another.
        case authenticationFailed = "authentication_failed"
        /// A key has the wrong length for the algorithm (AES-256 needs 32 bytes).
        case invalidKeySize = "invalid_key_size"
        /// A nonce has the wrong length (AES-GCM here uses 96-bit nonces only).
        case invalidNonceSize = "invalid_nonce_size"
        /// A key id is empty, too long, or uses characters outside `[A-Za-z0-9._:-]`.
        case invalidKeyID = "invalid_key_id"
        /// A sealed box names a key id that the key ring does not hold.
        case unknownKeyID = "unknown_key_id"
        /// Bytes that should be a sealed box are truncated or inconsistent.
        case malformedSealedBox = "malformed_sealed_box"
        /// A sealed box uses a format version this build cannot read.
        case unsupportedVersion = "unsupported_version"
        /// A stored password hash string cannot be parsed.
        case malformedPasswordHash = "malformed_password_hash"
        /// A password hash asks for parameters outside the configured limits
        /// (memory, work, lengths); refused before any work is done.
        case passwordHashParametersOutOfRange = "password_hash_parameters_out_of_range"
        /// Text that should be Base64 or hex is not (bad character, length or padding).
        case invalidEncoding = "invalid_encoding"
        /// An argument is outside its documented range (for example a negative byte count).
        case invalidArgument = "invalid_argument"
        /// OpenSSL reported a failure that is not one of the above: allocation,
        /// a missing provider or algorithm, or a misconfigured `openssl.cnf`.
        case opensslFailure = "openssl_failure"
    }

    /// What went wrong; `code` is its raw value.
    public var kind: Kind
    /// A human-readable explanation that is safe to show and log.
    public var message: String
    /// OpenSSL's error queue at the time of failure, oldest first (debug only).
    public var openSSLErrors: [String]
    /// The `#fileID` the error was thrown from (debug only).
    public var file: String
    /// The line the error was thrown from (debug only).
    public var line: UInt

    public init(
        _ kind: Kind, _ message: String, openSSLErrors: [String] = [], file: String = #fileID, line: UInt = #line
    ) {
        self.kind = kind
        self.message = message
        self.openSSLErrors = openSSLErrors
        self.file = file
        self.line = line
    }

    /// Stable identifier such as `authentication_failed`; clients branch on it.
    public var code: String { kind.rawValue }

    public var description: String { "\(code): \(message)" }

    public var debugDescription: String {
        var text = "\(code): \(message) [thrown at \(file):\(line)]"
        if !openSSLErrors.isEmpty {
            text += " OpenSSL: " + openSSLErrors.joined(separator: "; ")
        }
        return text
    }
}
