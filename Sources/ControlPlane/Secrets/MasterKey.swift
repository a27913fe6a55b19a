import Cryptography
import Foundation
import Platform

/// The master keys that seal webhook secrets (and other secrets at rest),
/// loaded from a file or the environment — never from the database that
/// holds the sealed data.
///
/// The file (named by `COUNTERSIGN_MASTER_KEY_FILE`) or the variable
/// `COUNTERSIGN_MASTER_KEY` holds standard Base64 of 32 random bytes. A file
/// may list several keys, one per line: the **first** is current and seals
/// new data, the others only open existing boxes. Rotating the master key is
/// therefore: put a new key on the first line, keep the old one below it,
/// re-seal, then drop the old line. Blank lines and `#` comments are ignored.
///
/// Each key's id is the first 8 hex digits of its SHA-256, so operators can
/// tell which key sealed a box (`base64 -d keyfile | sha256sum`) and ids
/// never need to be managed by hand. Errors name the file and line, never
/// the key material.
public enum MasterKey {
    public static let fileVariable = "COUNTERSIGN_MASTER_KEY_FILE"
    public static let valueVariable = "COUNTERSIGN_MASTER_KEY"

    /// The key ring configured in `environment`.
    ///
    /// - Parameter readFile: reads a whole file; injected so tests need no files.
    /// - Throws: ``MasterKeyError``: `master_key_missing` if neither variable is
    ///   set, `master_key_ambiguous` if both are, `master_key_unreadable`, or
    ///   `master_key_invalid`.
    public static func loadKeyRing(
        environment: [String: String],
        readFile: (String) throws -> [UInt8] = MasterKey.readFile
    ) throws(MasterKeyError) -> KeyRing {
        let path = environment[fileVariable].flatMap { $0.isEmpty ? nil : $0 }
        let value = environment[valueVariable].flatMap { $0.isEmpty ? nil : $0 }
        switch (path, value) {
        case (nil, nil):
            throw MasterKeyError(
                .missing, "no master key: set \(fileVariable) to a file holding Base64 of 32 random bytes")
        case (.some, .some):
            throw MasterKeyError(.ambiguous, "set either \(fileVariable) or \(valueVariable), not both")
        case (let path?, nil):
            let contents: [UInt8]
            do {
                contents = try readFile(path)
            } catch {
                throw MasterKeyError(.unreadable, "cannot read the master key file \(path)")
            }
            return try keyRing(contents: contents, source: "the master key file \(path)")
        case (nil, let value?):
            return try keyRing(contents: Array(value.utf8), source: valueVariable)
        }
    }

    /// Parses key-file contents as described on the type.
    ///
    /// - Parameter source: how errors name where the contents came from.
    public static func keyRing(contents: some Sequence<UInt8>, source: String) throws(MasterKeyError) -> KeyRing {
        var keys: [(id: String, key: SymmetricKey)] = []
        let lines = Array(contents).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (number, rawLine) in lines.enumerated() {
            let line = rawLine.drop(while: isBlank).reversed().drop(while: isBlank).reversed()
            guard !line.isEmpty, line.first != UInt8(ascii: "#") else { continue }
            var bytes: [UInt8]
            do {
                bytes = try Base64.decode(String(decoding: line, as: UTF8.self), alphabet: .standard)
            } catch {
                throw MasterKeyError(.invalid, "line \(number + 1) of \(source) is not standard Base64")
            }
            defer { for index in bytes.indices { bytes[index] = 0 } }
            guard bytes.count == AES.GCM.keyByteCount else {
                throw MasterKeyError(
                    .invalid,
                    "line \(number + 1) of \(source) decodes to \(bytes.count) bytes; a master key is "
                        + "\(AES.GCM.keyByteCount) random bytes (openssl rand -base64 32)")
            }
            let key = SymmetricKey(data: bytes)
            let id: String
            do {
                id = try keyID(for: key)
            } catch {
                throw MasterKeyError(.invalid, "cannot derive the id of the key on line \(number + 1) of \(source)")
            }
            if !keys.contains(where: { $0.id == id }) { keys.append((id, key)) }
        }
        guard let current = keys.first else {
            throw MasterKeyError(.invalid, "\(source) holds no key")
        }
        do {
            var ring = try KeyRing(currentKey: current.key, id: current.id)
            for older in keys.dropFirst() { try ring.insert(older.key, id: older.id) }
            return ring
        } catch {
            // Two different keys whose ids collide (1 in 2^32), or an OpenSSL failure.
            throw MasterKeyError(.invalid, "the keys in \(source) cannot form a key ring")
        }
    }

    /// The first 8 hex digits of SHA-256 of the key bytes. Safe to show: 32
    /// bits of a hash reveal nothing usable about a 256-bit key.
    public static func keyID(for key: SymmetricKey) throws -> String {
        let digest = try key.withUnsafeBytes { try SHA256.hash(data: $0) }
        return String(digest.hexString.prefix(8))
    }

    /// Reads a whole file.
    public static func readFile(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MasterKeyError(.unreadable, "cannot read \(path)")
        }
        return Array(data)
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }
}

/// A master key that could not be loaded. Never carries key material.
public struct MasterKeyError: Error, CodedError, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case missing = "master_key_missing"
        case ambiguous = "master_key_ambiguous"
        case unreadable = "master_key_unreadable"
        case invalid = "master_key_invalid"
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var code: String { kind.rawValue }
    /// Configuration faults: the server cannot start (or answer) without it.
    public var httpStatus: Int { 500 }
}
