import ControlPlane
import Cryptography
import Foundation
import HTTP
import Rendering

/// Sign-in, sign-out, and sign-out everywhere.
struct SignInPages: Sendable {
    let portal: Portal

    func form(_ request: PortalRequest) async throws -> HTTPResponse {
        if request.user != nil { throw PortalRedirect(location: "/") }
        return try loginPage(request, email: "", error: nil, status: .ok)
    }

    func submit(_ request: PortalRequest) async throws -> HTTPResponse {
        let form = try Portal.form(request.request)
        let cookie = Cookies.value(PortalRequest.loginCookie, in: request.request) ?? ""
        guard !cookie.isEmpty, let presented = form["csrf_token"],
            ConstantTime.equals(Array(presented.utf8), Array(cookie.utf8))
        else {
            throw PortalError(
                status: 403, code: "csrf_failed",
                message: "The sign-in form has expired or did not come from this portal. Reload it and try again.")
        }
        let email = form["email"] ?? ""
        do {
            let (token, _) = try await portal.dependencies.sessions.signIn(
                email: email, password: form["password"] ?? "", remoteAddress: request.request.remoteAddress,
                replacing: request.sessionToken)
            let lifetime = Int(portal.dependencies.sessions.policy.absoluteLifetime)
            throw PortalRedirect(
                location: "/",
                cookies: [
                    Cookies.session(name: PortalRequest.sessionCookie, value: token, maxAge: lifetime),
                    Cookies.expired(name: PortalRequest.loginCookie),
                ])
        } catch let error as SessionError {
            var headers = HTTPHeaders()
            if let wait = error.retryAfter { headers.set("Retry-After", String(wait)) }
            return try loginPage(
                request, email: email, error: error.message, status: HTTPStatus(code: error.httpStatus), headers: headers)
        }
    }

    func signOut(_ request: PortalRequest) async throws -> HTTPResponse {
        let user = try request.requireUser()
        try request.requireCSRF(try Portal.form(request.request))
        if let token = request.sessionToken { try await portal.dependencies.sessions.signOut(token: token) }
        throw PortalRedirect(
            location: Self.loginPath(for: user), cookies: [Cookies.expired(name: PortalRequest.sessionCookie)])
    }

    func signOutEverywhere(_ request: PortalRequest) async throws -> HTTPResponse {
        let user = try request.requireUser()
        try request.requireCSRF(try Portal.form(request.request))
        try await portal.dependencies.sessions.signOutEverywhere(
            userID: user.userID, actor: user.principal.actor, remoteAddress: request.request.remoteAddress)
        throw PortalRedirect(
            location: Self.loginPath(for: user), cookies: [Cookies.expired(name: PortalRequest.sessionCookie)])
    }

    /// Back to the sign-in page under the same brand.
    static func loginPath(for user: SessionStore.SignedIn) -> String {
        switch user.principal.organization {
        case .tenant(_, let partner): return "/p/\(partner.value)/login"
        case .partner(let partner): return "/p/\(partner.value)/login"
        case .provider: return "/login"
        }
    }

    private func loginPage(
        _ request: PortalRequest, email: String, error: String?, status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders()
    ) throws -> HTTPResponse {
        let token = try SecureRandom.token(bytes: 24)
        var headers = headers
        headers.add("Set-Cookie", Cookies.session(name: PortalRequest.loginCookie, value: token, maxAge: 3_600))
        let emailField = try FormField(
            name: "email", label: "E-mail address", type: .email, value: email, isRequired: true,
            autocomplete: "username", error: error, id: "email")
        let passwordField = try FormField(
            name: "password", label: "Password", type: .password, isRequired: true, autocomplete: "current-password",
            id: "password")
        return try portal.render(
            "login", request, title: "Sign in", status: status,
            page: [
                "login_csrf": .string(token), "email_field": emailField.viewValue,
                "password_field": passwordField.viewValue,
            ],
            headers: headers)
    }
}
