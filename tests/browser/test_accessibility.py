"""Every page of the app, opened by the persona it is for, in English and in
French, at desktop (1280 px) and phone (375 px) width: axe-core finds no
WCAG 2.1 A/AA violation, and on a phone the document never scrolls sideways.
Forms are also seen refused, with their error summary.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT, checked_page, sign_in
from tests.browser.test_signup_flow import _wait_for_link

pytestmark = pytest.mark.browser

LANGUAGES = ("en", "fr")
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 375, "height": 812}
# Screenshots of every page, language and width: `A11Y_SHOTS=/some/folder make test ...`.
SHOTS = Path(os.environ["A11Y_SHOTS"]) if os.environ.get("A11Y_SHOTS") else None
REFUSED = "refused"  # open the page, then send its (first) form as it is: empty or invalid


def _survey(page, axe, base: str, persona: str, pages: list[tuple], problems: list[str]) -> None:
    """Opens each (name, path[, REFUSED]) in both languages and both widths; collects what is wrong."""
    for language in LANGUAGES:
        page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        for name, path, *how in pages:
            where = f"{persona} · {name} · {language}"
            page.set_viewport_size(DESKTOP)
            page.goto(f"{base}{path}")
            if how == [REFUSED]:
                axe.check()  # the page as it opens has its own entry
                page.locator("main form:not(.lang) button[type=submit]").first.click()
                page.wait_for_load_state()
                if not page.locator(".error-summary").count():
                    problems.append(f"{where}: the refused form shows no error summary")
            if page.locator("html").get_attribute("lang") != language:
                problems.append(f"{where}: the page is not in {language}")
            problems += [f"{where} · 1280 px: {v}" for v in axe.check()]
            _shoot(page, persona, name, language, 1280)
            page.set_viewport_size(PHONE)
            problems += [f"{where} · 375 px: {v}" for v in axe.check(again=True)]
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                problems.append(f"{where} · 375 px: the document scrolls sideways by {overflow} px")
            _shoot(page, persona, name, language, 375)


def _shoot(page, persona: str, name: str, language: str, width: int) -> None:
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        slug = f"{persona}-{name}".replace(" ", "-").replace(",", "")
        page.screenshot(path=str(SHOTS / f"{slug}-{language}-{width}.png"), full_page=True)


def _persona(browser, base: str, email: str | None = None):
    context = browser.new_context(locale="en-GB", viewport=DESKTOP)
    page, axe = checked_page(context)
    if email:
        sign_in(page, base, email)
        page.wait_for_url(lambda url: "/login/" not in url)
    return context, page, axe


def _close(context, axe, problems: list[str]) -> None:
    problems += axe.unclaimed()  # documents the survey did not check itself (signing in)
    context.close()


def test_every_page_passes_axe_in_both_languages_at_desktop_and_phone_width(stack, browser):
    public, tenant = stack["url"], f"http://demo.localhost:{stack['port']}"
    problems: list[str] = []

    context, page, axe = _persona(browser, public)
    _survey(page, axe, public, "visitor", [
        ("landing", "/"),
        ("landing, finder refused", "/", REFUSED),
        ("sign-up", "/signup/"),
        ("sign-up refused", "/signup/", REFUSED),
        ("not found", "/no-such-page/"),
    ], problems)  # fmt: skip
    _close(context, axe, problems)

    context, page, axe = _persona(browser, tenant, "alice.admin@demo.test")
    page.goto(f"{tenant}/partners/")
    carevia = page.get_by_role("link", name="Carevia Equipment").get_attribute("href")
    page.goto(f"{tenant}/accounts/team/")
    page.locator("#id_email").fill("a11y.visitor@demo.test")
    page.locator("#id_role").select_option("reviewer")
    page.locator("main form button[type=submit]").first.click()
    expect(page.get_by_role("status")).to_contain_text("a11y.visitor@demo.test")
    page.goto(f"{tenant}/missions/")
    clinics = page.get_by_role("link", name="Equip 500 rural clinics by 2027").get_attribute("href")
    circular = page.get_by_role("link", name="Circular medical equipment").get_attribute("href")
    page.goto(f"{tenant}{clinics}")
    queued = page.locator("#queue a[href*='/missions/contributions/']").first.get_attribute("href")
    page.goto(f"{tenant}/reports/")
    report = page.locator("main table a[href^='/reports/']").first.get_attribute("href")
    page.goto(f"{tenant}{report}")
    explanation = page.locator("main table a[href*='/partners/']").first.get_attribute("href")
    _survey(page, axe, tenant, "admin", [
        ("dashboard", "/"),
        ("directory", "/partners/"),
        ("directory filtered", "/partners/?status=active&agreement=expiring"),
        ("partner detail", carevia),
        ("partner form", "/partners/new/"),
        ("partner form refused", "/partners/new/", REFUSED),
        ("partner edit", f"{carevia}edit/"),
        ("import", "/partners/import/"),
        ("import refused", "/partners/import/", REFUSED),
        ("tiers", "/partners/tiers/"),
        ("tiers refused", "/partners/tiers/", REFUSED),
        ("ecosystem profile", "/partners/ecosystem/"),
        ("team", "/accounts/team/"),
        ("team refused", "/accounts/team/", REFUSED),
        ("settings", "/settings/"),
        ("audit", "/governance/audit/"),
        ("audit filtered", "/governance/audit/?action=partner&since=2020-01-01"),
        ("password change", "/accounts/password/"),
        ("not allowed", "/portal/"),
        ("missions", "/missions/"),
        ("missions filtered", "/missions/?status=active&confidentiality=coopetition"),
        ("mission", clinics),
        ("mission, coopetition", circular),
        ("mission form", "/missions/new/"),
        ("mission form refused", "/missions/new/", REFUSED),
        ("mission edit", f"{clinics}edit/"),
        ("objective form", f"{clinics}objectives/new/"),
        ("objective form refused", f"{clinics}objectives/new/", REFUSED),
        ("invite into a mission", f"{clinics}invite/"),
        ("declare for a partner", f"{clinics}declare/"),
        ("declare for a partner refused", f"{clinics}declare/", REFUSED),
        ("contribution", queued),
        ("reports", "/reports/"),
        ("reports refused", "/reports/", REFUSED),
        ("report", report),
        ("report explanation", explanation),
    ], problems)  # fmt: skip
    _close(context, axe, problems)

    context, page, axe = _persona(browser, tenant, "rita.reviewer@demo.test")
    page.goto(f"{tenant}/governance/reviews/")
    review = page.locator("main table a[href^='/governance/reviews/']").first.get_attribute("href")
    page.goto(f"{tenant}/governance/appeals/")
    appeal = page.locator("main table a[href^='/governance/appeals/']").first.get_attribute("href")
    _survey(page, axe, tenant, "reviewer", [
        ("rule book", "/governance/rules/"),
        ("reviews", "/governance/reviews/"),
        ("reviews refused", "/governance/reviews/", REFUSED),
        ("review, closed", review),
        ("review filtered", f"{review}?outcome=fail"),
        ("appeals", "/governance/appeals/"),
        ("appeal", appeal),
        ("appeal answer refused", appeal, REFUSED),
    ], problems)  # fmt: skip
    _close(context, axe, problems)

    context, page, axe = _persona(browser, tenant)
    invitation = _wait_for_link(stack["mail"], "a11y.visitor@demo.test")
    _survey(page, axe, tenant, "visitor", [
        ("sign-in", "/accounts/login/"),
        ("sign-in refused", "/accounts/login/", REFUSED),
        ("password reset", "/accounts/password/reset/"),
        ("password reset refused", "/accounts/password/reset/", REFUSED),
        ("password reset sent", "/accounts/password/reset/sent/"),
        ("password reset link", "/accounts/password/reset/MQ/bad-token/"),
        ("invitation", invitation.removeprefix(tenant)),
        ("invitation refused", invitation.removeprefix(tenant), REFUSED),
        ("invitation unusable", "/accounts/invitations/no-such-token/"),
        ("not found", "/no-such-page/"),
    ], problems)  # fmt: skip
    _close(context, axe, problems)

    context, page, axe = _persona(browser, tenant, "sam@medisol.test")
    page.goto(f"{tenant}/portal/missions/")
    portal_clinics = page.get_by_role("link", name="Equip 500 rural clinics by 2027").get_attribute("href")
    portal_circular = page.get_by_role("link", name="Circular medical equipment").get_attribute("href")
    page.goto(f"{tenant}{portal_clinics}")
    awaiting = page.locator("main a[href*='/portal/missions/contributions/']").first.get_attribute("href")
    page.goto(f"{tenant}/portal/value/")
    our_explanation = page.locator("main a[href*='/explanation/']").first.get_attribute("href")
    _survey(page, axe, tenant, "partner-admin", [
        ("missions", "/portal/missions/"),
        ("mission", portal_clinics),
        ("mission, coopetition", portal_circular),
        ("declare", f"{portal_clinics}declare/"),
        ("declare refused", f"{portal_clinics}declare/", REFUSED),
        ("contribution awaiting our confirmation", awaiting),
        ("portal", "/portal/"),
        ("profile", "/portal/profile/"),
        ("team", "/portal/team/"),
        ("team refused", "/portal/team/", REFUSED),
        ("participants", "/portal/participants/"),
        ("our value", "/portal/value/"),
        ("our value explained", our_explanation),
        ("not allowed", "/partners/"),
    ], problems)  # fmt: skip
    _close(context, axe, problems)

    context, page, axe = _persona(browser, tenant, "paul@finamed.test")
    _survey(
        page, axe, tenant, "partner-member", [("profile", "/portal/profile/"), ("team", "/portal/team/")], problems
    )
    _close(context, axe, problems)

    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "accessibility.txt").write_text("\n".join(problems) + "\n")
    assert not problems, f"{len(problems)} accessibility problems:\n" + "\n".join(problems)


def test_a_refused_form_focuses_its_error_summary_which_leads_to_each_field(stack, page):
    base = f"http://demo.localhost:{stack['port']}"
    sign_in(page, base, "marc.manager@demo.test")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/partners/new/")
    page.get_by_label("Country", exact=True).fill("99")
    page.get_by_role("button", name="Save").click()

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(["Name: This field is required."])
    name = page.get_by_label("Name", exact=True)
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description("This field is required.")
    summary.get_by_role("link").click()
    expect(name).to_be_focused()

    # An error the service finds sits with the field's help text, both read with the field.
    name.fill("Nordic Clinics Network")
    page.get_by_role("button", name="Save").click()
    expect(summary).to_be_focused()
    country = page.get_by_label("Country", exact=True)
    expect(country).to_have_attribute("aria-invalid", "true")
    expect(country).to_have_accessible_description(
        "ISO code, e.g. FR Use the two-letter ISO code of the country, e.g. FR."
    )
    expect(name).not_to_have_attribute("aria-invalid", "true")
    summary.get_by_role("link", name="Country: Use the two-letter ISO code of the country, e.g. FR.").click()
    expect(country).to_be_focused()


def test_the_first_tab_offers_to_skip_to_the_content(stack, page):
    page.goto(f"{stack['url']}/signup/")
    page.keyboard.press("Tab")

    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Company name")).to_be_focused()


def test_on_a_phone_the_directory_filters_have_labels_and_its_table_scrolls_inside_its_region(stack, page):
    base = f"http://demo.localhost:{stack['port']}"
    page.set_viewport_size(PHONE)
    sign_in(page, base, "marc.manager@demo.test")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/partners/")

    expect(page.locator("label[for=filter-status]")).to_have_text("Status")
    page.get_by_label("Status", exact=True).select_option("active")
    assert "status=" not in page.url  # choosing filters nothing until the button is pressed
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/partners/?*status=active*")
    expect(page.get_by_text("5 partners")).to_be_visible()  # the demo's active partners (its review suspended one)

    table = page.get_by_role("region", name="Partners")
    assert table.evaluate("region => region.scrollWidth > region.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    table.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.table-scroll').scrollLeft > 0")
