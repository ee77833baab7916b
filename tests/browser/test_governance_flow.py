"""A governance review from start to appeal, in real Chromium, as four people.

Rita (reviewer) runs a review and records Carevia's suspension; she cannot approve
it herself, Alice (administrator) does; Rita applies the decisions, which signs
Carevia's administrator Clara out; Clara appeals through the personal link of the
decision's mail; Rita overturns the suspension, and Carevia is active again (so the
shared stack is left as the other browser tests expect it).
"""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT, checked_page, fits_the_screen, sign_in

pytestmark = pytest.mark.browser

PARTNER = "Carevia Equipment"
RATIONALE = "Monitoring devices delivered late to 12 clinics this quarter; no recovery plan received."
GROUNDS = "The delays came from a customs strike; the recovery plan was sent on Monday."


def _appeal_link(folder, address: str, timeout: float = 30.0) -> str:
    """The personal appeal link of the newest decision mail to `address`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in sorted(folder.iterdir(), key=lambda path: path.stat().st_mtime, reverse=True):
            text = mail.read_text()
            found = re.search(r"http://\S+/portal/appeal/\S+/", text)
            if f"To: {address}" in text and found and "suspend" in text.lower():
                return found.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no decision mail with an appeal link to {address}")


def test_a_review_leads_to_a_four_eyes_suspension_that_signs_the_partner_out_and_is_appealed(stack, browser, page):
    base = f"http://demo.localhost:{stack['port']}"
    OUTPUT.mkdir(parents=True, exist_ok=True)
    contexts, watches = [], []

    def person(email: str, width: int = 1280, height: int = 900):
        context = browser.new_context(locale="en-GB", viewport={"width": width, "height": height})
        contexts.append(context)
        other, watch = checked_page(context)
        watches.append(watch)
        sign_in(other, base, email)
        return other

    try:
        # Clara, Carevia's administrator, is in the portal on her phone.
        clara = person("clara@carevia.test", 375, 800)
        expect(clara.get_by_role("heading", name=f"Welcome, {PARTNER}")).to_be_visible()

        # Rita runs a review of the last 30 days; the worker computes it and the page shows the matrix.
        sign_in(page, base, "rita.reviewer@demo.test")
        page.goto(f"{base}/governance/reviews/")
        today = dt.date.today()
        page.get_by_label("From", exact=True).fill((today - dt.timedelta(days=29)).isoformat())
        page.get_by_label("To", exact=True).fill(today.isoformat())
        page.get_by_role("button", name="Start the review").click()
        expect(page.get_by_role("heading", name="Decisions")).to_be_visible(timeout=90_000)
        review_url = page.url.split("#")[0]
        page.screenshot(path=str(OUTPUT / "governance-review-done.png"), full_page=True)

        # She records Carevia's suspension.
        page.get_by_role("link", name=f"Decide — {PARTNER}").click()
        page.get_by_label("Decision", exact=True).select_option("suspend")
        page.get_by_label("Rationale").fill(RATIONALE)
        page.get_by_role("button", name="Record the decision").click()
        expect(page.get_by_role("status")).to_contain_text(f"The decision about {PARTNER} was recorded.")
        row = page.locator("table.decisions tr", has_text=PARTNER)
        # Four eyes: not hers to approve.
        expect(row.get_by_text("Awaiting a second reviewer")).to_be_visible()
        expect(row.get_by_role("button", name=re.compile("^Approve"))).to_have_count(0)
        page.get_by_label(re.compile("^I confirm: apply every decision")).check()
        page.get_by_role("button", name="Apply decisions").click()
        expect(page.get_by_text(re.compile(f"awaits a second person's approval: {PARTNER}"))).to_be_visible()
        page.screenshot(path=str(OUTPUT / "governance-awaiting-approval.png"), full_page=True)

        # Alice approves it.
        alice = person("alice.admin@demo.test")
        alice.goto(review_url)
        alice.locator("table.decisions tr", has_text=PARTNER).get_by_role(
            "button", name=re.compile("^Approve")
        ).click()
        expect(alice.locator("table.decisions tr", has_text=PARTNER)).to_contain_text("Approved by Alice Martin")

        # Rita applies the decisions: the review closes.
        page.goto(review_url)
        page.get_by_label(re.compile("^I confirm: apply every decision")).check()
        page.get_by_role("button", name="Apply decisions").click()
        expect(page.get_by_role("status")).to_contain_text("The decisions were applied to the partners")
        expect(page.get_by_role("button", name="Apply decisions")).to_have_count(0)
        page.screenshot(path=str(OUTPUT / "governance-applied.png"), full_page=True)

        # Clara's session has ended: the portal sends her to the sign-in page.
        clara.goto(f"{base}/portal/")
        expect(clara).to_have_url(re.compile(r"/accounts/login/"))
        sign_in(clara, base, "clara@carevia.test")
        expect(clara.get_by_role("heading", name=f"Welcome, {PARTNER}")).to_have_count(0)

        # She appeals through the personal link of the decision's mail, without signing in.
        clara.goto(_appeal_link(stack["mail"], "clara@carevia.test"))
        expect(clara.get_by_text(RATIONALE)).to_be_visible()
        clara.get_by_role("button", name="Appeal this decision").click()
        refused = clara.get_by_text("Give the grounds of the appeal.", exact=True)  # nothing typed
        expect(refused).to_be_visible()
        clara.get_by_label("Grounds of the appeal").fill(GROUNDS)
        clara.get_by_role("button", name="Appeal this decision").click()
        expect(clara.get_by_role("status")).to_contain_text("Your appeal was filed")
        fits_the_screen(clara)
        clara.screenshot(path=str(OUTPUT / "governance-appeal-filed-phone.png"), full_page=True)

        # Rita overturns it: Carevia is active again.
        page.goto(f"{base}/governance/appeals/")
        page.get_by_role("link", name=re.compile(PARTNER)).first.click()
        expect(page.get_by_text(GROUNDS)).to_be_visible()
        page.get_by_label(re.compile("Overturn the decision")).check()
        page.get_by_label("Answer text").fill("Recovery plan received; the suspension is lifted.")
        page.get_by_role("button", name=re.compile("answer", re.I)).click()
        expect(page.get_by_role("status")).to_contain_text("The appeal was answered")
        page.screenshot(path=str(OUTPUT / "governance-appeal-answered.png"), full_page=True)
        page.goto(f"{base}/partners/")
        expect(page.locator("tr", has_text=PARTNER)).to_contain_text("Active")
    finally:
        violations = [v for watch in watches for v in watch.unclaimed()]
        for context in contexts:
            context.close()
    assert not violations, "WCAG 2.1 A/AA violations found by axe-core:\n" + "\n".join(violations)
