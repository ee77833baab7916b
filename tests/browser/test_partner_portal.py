import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT, sign_in
from tests.browser.test_signup_flow import _wait_for_link

pytestmark = pytest.mark.browser


def test_staff_invite_a_partner_user_who_lands_in_the_portal(stack, page):
    base = f"http://demo.localhost:{stack['port']}"
    sign_in(page, base, "marc.manager@demo.test")
    page.get_by_role("link", name="Partners", exact=True).click()
    page.get_by_role("link", name="Second Souffle Refurbishing").click()
    page.get_by_label("Email", exact=True).fill("ines@secondsouffle.test")
    page.get_by_label("Role", exact=True).select_option("partner_admin")
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Invitation sent to ines@secondsouffle.test.")
    page.get_by_role("button", name="Sign out").click()

    page.goto(_wait_for_link(stack["mail"], "ines@secondsouffle.test"))
    expect(page.get_by_text("You were invited as Partner administrator")).to_be_visible()
    page.get_by_label("Full name").fill("Inès Roux")
    page.get_by_label("Password", exact=True).fill("refurbished-and-proud-2026")
    page.get_by_label("Password again").fill("refurbished-and-proud-2026")
    page.get_by_role("button", name="Create my account").click()

    page.wait_for_url(f"{base}/portal/")
    expect(page.get_by_role("heading", name="Welcome, Second Souffle Refurbishing")).to_be_visible()
    expect(page.get_by_text("Equip 500 rural clinics with reliable medical equipment by 2027")).to_be_visible()
    expect(page.get_by_role("heading", name="What the ecosystem offers you as Complementary actor")).to_be_visible()
    expect(page.get_by_text("A steady supply of returned devices")).to_be_visible()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "partner-portal-home.png"), full_page=True)

    # The portal never shows the competitors' private data or staff pages.
    page.get_by_role("link", name="Participants").click()
    expect(page.get_by_role("cell", name="Medisol Devices")).to_be_visible()
    assert page.goto(f"{base}/partners/").status == 403


def test_competitors_do_not_see_each_other(stack, page):
    base = f"http://demo.localhost:{stack['port']}"
    sign_in(page, base, "sam@medisol.test")
    page.get_by_role("link", name="Participants").click()

    expect(page.get_by_role("cell", name="Finamed Leasing")).to_be_visible()
    expect(page.get_by_role("cell", name="Carevia Equipment")).to_have_count(0)
    page.screenshot(path=str(OUTPUT / "partner-participants.png"), full_page=True)


def test_staff_directory_in_french(stack, page):
    base = f"http://demo.localhost:{stack['port']}"
    sign_in(page, base, "marc.manager@demo.test")
    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    page.get_by_role("link", name="Partenaires", exact=True).click()
    expect(page.get_by_role("heading", name="Partenaires")).to_be_visible()
    expect(page.get_by_role("link", name="Carevia Equipment")).to_be_visible()
    page.screenshot(path=str(OUTPUT / "directory-fr.png"), full_page=True)
