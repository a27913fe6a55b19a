import ControlPlane
import Testing

@Suite("Slugs")
struct SlugTests {
    @Test(arguments: ["acme", "a1", "acme_corp", "x" + String(repeating: "y", count: 40)])
    func acceptsValidSlugs(text: String) throws {
        let slug = try Slug(text)
        #expect(slug.tenantSchemaName == "t_" + text)
    }

    @Test(arguments: [
        "", "a", "Acme", "1acme", "_acme", "acme-corp", "acme corp", "acmé", "x" + String(repeating: "y", count: 41),
        "acme;drop", "\"acme\"", "public", "control", "postgres", "pg_catalog", "template1", "admin",
    ])
    func refusesInvalidOrReservedSlugs(text: String) {
        let error = #expect(throws: SlugError.self) { try Slug(text) }
        #expect(error?.code == "invalid_slug")
        #expect(error?.httpStatus == 422)
    }
}
