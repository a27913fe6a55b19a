/// Several AES-256 keys by id, one of them current, for encryption at rest
/// with key rotation.
///
/// Sealing always uses the current key and records its id in the box; opening
/// reads the id from the box and uses that key. Rotating is therefore: add the
/// new key and make it current (``rotate(to:id:)``); existing boxes keep
/// opening with their old keys, and can be re-sealed at leisure
/// (``needsResealing(_:)``) before the old key is removed.
public struct KeyRing: Sendable {
    private var keys: [String: SymmetricKey]
    /// The id of the key new boxes are sealed with.
    public private(set) var currentKeyID: String

    /// A ring holding `keys`, sealing with `currentKeyID`.
    ///
    /// - Throws: `invalid_key_id` for an unusable id; `invalid_key_size` unless
    ///   every key is 256 bits; `unknown_key_id` if `currentKeyID` is not in `keys`.
    public init(keys: [String: SymmetricKey], currentKeyID: String) throws {
        for (id, key) in keys {
            try Self.validate(key, id: id)
        }
        guard keys[currentKeyID] != nil else {
            throw CryptographyError(.unknownKeyID, "the current key id \(currentKeyID) is not in the key ring")
        }
        self.keys = keys
        self.currentKeyID = currentKeyID
    }

    /// A ring with a single key, which is current.
    public init(currentKey: SymmetricKey, id: String) throws {
        try self.init(keys: [id: currentKey], currentKeyID: id)
    }

    /// Every key id in the ring, sorted.
    public var keyIDs: [String] { keys.keys.sorted() }

    /// The key with `id`, if the ring holds one.
    public func key(withID id: String) -> SymmetricKey? { keys[id] }

    /// Adds `key` under `id` and makes it current.
    ///
    /// - Throws: `invalid_argument` if `id` is already used by a different key:
    ///   replacing a key in place would make every box sealed with it unreadable.
    public mutating func rotate(to key: SymmetricKey, id: String) throws {
        try insert(key, id: id)
        currentKeyID = id
    }

    /// Adds `key` under `id` without making it current (for example an old key
    /// that existing boxes still need). Adding the same key again is a no-op.
    ///
    /// - Throws: `invalid_argument` if `id` is already used by a different key.
    public mutating func insert(_ key: SymmetricKey, id: String) throws {
        try Self.validate(key, id: id)
        if let existing = keys[id] {
            guard existing == key else {
                throw CryptographyError(.invalidArgument, "key id \(id) already names a different key")
            }
            return
        }
        keys[id] = key
    }

    /// Removes the key with `id`; boxes sealed with it can no longer be opened.
    ///
    /// - Throws: `invalid_argument` for the current key, which must be replaced first.
    public mutating func remove(id: String) throws {
        guard id != currentKeyID else {
            throw CryptographyError(.invalidArgument, "the current key \(id) cannot be removed")
        }
        keys[id] = nil
    }

    /// Seals `message` with the current key.
    public func seal(_ message: some Sequence<UInt8>, aad: some Sequence<UInt8> = [UInt8]()) throws -> AES.GCM.SealedBox
    {
        guard let key = keys[currentKeyID] else {
            throw CryptographyError(.unknownKeyID, "the current key id \(currentKeyID) is not in the key ring")
        }
        return try AES.GCM.seal(message, using: key, keyID: currentKeyID, aad: aad)
    }

    /// Opens `box` with the key its header names.
    ///
    /// - Throws: `unknown_key_id` if the ring does not hold that key;
    ///   `authentication_failed` if the box was modified or `aad` differs.
    public func open(_ box: AES.GCM.SealedBox, aad: some Sequence<UInt8> = [UInt8]()) throws -> [UInt8] {
        guard let key = keys[box.keyID] else {
            throw CryptographyError(.unknownKeyID, "no key with id \(box.keyID) in the key ring")
        }
        return try AES.GCM.open(box, using: key, aad: aad)
    }

    /// Parses and opens a box's ``AES/GCM/SealedBox/combined`` bytes.
    public func open(combined: some Sequence<UInt8>, aad: some Sequence<UInt8> = [UInt8]()) throws -> [UInt8] {
        try open(AES.GCM.SealedBox(combined: combined), aad: aad)
    }

    /// Whether `box` was sealed with a key other than the current one, and
    /// should be re-sealed so that the old key can eventually be removed.
    public func needsResealing(_ box: AES.GCM.SealedBox) -> Bool {
        box.keyID != currentKeyID
    }

    private static func validate(_ key: SymmetricKey, id: String) throws {
        try AES.GCM.SealedBox.validate(keyID: id)
        guard key.bitCount == AES.GCM.keyByteCount * 8 else {
            throw CryptographyError(
                .invalidKeySize, "key \(id) has \(key.bitCount) bits; AES-256-GCM needs 256")
        }
    }
}
