"""The partner page's lifecycle panel in Chromium, on a desktop and a 375 px phone.

Each width walks a demo partner no other browser test relies on through its
lifecycle: errors under their fields, reactivation, a confirmed exit, then
the read-only page. Screenshots of a full partner page in English and
French at both widths land in test-output/browser/.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT, fits_the_screen, sign_in

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": (1280, 900), "phone": (375, 812)}


@pytest.fixture
def at_width(browser, request):
    contexts = []
    OUTPUT.mkdir(parents=True, exist_ok=True)

    def open_page(width: str):
        w, h = WIDTHS[width]
        context = browser.new_context(locale="en-GB", viewport={"width": w, "height": h})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.mark.parametrize(
    ("width", "partner", "status"),
    [
        ("desktop", "Institut Régional de Formation des Soignants", "Active"),
        ("phone", "Institut de Formation Biomédicale", "Onboarding"),
    ],
)
def test_the_lifecycle_panel_walks_a_partner_to_its_exit(stack, at_width, width, partner, status):
    base = f"http://demo.localhost:{stack['port']}"
    page = at_width(width)
    sign_in(page, base, "marc.manager@demo.test")
    page.goto(f"{base}/partners/")
    page.get_by_role("link", name=partner).click()
    expect(page.get_by_role("heading", name=partner)).to_contain_text(status)
    panel = page.locator("section.lifecycle")

    if status == "Onboarding":
        expect(panel.get_by_role("button", name="Suspend")).to_have_count(0)
        panel.get_by_role("button", name="Activate").click()
        expect(page.get_by_role("status")).to_have_text(f"{partner} is now active.")

    # A suspension without a reason: the error sits under its field, nothing else moves.
    panel.get_by_role("button", name="Suspend").click()
    reason = page.get_by_label("Reason for the suspension")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#suspend-reason_error")).to_have_text(
        "Give a reason: the partner and the audit trail keep it."
    )
    expect(reason).to_have_attribute("aria-describedby", "suspend-reason_error")
    page.screenshot(path=str(OUTPUT / f"lifecycle-error-{width}.png"), full_page=True)
    fits_the_screen(page)
    reason.fill("Membership fees unpaid")
    page.get_by_role("button", name="Suspend").click()
    expect(page.get_by_role("status")).to_have_text(f"{partner} is now suspended.")
    expect(page.locator("p.notice")).to_have_text("Reason: Membership fees unpaid")
    expect(page.locator(".history li").first).to_contain_text("Marc Dubois suspended")

    # Suspended: it may come back.
    panel.get_by_role("button", name="Reactivate").click()
    expect(page.get_by_role("status")).to_have_text(f"{partner} is active again.")

    # Exit: the box must be ticked; what was typed stays.
    page.get_by_label("Reason for the exit").fill("Merged into another association")
    panel.get_by_role("button", name="Exit the ecosystem").click()
    expect(page.locator("#exit-confirm_error")).to_have_text("Tick the box to confirm the exit.")
    expect(page.get_by_label("Reason for the exit")).to_have_value("Merged into another association")
    fits_the_screen(page)
    page.get_by_label("I confirm that this partner leaves the ecosystem for good.").check()
    panel.get_by_role("button", name="Exit the ecosystem").click()
    expect(page.get_by_role("status")).to_have_text(f"{partner} has left the ecosystem.")

    # Read-only from now on.
    expect(page.get_by_text("This partner has left the ecosystem: its page is read-only.")).to_be_visible()
    expect(page.locator("section.lifecycle")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.get_by_role("button", name="Invite")).to_have_count(0)
    expect(page.get_by_text("Add an agreement")).to_have_count(0)
    page.screenshot(path=str(OUTPUT / f"lifecycle-exited-{width}.png"), full_page=True)
    fits_the_screen(page)


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_partner_page_fits_each_width_in_each_language(stack, at_width, width, language):
    base = f"http://demo.localhost:{stack['port']}"
    page = at_width(width)
    sign_in(page, base, "marc.manager@demo.test")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    page.goto(f"{base}/partners/")
    page.get_by_role("link", name="Carevia Equipment").click()

    history = "Historique" if language == "fr" else "History"
    added = "a ajouté le partenaire Carevia Equipment." if language == "fr" else "added the partner Carevia Equipment."
    expect(page.get_by_role("heading", name=history)).to_be_visible()
    expect(page.locator(".history")).to_contain_text(added)
    page.screenshot(path=str(OUTPUT / f"partner-page-{language}-{width}.png"), full_page=True)
    fits_the_screen(page)
