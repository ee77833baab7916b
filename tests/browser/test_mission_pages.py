"""The staff's mission pages in Chromium: a manager builds a mission through its forms, then works the
validation queue, which htmx refreshes in place (the page is not reloaded); axe checks every document,
and the mission page fits a 375 px phone."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT, fits_the_screen, loaded, sign_in

pytestmark = pytest.mark.browser


def _go(page, locator) -> None:
    """Click what leads to another document, and wait until that one has loaded and been checked."""
    with page.expect_navigation(wait_until="load"):
        locator.click()
    loaded(page)


def test_a_manager_builds_a_mission_and_validates_its_queue_in_place(stack, page):
    base = f"http://demo.localhost:{stack['port']}"
    today = dt.date.today()
    sign_in(page, base, "marc.manager@demo.test")
    loaded(page)

    _go(page, page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Missions"))
    _go(page, page.get_by_role("link", name="New mission"))
    page.get_by_label("Title").fill("Browser-built mission")
    page.get_by_label("Start").fill(str(today - dt.timedelta(days=30)))
    page.get_by_label("End").fill(str(today + dt.timedelta(days=300)))
    _go(page, page.get_by_role("button", name="Save"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Browser-built mission")
    _go(page, page.get_by_role("button", name="Move to Open"))
    _go(page, page.get_by_role("button", name="Move to Active"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Active")

    _go(page, page.get_by_role("link", name="Add an objective"))
    page.get_by_label("Title").fill("Revenue")
    page.get_by_label("Metric").select_option("value")
    page.get_by_label("Target").fill("1000")
    page.get_by_label("Due").fill(str(today + dt.timedelta(days=200)))
    _go(page, page.get_by_role("button", name="Save"))
    expect(page.locator("#objectives-title")).to_be_visible()

    _go(page, page.get_by_role("link", name="Invite a partner"))
    page.get_by_label("Partner").select_option(label="Medisol Devices")
    _go(page, page.get_by_role("button", name="Invite"))
    _go(page, page.get_by_role("link", name="Medisol Devices"))
    page.get_by_label("Accept").check()
    _go(page, page.get_by_role("button", name="Record the answer"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Taking part")
    _go(page, page.get_by_role("link", name="Browser-built mission"))

    for value in ("120", "80", "40"):
        _go(page, page.get_by_role("link", name="Declare a contribution"))
        page.get_by_label("Declared for").select_option(label="Medisol Devices")
        page.get_by_label("Value", exact=True).fill(value)
        page.get_by_label("Date").fill(str(today))
        page.get_by_label("Objective").select_option(label="Revenue")
        _go(page, page.get_by_role("button", name="Declare"))
        expect(page.get_by_role("heading", level=1)).to_contain_text("Awaiting validation")
        _go(page, page.get_by_role("link", name="Browser-built mission"))

    queue = page.locator("#queue")
    expect(queue).to_contain_text("3 contributions match.")
    page.evaluate("window.notReloaded = true")

    # Rejecting without a reason: the error comes back into the queue, the page stays.
    queue.locator("input[name=ids]").first.check()
    queue.get_by_role("button", name="Reject selected").click()
    expect(queue.locator("#queue-reason_error")).to_have_text("This field is required.")
    expect(queue.locator("input[name=ids]").first).to_be_checked()

    queue.locator("input[name=ids]").nth(1).check()
    queue.get_by_role("button", name="Validate selected").click()
    expect(queue.get_by_role("status")).to_have_text("2 validated")
    expect(queue).to_contain_text("1 contribution matches.")
    assert page.evaluate("window.notReloaded") is True

    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    loaded(page)
    expect(page.locator("#totals-title")).to_be_visible()
    page.screenshot(path=str(OUTPUT / "mission-page-phone.png"), full_page=True)
    fits_the_screen(page)
