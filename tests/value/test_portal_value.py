"""The partner portal's "Our value" pages: a partner's own scorecard row, trend and explanation from a
finished report; the ecosystem's figures only in aggregate, where at least k partners stand behind them;
the walls (other partner, competitor, other tenant, staff, below k); bad input; query counts.

Figures from the hand-checked ecosystem of `test_engine` (period 2026-03-01 .. 2026-05-31): Medisol 1250
(solo 600, joint 650, fair share 800; March 600, April 600, May 50), Carevia 1100, Finamed 750, Edunet 100;
total 3200 over 4 partners (2 suppliers, 1 partner, 1 association); synergy 0.5625."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from ecosystem.core import services as core_services
from ecosystem.value import selectors, services
from ecosystem.value.models import Report, ReportRow
from ecosystem.value.tasks import compute_report
from tests.conftest import admin_of, external_assets, french, login, make_user
from tests.missions.conftest import PartnerFactory
from tests.value.test_engine import cast as cast
from tests.value.test_engine import eco as eco  # the fixture: a hand-checked small ecosystem
from tests.value.test_engine import world as world

PERIOD = {"period_start": "2026-03-01", "period_end": "2026-05-31"}
OTHERS = ("Carevia", "Finamed", "Edunet")


@pytest.fixture
def as_user(alpha):
    def sign_in(user):
        return login(Client(HTTP_HOST="alpha.localhost"), alpha, user)

    return sign_in


@pytest.fixture
def k(alpha):
    def set_k(value: int) -> None:
        core_services.tenant_settings_update(actor=admin_of(alpha), data={"coopetition_threshold": value})

    return set_k


def page(response) -> str:
    return response.content.decode()


def finished(eco, **data) -> Report:
    report, _created = services.report_request(actor=eco["manager"], data={**PERIOD, **data})
    assert compute_report(report.pk) == "done"
    report.refresh_from_db()
    return report


def chart_data(html: str) -> dict:
    return json.loads(html.split('<script id="partner-value-data" type="application/json">')[1].split("</script>")[0])


# --- our value ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["sam", "mia"])
def test_a_partner_user_reads_its_own_scorecard_and_trend(as_user, eco, who):
    report = finished(eco)

    response = as_user(eco[who]).get("/portal/value/")

    html = page(response)
    assert response.status_code == 200
    assert response.context["report"] == report and response.context["row"].partner_id == eco["medisol"].pk
    scorecard = html.split('id="scorecard-title"')[1].split("</dl>")[0]
    assert [dd.split("</dd>")[0] for dd in scorecard.split("<dd>")[1:]] == [
        "Supplier · Gold", "1,250.00", "600.00", "650.00", "800.00", "4", "2", "400.00", "850.00 (212.5 %)",
    ]  # fmt: skip
    assert chart_data(html) == {
        "labels": {"value": "Our value"}, "months": ["2026-03", "2026-04", "2026-05"], "values": [600.0, 600.0, 50.0],
    }  # fmt: skip
    assert "<td>March 2026</td><td>600.00</td>" in html and "<td>May 2026</td><td>50.00</td>" in html
    assert 'id="chart-partner-trend" role="img"' in html
    assert "js/vendor/echarts-6.1.0.min.js" in html and "js/partner-value-chart.js" in html
    assert external_assets(html) == []
    assert f'href="/portal/value/{report.pk}/explanation/"' in html
    assert '<a href="/portal/value/" aria-current="page">My value</a>' in html
    # Never another partner's name or figures.
    for name in OTHERS:
        assert name not in html
    for figure in ("1,100.00", "750.00", "100.00"):
        assert figure not in html


def test_the_ecosystem_figures_show_in_aggregate_at_k(as_user, eco, k):
    finished(eco)  # 4 partners: 2 suppliers, 1 partner, 1 association
    client = as_user(eco["sam"])

    k(4)
    at_k = client.get("/portal/value/")
    k(5)
    below_k = client.get("/portal/value/")

    shown = at_k.context["ecosystem"]
    assert (shown.partners, shown.total_value, shown.share, shown.synergy_ratio) == (
        4,
        Decimal("3200.00"),
        0.390625,
        0.5625,
    )
    assert shown.roles == () and shown.other_roles is None and shown.roles_withheld
    assert "No role has enough partners to be shown." in page(at_k)
    assert "<dt>Total value</dt><dd>3,200.00</dd>" in page(at_k) and "<dd>39.1 %</dd>" in page(at_k)
    hidden = below_k.context["ecosystem"]
    assert (hidden.partners, hidden.total_value, hidden.share, hidden.synergy_ratio) == (None, None, None, None)
    assert "Fewer than 5 partners are in this report: its ecosystem figures are not shown." in page(below_k)
    assert "3,200.00" not in page(below_k) and "39.1" not in page(below_k)


def test_value_by_role_shows_only_roles_with_k_partners(as_user, eco, k):
    finished(eco)
    client = as_user(eco["sam"])

    k(3)
    below_k = client.get("/portal/value/")  # suppliers: 2 partners, k - 1
    k(2)
    at_k = client.get("/portal/value/")

    assert below_k.context["ecosystem"].roles == ()
    assert "2,350.00" not in page(below_k)
    [suppliers] = at_k.context["ecosystem"].roles
    assert (suppliers.role, suppliers.partners, suppliers.value) == ("supplier", 2, Decimal("2350.00"))
    other = at_k.context["ecosystem"].other_roles  # Finamed and Edunet together: 2 partners, k
    assert (other.partners, other.value) == (2, Decimal("850.00"))
    assert "<td>Supplier</td><td>2</td><td>2,350.00</td>" in page(at_k)
    assert "<td>Other roles together</td><td>2</td><td>850.00</td>" in page(at_k)


def test_a_role_withheld_cannot_be_worked_out_from_the_total(alpha, k):
    """At k = 3: three suppliers (10 each), three partners (20 each), one association (5). The association
    is withheld, and the suppliers with it (the smaller role shown), or the total minus the roles shown
    would give the lone association's value."""
    k(3)
    report = Report.objects.create(
        period_start="2026-01-01", period_end="2026-01-31", status="done",
        summary={"partners": 7, "total_value": "95.00", "joint_value": "0.00", "synergy_ratio": 0.0},
    )  # fmt: skip
    rows = []
    for i, (role, value) in enumerate([("supplier", 10)] * 3 + [("partner", 20)] * 3 + [("association", 5)]):
        partner = PartnerFactory(name=f"P{i}", role=role, external_id=f"P{i}")
        rows.append(ReportRow.objects.create(
            report=report, partner=partner, role=role, linear=value, share=value / 95, solo=value, joint=0,
            fair_share=0, contributions=1, missions=1, previous=0, change=value,
        ))  # fmt: skip

    aggregates = selectors.ecosystem_aggregates(report, rows[0])

    assert aggregates.total_value == Decimal("95.00")
    assert [(r.role, r.partners, r.value) for r in aggregates.roles] == [("partner", 3, Decimal(60))]
    assert (aggregates.other_roles.partners, aggregates.other_roles.value) == (4, Decimal(35))
    assert aggregates.roles_withheld


def test_the_report_picker_lists_only_finished_reports_with_our_row(as_user, eco):
    first = finished(eco)
    wider = finished(eco, period_start="2026-01-01", period_end="2026-06-30")
    suppliers = finished(eco, roles=["supplier"])  # Finamed has no row in it
    pending, _ = services.report_request(actor=eco["manager"], data={**PERIOD, "roles": ["partner"]})
    paul = as_user(eco["paul"])

    latest = paul.get("/portal/value/")
    chosen = paul.get(f"/portal/value/?report={first.pk}")

    assert latest.context["report"] == wider
    assert [r.pk for r in latest.context["reports"]] == [wider.pk, first.pk]
    assert f'<option value="{first.pk}">' in page(latest) and f'value="{suppliers.pk}"' not in page(latest)
    assert chosen.context["report"] == first and chosen.context["row"].linear == Decimal("750.00")
    for bad in (suppliers.pk, pending.pk, 999999, "abc"):
        assert paul.get(f"/portal/value/?report={bad}").status_code == 404, bad
        assert paul.get(f"/portal/value/{bad}/explanation/").status_code == 404 or bad == "abc"
    assert as_user(eco["sam"]).get(f"/portal/value/?report={suppliers.pk}").status_code == 200


def test_without_a_finished_report_the_page_says_so(as_user, eco):
    services.report_request(actor=eco["manager"], data=PERIOD)  # queued, not done

    response = as_user(eco["sam"]).get("/portal/value/")

    assert response.status_code == 200 and response.context["row"] is None
    assert "No finished value report counts our organisation yet." in page(response)


def test_the_portal_home_shows_our_value_panel(as_user, eco):
    client = as_user(eco["sam"])
    before = client.get("/portal/")
    finished(eco)

    after = client.get("/portal/")

    assert "No value report counts our organisation yet." in page(before)
    assert "our organisation contributed a value of 1,250.00" in page(after)
    assert "Change against the previous period: 212.5 %." in page(after)
    assert 'href="/portal/value/"' in page(after)


# --- where our figures come from -----------------------------------------------------------


def test_a_partner_reads_where_its_own_figures_come_from_with_totals_behind_k(as_user, eco, k):
    report = finished(eco)
    client = as_user(eco["sam"])

    k(3)
    below_k = client.get(f"/portal/value/{report.pk}/explanation/")  # 2 partners behind each objective
    k(2)
    at_k = client.get(f"/portal/value/{report.pk}/explanation/")

    html = page(below_k)
    assert below_k.status_code == 200
    figures = html.split('id="figures-title"')[1].split("</dl>")[0]
    assert [dd.split("</dd>")[0] for dd in figures.split("<dd>")[1:]] == ["1,250.00", "600.00", "650.00", "800.00"]
    # Its own joint contributions: the co-contributors' names and weights, as on its contributions' pages.
    assert "joint with Carevia (weight 0.6)" in html and "joint with Finamed (weight 0.75)" in html
    assert f'href="/portal/missions/contributions/{eco["c6"].pk}/"' in html
    assert "/reports/" not in html  # no staff page, no other partner's explanation
    # Below k: no objective total, and nothing that tells the target was passed.
    assert html.count("Not shown: fewer than 3 partners stand behind it.") == 3
    assert "1,200" not in html and "120 tCO2e" not in html and "The target is reached" not in html
    assert "Joint work counts only with all its partners" in html
    assert [o.total_hidden for o in below_k.context["explained"].objectives] == [True, True, True]
    # At k: the totals and the reasons they give.
    shown = page(at_k)
    assert "Not shown: fewer than" not in shown
    assert "add up to 1,200.00, beyond the target of 1,000.00." in shown and "120 tCO2e" in shown


def test_a_competitor_s_figures_never_show_in_a_coopetition_mission(as_user, eco, k):
    report = finished(eco)
    k(3)

    response = as_user(eco["sam"]).get(f"/portal/value/{report.pk}/explanation/")

    html = page(response)
    # Carevia's solo contribution (500, 30 tCO2e) and its figures (1,100; 65 tCO2e fair share) stay hidden.
    assert f"/contributions/{eco['c5'].pk}/" not in html
    for figure in ("1,100.00", "500.00", "30 tCO2e", "65 tCO2e", "84 tCO2e"):
        assert figure not in html, figure
    [co2] = [o for o in response.context["explained"].objectives if o.coopetition]
    assert co2.total_hidden and co2.partners is None


def test_partner_b_reads_only_its_own_explanation(as_user, eco):
    report = finished(eco)
    paul = as_user(eco["paul"])

    own = paul.get(f"/portal/value/{report.pk}/explanation/")
    with_a_partner_id = paul.get(f"/portal/value/?partner={eco['medisol'].pk}")

    assert own.context["explained"].explanation.partner_id == eco["finamed"].pk
    assert "1,250.00" not in page(own) and "750.00" in page(own)
    assert with_a_partner_id.context["row"].partner_id == eco["finamed"].pk
    assert paul.get(f"/reports/{report.pk}/partners/{eco['medisol'].pk}/").status_code == 403


@pytest.mark.parametrize("who", ["admin", "manager", "reviewer"])
def test_staff_are_refused_the_portal_value_pages(as_user, eco, who):
    report = finished(eco)
    client = as_user(eco[who])

    assert client.get("/portal/value/").status_code == 403
    assert client.get(f"/portal/value/{report.pk}/explanation/").status_code == 403


def test_another_tenant_s_partner_user_is_sent_to_login(alpha, beta, eco):
    report = finished(eco)
    with schema_context("beta"):
        beta_partner = PartnerFactory(name="Beta supplier", external_id="BETA")
        outsider = make_user(beta, "partner_admin", email="x@beta.test", partner=beta_partner)
    client = login(Client(HTTP_HOST="beta.localhost"), beta, outsider)

    on_beta = client.get(f"/portal/value/{report.pk}/explanation/")
    crossing = client.get(f"/portal/value/{report.pk}/explanation/", HTTP_HOST="alpha.localhost")
    listed = client.get("/portal/value/", HTTP_HOST="alpha.localhost")

    assert on_beta.status_code == 404
    assert crossing.status_code == 302 and crossing["Location"].startswith("/accounts/login/")
    assert listed.status_code == 302


def test_the_portal_value_pages_read_in_a_bounded_number_of_queries(as_user, eco, django_assert_max_num_queries):
    report = finished(eco)
    finished(eco, period_start="2026-01-01", period_end="2026-06-30")
    for i in range(20):  # more partners in the report do not cost more queries
        PartnerFactory(name=f"Extra {i}", external_id=f"X{i}")
    client = as_user(eco["sam"])
    client.get("/portal/value/")  # the session and caches warm

    # session, user, the reports to pick from, the chosen one, its row (its trend with it), value by role
    with django_assert_max_num_queries(8):
        home = client.get(f"/portal/value/?report={report.pk}")
    # session, user, report, row, explain (the roll-ups' refresh: savepoint, lock, queue, release; then sums, lines, objectives, games), titles, contributions we may open
    with django_assert_max_num_queries(15):
        explained = client.get(f"/portal/value/{report.pk}/explanation/")
    assert home.status_code == explained.status_code == 200


def test_the_portal_value_pages_read_in_french(as_user, eco):
    report = finished(eco)
    client = as_user(eco["sam"])

    home = client.get("/portal/value/", HTTP_ACCEPT_LANGUAGE="fr")
    explained = client.get(f"/portal/value/{report.pk}/explanation/", HTTP_ACCEPT_LANGUAGE="fr")

    assert "Notre valeur" in page(home) and "L\N{RIGHT SINGLE QUOTATION MARK}écosystème, en agrégé" in page(home)
    assert chart_data(page(home))["labels"] == {"value": "Notre valeur"}
    assert "D\N{RIGHT SINGLE QUOTATION MARK}où viennent nos chiffres" in page(explained)
    assert french("Non affiché : moins de 3 partenaires en sont à l\N{RIGHT SINGLE QUOTATION MARK}origine.") in page(
        explained
    )
