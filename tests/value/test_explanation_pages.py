"""The staff's explanation page: where one partner's figures of a finished report come from (issue #9,
point 7), linked from every scorecard row; who may open it; bad input; its query count.

Figures from the hand-checked ecosystem of `test_engine` (period 2026-03-01 .. 2026-05-31)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django_tenants.utils import schema_context

from ecosystem.value import engine, selectors, services
from ecosystem.value.models import Report
from ecosystem.value.tasks import compute_report
from tests.conftest import admin_of, flash_messages, french, login
from tests.value.test_engine import cast as cast
from tests.value.test_engine import eco as eco  # the fixture: a hand-checked small ecosystem
from tests.value.test_engine import validated
from tests.value.test_engine import world as world

PERIOD = {"period_start": "2026-03-01", "period_end": "2026-05-31"}


@pytest.fixture
def as_user(alpha):
    def sign_in(user):
        return login(Client(HTTP_HOST="alpha.localhost"), alpha, user)

    return sign_in


def page(response) -> str:
    return response.content.decode()


def finished(eco, **data) -> Report:
    report, _created = services.report_request(actor=eco["manager"], data={**PERIOD, **data})
    assert compute_report(report.pk) == "done"
    report.refresh_from_db()
    return report


def explain_url(report, partner) -> str:
    return f"/reports/{report.pk}/partners/{partner.pk}/"


def test_a_manager_reads_where_a_partner_s_figures_come_from(as_user, eco):
    report = finished(eco)

    response = as_user(eco["manager"]).get(explain_url(report, eco["medisol"]))

    html = page(response)
    assert response.status_code == 200
    assert "<h1>Where the figures of Medisol come from</h1>" in html
    figures = html.split('id="figures-title"')[1].split("</dl>")[0]
    assert [dd.split("</dd>")[0] for dd in figures.split("<dd>")[1:]] == ["1,250.00", "600.00", "650.00", "800.00"]
    explained = response.context["explained"]
    assert [c.line.contribution_id for c in explained.contributions] == [
        eco[name].pk for name in ("c1", "c6", "c2", "c4", "correction")
    ]
    assert not explained.differs
    # Joint with whom at which weight, each co-contributor leading to its own explanation.
    assert f'<a href="{explain_url(report, eco["carevia"])}">Carevia</a> (weight 0.6)' in html
    assert f'<a href="{explain_url(report, eco["finamed"])}">Finamed</a> (weight 0.75)' in html
    assert "a correction of an earlier contribution" in html and "solo" in html
    assert f'href="/missions/contributions/{eco["c1"].pk}/"' in html
    # Per objective: linear against fair, the reasons in sentences, exact here.
    revenue, clinics, co2 = explained.objectives
    assert (revenue.objective.linear, revenue.objective.fair, revenue.reasons, revenue.partners) == (
        Decimal(750), Decimal("800.00"), (engine.TARGET_REACHED, engine.JOINT_SHARED), 2,
    )  # fmt: skip
    assert (clinics.reasons, co2.mission, co2.coopetition) == ((), "Circular medical equipment", True)
    assert (
        "The target is reached: the contributions toward it add up to 1,200.00, beyond the target of 1,000.00." in html
    )
    assert "add up to 120 tCO2e, beyond the target of 100 tCO2e." in html
    assert "<dt>Difference</dt><dd>50.00</dd>" in html and "<dt>Difference</dt><dd>-1 tCO2e</dd>" in html
    assert "Joint work counts only with all its partners" in html
    assert "The fair share equals the linear part." in html
    assert html.count("Computed exactly.") == 3
    assert "Not shown: fewer than" not in html  # the staff see every total


def test_every_scorecard_row_links_its_figures_to_the_explanation(as_user, eco):
    report = finished(eco)

    html = page(as_user(eco["reviewer"]).get(f"/reports/{report.pk}/"))

    for name in ("medisol", "carevia", "finamed", "edunet"):
        assert html.count(f'href="{explain_url(report, eco[name])}') >= 4, name
    assert f'href="{explain_url(report, eco["medisol"])}#objectives-title">800.00</a>' in html


def test_the_figures_computed_now_say_when_they_differ_from_the_report(as_user, eco):
    report = finished(eco)
    validated(eco["manager"], eco["mission"], partner=eco["medisol"].pk, value="50", date="2026-05-30")

    response = as_user(eco["manager"]).get(explain_url(report, eco["medisol"]))

    assert response.context["explained"].differs
    assert "differ from the report" in page(response)
    assert "1,300.00" in page(response)  # 1,250 + 50, computed now


def test_more_contributions_than_listed_are_counted(rf):
    line = engine.ContributionLine(
        contribution_id=1, date=dt.date(2026, 3, 1), mission_id=1, mission="M", kind="training", objective_id=None,
        corrects_id=None, value=Decimal(10), weight=Decimal(1), part=Decimal(10), joint=False, others=(),
    )  # fmt: skip
    explanation = engine.Explanation(
        partner_id=1, value=Decimal(40), solo_value=Decimal(40), joint_value=Decimal(0), fair_share=Decimal(0),
        contributions=(line,), more=3, objectives=(),
    )  # fmt: skip
    explained = selectors.ExplainedPartner(
        explanation, (selectors.ExplainedContribution(line, "Training", "", True),), (), None, False
    )

    html = render_to_string("value/_explanation.html", {"explained": explained, "staff": False})

    assert "And 3 more contributions, smaller than those listed." in html
    assert "there is no fair share to explain" in html


# --- bad input -----------------------------------------------------------------------


def test_an_unknown_report_or_a_partner_without_a_row_is_not_found(as_user, eco):
    suppliers = finished(eco, roles=["supplier"])  # Finamed and Edunet have no row in it
    client = as_user(eco["manager"])

    assert client.get(f"/reports/999999/partners/{eco['medisol'].pk}/").status_code == 404
    assert client.get(explain_url(suppliers, eco["finamed"])).status_code == 404
    assert client.get(f"/reports/{suppliers.pk}/partners/999999/").status_code == 404
    assert client.get(explain_url(suppliers, eco["carevia"])).status_code == 200


def test_a_report_not_finished_has_nothing_to_explain(as_user, eco):
    report, _ = services.report_request(actor=eco["manager"], data=PERIOD)

    response = as_user(eco["manager"]).get(explain_url(report, eco["medisol"]))

    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    assert flash_messages(response) == ["The report is not finished: there is nothing to explain yet."]


# --- walls ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["sam", "mia", "clara", "paul"])
def test_partner_users_are_refused_the_staff_explanation(as_user, eco, who):
    report = finished(eco)
    client = as_user(eco[who])

    for partner in ("medisol", "carevia", "finamed"):
        assert client.get(explain_url(report, eco[partner])).status_code == 403


def test_another_tenant_cannot_open_the_explanation(alpha, beta, as_user, eco):
    report = finished(eco)
    with schema_context("beta"):
        beta_admin = admin_of(beta)
    beta_client = login(Client(HTTP_HOST="beta.localhost"), beta, beta_admin)

    on_beta = beta_client.get(explain_url(report, eco["medisol"]))
    crossing = beta_client.get(explain_url(report, eco["medisol"]), HTTP_HOST="alpha.localhost")
    anonymous = Client(HTTP_HOST="alpha.localhost").get(explain_url(report, eco["medisol"]))

    assert on_beta.status_code == 404
    assert crossing.status_code == 302 and crossing["Location"].startswith("/accounts/login/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


def test_the_explanation_reads_in_a_bounded_number_of_queries(as_user, eco, django_assert_max_num_queries):
    report = finished(eco)
    client = as_user(eco["manager"])
    client.get(explain_url(report, eco["medisol"]))  # the session and caches warm

    # session, user, report, row, explain (the roll-ups' refresh: savepoint, lock, queue, release; then sums, lines, objectives, games), titles, co-contributors in the report
    with django_assert_max_num_queries(15):
        response = client.get(explain_url(report, eco["medisol"]))
    assert response.status_code == 200


def test_the_explanation_reads_in_french(as_user, eco):
    report = finished(eco)

    response = as_user(eco["reviewer"]).get(explain_url(report, eco["medisol"]), HTTP_ACCEPT_LANGUAGE="fr")

    html = page(response)
    assert "D\N{RIGHT SINGLE QUOTATION MARK}où viennent les chiffres de Medisol" in html
    assert "Le travail commun ne compte qu\N{RIGHT SINGLE QUOTATION MARK}avec tous ses partenaires" in html
    assert french("L\N{RIGHT SINGLE QUOTATION MARK}objectif est atteint : les contributions") in html
