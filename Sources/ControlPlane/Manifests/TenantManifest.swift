import Foundation

/// A declarative description of one partner, its brand, its client tenants and
/// their users: the files under `Tenants/`. `countersign apply` reconciles the
/// database to match, idempotently.
public struct TenantManifest: Sendable, Decodable, Equatable {
    public struct PartnerSpec: Sendable, Decodable, Equatable {
        public var slug: Slug
        public var kind: PartnerKind
        public var displayName: String
        public var supportEmail: String
        public var brand: BrandSpec?

        enum CodingKeys: String, CodingKey {
            case slug, kind, brand
            case displayName = "display_name"
            case supportEmail = "support_email"
        }
    }

    public struct BrandSpec: Sendable, Decodable, Equatable {
        public var primaryColor: String?
        public var accentColor: String?
        public var domains: [String]?

        enum CodingKeys: String, CodingKey {
            case domains
            case primaryColor = "primary_color"
            case accentColor = "accent_color"
        }
    }

    public struct TenantSpec: Sendable, Decodable, Equatable {
        public var slug: Slug
        public var legalName: String
        public var plan: String?
        public var users: [UserSpec]?
        /// Workflow templates to run for this tenant; applied by `countersign apply`.
        public var deployments: [DeploymentSpec]?

        enum CodingKeys: String, CodingKey {
            case slug, plan, users, deployments
            case legalName = "legal_name"
        }
    }

    /// A template version (the newest when absent) with its parameters.
    public struct DeploymentSpec: Sendable, Decodable, Equatable {
        public var template: String
        public var version: String?
        public var parameters: [String: String]?
    }

    public struct UserSpec: Sendable, Decodable, Equatable {
        public var email: String
        public var displayName: String
        public var roles: [String]
        /// Largest amount the user may approve, as a decimal string with its currency.
        public var approvalLimit: ApprovalLimit?
        /// For demo tenants only: a sign-in password set when the user has a
        /// different one (or none). Real users set theirs in the portal.
        public var demoPassword: String?

        enum CodingKeys: String, CodingKey {
            case email, roles
            case displayName = "display_name"
            case approvalLimit = "approval_limit"
            case demoPassword = "demo_password"
        }
    }

    public struct ApprovalLimit: Sendable, Decodable, Equatable {
        public var amount: String
        public var currency: String
    }

    public var partner: PartnerSpec
    public var tenants: [TenantSpec]

    /// Parses a manifest file; errors name the file and the JSON path at fault.
    public static func load(_ url: URL) throws -> TenantManifest {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ControlPlaneError.invalid("manifest_unreadable", "cannot read \(url.path)")
        }
        do {
            let manifest = try JSONDecoder().decode(TenantManifest.self, from: data)
            try manifest.validate()
            return manifest
        } catch let error as DecodingError {
            throw ControlPlaneError.invalid("invalid_manifest", "\(url.lastPathComponent): \(Self.describe(error))")
        } catch let error as ControlPlaneError {
            let location = [url.lastPathComponent, error.field].compactMap { $0 }.joined(separator: ": ")
            throw ControlPlaneError.invalid(error.code, "\(location): \(error.message)", field: error.field)
        }
    }

    static let tenantRoles: Set<String> = ["ap_clerk", "ap_manager", "controller", "warehouse_lead", "auditor", "tenant_admin"]

    func validate() throws {
        var slugs: Set<Slug> = []
        var emails: Set<String> = []
        for (index, tenant) in tenants.enumerated() {
            guard slugs.insert(tenant.slug).inserted else {
                throw ControlPlaneError.invalid("invalid_manifest", "tenant '\(tenant.slug)' appears twice", field: "tenants[\(index)].slug")
            }
            for (userIndex, user) in (tenant.users ?? []).enumerated() {
                let path = "tenants[\(index)].users[\(userIndex)]"
                guard user.email == user.email.lowercased(), user.email.contains("@"), emails.insert(user.email).inserted else {
                    throw ControlPlaneError.invalid(
                        "invalid_manifest", "user e-mail must be lowercase, valid and unique", field: "\(path).email")
                }
                guard !user.roles.isEmpty, user.roles.allSatisfy(Self.tenantRoles.contains) else {
                    throw ControlPlaneError.invalid(
                        "invalid_manifest",
                        "roles must be among \(Self.tenantRoles.sorted().joined(separator: ", "))", field: "\(path).roles")
                }
                if let limit = user.approvalLimit {
                    guard limit.currency.count == 3, limit.currency.allSatisfy({ $0.isUppercase && $0.isASCII }),
                        Decimal(string: limit.amount, locale: Locale(identifier: "en_US_POSIX")) != nil
                    else {
                        throw ControlPlaneError.invalid(
                            "invalid_manifest", "approval_limit needs a decimal amount and an ISO 4217 currency",
                            field: "\(path).approval_limit")
                    }
                }
            }
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])) is required"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context.codingPath)) has the wrong type"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "invalid JSON"
        }
    }
}
