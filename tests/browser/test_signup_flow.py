import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT, sign_in

pytestmark = pytest.mark.browser


def test_sign_up_lands_signed_in_and_switches_to_french(stack, page):
    page.goto(f"{stack['url']}/")
    page.get_by_role("link", name="Create your ecosystem").click()

    page.get_by_label("Company name").fill("Omega Health Alliance")
    page.get_by_label("Address").fill("omega")
    page.get_by_label("Your name").fill("Olga Orchestrator")
    page.get_by_label("Your work email").fill("olga@omega.test")
    page.get_by_label("Password").fill("a-strong-passphrase-77")
    page.get_by_role("button", name="Create my ecosystem").click()

    # Handed over to the new tenant's own host, and signed in there at once.
    page.wait_for_url(f"http://omega.localhost:{stack['port']}/")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    assert "Welcome, Olga" in page.content()
    expect(page.locator("header .who")).to_have_text("Olga · Administrator")

    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "signup-dashboard-fr.png"), full_page=True)


def test_sign_up_with_a_taken_address_shows_the_error_on_the_field(stack, page):
    page.goto(f"{stack['url']}/signup/")
    page.get_by_label("Company name").fill("Another Demo")
    page.get_by_label("Address").fill("demo")
    page.get_by_label("Your work email").fill("x@another.test")
    page.get_by_label("Password").fill("a-strong-passphrase-77")
    page.get_by_role("button", name="Create my ecosystem").click()

    expect(page.locator("#id_slug_error")).to_have_text("“demo” is already taken. Choose another address.")
    assert page.get_by_label("Company name").input_value() == "Another Demo"


def test_staff_invitation_mail_link_creates_the_account(stack, page):
    sign_in(page, f"http://demo.localhost:{stack['port']}", "alice.admin@demo.test")
    page.get_by_role("link", name="Team", exact=True).click()
    page.get_by_label("Email", exact=True).fill("new.reviewer@demo.test")
    page.get_by_label("Role", exact=True).select_option("reviewer")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_have_text("Invitation sent to new.reviewer@demo.test.")
    page.get_by_role("button", name="Sign out").click()

    link = _wait_for_link(stack["mail"], "new.reviewer@demo.test")
    page.goto(link)
    page.get_by_label("Full name").fill("Nora Reviewer")
    page.get_by_label("Password", exact=True).fill("another-strong-pass-88")
    page.get_by_label("Password again").fill("another-strong-pass-88")
    page.get_by_role("button", name="Create my account").click()

    page.wait_for_url(f"http://demo.localhost:{stack['port']}/")
    expect(page.locator("header .who")).to_have_text("Nora · Governance reviewer")


def _wait_for_link(folder, address, timeout=20.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in folder.iterdir():
            text = mail.read_text()
            if f"To: {address}" in text:
                return re.search(r"http://\S+/accounts/invitations/\S+/", text).group(0)
        time.sleep(0.2)
    raise AssertionError(f"no invitation mail to {address}")
