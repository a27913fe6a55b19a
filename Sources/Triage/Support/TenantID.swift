/// The tenant that owns a case, a model or a policy.
///
/// A type of its own, not a bare string, so that "which tenant" is never confused with a
/// supplier or case id in a signature; the slug rule matches tenant slugs elsewhere.
public struct TenantID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let slug: String

    /// - Throws: `invalid_tenant` unless `slug` is lower-case letters, digits, `_` or `-`, starting with a letter.
    public init(_ slug: String) throws(TriageError) {
        guard Slug.isValid(slug, allowHyphen: true) else {
            throw TriageError(
                .invalidTenant, "a tenant is a slug of lower-case letters, digits, '_' or '-', such as 'acme'",
                field: "tenant")
        }
        self.slug = slug
    }

    public var description: String { slug }

    public static func < (lhs: TenantID, rhs: TenantID) -> Bool { lhs.slug < rhs.slug }
}
