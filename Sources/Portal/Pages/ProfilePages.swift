import ControlPlane
import Foundation
import HTTP
import Rendering

/// Every signed-in user's own page: who they are here, and the time zone
/// every date in the portal is shown in.
struct ProfilePages: Sendable {
    let portal: Portal

    func show(_ request: PortalRequest) async throws -> HTTPResponse {
        var flash: [FlashMessage] = []
        if request.request.queryValue("saved") != nil {
            flash.append(FlashMessage(.success, "Dates are now shown in your time zone."))
        }
        return try await page(request, error: nil, status: .ok, flash: flash)
    }

    func setTimeZone(_ request: PortalRequest) async throws -> HTTPResponse {
        let user = try request.requireUser()
        let form = try Portal.form(request.request)
        try request.requireCSRF(form)
        do {
            try await UserStore(pool: portal.dependencies.control).setTimeZone(
                user.userID, to: form["time_zone"] ?? "", actor: user.principal.actor)
        } catch let error as ControlPlaneError where error.httpStatus < 500 {
            return try await page(request, error: error.message, status: HTTPStatus(code: error.httpStatus))
        }
        throw PortalRedirect(location: "/profile?saved=1")
    }

    private func page(_ request: PortalRequest, error: String?, status: HTTPStatus, flash: [FlashMessage] = []) async throws
        -> HTTPResponse
    {
        let zones = try await UserStore(pool: portal.dependencies.control).timeZones()
        let user = try request.requireUser()
        let dates = portal.dates(for: request)
        let organization: String
        switch user.principal.organization {
        case .tenant(let tenant, _): organization = "client \(tenant.value)"
        case .partner(let partner): organization = "partner \(partner.value)"
        case .provider: organization = "the provider"
        }
        var messages = flash
        if let error { messages.append(FlashMessage(.error, error)) }
        return try portal.render(
            "profile", request, title: "Your profile", status: status,
            page: [
                "name": .string(user.displayName), "email": .string(user.principal.user?.email ?? ""),
                "organization": .string(organization),
                "roles": .string(user.principal.roles.sorted().map { $0.replacingOccurrences(of: "_", with: " ") }.joined(separator: ", ")),
                "zones": .list(zones.map { ["value": .string($0), "selected": .bool($0 == user.timeZone)] }),
                "now": .string(dates.dateTime(Date())), "error": .string(error ?? ""),
            ],
            flash: messages)
    }
}
