import ControlPlane
import Cryptography
import Foundation
import HTTP
import Rendering

/// Partner admins' own people: list, add with a role, disable — through
/// ``UserStore`` and the ``AccessPolicy`` checks of `/v1/partners/{p}/users`.
///
/// There is no e-mail in Countersign, so adding someone sets a random first
/// password that is shown once, for the admin to pass on; the user changes
/// nothing else about it here.
struct PartnerUserPages: Sendable {
    let portal: Portal
    static let pageSize = 200

    func list(_ request: PortalRequest) async throws -> HTTPResponse {
        var flash: [FlashMessage] = []
        if let disabled = request.request.queryValue("disabled") {
            flash.append(FlashMessage(.success, "\(disabled) is disabled and signed out everywhere."))
        }
        return try await listPage(request, form: nil, error: nil, status: .ok, flash: flash)
    }

    func create(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, partner) = try request.requirePartnerAdmin()
        let form = try Portal.form(request.request)
        try request.requireCSRF(form)
        try CredentialPages.authorize(user.principal, .manageUsers(of: .partner(partner)))
        let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
        let name = (form["display_name"] ?? "").trimmingCharacters(in: .whitespaces)
        let roles = form.fields.filter { $0.name == "role" }.map(\.value)
        let users = UserStore(pool: portal.dependencies.control)
        let created: UserAccount
        do {
            created = try await users.create(
                in: .partner(partner), email: email, displayName: name, roles: roles, approvalLimit: nil,
                actor: user.principal.actor)
        } catch let error as ControlPlaneError where error.httpStatus < 500 {
            return try await listPage(request, form: form, error: error.message, status: HTTPStatus(code: error.httpStatus))
        }
        let password = try SecureRandom.token(bytes: 16)
        try await portal.dependencies.sessions.setPassword(email: created.email, password: password, actor: user.principal.actor)
        return try portal.render(
            "secret_issued", request, title: "User added", status: .created,
            page: [
                "heading": .string("\(created.displayName) can sign in"),
                "label": .string("First password"), "secret": .string(password),
                "facts": .list([
                    CredentialPages.fact("E-mail", created.email),
                    CredentialPages.fact("Roles", created.roles.map(\.rawValue).joined(separator: ", ")),
                    CredentialPages.fact("Sign-in page", "/p/\(partner.value)/login"),
                ]),
                "back_href": "/partner/users", "back_label": "Back to users",
            ])
    }

    func disable(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, partner) = try request.requirePartnerAdmin()
        try request.requireCSRF(try Portal.form(request.request))
        let users = UserStore(pool: portal.dependencies.control)
        guard let id = UUID(uuidString: request.request.pathParameters["id"] ?? ""),
            let target = try? await users.user(id), target.organization == .partner(partner)
        else {
            throw PortalError(status: 404, code: "user_not_found", message: "There is no such user.")
        }
        try CredentialPages.authorize(user.principal, .manageUsers(of: target.organization))
        guard target.id != user.userID else {
            throw PortalError(
                status: 409, code: "cannot_disable_self",
                message: "You cannot disable your own account: another administrator has to.")
        }
        _ = try await users.update(id, UserChanges(status: .disabled), actor: user.principal.actor)
        throw PortalRedirect(location: "/partner/users?disabled=\(WorkPages.queryEscape(target.email))")
    }

    private func listPage(
        _ request: PortalRequest, form: FormBody?, error: String?, status: HTTPStatus, flash: [FlashMessage] = []
    ) async throws -> HTTPResponse {
        let (user, partner) = try request.requirePartnerAdmin()
        try CredentialPages.authorize(user.principal, .readUsers(of: .partner(partner)))
        let (found, _) = try await UserStore(pool: portal.dependencies.control).list(
            in: .partner(partner), limit: Self.pageSize)
        let dates = portal.dates(for: request)
        let rows: [ViewValue] = found.map { account in
            [
                "email": .string(account.email), "name": .string(account.displayName),
                "roles": .string(account.roles.map { $0.rawValue.replacingOccurrences(of: "_", with: " ") }.joined(separator: ", ")),
                "status": .string(account.status.rawValue),
                "tone": .string(account.status == .active ? "success" : "neutral"),
                "since": .string(dates.date(account.createdAt)),
                "can_disable": .bool(account.status == .active && account.id != user.userID),
                "disable_action": .string("/partner/users/\(account.id.uuidString.lowercased())/disable"),
            ]
        }
        let chosen = Set(form?.fields.filter { $0.name == "role" }.map(\.value) ?? [])
        var messages = flash
        if let error { messages.append(FlashMessage(.error, error)) }
        return try portal.render(
            "partner_users", request, title: "Users", status: status,
            page: [
                "users": .list(rows),
                "roles": .list(
                    UserRole.allowed(in: .partner(partner)).map { role in
                        [
                            "value": .string(role.rawValue), "label": .string(role.rawValue.replacingOccurrences(of: "_", with: " ")),
                            "checked": .bool(chosen.contains(role.rawValue)),
                        ]
                    }),
                "email_field": try FormField(
                    name: "email", label: "E-mail address", type: .email, value: form?["email"] ?? "", isRequired: true,
                    id: "user-email"
                ).viewValue,
                "name_field": try FormField(
                    name: "display_name", label: "Name", value: form?["display_name"] ?? "", isRequired: true,
                    id: "user-name"
                ).viewValue,
            ],
            flash: messages)
    }
}

extension PortalRequest {
    /// A partner's administrator, with the partner.
    func requirePartnerAdmin() throws -> (SessionStore.SignedIn, Slug) {
        let user = try requireUser()
        guard case .partner(let partner) = user.principal.organization, user.principal.roles.contains("partner_admin") else {
            throw PortalError(status: 403, code: "forbidden", message: "This page is for partner administrators.")
        }
        return (user, partner)
    }
}
