"""A joint contribution from declaration to the portal's progress bar, in Chromium, on the demo:
Sam (Medisol) declares 25 clinics equipped with Finamed, Paul (Finamed) confirms Finamed's share
from the link in the mail he receives, Marc (manager) validates it from the mission's queue, and
Sam's portal shows the objective's progress bar moved by 5 %."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT, sign_in

pytestmark = pytest.mark.browser

MISSION = "Equip 500 rural clinics by 2027"
OBJECTIVE = "Clinics equipped"


def _mail_link(folder, address: str, path: str, timeout: float = 30.0) -> str:
    """The link to `path` in a mail to `address` (sent by the worker once the declaration committed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in sorted(folder.iterdir()):
            text = mail.read_text()
            found = re.search(rf"http://\S+{re.escape(path)}", text)
            if f"To: {address}" in text and found:
                return found.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no mail to {address} linking to {path}")


def _progress(page) -> int:
    """The objective's progress bar on the portal mission page (its value, in percent)."""
    bar = page.get_by_role("progressbar", name=OBJECTIVE, exact=True)
    expect(bar).to_be_visible()
    return int(float(bar.get_attribute("value")))


def _shot(page, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"joint-{name}.png"), full_page=True)


def test_a_joint_contribution_is_declared_confirmed_from_the_mail_and_validated(stack, page):
    base = f"http://demo.localhost:{stack['port']}"

    # Sam declares, with Finamed, 25 clinics equipped.
    sign_in(page, base, "sam@medisol.test")
    page.get_by_role("link", name="Missions", exact=True).click()
    page.get_by_role("link", name=MISSION).click()
    before = _progress(page)
    _shot(page, "1-portal-before")
    page.get_by_role("link", name="Declare a contribution").click()
    page.get_by_label("Kind").select_option("in_kind")
    page.get_by_label("Description").fill("Monitors for the Bourganeuf clinics, financed by Finamed")
    page.get_by_label("Quantity").fill("25")
    page.get_by_label("Date").fill(time.strftime("%Y-%m-%d"))
    page.get_by_label("Objective").select_option(label=OBJECTIVE)
    page.get_by_label("Finamed Leasing", exact=True).check()
    page.get_by_label("Our weight").fill("0.6")
    page.get_by_label("Weight of Finamed Leasing").fill("0.4")
    _shot(page, "2-declare")
    page.get_by_role("button", name="Declare").click()
    expect(page.get_by_role("status")).to_contain_text("each co-contributor is asked to confirm its share")
    contribution = re.search(r"/portal/missions/contributions/(\d+)/", page.url).group(1)
    page.get_by_role("button", name="Sign out").click()

    # Paul opens the link of his mail, signs in, and confirms Finamed's share.
    link = _mail_link(stack["mail"], "paul@finamed.test", f"/portal/missions/contributions/{contribution}/")
    page.goto(link)
    page.get_by_label("Email").fill("paul@finamed.test")
    page.get_by_label("Password").fill("symbiose-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/portal/missions/contributions/{contribution}/")
    expect(page.get_by_text("Monitors for the Bourganeuf clinics")).to_be_visible()
    _shot(page, "3-confirm")
    page.get_by_role("button", name="Confirm our share").click()
    expect(page.get_by_role("status")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # Marc validates it from the mission's queue (htmx: the page is not reloaded).
    sign_in(page, base, "marc.manager@demo.test")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Missions").click()
    page.get_by_role("link", name=MISSION).click()
    page.wait_for_load_state("load")
    queue = page.locator("#queue")
    queue.locator(f"#pick-{contribution}").check()
    queue.get_by_role("button", name="Validate selected").click()
    expect(queue.get_by_role("status")).to_have_text("1 validated")
    _shot(page, "4-validated")
    page.get_by_role("button", name="Sign out").click()

    # Sam's portal: the bar moved by 25 of 500 clinics.
    sign_in(page, base, "sam@medisol.test")
    page.goto(f"{base}/portal/missions/")
    page.get_by_role("link", name=MISSION).click()
    after = _progress(page)
    _shot(page, "5-portal-after")
    assert after - before == 5, (before, after)
