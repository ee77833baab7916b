"""A value report in Chromium: a manager requests one for the last 12 months on /reports/; the report page
shows its progress (htmx polls the fragment), the real worker computes it, the page reloads by itself and
draws its five ECharts charts; screenshots at 1280 and 375 px, axe on every document."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT, fits_the_screen, loaded, sign_in

pytestmark = pytest.mark.browser

CHARTS = ("chart-top", "chart-roles", "chart-trend", "chart-lorenz", "chart-network")


def _go(page, locator) -> None:
    with page.expect_navigation(wait_until="load"):
        locator.click()
    loaded(page)


def _charts_drawn(page) -> None:
    for chart in CHARTS:
        container = page.locator(f"#{chart}")
        expect(container).to_have_attribute("role", "img")
        size = page.evaluate(
            """(id) => { const c = document.querySelector('#' + id + ' canvas, #' + id + ' svg');
                        if (!c) return null; const r = c.getBoundingClientRect(); return [r.width, r.height]; }""",
            chart,
        )
        assert size is not None and size[0] > 0 and size[1] > 0, f"{chart} drew nothing: {size}"


def test_a_manager_requests_a_report_and_watches_it_finish_into_charts(stack, page):
    base = f"http://demo.localhost:{stack['port']}"
    today = dt.date.today()
    polled = []
    page.on("response", lambda r: polled.append(r.status) if r.url.endswith("/progress/") else None)
    sign_in(page, base, "marc.manager@demo.test")
    loaded(page)

    _go(page, page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Reports"))
    page.get_by_label("From", exact=True).fill(str(today - dt.timedelta(days=365)))
    page.get_by_label("To", exact=True).fill(str(today))
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Request the report").click()
    # The report page, first while queued or running (the worker may already be done: then it shows charts).
    expect(page.locator("#report-progress, #chart-top").first).to_be_visible()
    # htmx polls the fragment every second and reloads the page once the report is done.
    expect(page.locator("#chart-top canvas")).to_be_visible(timeout=90_000)
    loaded(page)
    expect(page.get_by_role("heading", name="Headline figures")).to_be_visible()
    expect(page.locator(".badge.done").first).to_be_visible()
    _charts_drawn(page)
    page.screenshot(path=str(OUTPUT / "value-report-1280.png"), full_page=True)

    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    loaded(page)
    expect(page.locator("#chart-lorenz canvas")).to_be_visible()
    _charts_drawn(page)
    for chart in CHARTS:
        width = page.evaluate(f"document.getElementById('{chart}').getBoundingClientRect().width")
        assert 0 < width <= 375, f"{chart} is {width}px wide on a 375px phone"
    page.screenshot(path=str(OUTPUT / "value-report-375.png"), full_page=True)
    fits_the_screen(page)
    assert all(status == 200 for status in polled)
