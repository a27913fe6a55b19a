import ControlPlane
import Foundation
import HTTP
import Postgres
import Rendering

/// Per-partner stylesheet (brand colours as CSS custom properties: the
/// content security policy allows no inline styles) and logo.
struct BrandAssets: Sendable {
    let portal: Portal

    func stylesheet(_ request: HTTPRequest) async throws -> HTTPResponse {
        let file = request.pathParameters["file"] ?? ""
        guard file.hasSuffix(".css") else { throw HTTPError(.notFound, code: "not_found", message: "no such stylesheet") }
        let slug = String(file.dropLast(4))
        let brands = portal.dependencies.brands
        let brand = slug == brands.provider.portal.partner ? brands.provider : try await brands.brand(partner: slug)
        guard let brand else { throw HTTPError(.notFound, code: "not_found", message: "no such stylesheet") }
        return HTTPResponse(
            status: .ok, headers: ["Content-Type": BrandStylesheet.contentType, "Cache-Control": "public, max-age=60"],
            body: Array(BrandStylesheet.css(for: brand.palette).utf8))
    }

    func logo(_ request: HTTPRequest) async throws -> HTTPResponse {
        let slug = request.pathParameters["partner"] ?? ""
        let rows = try await portal.dependencies.control.query(
            "SELECT logo_svg, logo_image, logo_content_type FROM control.partners WHERE slug = \(slug)")
        guard let row = rows.first else { throw HTTPError(.notFound, code: "not_found", message: "no such logo") }
        var headers: HTTPHeaders = ["Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"]
        if let svg = try row.decode("logo_svg", as: String?.self) {
            headers.set("Content-Type", "image/svg+xml")
            // An SVG opened directly must not run anything, even if sanitising missed something.
            headers.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
            return HTTPResponse(status: .ok, headers: headers, body: Array(svg.utf8))
        }
        if let image = try row.decode("logo_image", as: ByteA?.self), let type = try row.decode("logo_content_type", as: String?.self) {
            headers.set("Content-Type", type)
            return HTTPResponse(status: .ok, headers: headers, body: image.bytes)
        }
        throw HTTPError(.notFound, code: "not_found", message: "this partner has no logo")
    }
}
