extension AES.GCM {
    /// A self-describing AES-256-GCM ciphertext that names the key it was sealed with.
    ///
    /// Binary layout of ``combined`` (format version 1):
    ///
    /// ```
    /// version (1) | keyIDLength (1) | keyID (keyIDLength, ASCII) | nonce (12) | ciphertext | tag (16)
    /// ```
    ///
    /// The version lets the format change without guessing; the key id lets a
    /// ``KeyRing`` find the right key after rotation. Both are authenticated:
    /// GCM's associated data is `version | keyIDLength | keyID` followed by the
    /// caller's `aad`, and because the header is length-prefixed, the two parts
    /// cannot be re-split differently. The nonce is authenticated by GCM itself.
    public struct SealedBox: Sendable, Hashable {
        /// The format version this build writes and reads.
        public static let formatVersion: UInt8 = 1
        /// The longest key id the one-byte length allows.
        public static let maximumKeyIDLength = 255

        /// The key this box was sealed with.
        public let keyID: String
        public let nonce: Nonce
        /// As long as the plaintext.
        public let ciphertext: [UInt8]
        /// Always 16 bytes.
        public let tag: [UInt8]

        /// A box from its parts.
        ///
        /// - Throws: `invalid_key_id` for an unusable key id; `malformed_sealed_box`
        ///   unless `tag` is 16 bytes.
        public init(keyID: String, nonce: Nonce, ciphertext: some Sequence<UInt8>, tag: some Sequence<UInt8>) throws {
            try Self.validate(keyID: keyID)
            let tag = Array(tag)
            guard tag.count == AES.GCM.tagByteCount else {
                throw CryptographyError(
                    .malformedSealedBox, "an AES-GCM tag must be \(AES.GCM.tagByteCount) bytes, got \(tag.count)")
            }
            self.init(unchecked: keyID, nonce: nonce, ciphertext: Array(ciphertext), tag: tag)
        }

        /// Parses the binary layout described on the type.
        ///
        /// Parsing checks structure only; whether the box is genuine is decided
        /// when it is opened.
        ///
        /// - Throws: `unsupported_version` for a version other than
        ///   ``formatVersion``; `malformed_sealed_box` if the bytes are truncated or
        ///   the key id is not valid.
        public init(combined: some Sequence<UInt8>) throws {
            let bytes = Array(combined)
            guard let version = bytes.first else {
                throw CryptographyError(.malformedSealedBox, "a sealed box cannot be empty")
            }
            guard version == Self.formatVersion else {
                throw CryptographyError(
                    .unsupportedVersion, "sealed box format version \(version) is not supported")
            }
            guard bytes.count >= 2 else {
                throw CryptographyError(.malformedSealedBox, "the sealed box is truncated")
            }
            let keyIDLength = Int(bytes[1])
            let nonceStart = 2 + keyIDLength
            let ciphertextStart = nonceStart + Nonce.byteCount
            guard keyIDLength > 0, bytes.count >= ciphertextStart + AES.GCM.tagByteCount else {
                throw CryptographyError(.malformedSealedBox, "the sealed box is truncated")
            }
            let keyIDBytes = bytes[2..<nonceStart]
            guard keyIDBytes.allSatisfy(Self.isKeyIDCharacter) else {
                throw CryptographyError(.malformedSealedBox, "the sealed box has an invalid key id")
            }
            let tagStart = bytes.count - AES.GCM.tagByteCount
            self.init(
                unchecked: String(decoding: keyIDBytes, as: UTF8.self),
                nonce: Nonce(unchecked: Array(bytes[nonceStart..<ciphertextStart])),
                ciphertext: Array(bytes[ciphertextStart..<tagStart]),
                tag: Array(bytes[tagStart...]))
        }

        init(unchecked keyID: String, nonce: Nonce, ciphertext: [UInt8], tag: [UInt8]) {
            self.keyID = keyID
            self.nonce = nonce
            self.ciphertext = ciphertext
            self.tag = tag
        }

        /// The binary layout described on the type, ready to store.
        public var combined: [UInt8] {
            var bytes = Self.header(keyID: keyID)
            bytes.reserveCapacity(bytes.count + Nonce.byteCount + ciphertext.count + tag.count)
            bytes.append(contentsOf: nonce.bytes)
            bytes.append(contentsOf: ciphertext)
            bytes.append(contentsOf: tag)
            return bytes
        }

        // MARK: - Format details shared with seal and open

        /// `version | keyIDLength | keyID`, for a key id that passed `validate`.
        static func header(keyID: String) -> [UInt8] {
            let keyIDBytes = Array(keyID.utf8)
            return [formatVersion, UInt8(truncatingIfNeeded: keyIDBytes.count)] + keyIDBytes
        }

        /// What GCM authenticates besides the ciphertext: the header, then the caller's data.
        static func authenticatedData(header: [UInt8], aad: some Sequence<UInt8>) -> [UInt8] {
            header + Array(aad)
        }

        /// Key ids are short printable ASCII so they are safe in logs and
        /// configuration files, and the one-byte length prefix can hold them.
        static func validate(keyID: String) throws {
            let bytes = Array(keyID.utf8)
            guard (1...maximumKeyIDLength).contains(bytes.count), bytes.allSatisfy(isKeyIDCharacter) else {
                throw CryptographyError(
                    .invalidKeyID,
                    "a key id must be 1 to \(maximumKeyIDLength) characters from A-Z a-z 0-9 . _ : -")
            }
        }

        static func isKeyIDCharacter(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"),
                UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }
}
