/// Who sells or buys on a statement: the provider bills partners, a partner bills its client tenants.
public struct BillingParty: Sendable, Hashable, CustomStringConvertible {
    public enum Role: String, Sendable, Hashable {
        case provider, partner, tenant
    }

    public let role: Role
    /// The partner's or tenant's slug; `provider` for the provider.
    public let id: String

    public init(role: Role, id: String) {
        self.role = role
        self.id = id
    }

    public static let provider = BillingParty(role: .provider, id: "provider")
    public static func partner(_ id: String) -> BillingParty { BillingParty(role: .partner, id: id) }
    public static func tenant(_ id: String) -> BillingParty { BillingParty(role: .tenant, id: id) }

    /// `partner:acme`; the provider is just `provider`.
    public var description: String { role == .provider ? "provider" : "\(role.rawValue):\(id)" }
}
