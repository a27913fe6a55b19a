"""The portal acceptance flow in Chromium, driven by Playwright.

Usage: portal_flow.py BASE_URL SCREENSHOT_DIR. Exits non-zero on the first
failed expectation, naming it. Demo users come from Tenants/*.json.
"""
import pathlib
import re
import sys
import time

from playwright.sync_api import expect, sync_playwright

BASE = sys.argv[1].rstrip("/")
SHOTS = pathlib.Path(sys.argv[2])
SHOTS.mkdir(parents=True, exist_ok=True)
MANAGER = ("ap.manager@acme-foods.example", "demo-acme-manager-2026")
OTHER = ("ap@cedar-retail.example", "demo-cedar-ap-2026")


def shot(page, name):
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page, partner, user):
    page.goto(f"{BASE}/p/{partner}/login")
    page.fill("#email", user[0])
    page.fill("#password", user[1])
    page.click("button[type=submit]")
    page.wait_for_url(f"{BASE}/")


with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
    manager = browser.new_context(viewport={"width": 1280, "height": 900})
    page = manager.new_page()

    page.goto(f"{BASE}/p/northwind/login")
    expect(page.locator("input[name=email]")).to_be_visible()
    expect(page.locator("input[name=password]")).to_be_visible()
    shot(page, "01-login-northwind")
    sign_in(page, "northwind", MANAGER)
    expect(page.locator(".brand__name")).to_have_text("Northwind Managed Finance")
    shot(page, "02-dashboard")

    # The engine turns the ingested documents into an approval task within a moment.
    link = page.locator("a[href^='/tasks/']").first
    for _ in range(60):
        page.goto(f"{BASE}/exceptions")
        if link.count() > 0:
            break
        time.sleep(0.5)
    expect(link).to_be_visible()
    shot(page, "03-exception-queue")
    task_href = link.get_attribute("href")
    link.click()
    expect(page.get_by_text("Purchase order, receipts and invoice side by side")).to_be_visible()
    expect(page.locator("tr.is-variance")).to_have_count(1)
    shot(page, "04-task-three-way-match")

    page.check("input[name=decision][value=approve]")
    page.fill("#comment", "Short shipment: credit note requested from the supplier.")
    page.click("text=Record decision")
    page.wait_for_url(re.compile(r".*/exceptions\?decided=approve$"))
    expect(page.get_by_text("Your decision (approve) is recorded.")).to_be_visible()
    expect(page.locator(f"a[href='{task_href}']")).to_have_count(0)
    shot(page, "05-queue-after-approval")

    page.goto(f"{BASE}/audit")
    expect(page.get_by_text("Chain verified")).to_be_visible()
    expect(page.locator("td", has_text="task.approve").first).to_be_visible()
    shot(page, "06-audit-trail")

    # A form post without the session's CSRF token is refused.
    refused = manager.request.post(f"{BASE}/logout", form={"nothing": "here"}, max_redirects=0)
    assert refused.status == 403, f"CSRF-less post answered {refused.status}"

    other = browser.new_context(viewport={"width": 375, "height": 800})
    second = other.new_page()
    second.goto(f"{BASE}/p/keystone/login")
    shot(second, "07-login-keystone-mobile")
    sign_in(second, "keystone", OTHER)
    expect(second.locator(".brand__name")).to_have_text("Keystone ERP Partners")
    assert "Northwind" not in second.content(), "the second partner's user saw the first partner's brand"
    shot(second, "08-keystone-dashboard-mobile")

    browser.close()
print("browser flow passed; screenshots in", SHOTS)
