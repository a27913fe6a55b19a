import Cryptography

/// Where a page of a list ordered by a unique text key (partner slugs, user
/// e-mails) continues: an opaque token for clients, like ``AuditCursor``.
///
/// Keyset rather than offset pagination, so that rows added or removed
/// between two pages neither repeat nor skip others. The token is base64url
/// of `<list>:v1:<last key>`; naming the list keeps a cursor of one list from
/// being replayed on another.
public struct ListCursor: Sendable, Equatable {
    /// Which list the cursor belongs to: `partners`, `users`.
    public let list: String
    /// The next page starts after this key.
    public let after: String

    public init(list: String, after: String) {
        self.list = list
        self.after = after
    }

    /// Parses a token from ``token`` for `list`.
    ///
    /// - Throws: `invalid_cursor` (422, field `cursor`) for anything that is
    ///   not a token of this list.
    public init(token: String, list: String) throws(ControlPlaneError) {
        let invalid = ControlPlaneError.invalid(
            "invalid_cursor", "the cursor is not one a previous page returned", field: "cursor")
        let prefix = "\(list):v1:"
        guard token.utf8.count <= 512, let bytes = try? Base64.decode(token, alphabet: .urlSafe) else { throw invalid }
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.hasPrefix(prefix), text.count > prefix.count else { throw invalid }
        self.list = list
        self.after = String(text.dropFirst(prefix.count))
    }

    public var token: String { Base64.encode(Array("\(list):v1:\(after)".utf8), alphabet: .urlSafe, padding: false) }
}
