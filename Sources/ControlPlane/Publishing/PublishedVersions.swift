import Cryptography
import Foundation
import Postgres

/// What a partner publishes: workflow templates and source mappings share
/// one table and one set of rules.
public enum PublishedKind: String, Sendable, CaseIterable {
    case template
    case mapping
}

/// One version a partner published, as stored.
public struct PublishedVersion: Sendable, Equatable {
    public let id: UUID
    public let partner: Slug
    public let kind: PublishedKind
    public let slug: String
    public let version: String
    /// The document as compact JSON text (`jsonb` output: keys in PostgreSQL's order).
    public let document: String
    /// SHA-256, hex, of the document's canonical text as it was published
    /// (compact, object keys sorted): what a copy is checked against.
    public let checksum: String
    public let publishedBy: String
    public let publishedAt: Date
}

/// Partners' published templates and mappings in `control.published_versions`.
///
/// The store knows nothing of what a template or mapping means: the
/// publishing services in Engine and Middleware validate the document with
/// their parsers and hand over its canonical text. What the store owns is the
/// life cycle — a version is greater than the partner's previous ones of that
/// slug (checked under a lock on the partner row, and again by a trigger),
/// never changes once stored (a trigger refuses UPDATE and DELETE), and is
/// audited in the same transaction as it is stored.
public struct PublishedVersions: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// Stores `document` (canonical JSON text) as `version` of `slug`.
    ///
    /// - Throws: `partner_not_found` (404); `version_not_greater` (409, field
    ///   `version`) when the partner already published this or a greater
    ///   version of the slug.
    public func publish(
        partner: Slug, kind: PublishedKind, slug: String, version: String, document: String, actor: String
    ) async throws -> PublishedVersion {
        let checksum = try SHA256.hash(data: Array(document.utf8)).hexString
        let audit = try AuditLog.control()
        do {
            return try await pool.withTransaction { tx in
                // Serializes publishing per partner, so two publishers cannot both pass the version check.
                let partners = try await tx.query(
                    "SELECT id FROM control.partners WHERE slug = \(partner.value) FOR UPDATE")
                guard let partnerID = try partners.first?.decode("id", as: UUID.self) else {
                    throw ControlPlaneError.partnerNotFound(partner.value)
                }
                let (major, minor, patch) = Self.parts(version)
                let blocking = try await tx.query(
                    """
                    SELECT version FROM control.published_versions
                    WHERE partner_id = \(partnerID) AND kind = \(kind.rawValue) AND slug = \(slug)
                      AND (major, minor, patch) >= (\(major)::integer, \(minor)::integer, \(patch)::integer)
                    ORDER BY major DESC, minor DESC, patch DESC LIMIT 1
                    """)
                if let row = blocking.first {
                    throw Self.notGreater(kind, slug, version, than: try row.decode("version", as: String.self))
                }
                let rows = try await tx.query(
                    """
                    INSERT INTO control.published_versions
                        (partner_id, kind, slug, version, major, minor, patch, document, checksum, published_by)
                    VALUES (\(partnerID), \(kind.rawValue), \(slug), \(version), \(major), \(minor), \(patch),
                            \(document)::jsonb, \(checksum), \(actor))
                    RETURNING id, published_at
                    """)
                let id = try rows[0].decode("id", as: UUID.self)
                try await audit.append(
                    AuditEntry(
                        actor: actor, action: "\(kind.rawValue).published",
                        subject: "published_version:\(id.uuidString.lowercased())",
                        details: [
                            "partner": partner.value, "kind": kind.rawValue, "slug": slug, "version": version,
                            "checksum": checksum,
                        ]), on: tx)
                return PublishedVersion(
                    id: id, partner: partner, kind: kind, slug: slug, version: version, document: document,
                    checksum: checksum, publishedBy: actor, publishedAt: try rows[0].decode("published_at", as: Date.self))
            }
        } catch let error as PostgresError where error.isUniqueViolation || error.constraint == "published_versions_increase" {
            // What the check above already refuses; kept for writers that bypass it.
            throw Self.notGreater(kind, slug, version, than: nil)
        } catch let error as PostgresError where error.sqlState == .checkViolation {
            throw ControlPlaneError.invalid(
                "invalid_published_version", "the slug or version is not valid (\(error.constraint ?? "check"))",
                field: "version")
        }
    }

    /// Every version the partner published of `kind` (of one slug when given), by slug then version.
    public func versions(partner: Slug, kind: PublishedKind, slug: String? = nil) async throws -> [PublishedVersion] {
        let rows = try await pool.query(
            """
            \(fragment: Self.select)
            WHERE p.slug = \(partner.value) AND v.kind = \(kind.rawValue) AND (\(slug)::text IS NULL OR v.slug = \(slug))
            ORDER BY v.slug, v.major, v.minor, v.patch
            """)
        return try rows.map(Self.decode)
    }

    /// One published version, or nil.
    public func version(partner: Slug, kind: PublishedKind, slug: String, version: String) async throws
        -> PublishedVersion?
    {
        let rows = try await pool.query(
            """
            \(fragment: Self.select)
            WHERE p.slug = \(partner.value) AND v.kind = \(kind.rawValue) AND v.slug = \(slug) AND v.version = \(version)
            """)
        return try rows.first.map(Self.decode)
    }

    /// Whose versions a deployment may use: a tenant's are its partner's.
    public enum Audience: Sendable, Equatable {
        case tenant(Slug)
        /// For a tenant a manifest is about to create, which has no row yet.
        case partner(Slug)
    }

    /// What a deployment for `audience` finds among the partner's versions:
    /// `version` of `slug`, or the greatest one when `version` is nil.
    public func resolve(for audience: Audience, kind: PublishedKind, slug: String, version: String?) async throws
        -> PublishedVersion?
    {
        let rows: PostgresRows
        switch audience {
        case .tenant(let tenant):
            rows = try await pool.query(
                """
                \(fragment: Self.select)
                JOIN control.tenants t ON t.partner_id = v.partner_id
                WHERE t.slug = \(tenant.value) AND v.kind = \(kind.rawValue) AND v.slug = \(slug)
                  AND (\(version)::text IS NULL OR v.version = \(version))
                ORDER BY v.major DESC, v.minor DESC, v.patch DESC LIMIT 1
                """)
        case .partner(let partner):
            rows = try await pool.query(
                """
                \(fragment: Self.select)
                WHERE p.slug = \(partner.value) AND v.kind = \(kind.rawValue) AND v.slug = \(slug)
                  AND (\(version)::text IS NULL OR v.version = \(version))
                ORDER BY v.major DESC, v.minor DESC, v.patch DESC LIMIT 1
                """)
        }
        return try rows.first.map(Self.decode)
    }

    private static let select: StaticString = """
        SELECT v.id, p.slug AS partner, v.kind, v.slug, v.version, v.document::text AS document, v.checksum,
               v.published_by, v.published_at
        FROM control.published_versions v JOIN control.partners p ON p.id = v.partner_id
        """

    /// The numbers of a version the caller's parser accepted; the table's
    /// checks refuse any text these would not spell back exactly.
    private static func parts(_ version: String) -> (Int, Int, Int) {
        let numbers = version.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) ?? -1 }
        guard numbers.count == 3 else { return (-1, -1, -1) }
        return (numbers[0], numbers[1], numbers[2])
    }

    private static func decode(_ row: PostgresRow) throws -> PublishedVersion {
        guard let kind = PublishedKind(rawValue: try row.decode("kind", as: String.self)) else {
            throw ControlPlaneError.invalid("invalid_published_version", "a published version has an unknown kind")
        }
        return PublishedVersion(
            id: try row.decode("id"), partner: try Slug(try row.decode("partner", as: String.self)), kind: kind,
            slug: try row.decode("slug"), version: try row.decode("version"), document: try row.decode("document"),
            checksum: try row.decode("checksum"), publishedBy: try row.decode("published_by"),
            publishedAt: try row.decode("published_at"))
    }

    static func notGreater(_ kind: PublishedKind, _ slug: String, _ version: String, than previous: String?)
        -> ControlPlaneError
    {
        ControlPlaneError.conflict(
            "version_not_greater",
            "\(kind.rawValue) \(slug) \(version) is not greater than the versions already published"
                + (previous.map { " (the newest is \($0))" } ?? "") + "; published versions never change, publish a greater one",
            field: "version")
    }
}
