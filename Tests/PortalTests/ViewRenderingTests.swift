import Foundation
import Portal
import Rendering
import Testing

/// Every page view renders with fixture data — no missing variable — and
/// every user-supplied text in it comes out escaped.
@Suite("Portal views")
struct ViewRenderingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let attack = "<script>alert('x')</script>\"&"

    /// The page's keys, with the attack string in every text a user or a document could supply.
    static func fixture(_ page: String) -> [String: ViewValue] {
        let text = ViewValue.string(attack)
        switch page {
        case "login":
            return [
                "login_csrf": text,
                "email_field": [
                    "id": "email", "name": "email", "label": text, "type": "email", "value": text, "required": true,
                    "autocomplete": "username", "hint": .null, "error": text, "described_by": "email-error",
                ],
                "password_field": [
                    "id": "password", "name": "password", "label": text, "type": "password", "value": "", "required": true,
                    "autocomplete": "current-password", "hint": .null, "error": .null, "described_by": "",
                ],
            ]
        case "error":
            return ["status": 404, "code": text, "message": text]
        case "dashboard":
            let chart = ViewValue.html(TrustedHTML(escaping: attack))
            return [
                "open": 3, "values": [["amount": text]], "breached": 1, "cycle_time": text, "decided": 2,
                "age_chart": chart, "throughput_chart": chart,
            ]
        case "exceptions":
            let item: ViewValue = [
                "href": "/tasks/1", "has_task": true, "title": text, "template": text, "reference": text, "role": text,
                "amount": text, "due": text, "overdue": true, "escalated": true, "age": text, "status": text, "error": text,
                "priority": text,
            ]
            return [
                "items": [item, item.merging(["has_task": false])], "total": 2, "page": 1, "pages": 2,
                "has_previous": false, "previous_href": "/exceptions?page=1", "has_next": true,
                "next_href": "/exceptions?page=2", "sorts": [["value": text, "label": text, "selected": true]],
                "templates": [["value": text, "selected": false]], "any_template": true,
            ]
        case "task":
            let line: ViewValue = [
                "invoice_line": text, "po_line": text, "sku": text, "uom": text, "ordered": text, "received": text,
                "invoiced": text, "order_price": text, "invoice_price": text, "amount": text, "outcome": text,
                "variance": true, "reasons": text,
            ]
            return [
                "task": [
                    "id": text, "title": text, "role": text, "amount": text, "status": text, "due": text, "escalated": true,
                    "decided_by": text, "comment": text, "action": "/tasks/1/decision",
                ],
                "run": ["id": text, "template": text, "reference": text, "status": text],
                "match": [
                    "outcome": text, "invoice_number": text, "po_number": text, "supplier": text, "invoice_total": text,
                    "variance_total": text, "reasons": [text], "lines": [line, line.merging(["variance": false])],
                ],
                "has_match": true, "timeline": [["step": text, "kind": text, "outcome": text, "at": text]],
                "assistant": [
                    "labels": [text], "has_recommendation": true, "root_cause": text, "resolution": text,
                    "confidence": text, "priority": text, "parts": [["name": text, "explanation": text]], "similar": [text],
                ],
                "has_assistant": true,
                "can_decide": true, "blocker": text, "has_blocker": false,
            ]
        case "audit":
            return [
                "entries": [[
                    "id": "1", "at": text, "actor": text, "action": text, "subject": text, "details": text,
                    "source_ip": text,
                ]],
                "action": text, "intact": false, "checked": 1, "broken_at": text, "has_more": true,
                "next_href": "/audit?before=1",
            ]
        case "tenants":
            return [
                "tenants": [["slug": text, "name": text, "status": text, "partner": text, "created": text]],
                "is_provider": true, "can_onboard": true,
            ]
        case "client_new":
            let field: ViewValue = [
                "id": "slug", "name": "slug", "label": text, "type": "text", "value": text, "required": true,
                "autocomplete": .null, "hint": text, "error": text, "described_by": "slug-hint slug-error",
            ]
            return ["slug_field": field, "name_field": field, "templates": [["slug": text, "title": text]]]
        case "billing":
            return [
                "chart": .html(TrustedHTML(escaping: attack)), "has_chart": true, "chart_problem": text,
                "statements": [["number": text, "kind": text, "buyer": text, "month": text, "total": text, "issued": text]],
            ]
        case "events":
            return [
                "events": [["seq": "1", "id": text, "type": text, "source": text, "ingress": text, "received": text]],
                "type": text, "has_more": true, "next_href": "/events?after=1",
            ]
        case "dead_letters":
            return [
                "letters": [[
                    "id": "1", "kind": text, "reason": text, "code": text, "event_id": text, "received": text,
                    "excerpt": text, "action": "/dead-letters/1/replay",
                ]],
                "can_replay": true, "has_more": true, "next_href": "/dead-letters?after=1",
            ]
        case "client_created":
            return [
                "tenant": ["slug": text, "name": text, "status": text, "schema": text], "api_key": text,
                "deployed": [["slug": text, "version": text]],
            ]
        case "publisher_catalog":
            let choice: ViewValue = ["value": text, "selected": true]
            return [
                "templates": [[
                    "slug": text, "title": text, "can_diff": true, "from_choices": [choice], "to_choices": [choice],
                    "versions": [[
                        "version": text, "origin": text, "title": text, "published_at": text, "published_by": text,
                        "is_default": true,
                    ]],
                ]],
                "can_publish": true,
            ]
        case "publisher_publish":
            return ["document": text, "problems": [["location": text, "message": text]], "error": text]
        case "publisher_diff":
            return [
                "slug": text, "from": text, "to": text, "count": 1,
                "sections": [["name": text, "added": text, "removed": text, "changed": text]],
                "changes": [["kind": text, "path": text, "old": text, "new": text]],
            ]
        case "publisher_deployments":
            return [
                "deployments": [[
                    "tenant": text, "tenant_name": text, "template": text, "version": text, "origin": text, "newest": text,
                    "behind": true, "deployed": text, "deployed_by": text,
                ]],
            ]
        case "runs":
            let run: ViewValue = [
                "href": "/runs/1", "id": text, "template": text, "version": text, "reference": text, "status": text,
                "tone": "info", "step": text, "error": text, "created": text, "updated": text,
            ]
            return [
                "runs": [run], "has_more": true, "next_href": "/runs?before=1&id=1", "is_first_page": false,
                "first_href": "/runs?", "templates": [["value": text, "selected": true]], "any_template": false,
                "statuses": [["value": text, "selected": false]], "any_status": true,
            ]
        case "run":
            return [
                "run": [
                    "id": text, "template": text, "version": text, "reference": text, "status": text, "tone": "danger",
                    "step": text, "waiting_for": text, "error": text, "created": text, "updated": text, "completed": text,
                ],
                "timeline": [[
                    "step": text, "kind": text, "outcome": text, "tone": "success", "started": text, "finished": text,
                    "duration": text, "result": text,
                ]],
                "tasks": [[
                    "href": "/tasks/1", "linked": true, "title": text, "step": text, "role": text, "amount": text,
                    "status": text, "tone": "warning", "due": text, "decided_by": text, "decided_at": text, "comment": text,
                ]],
            ]
        case "endpoints":
            return [
                "endpoints": [[
                    "href": "/endpoints/1", "url": text, "description": text, "event_types": text, "enabled": false,
                    "disabled_reason": text, "circuit": text, "circuit_tone": "danger", "failures": 3, "created": text,
                ]]
            ]
        case "endpoint":
            return [
                "endpoint": [
                    "url": text, "description": text, "enabled": false, "disabled_reason": text, "circuit": text,
                    "circuit_tone": "danger", "failures": 2, "open_until": text, "failing_since": text,
                ],
                "deliveries": [[
                    "seq": "1", "webhook_id": text, "event_type": text, "state": text, "tone": "warning", "attempts": 2,
                    "response": text, "next_attempt": text, "created": text, "delivered": text, "error": text,
                ]],
                "has_more": true, "next_href": "/endpoints/1?before=1", "is_first_page": false, "first_href": "/endpoints/1",
            ]
        case "secret_issued":
            return [
                "heading": text, "label": text, "secret": text, "facts": [["label": text, "value": text]],
                "back_href": "/settings/api-keys", "back_label": text,
            ]
        case "api_keys":
            let field: ViewValue = [
                "id": "key-name", "name": "name", "label": text, "type": "text", "value": text, "required": false,
                "autocomplete": .null, "hint": text, "error": text, "described_by": "key-name-hint key-name-error",
            ]
            let key: ViewValue = [
                "prefix": text, "name": text, "scopes": text, "state": text, "tone": "success", "created": text,
                "expires": text, "last_used": text, "replaced_by": text, "usable": true,
                "rotate_action": "/settings/api-keys/x/rotate", "revoke_action": "/settings/api-keys/x/revoke",
            ]
            return [
                "keys": [key, key.merging(["usable": false])], "scopes": [["value": text, "checked": true]],
                "name_field": field, "ip_field": field, "expiry_field": field, "default_overlap": 24,
            ]
        case "webhook_secrets":
            return [
                "sources": [["source": text, "since": text, "overlap_until": text, "address": text]],
                "default_overlap": 24,
                "source_field": [
                    "id": "new-source", "name": "source", "label": text, "type": "text", "value": text, "required": true,
                    "autocomplete": .null, "hint": text, "error": text, "described_by": "new-source-hint new-source-error",
                ],
            ]
        case "partner_users":
            let field: ViewValue = [
                "id": "user-email", "name": "email", "label": text, "type": "email", "value": text, "required": true,
                "autocomplete": .null, "hint": .null, "error": .null, "described_by": "",
            ]
            let user: ViewValue = [
                "email": text, "name": text, "roles": text, "status": text, "tone": "success", "since": text,
                "can_disable": true, "disable_action": "/partner/users/1/disable",
            ]
            return [
                "users": [user, user.merging(["can_disable": false])],
                "roles": [["value": text, "label": text, "checked": true]], "email_field": field, "name_field": field,
            ]
        case "deployments":
            let tenant: ViewValue = [
                "slug": text, "name": text, "status": text, "is_active": true,
                "deployments": [[
                    "template": text, "title": text, "version": text, "newer": text,
                    "parameters": [["name": text, "value": text]], "deployed_by": text, "deployed_at": text,
                ]],
            ]
            return ["tenants": [tenant, tenant.merging(["is_active": false, "deployments": []])]]
        case "brand":
            let field: ViewValue = [
                "id": "brand-name", "name": "display_name", "label": text, "type": "text", "value": text, "required": true,
                "autocomplete": .null, "hint": text, "error": .null, "described_by": "brand-name-hint",
            ]
            return [
                "name_field": field, "email_field": field, "primary_field": field, "accent_field": field,
                "phone_field": field, "footer_field": field, "show_preview": true,
                "preview": [
                    "name": text, "support_email": text, "support_phone": text, "footer": text,
                    "stylesheet_href": "/brand-preview.css?primary=1f4e79&accent=b35900", "applied": true,
                ],
                "checks": [["label": text, "result": text, "passed": false]], "partner": text,
            ]
        case "partners":
            return [
                "partners": [[
                    "slug": text, "name": text, "kind": text, "support_email": text, "domains": text, "tenants": 2,
                    "active": 1, "since": text,
                ]],
                "truncated": true, "limit": 500,
            ]
        case "health":
            return [
                "checks": [["name": text, "ok": false, "result": text], ["name": text, "ok": true, "result": text]],
                "pools": [[
                    "name": text, "open": 1, "idle": 0, "leased": 1, "waiting": 2, "maximum": text, "saturated": true,
                ]],
                "has_tenants": true,
                "tenants": [["tenant": text, "open": 1, "dead": 2, "outbox": 3, "runnable": 4]],
                "totals": ["open": 1, "dead": 2, "outbox": 3, "runnable": 4],
            ]
        case "profile":
            return [
                "name": text, "email": text, "organization": text, "roles": text,
                "zones": [["value": text, "selected": true]], "now": text, "error": text,
            ]
        default:
            return [:]
        }
    }

    @Test func everyPageRendersWithItsFixtureAndEscapesWhatUsersWrote() throws {
        let views = try Portal.loadViews(root: Self.root)
        let pages = views.templateNames.filter { $0.hasPrefix("pages/") }
        #expect(pages.count >= 7)
        let brand = try PortalBrand(
            name: Self.attack, partner: "acme", supportEmail: "help@acme.example", footerText: Self.attack)
        for page in pages {
            let name = String(page.dropFirst("pages/".count))
            let fixture = Self.fixture(name)
            #expect(!fixture.isEmpty, "no fixture for \(page)")
            let layout = LayoutContext(
                pageTitle: Self.attack, brand: brand, nav: [try .init(Self.attack, href: "/")],
                session: try .init(displayName: Self.attack), csrfToken: "token", flash: [FlashMessage(.error, Self.attack)])
            let html = try views.render(page, context: layout.context(page: fixture))
            #expect(!html.contains("<script>"), "\(page) printed a raw script tag")
            #expect(html.contains("&lt;script&gt;"), "\(page) did not show the escaped text")
            #expect(html.contains("<!DOCTYPE html>"), "\(page) is not inside the layout")
        }
    }

    @Test func aPageMissingAVariableIsAnErrorNotABlank() throws {
        let views = try Portal.loadViews(root: Self.root)
        let brand = try PortalBrand(name: "A", partner: "acme", supportEmail: "help@acme.example", footerText: "f")
        var fixture = Self.fixture("task")
        fixture.removeValue(forKey: "timeline")
        let layout = LayoutContext(pageTitle: "t", brand: brand, csrfToken: "token")
        #expect(throws: TemplateError.self) { try views.render("pages/task", context: layout.context(page: fixture)) }
    }
}
