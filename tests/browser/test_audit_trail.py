import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT, sign_in

pytestmark = pytest.mark.browser


def test_a_reviewer_reads_the_audit_trail_as_sentences(stack, page):
    base = f"http://demo.localhost:{stack['port']}"
    sign_in(page, base, "rita.reviewer@demo.test")
    page.goto(f"{base}/governance/audit/?action=partner.created")

    expect(page.get_by_role("cell", name="Alice Martin added the partner Medisol Devices.")).to_be_visible()
    expect(page.get_by_text("Tier: Strategic").first).to_be_visible()
    page.screenshot(path=str(OUTPUT / "audit-trail.png"), full_page=True)
