/// Namespace for AES, mirroring swift-crypto's `AES.GCM` spelling.
public enum AES {
    /// AES-256 in Galois/Counter Mode (NIST SP 800-38D): authenticated
    /// encryption with associated data, computed by OpenSSL.
    ///
    /// For storing secrets, use ``seal(_:using:keyID:aad:)`` and
    /// ``open(_:using:aad:)`` (or a ``KeyRing``): they pick a random nonce and
    /// produce a self-describing ``SealedBox`` that names its key, so keys can
    /// be rotated without re-encrypting everything at once.
    ///
    /// Random 96-bit nonces are safe for about 2³² messages per key (SP 800-38D
    /// §8.3); rotate keys well before that.
    ///
    /// Bind ciphertext to its context through `aad` (for example the tenant id
    /// and column name), so a value copied to another row or tenant fails to open.
    public enum GCM {
        /// AES-256 keys only: 32 bytes.
        public static let keyByteCount = 32
        /// Full 128-bit tags only; truncated tags weaken authentication.
        public static let tagByteCount = 16

        /// Encrypts with an explicit nonce and returns the parts separately.
        ///
        /// Meant for known-answer tests and interoperability. Never use a nonce
        /// twice with the same key: GCM then leaks the XOR of the plaintexts and
        /// lets an attacker forge tags. Prefer ``seal(_:using:keyID:aad:)``.
        ///
        /// - Throws: `invalid_key_size` unless the key is 256 bits.
        public static func seal(
            _ message: some Sequence<UInt8>, using key: SymmetricKey, nonce: Nonce,
            aad: some Sequence<UInt8> = [UInt8]()
        ) throws -> RawSealedBox {
            let (ciphertext, tag) = try aad.withUnsafeByteBuffer { aad in
                try message.withUnsafeByteBuffer { message in
                    try encrypt(message, using: key, nonce: nonce, aad: aad)
                }
            }
            return RawSealedBox(unchecked: nonce, ciphertext: ciphertext, tag: tag)
        }

        /// Decrypts and authenticates a ``RawSealedBox``.
        ///
        /// - Throws: `authentication_failed` if the key, nonce, ciphertext, tag or
        ///   `aad` differ from sealing; `invalid_key_size` unless the key is 256 bits.
        public static func open(
            _ box: RawSealedBox, using key: SymmetricKey, aad: some Sequence<UInt8> = [UInt8]()
        ) throws -> [UInt8] {
            try aad.withUnsafeByteBuffer { aad in
                try decrypt(box.ciphertext, tag: box.tag, using: key, nonce: box.nonce, aad: aad)
            }
        }

        /// Encrypts `message` under `key` with a fresh random nonce, into a
        /// versioned box that records `keyID`.
        ///
        /// The box's header (format version and key id) is authenticated along
        /// with `aad`, so relabelling a box with another key id makes it fail to open.
        ///
        /// - Throws: `invalid_key_size` unless the key is 256 bits; `invalid_key_id`
        ///   unless `keyID` is 1–255 characters from `[A-Za-z0-9._:-]`.
        public static func seal(
            _ message: some Sequence<UInt8>, using key: SymmetricKey, keyID: String,
            aad: some Sequence<UInt8> = [UInt8]()
        ) throws -> SealedBox {
            try SealedBox.validate(keyID: keyID)
            let nonce = try Nonce()
            let header = SealedBox.header(keyID: keyID)
            let (ciphertext, tag) = try SealedBox.authenticatedData(header: header, aad: aad).withUnsafeBytes { aad in
                try message.withUnsafeByteBuffer { message in
                    try encrypt(message, using: key, nonce: nonce, aad: aad)
                }
            }
            return SealedBox(unchecked: keyID, nonce: nonce, ciphertext: ciphertext, tag: tag)
        }

        /// Decrypts and authenticates a ``SealedBox`` with `key`.
        ///
        /// The caller chooses the key (usually by `box.keyID`; ``KeyRing`` does
        /// this). A box whose key id was altered fails to authenticate even if
        /// the right key is supplied.
        ///
        /// - Throws: `authentication_failed` if anything was modified or the key or
        ///   `aad` is wrong; `invalid_key_size` unless the key is 256 bits.
        public static func open(
            _ box: SealedBox, using key: SymmetricKey, aad: some Sequence<UInt8> = [UInt8]()
        ) throws -> [UInt8] {
            let header = SealedBox.header(keyID: box.keyID)
            return try SealedBox.authenticatedData(header: header, aad: aad).withUnsafeBytes { aad in
                try decrypt(box.ciphertext, tag: box.tag, using: key, nonce: box.nonce, aad: aad)
            }
        }

        // MARK: - Core

        private static func encrypt(
            _ message: UnsafeRawBufferPointer, using key: SymmetricKey, nonce: Nonce, aad: UnsafeRawBufferPointer
        ) throws -> (ciphertext: [UInt8], tag: [UInt8]) {
            try checkKeySize(key)
            var ciphertext = [UInt8](repeating: 0, count: message.count)
            var tag = [UInt8](repeating: 0, count: tagByteCount)
            try key.withUnsafeBytes { key in
                try nonce.bytes.withUnsafeBytes { nonce in
                    try ciphertext.withUnsafeMutableBytes { ciphertext in
                        try tag.withUnsafeMutableBytes { tag in
                            try CipherContext.sealAES256GCM(
                                key: key, nonce: nonce, aad: aad, plaintext: message, ciphertext: ciphertext,
                                tag: tag)
                        }
                    }
                }
            }
            return (ciphertext, tag)
        }

        private static func decrypt(
            _ ciphertext: [UInt8], tag: [UInt8], using key: SymmetricKey, nonce: Nonce, aad: UnsafeRawBufferPointer
        ) throws -> [UInt8] {
            try checkKeySize(key)
            var plaintext = [UInt8](repeating: 0, count: ciphertext.count)
            try key.withUnsafeBytes { key in
                try nonce.bytes.withUnsafeBytes { nonce in
                    try ciphertext.withUnsafeByteBuffer { ciphertext in
                        try tag.withUnsafeBytes { tag in
                            try plaintext.withUnsafeMutableBytes { plaintext in
                                try CipherContext.openAES256GCM(
                                    key: key, nonce: nonce, aad: aad, ciphertext: ciphertext, tag: tag,
                                    plaintext: plaintext)
                            }
                        }
                    }
                }
            }
            return plaintext
        }

        private static func checkKeySize(_ key: SymmetricKey) throws {
            guard key.bitCount == keyByteCount * 8 else {
                throw CryptographyError(
                    .invalidKeySize, "AES-256-GCM needs a 256-bit key, got \(key.bitCount) bits")
            }
        }
    }
}

extension AES.GCM {
    /// A 96-bit GCM nonce.
    public struct Nonce: Sendable, Hashable, Sequence {
        public static let byteCount = 12

        public let bytes: [UInt8]

        /// A fresh random nonce from OpenSSL's CSPRNG.
        public init() throws {
            bytes = try SecureRandom.bytes(count: Self.byteCount)
        }

        /// A nonce with the given 12 bytes.
        ///
        /// - Throws: `invalid_nonce_size` for any other length.
        public init(data: some Sequence<UInt8>) throws {
            let bytes = Array(data)
            guard bytes.count == Self.byteCount else {
                throw CryptographyError(
                    .invalidNonceSize, "an AES-GCM nonce must be \(Self.byteCount) bytes, got \(bytes.count)")
            }
            self.bytes = bytes
        }

        init(unchecked bytes: [UInt8]) {
            self.bytes = bytes
        }

        public func makeIterator() -> IndexingIterator<[UInt8]> { bytes.makeIterator() }
    }

    /// The parts of a GCM encryption with an explicitly chosen nonce: nonce,
    /// ciphertext (as long as the plaintext) and 16-byte tag.
    public struct RawSealedBox: Sendable, Hashable {
        public let nonce: Nonce
        public let ciphertext: [UInt8]
        public let tag: [UInt8]

        /// - Throws: `malformed_sealed_box` unless `tag` is 16 bytes.
        public init(nonce: Nonce, ciphertext: some Sequence<UInt8>, tag: some Sequence<UInt8>) throws {
            let tag = Array(tag)
            guard tag.count == AES.GCM.tagByteCount else {
                throw CryptographyError(
                    .malformedSealedBox, "an AES-GCM tag must be \(AES.GCM.tagByteCount) bytes, got \(tag.count)")
            }
            self.init(unchecked: nonce, ciphertext: Array(ciphertext), tag: tag)
        }

        init(unchecked nonce: Nonce, ciphertext: [UInt8], tag: [UInt8]) {
            self.nonce = nonce
            self.ciphertext = ciphertext
            self.tag = tag
        }
    }
}
