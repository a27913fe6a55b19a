import Cryptography
import Foundation
import Platform

/// One SQL file under `Migrations/<scope>/`, named `NNNN_name.sql`.
public struct Migration: Sendable, Equatable {
    /// The number that orders it (`0003` → 3).
    public let version: Int
    /// The file name, e.g. `0003_add_users.sql`; named in every error about it.
    public let fileName: String
    public let sql: String
    /// SHA-256 of the file's bytes, hex; an applied migration must never change.
    public let checksum: String

    public init(version: Int, fileName: String, sql: String) throws {
        self.version = version
        self.fileName = fileName
        self.sql = sql
        self.checksum = try SHA256.hash(data: Array(sql.utf8)).hexString
    }
}

/// Where migrations apply: the control schema, or one tenant schema.
public enum MigrationScope: String, Sendable {
    case control
    case tenant
}

/// Reads and checks a migrations folder.
public enum MigrationLoader {
    /// The migrations in `directory`, ordered by version. Every `.sql` file must
    /// be named `NNNN_name.sql` with a unique number; anything else is an error
    /// naming the file, so a typo cannot silently skip a migration.
    public static func load(from directory: URL) throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw MigrationError(.directoryUnreadable, "cannot read migrations folder \(directory.path)")
        }
        var migrations: [Migration] = []
        for name in names.sorted() where name.hasSuffix(".sql") {
            let digits = name.prefix { $0.isASCII && $0.isNumber }
            let rest = name.dropFirst(digits.count)
            guard digits.count == 4, rest.hasPrefix("_"), rest.count > ".sql".count + 1, let version = Int(digits)
            else {
                throw MigrationError(
                    .invalidFileName, "migration file \(name) must be named NNNN_name.sql (four digits)")
            }
            let data: Data
            do {
                data = try Data(contentsOf: directory.appendingPathComponent(name))
            } catch {
                throw MigrationError(.directoryUnreadable, "cannot read migration file \(name)")
            }
            guard let sql = String(data: data, encoding: .utf8) else {
                throw MigrationError(.invalidFileName, "migration file \(name) is not UTF-8 text")
            }
            if let clash = migrations.first(where: { $0.version == version }) {
                throw MigrationError(
                    .duplicateVersion, "migration files \(clash.fileName) and \(name) share version \(version)")
            }
            migrations.append(try Migration(version: version, fileName: name, sql: sql))
        }
        return migrations.sorted { $0.version < $1.version }
    }
}

/// Errors of the migration mechanism; each names the file or schema at fault.
public struct MigrationError: Error, CodedError {
    public enum Kind: String, Sendable {
        case directoryUnreadable = "migration_directory_unreadable"
        case invalidFileName = "migration_invalid_file_name"
        case duplicateVersion = "migration_duplicate_version"
        case checksumMismatch = "migration_checksum_mismatch"
        case missingFile = "migration_missing_file"
        case failed = "migration_failed"
    }

    public let kind: Kind
    public let message: String
    public let underlying: (any Error)?

    public init(_ kind: Kind, _ message: String, underlying: (any Error)? = nil) {
        self.kind = kind
        self.message = message
        self.underlying = underlying
    }

    public var code: String { kind.rawValue }
    public var httpStatus: Int { 500 }
}
