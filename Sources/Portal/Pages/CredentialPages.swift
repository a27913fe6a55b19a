import ControlPlane
import Foundation
import HTTP
import Rendering

/// Tenant admins' API keys: list, create, rotate and revoke, through the
/// same ``CredentialStore`` and ``AccessPolicy`` checks as
/// `/v1/tenants/{slug}/credentials`. A new key appears once, on the page the
/// creating (or rotating) post answers with, and never again: the store
/// keeps only its hash.
struct CredentialPages: Sendable {
    let portal: Portal
    /// Rotation overlap when the form gives none, as the API's default.
    static let defaultOverlapHours = 24
    static let maximumOverlapHours = 30 * 24
    static let maximumNameLength = 200

    func list(_ request: PortalRequest) async throws -> HTTPResponse {
        var flash: [FlashMessage] = []
        if let revoked = request.request.queryValue("revoked") {
            flash.append(FlashMessage(.success, "Key \(revoked) is revoked: it no longer works."))
        }
        return try await listPage(request, form: nil, error: nil, status: .ok, flash: flash)
    }

    func create(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, tenant) = try await requireAdmin(request)
        let form = try Portal.form(request.request)
        try request.requireCSRF(form)
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        let chosen = form.fields.filter { $0.name == "scope" }.map(\.value)
        // (A do/catch returning from the catch crashes swift-frontend 6.3.1; Result keeps it flat.)
        let parsed = Result { () throws(ControlPlaneError) -> (ScopeSet, IPAllowList, Date?) in
            let scopes = try ScopeSet(parsing: chosen)
            let allowList = try IPAllowList(
                parsing: (form["ip_allow"] ?? "").split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init))
            guard name.count <= Self.maximumNameLength else {
                throw ControlPlaneError.invalid(
                    "invalid_name", "The name is at most \(Self.maximumNameLength) characters.", field: "name")
            }
            let days = (form["expires_days"] ?? "").trimmingCharacters(in: .whitespaces)
            guard !days.isEmpty else { return (scopes, allowList, nil) }
            guard let count = Int(days), (1...3_650).contains(count) else {
                throw ControlPlaneError.invalid(
                    "invalid_expiry", "Expiry is a number of days from 1 to 3650, or empty for none.", field: "expires_days")
            }
            return (scopes, allowList, Date().addingTimeInterval(Double(count) * 86_400))
        }
        guard case .success(let (scopes, allowList, expiresAt)) = parsed else {
            return try await listPage(request, form: form, error: Self.message(parsed), status: .unprocessableContent)
        }
        try Self.authorize(user.principal, .manageCredentials(of: tenant, granting: scopes))
        let (_, key) = try await CredentialStore(pool: portal.dependencies.control).issue(
            for: .tenant(tenant.slug), scopes: scopes, ipAllowList: allowList, expiresAt: expiresAt, name: name,
            actor: user.principal.actor)
        return try portal.render(
            "secret_issued", request, title: "New API key", status: .created,
            page: [
                "heading": .string("New API key \(key.prefix)"),
                "label": .string("API key"), "secret": .string(key.reveal()),
                "facts": .list([
                    Self.fact("Name", name.isEmpty ? "—" : name), Self.fact("Scopes", scopes.description),
                    Self.fact("Expires", expiresAt.map(portal.dates(for: request).dateTime) ?? "never"),
                ]),
                "back_href": "/settings/api-keys", "back_label": "Back to API keys",
            ])
    }

    func rotate(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, tenant) = try await requireAdmin(request)
        let form = try Portal.form(request.request)
        try request.requireCSRF(form)
        let prefix = request.request.pathParameters["prefix"] ?? ""
        let store = CredentialStore(pool: portal.dependencies.control)
        let existing = try await store.credential(prefix: prefix, owner: .tenant(tenant.slug))
        // Rotating hands over a key with the old key's scopes, so the admin must hold them.
        try Self.authorize(user.principal, .manageCredentials(of: tenant, granting: existing?.scopes ?? ScopeSet([])))
        guard existing != nil else {
            throw PortalError(status: 404, code: "credential_not_found", message: "There is no such API key.")
        }
        guard let hours = Self.overlapHours(form["overlap_hours"]) else {
            return try await listPage(
                request, form: nil, error: "The overlap is 0 to \(Self.maximumOverlapHours) hours.",
                status: .unprocessableContent)
        }
        let issued: IssuedAPIKey
        do {
            issued = try await store.rotate(
                prefix: prefix, overlap: .seconds(hours * 3_600), actor: user.principal.actor, owner: .tenant(tenant.slug))
        } catch let error as ControlPlaneError where error.httpStatus < 500 {
            return try await listPage(request, form: nil, error: error.message, status: HTTPStatus(code: error.httpStatus))
        }
        let old = try await store.credential(prefix: prefix, owner: .tenant(tenant.slug))
        return try portal.render(
            "secret_issued", request, title: "Rotated API key", status: .created,
            page: [
                "heading": .string("Key \(prefix) rotated"),
                "label": .string("New API key"), "secret": .string(issued.reveal()),
                "facts": .list([
                    Self.fact("Replaces", prefix),
                    Self.fact(
                        "The old key works until", old?.validUntil.map(portal.dates(for: request).dateTime) ?? "now"),
                ]),
                "back_href": "/settings/api-keys", "back_label": "Back to API keys",
            ])
    }

    func revoke(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, tenant) = try await requireAdmin(request)
        try request.requireCSRF(try Portal.form(request.request))
        let prefix = request.request.pathParameters["prefix"] ?? ""
        try Self.authorize(user.principal, .manageCredentials(of: tenant, granting: ScopeSet([])))
        try await CredentialStore(pool: portal.dependencies.control).revoke(
            prefix: prefix, owner: .tenant(tenant.slug), actor: user.principal.actor)
        throw PortalRedirect(location: "/settings/api-keys?revoked=\(WorkPages.queryEscape(prefix))")
    }

    private func listPage(
        _ request: PortalRequest, form: FormBody?, error: String?, status: HTTPStatus, flash: [FlashMessage] = []
    ) async throws -> HTTPResponse {
        let (user, tenant) = try await requireAdmin(request)
        try Self.authorize(user.principal, .readCredentials(of: tenant))
        let keys = try await CredentialStore(pool: portal.dependencies.control).list(owner: .tenant(tenant.slug))
        let dates = portal.dates(for: request)
        let now = Date()
        let rows: [ViewValue] = keys.map { key in
            let state: String
            if key.revokedAt != nil {
                state = "revoked"
            } else if let until = key.validUntil {
                state = until > now ? "replaced, works until \(dates.dateTime(until))" : "replaced"
            } else if let expires = key.expiresAt, expires <= now {
                state = "expired"
            } else {
                state = "active"
            }
            let usable = key.revokedAt == nil && key.replacedBy == nil && !(key.expiresAt.map { $0 <= now } ?? false)
            return [
                "prefix": .string(key.prefix), "name": .string(key.name.isEmpty ? "—" : key.name),
                "scopes": .string(key.scopes.description), "state": .string(state),
                "tone": .string(usable ? "success" : "neutral"),
                "created": .string(dates.dateTime(key.createdAt)),
                "expires": .string(key.expiresAt.map(dates.dateTime) ?? "never"),
                "last_used": .string(key.lastUsedAt.map(dates.dateTime) ?? "never"),
                "replaced_by": .string(key.replacedBy ?? ""), "usable": .bool(usable),
                "rotate_action": .string("/settings/api-keys/\(key.prefix)/rotate"),
                "revoke_action": .string("/settings/api-keys/\(key.prefix)/revoke"),
            ]
        }
        let chosen = Set(form?.fields.filter { $0.name == "scope" }.map(\.value) ?? [])
        let grantable = Scope.allCases.filter { $0 != .admin && user.principal.has(scope: $0.rawValue) }
        var messages = flash
        if let error { messages.append(FlashMessage(.error, error)) }
        return try portal.render(
            "api_keys", request, title: "API keys", status: status,
            page: [
                "keys": .list(rows),
                "scopes": .list(grantable.map { ["value": .string($0.rawValue), "checked": .bool(chosen.contains($0.rawValue))] }),
                "name_field": try FormField(
                    name: "name", label: "Name", value: form?["name"] ?? "", hint: "What the key is for, e.g. ERP connector.",
                    id: "key-name"
                ).viewValue,
                "ip_field": try FormField(
                    name: "ip_allow", label: "Allowed addresses", value: form?["ip_allow"] ?? "",
                    hint: "Optional: addresses or CIDR ranges, separated by commas. Empty allows any.", id: "key-ip"
                ).viewValue,
                "expiry_field": try FormField(
                    name: "expires_days", label: "Expires after (days)", value: form?["expires_days"] ?? "",
                    hint: "Optional: empty for a key that does not expire.", id: "key-expiry"
                ).viewValue,
                "default_overlap": .int(Self.defaultOverlapHours),
            ],
            flash: messages)
    }

    /// A tenant user whose role manages the tenant's keys (tenant admins).
    private func requireAdmin(_ request: PortalRequest) async throws -> (SessionStore.SignedIn, Tenant) {
        let (user, slug) = try request.requireTenantUser()
        try EventPages.require(user, "credentials:write")
        guard let service = portal.dependencies.service else {
            throw PortalError(status: 503, code: "credentials_unavailable", message: "API keys are not available on this server.")
        }
        return (user, try await service.tenant(slug))
    }

    static func authorize(_ principal: Principal, _ access: AccessRequest) throws {
        do {
            try AccessPolicy.authorize(principal, access)
        } catch {
            throw PortalError(status: 403, code: "forbidden", message: "Your role does not allow this: \(error.reason)")
        }
    }

    static func overlapHours(_ text: String?) -> Int? {
        let trimmed = (text ?? "").trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return defaultOverlapHours }
        guard let hours = Int(trimmed), (0...maximumOverlapHours).contains(hours) else { return nil }
        return hours
    }

    static func fact(_ label: String, _ value: String) -> ViewValue {
        ["label": .string(label), "value": .string(value)]
    }

    private static func message<T>(_ result: Result<T, ControlPlaneError>) -> String {
        if case .failure(let error) = result { return error.message }
        return ""
    }
}
