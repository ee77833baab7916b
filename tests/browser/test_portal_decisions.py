"""A partner's governance decisions in Chromium, read only (the demo's shared state is left as it is): in the
demo, Clara (Carevia's administrator) opens "Decisions" from the portal's navigation — her warning of the last
review, its rationale and findings, and the appeal she filed (open, no form any more) — then the rule book;
Paul (Finamed, a member) reads Finamed's promotion, which only an administrator may appeal; a forged personal
appeal link is refused, in French (`test_governance_flow` appeals through a real one). English and
French, at 1280 and 375 px, axe on every document; screenshots portal-decisions-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT, checked_page, fits_the_screen, loaded, shoot_both_ways, sign_in

pytestmark = pytest.mark.browser

WARNING = "The partnership agreement ends within 30 days and no renewal has been signed."
GROUNDS = "The renewal was agreed at our steering committee; the signed agreement will be uploaded this week."
PROMOTION = "Financing is now part of every mission; Finamed co-builds them."


def _heading(page, en: str, fr: str, language: str):
    return page.get_by_role("heading", name={"en": en, "fr": fr}[language], exact=True)


def test_a_partner_reads_its_decisions_its_appeal_and_the_rule_book(stack, browser):
    base = f"http://demo.localhost:{stack['port']}"
    OUTPUT.mkdir(parents=True, exist_ok=True)
    violations = []

    # Clara, Carevia's administrator: the home's panel, then "Decisions" from the navigation.
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page, axe = checked_page(context)
    sign_in(page, base, "clara@carevia.test")
    page.wait_for_url(f"{base}/portal/")
    loaded(page)
    panel = page.locator("section", has=page.get_by_role("heading", name="Governance decisions"))
    expect(panel.get_by_role("link", name=re.compile(r"^Warn — review"))).to_be_visible()
    expect(panel).to_contain_text("Appeal: Open")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Decisions").click()
    loaded(page)
    expect(page.get_by_role("heading", name="Governance decisions", exact=True)).to_be_visible()
    row = page.locator("tr", has_text=WARNING[:40])
    expect(row).to_contain_text("Appeal: Open")
    decision_path = row.get_by_role("link", name=re.compile("^Warn")).get_attribute("href")
    assert re.fullmatch(r"/portal/governance/decisions/\d+/", decision_path), decision_path

    shoot_both_ways(page, base, "/portal/governance/decisions/", "portal-decisions-list",
                    lambda p, lang: expect(_heading(p, "Governance decisions", "Décisions de gouvernance",
                                                    lang)).to_be_visible())  # fmt: skip

    def decision_ready(p, language):
        expect(p.get_by_text(WARNING)).to_be_visible()
        expect(p.get_by_text(GROUNDS)).to_be_visible()
        expect(_heading(p, "Our appeal", "Notre recours", language)).to_be_visible()
        expect(_heading(p, "The findings behind it", "Les constats qui la fondent", language)).to_be_visible()
        # Each finding says its outcome in words, the sign only repeats it.
        assert p.locator(".findings .outcome").count() >= 1
        expect(p.get_by_role("button", name=re.compile("Appeal this decision|Faire appel"))).to_have_count(0)

    shoot_both_ways(page, base, decision_path, "portal-decisions-one", decision_ready)

    def rules_ready(p, language):
        row = p.locator("tr", has=p.get_by_role("cell", name="No dominant partner", exact=True))
        expect(row).to_contain_text({"en": "At most 40 % of the ecosystem's validated value.",
                                     "fr": "Au plus 40\u00a0% de la valeur validée de l'écosystème."}[language])  # fmt: skip

    shoot_both_ways(page, base, "/portal/governance/rules/", "portal-decisions-rules", rules_ready)
    # Another partner's decision is not hers: not found.
    response = page.goto(f"{base}/portal/governance/decisions/999999/")
    assert response.status == 404
    violations += axe.unclaimed()
    context.close()

    # Paul, a member of Finamed: its promotion, which only an administrator may appeal.
    context = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 812})
    page, axe = checked_page(context)
    sign_in(page, base, "paul@finamed.test")
    page.wait_for_url(f"{base}/portal/")
    page.goto(f"{base}/portal/governance/decisions/")
    loaded(page)
    page.locator("tr", has_text=PROMOTION[:40]).get_by_role("link", name=re.compile("^Promote")).click()
    loaded(page)
    expect(page.get_by_text(PROMOTION)).to_be_visible()
    expect(page.get_by_text("Only an administrator of our organisation can appeal this decision.")).to_be_visible()
    expect(page.get_by_role("button", name="Appeal this decision")).to_have_count(0)
    fits_the_screen(page, "Paul's decision (375px)")
    page.screenshot(path=str(OUTPUT / "portal-decisions-member-en-375.png"), full_page=True)
    violations += axe.unclaimed()
    context.close()

    # A forged personal link, without a session (the governance flow's test files through a real one).
    context = browser.new_context(locale="fr-FR", viewport={"width": 375, "height": 812})
    page, axe = checked_page(context)
    response = page.goto(f"{base}/portal/appeal/not-a-real-token/")
    assert response.status == 403
    loaded(page)
    expect(page.get_by_text("Ce lien de recours n'est pas valide.")).to_be_visible()
    fits_the_screen(page, "a forged appeal link (375px)")
    page.screenshot(path=str(OUTPUT / "portal-decisions-link-refused-fr-375.png"), full_page=True)
    violations += axe.unclaimed()
    context.close()

    assert not violations, "WCAG 2.1 A/AA violations found by axe-core:\n" + "\n".join(violations)
