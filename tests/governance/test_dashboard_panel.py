"""The governance panel of the staff dashboard: reviews in progress, decisions awaiting a second approval (the
viewer's to approve or not), open appeals with their deadlines, the partners failing rules in the last review;
for reviewers and administrators only (managers, who cannot act on it, read governance in its pages), never
another tenant's."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils.formats import date_format
from django.utils.timezone import localtime

from ecosystem.core.dashboard import dashboard_panels
from ecosystem.core.selectors import tenant_settings
from governance import dashboard, decisions, services
from governance.models import Decision, Review, RuleBook
from governance.selectors import rule_book_current
from tests.conftest import login, make_user
from tests.governance.conftest import PartnerFactory, rule
from tests.governance.test_decisions import apply, approved, record


def home(tenant, user, host="alpha.localhost") -> str:
    response = login(Client(HTTP_HOST=host), tenant, user).get("/")
    assert response.status_code == 200
    return response.content.decode()


def panel_of(html: str) -> str:
    start = html.index('aria-labelledby="panel-governance"')
    return html[start : html.index("</section>", start)]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def governed(board, run, django_capture_on_commit_callbacks):
    """The board's review closed (Carevia suspended, her appeal open); a second review of two rules, finished,
    with a suspension of Finamed awaiting approval; a third review running at 40 %."""
    approved(board, "carevia", "suspend")
    record(board, "medisol", "keep")
    apply(board, django_capture_on_commit_callbacks)
    board["review"].refresh_from_db()
    appeal = decisions.appeal_file(
        actor=board["clara"], decision=Decision.objects.get(partner=board["carevia"]), reason="A customs strike."
    )
    rule(board["reviewer"], "recent_activity", {"days": "30"}, name="Activity")
    second = run(board["reviewer"])
    pending = decisions.decision_record(
        actor=board["reviewer"], review=second,
        data={"partner": board["finamed"].pk, "kind": "suspend", "rationale": "No activity."},
    )  # fmt: skip
    running = Review.objects.create(
        book=RuleBook.objects.get(number=2), period_start=dt.date(2026, 7, 1), period_end=dt.date(2026, 9, 30),
        status=Review.Status.RUNNING, progress=40, requested_by=board["reviewer"],
    )  # fmt: skip
    return {**board, "appeal": appeal, "second_review": second, "pending": pending, "running": running}


def test_a_reviewer_sees_what_awaits_her_with_links_and_deadlines(alpha, governed):
    appeal = governed["appeal"]
    deadline = localtime(governed["review"].closed_at + dt.timedelta(days=tenant_settings().appeal_window_days))

    html = panel_of(home(alpha, governed["reviewer"]))
    shown = text(html)

    assert f'href="/governance/reviews/{governed["running"].pk}/"' in html
    assert 'value="40"' in html and "Running" in shown
    assert f'href="/governance/reviews/{governed["second_review"].pk}/#decisions">Finamed</a>' in html
    assert "Finamed — Suspend, by" in shown
    assert "Yours: another reviewer approves it" in shown and "You can approve it" not in shown
    assert f'href="/governance/appeals/{appeal.pk}/">Carevia</a>' in html
    assert f"deadline {date_format(deadline, 'SHORT_DATE_FORMAT')}" in shown
    review = governed["second_review"].pk
    assert "Partners failing rules in the last review (2)" in shown
    assert "Finamed — 2 rules failed Medisol — 1 rule failed" in shown  # the most failures first
    assert f'href="/governance/reviews/{review}/?outcome=fail&amp;q=Finamed"' in html
    assert f'href="/governance/reviews/{review}/?outcome=fail">Every partner failing a rule</a>' in html
    assert "Carevia — " not in shown.split("Partners failing rules")[1]  # suspended: not reviewed again


def test_the_second_reviewer_is_told_she_can_approve(alpha, governed):
    shown = text(panel_of(home(alpha, governed["second"])))

    assert "Finamed — Suspend, by" in shown and "You can approve it" in shown


def test_managers_and_partner_users_get_no_governance_panel(alpha, governed):
    manager = home(alpha, governed["manager"])
    partner = login(Client(HTTP_HOST="alpha.localhost"), alpha, governed["sam"]).get("/")

    assert "Active missions" in manager and 'id="panel-governance"' not in manager
    assert partner.status_code == 302 and partner["Location"] == "/portal/"
    assert [p["key"] for p in dashboard_panels(governed["sam"])] == []
    assert "governance" not in [p["key"] for p in dashboard_panels(governed["manager"])]
    assert "governance" in [p["key"] for p in dashboard_panels(governed["admin"])]


def test_another_tenants_governance_never_shows(alpha, beta, governed):
    shown = text(panel_of(home(beta, make_user(beta, "reviewer"), host="beta.localhost")))

    assert "No review is being run." in shown
    assert "No decision awaits a second approval." in shown
    assert "No appeal awaits an answer." in shown
    assert "No review has finished yet." in shown
    assert "Finamed" not in shown and "Carevia" not in shown


def test_the_panel_says_when_nothing_failed(alpha, governed, run):
    rule(governed["reviewer"], "min_contribution", {"min_value": "0"}, name="Anything")
    for key in (1, 2):  # only the rule every partner passes
        services.rule_delete(actor=governed["reviewer"], rule=rule_book_current().rules.get(key=key))
    run(governed["reviewer"])

    shown = text(panel_of(home(alpha, governed["reviewer"])))

    assert "No partner failed a rule in the last review." in shown


def test_the_panel_runs_a_fixed_number_of_queries(alpha, governed, run, django_assert_max_num_queries):
    reviewer = governed["reviewer"]
    extra = PartnerFactory.create_batch(12)
    review = run(reviewer)
    for partner in extra:
        decisions.decision_record(actor=reviewer, review=review,
                                  data={"partner": partner.pk, "kind": "exit", "rationale": "Gone."})  # fmt: skip
    for month in range(1, 13):
        Review.objects.create(
            book=review.book, period_start=dt.date(2025, month, 1), period_end=dt.date(2025, month, 28),
            requested_by=reviewer,
        )  # fmt: skip
    tenant_settings()  # cached, as on every page after the first

    with django_assert_max_num_queries(6):
        found = dashboard.governance_home(governed["second"])

    assert len(found["running"]) == dashboard.SHOWN
    assert len(found["awaiting"]) == dashboard.SHOWN and found["more_awaiting"] is True
    assert all(row["can_approve"] for row in found["awaiting"])
    assert [row["appeal"] for row in found["appeals"]] == [governed["appeal"]]
    assert found["last"] == review and len(found["failing"]) == dashboard.SHOWN
    assert found["failing_count"] == 14  # the 12 new partners, Finamed and Medisol
