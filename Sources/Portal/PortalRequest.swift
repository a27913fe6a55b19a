import ControlPlane
import Foundation
import HTTP
import Rendering

/// What every portal page knows about its request: who is signed in (if
/// anyone), with which session token, and under whose brand.
struct PortalRequest: Sendable {
    static let sessionCookie = "cs_session"
    /// Before sign-in there is no session to derive a CSRF token from, so the
    /// sign-in form uses a random value in a cookie and a hidden field that
    /// must match (double submit).
    static let loginCookie = "cs_login"

    let request: HTTPRequest
    let user: SessionStore.SignedIn?
    let sessionToken: String?
    let brand: BrandDirectory.Brand

    /// The signed-in user, or a redirect to sign-in.
    func requireUser() throws -> SessionStore.SignedIn {
        guard let user else { throw PortalRedirect(location: "/login") }
        return user
    }

    /// A tenant user, with their tenant.
    func requireTenantUser() throws -> (SessionStore.SignedIn, Slug) {
        let user = try requireUser()
        guard case .tenant(let tenant, _) = user.principal.organization else {
            throw PortalError(status: 403, code: "not_a_tenant_user", message: "This page is for client finance and warehouse users.")
        }
        return (user, tenant)
    }

    /// Refuses a form post whose CSRF token does not belong to this session.
    func requireCSRF(_ form: FormBody) throws {
        guard let token = sessionToken, let presented = form["csrf_token"],
            SessionStore.csrfMatches(presented, sessionToken: token)
        else {
            throw PortalError(
                status: 403, code: "csrf_failed",
                message: "This form has expired or did not come from this portal. Go back, reload the page and try again.")
        }
    }
}

/// An HTML error page's status, code and message (never internals).
struct PortalError: Error {
    let status: Int
    let code: String
    let message: String
}

/// Sends the browser elsewhere (303 See Other).
struct PortalRedirect: Error {
    let location: String
    var cookies: [String] = []
}
