import Platform

/// Why a presented API key was refused, with the status the API answers.
///
/// Messages never contain the key or any part of its secret: they may reach
/// the caller, logs and metrics. The codes are part of the API contract.
/// `invalid_api_key` covers malformed keys, unknown prefixes and wrong
/// secrets alike, so the answer does not tell an attacker which prefixes
/// exist; the more specific 401s (revoked, expired, rotated) are only given
/// after the secret matched, that is, to the key's holder.
public struct CredentialError: Error, CodedError, Equatable, CustomDebugStringConvertible {
    /// The kinds of refusal, each with a stable `code`.
    public enum Kind: String, Sendable, CaseIterable {
        /// Malformed, bad checksum, unknown prefix, or wrong secret.
        case invalidAPIKey = "invalid_api_key"
        /// Revoked: refused from the moment `revoked_at` is set.
        case revoked = "api_key_revoked"
        /// Past `expires_at`.
        case expired = "api_key_expired"
        /// Replaced by a newer key and past the rotation overlap (`valid_until`).
        case rotated = "api_key_rotated"
        /// The caller's address is outside the key's IP allow-list.
        case ipNotAllowed = "ip_not_allowed"
        /// The key lacks the scope the route requires; `field` names it.
        case insufficientScope = "insufficient_scope"

        /// 401 when the caller is not authenticated, 403 when it is but may not.
        public var httpStatus: Int {
            switch self {
            case .invalidAPIKey, .revoked, .expired, .rotated: 401
            case .ipNotAllowed, .insufficientScope: 403
            }
        }
    }

    public let kind: Kind
    public let message: String
    public let field: String?
    /// Where the error was made (debug output only).
    public let site: ThrowSite

    public init(_ kind: Kind, _ message: String, field: String? = nil, file: String = #fileID, line: UInt = #line) {
        self.kind = kind
        self.message = message
        self.field = field
        self.site = ThrowSite(file: file, line: line)
    }

    public var code: String { kind.rawValue }
    public var httpStatus: Int { kind.httpStatus }
    public var debugDescription: String { "\(code): \(message) [at \(site)]" }

    /// Equal when kind, message and field agree; the throw site is not compared.
    public static func == (lhs: CredentialError, rhs: CredentialError) -> Bool {
        lhs.kind == rhs.kind && lhs.message == rhs.message && lhs.field == rhs.field
    }

    static func invalidKey(_ reason: String, file: String = #fileID, line: UInt = #line) -> CredentialError {
        CredentialError(
            .invalidAPIKey, "the API key is not valid: \(reason)", field: "Authorization", file: file, line: line)
    }
}

/// Quoting of caller input in error messages, refusing anything that could be
/// a credential (someone pastes a key into the wrong field) or that could
/// forge log lines.
enum UntrustedText {
    static func quoted(_ text: some StringProtocol) -> String {
        let string = String(text)
        let looksSecret = string.contains("cs_") || string.contains("whsec_") || string.count > 64
        let printable = string.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }
        return looksSecret || !printable ? "(value not shown)" : "'\(string)'"
    }
}
