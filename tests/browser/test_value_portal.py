"""A partner's own value in Chromium, and where a partner's figures come from for the staff: in the demo
ecosystem (its finished report), Sam (Medisol) opens "My value" from the portal's navigation — the scorecard,
the monthly chart drawn by ECharts and its table, the ecosystem's aggregates — and then where his figures
come from; Marc (manager) follows a scorecard row of the report to its explanation. English and French, at
1280 and 375 px, axe on every document; screenshots value-portal-*.png and value-explain-*.png."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT, checked_page, loaded, shoot_both_ways, sign_in

pytestmark = pytest.mark.browser


def _chart_drawn(page, _language: str) -> None:
    expect(page.locator("#chart-partner-trend canvas")).to_be_visible()
    width = page.evaluate("document.getElementById('chart-partner-trend').getBoundingClientRect().width")
    viewport = page.viewport_size["width"]
    assert 0 < width <= viewport, f"the chart is {width}px wide in a {viewport}px window"


def test_a_partner_reads_its_value_and_the_staff_read_where_a_partner_s_figures_come_from(stack, browser):
    base = f"http://demo.localhost:{stack['port']}"
    OUTPUT.mkdir(parents=True, exist_ok=True)
    violations = []

    # Sam, Medisol's partner admin: "My value" from the portal's navigation.
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page, axe = checked_page(context)
    sign_in(page, base, "sam@medisol.test")
    page.wait_for_url(f"{base}/portal/")
    loaded(page)
    expect(page.get_by_role("heading", name="Our value")).to_be_visible()  # the home's panel
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="My value").click()
    loaded(page)
    expect(page.get_by_role("heading", name="Our scorecard")).to_be_visible()
    expect(page.get_by_role("heading", name="The ecosystem, in aggregate")).to_be_visible()
    body = page.locator("main").inner_text()
    for competitor in ("Carevia", "Finamed", "Second Souffle"):
        assert competitor not in body, competitor
    explain = page.get_by_role("link", name="Where our figures come from")
    portal_explanation = explain.get_attribute("href")
    shoot_both_ways(page, base, "/portal/value/", "value-portal", _chart_drawn)
    shoot_both_ways(
        page, base, portal_explanation, "value-portal-explain",
        lambda p, _language: expect(p.locator("#contributions-title")).to_be_visible(),
    )  # fmt: skip
    violations += axe.unclaimed()
    context.close()

    # Marc, a manager: from the finished report's scorecard to a partner's explanation.
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page, axe = checked_page(context)
    sign_in(page, base, "marc.manager@demo.test")
    loaded(page)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Reports").click()
    loaded(page)
    with page.expect_navigation(wait_until="load"):
        page.locator("main table a[href^='/reports/']").first.click()
    loaded(page)
    row_link = page.locator("#scorecard-title").locator("xpath=ancestor::section").locator("tbody a").first
    partner = row_link.inner_text()
    with page.expect_navigation(wait_until="load"):
        row_link.click()
    loaded(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Where the figures of {partner} come from")
    expect(page.get_by_role("heading", name="Fair share per objective")).to_be_visible()
    staff_explanation = page.url.removeprefix(base)
    shoot_both_ways(
        page, base, staff_explanation, "value-explain",
        lambda p, _language: expect(p.locator("#objectives-title")).to_be_visible(),
    )  # fmt: skip
    violations += axe.unclaimed()
    context.close()

    assert not violations, "WCAG 2.1 A/AA violations found by axe-core:\n" + "\n".join(violations)
