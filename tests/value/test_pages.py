"""The staff's report pages: the list and its request form, a report's page (progress, then figures, charts
and scorecard), the htmx progress fragment, cancel, the CSV export, the dashboard panel; who may do what."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from ecosystem.value import services
from ecosystem.value.models import Report
from ecosystem.value.tasks import compute_report
from tests.conftest import admin_of, external_assets, flash_messages, login
from tests.value.test_engine import cast as cast
from tests.value.test_engine import eco as eco  # the fixture: a hand-checked small ecosystem
from tests.value.test_engine import world as world

PERIOD = {"period_start": "2026-01-01", "period_end": "2026-06-30"}


@pytest.fixture
def as_user(alpha):
    def sign_in(user):
        return login(Client(HTTP_HOST="alpha.localhost"), alpha, user)

    return sign_in


def page(response) -> str:
    return response.content.decode()


def finished(eco) -> Report:
    report, _created = services.report_request(actor=eco["manager"], data=PERIOD)
    assert compute_report(report.pk) == "done"
    report.refresh_from_db()
    return report


# --- the list and the request form ------------------------------------------------


def test_a_manager_requests_a_report_from_the_list_and_the_same_request_leads_to_it(as_user, eco):
    client = as_user(eco["manager"])
    form = client.get("/reports/")
    body = {**PERIOD, "missions": [eco["mission"].pk], "roles": ["supplier", "partner"]}

    first = client.post("/reports/", body)
    again = client.post("/reports/", body)

    report = Report.objects.get()
    assert form.status_code == 200 and 'name="period_start"' in page(form) and 'value="supplier"' in page(form)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"/reports/{report.pk}/"
    assert (report.missions, report.roles, report.status) == ([eco["mission"].pk], ["partner", "supplier"], "queued")
    assert flash_messages(again) == [
        "The report was requested; it is being computed.",
        "The same report is already being computed: here it is.",
    ]
    listed = client.get("/reports/")
    assert f'href="/reports/{report.pk}/"' in page(listed) and "1 report" in page(listed)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"period_start": "2026-06-30", "period_end": "2026-01-01"}, "period_end",
         "The period must not end before it starts."),
        ({"period_start": "", "period_end": "2026-01-01"}, "period_start", "This field is required."),
        ({**PERIOD, "roles": ["overlord"]}, "roles", "Select a valid choice. overlord is not one of the available choices."),
        ({**PERIOD, "missions": ["999999"]}, "missions",
         "Select a valid choice. 999999 is not one of the available choices."),
        ({"period_start": "2019-01-01", "period_end": "2026-01-01"}, "period_end", "A report covers at most five years."),
    ],
)  # fmt: skip
def test_a_bad_request_shows_the_form_with_its_field_errors_and_queues_nothing(as_user, eco, body, field, message):
    response = as_user(eco["manager"]).post("/reports/", body)

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert f'id="id_{field}_error"' in page(response)
    assert Report.objects.count() == 0


def test_a_reviewer_reads_the_reports_without_the_form_and_cannot_request(as_user, eco):
    client = as_user(eco["reviewer"])

    listed = client.get("/reports/")
    posted = client.post("/reports/", PERIOD)

    assert listed.status_code == 200 and 'name="period_start"' not in page(listed)
    assert posted.status_code == 403
    assert Report.objects.count() == 0


def test_partner_users_are_refused_every_report_page(as_user, eco):
    report = finished(eco)
    client = as_user(eco["sam"])

    for path in ("/reports/", f"/reports/{report.pk}/", f"/reports/{report.pk}/progress/",
                 f"/reports/{report.pk}/export/"):  # fmt: skip
        assert client.get(path).status_code == 403, path
    assert client.post("/reports/", PERIOD).status_code == 403
    assert client.post(f"/reports/{report.pk}/cancel/").status_code == 403
    assert Report.objects.count() == 1


def test_another_tenants_report_is_not_found_and_its_session_is_anonymous_here(alpha, beta, as_user, eco):
    report = finished(eco)
    with schema_context("beta"):
        beta_admin = admin_of(beta)
    beta_client = login(Client(HTTP_HOST="beta.localhost"), beta, beta_admin)

    on_beta = beta_client.get(f"/reports/{report.pk}/")
    crossing = beta_client.get(f"/reports/{report.pk}/", HTTP_HOST="alpha.localhost")

    assert on_beta.status_code == 404
    assert crossing.status_code == 302 and crossing["Location"].startswith("/accounts/login/")


# --- the report page ---------------------------------------------------------------


def test_a_finished_report_shows_its_figures_charts_and_scorecard(as_user, eco):
    report = finished(eco)

    response = as_user(eco["reviewer"]).get(f"/reports/{report.pk}/")

    html = page(response)
    assert response.status_code == 200
    summary = report.summary
    assert summary["total_value"] in html.replace(",", "")
    for chart in ("chart-top", "chart-roles", "chart-trend", "chart-lorenz", "chart-network"):
        assert f'id="{chart}" role="img" aria-label="' in html
    assert "js/vendor/echarts-6.1.0.min.js" in html and "js/report-charts.js" in html
    assert external_assets(html) == []
    data = json.loads(html.split('<script id="report-data" type="application/json">')[1].split("</script>")[0])
    assert data["labels"]["lorenz"] == "Lorenz curve of the partners' value"
    assert data["lorenz"]["points"] == summary["lorenz"]
    assert {n["name"] for n in data["network"]["nodes"]} == {"Medisol", "Finamed", "Edunet", "Carevia"}
    assert len(data["network"]["links"]) == len(report.pairs.all())
    names = [r["name"] for r in response.context["rows"]]
    assert names == [r["name"] for r in sorted(response.context["rows"], key=lambda r: -float(r["linear"]))]
    assert f'href="/reports/{report.pk}/export/"' in html
    assert "Fair shares per objective" in html and "Revenue" in html


def test_the_scorecard_sorts_by_any_column_on_the_server(as_user, eco):
    report = finished(eco)
    client = as_user(eco["manager"])

    by_name = client.get(f"/reports/{report.pk}/?sort=name")
    by_name_desc = client.get(f"/reports/{report.pk}/?sort=-name")
    by_contributions = client.get(f"/reports/{report.pk}/?sort=-contributions")
    unknown = client.get(f"/reports/{report.pk}/?sort=password")

    names = [r["name"] for r in by_name.context["rows"]]
    assert names == sorted(names) and len(names) == 4
    assert [r["name"] for r in by_name_desc.context["rows"]] == names[::-1]
    counts = [r["contributions"] for r in by_contributions.context["rows"]]
    assert counts == sorted(counts, reverse=True)
    assert 'aria-sort="descending"' in page(by_name_desc)
    assert unknown.status_code == 200
    linear = [float(r["linear"]) for r in unknown.context["rows"]]
    assert linear == sorted(linear, reverse=True)


def test_the_csv_export_gives_the_scorecard(as_user, eco):
    report = finished(eco)

    response = as_user(eco["reviewer"]).get(f"/reports/{report.pk}/export/")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("partner_id,partner,role,tier,linear_value")
    assert len(lines) == 1 + report.rows.count()


def test_an_unfinished_report_has_nothing_to_export(as_user, eco):
    report, _ = services.report_request(actor=eco["manager"], data=PERIOD)

    response = as_user(eco["manager"]).get(f"/reports/{report.pk}/export/")

    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    assert flash_messages(response) == ["The report is not finished: there is nothing to export yet."]


def test_the_report_page_reads_in_a_constant_number_of_queries(as_user, eco, django_assert_max_num_queries):
    report = finished(eco)
    client = as_user(eco["manager"])
    client.get(f"/reports/{report.pk}/")  # the session and caches warm

    with django_assert_max_num_queries(10):
        response = client.get(f"/reports/{report.pk}/?sort=-joint")
    with django_assert_max_num_queries(10):
        listed = client.get("/reports/")
    assert response.status_code == listed.status_code == 200


# --- progress, cancel --------------------------------------------------------------


def test_the_progress_fragment_polls_while_pending_and_asks_a_reload_once_done(as_user, eco):
    report, _ = services.report_request(actor=eco["manager"], data=PERIOD)
    client = as_user(eco["reviewer"])

    detail = client.get(f"/reports/{report.pk}/")
    pending = client.get(f"/reports/{report.pk}/progress/", HTTP_HX_REQUEST="true")
    compute_report(report.pk)
    done = client.get(f"/reports/{report.pk}/progress/", HTTP_HX_REQUEST="true")

    assert f'hx-get="/reports/{report.pk}/progress/"' in page(detail) and 'hx-trigger="every 1s"' in page(detail)
    assert "htmx-2.0.11.min.js" in page(detail)
    assert pending.status_code == 200 and "HX-Refresh" not in pending
    assert '<progress class="bar" max="100" value="0"' in page(pending) and "hx-get" in page(pending)
    assert done.status_code == 200 and done["HX-Refresh"] == "true"
    assert "hx-get" not in page(done)


def test_a_manager_cancels_a_pending_report_and_a_reviewer_cannot(as_user, eco):
    report, _ = services.report_request(actor=eco["manager"], data=PERIOD)

    refused = as_user(eco["reviewer"]).post(f"/reports/{report.pk}/cancel/")
    report.refresh_from_db()
    assert refused.status_code == 403 and report.status == "queued"

    manager = as_user(eco["manager"])
    detail = manager.get(f"/reports/{report.pk}/")
    cancelled = manager.post(f"/reports/{report.pk}/cancel/")
    twice = manager.post(f"/reports/{report.pk}/cancel/")

    report.refresh_from_db()
    assert "Cancel the report" in page(detail)
    assert cancelled.status_code == 302 and report.status == "cancelled"
    assert flash_messages(cancelled) == ["The report was cancelled."]
    assert flash_messages(twice)[-1:] == [
        "This report is Cancelled: only a queued or running report can be cancelled."
    ]


def test_a_failed_report_shows_its_reason(as_user, eco):
    report, _ = services.report_request(actor=eco["manager"], data=PERIOD)
    Report.objects.filter(pk=report.pk).update(status="failed", failure_reason="The worker was lost.")

    response = as_user(eco["reviewer"]).get(f"/reports/{report.pk}/")

    assert response.status_code == 200 and "The worker was lost." in page(response)


# --- navigation and the dashboard --------------------------------------------------


def test_the_dashboard_shows_the_latest_finished_report_in_constant_queries(
    as_user, eco, django_assert_max_num_queries
):
    client = as_user(eco["reviewer"])
    empty = client.get("/")
    report = finished(eco)
    services.report_request(actor=eco["manager"], data={"period_start": "2026-01-01", "period_end": "2026-02-28"})

    response = client.get("/")
    with django_assert_max_num_queries(len(response.context["panels"]) * 3 + 8):
        client.get("/")

    html = page(response)
    assert "No report has finished yet." in page(empty)
    assert f'href="/reports/{report.pk}/"' in html
    top = report.summary["top_partners"]
    assert all(p["name"] in html for p in top[:3])
    assert '<a href="/reports/">Reports</a>' in html


def test_the_report_page_and_its_chart_labels_read_in_french(as_user, eco):
    report = finished(eco)

    response = as_user(eco["reviewer"]).get(f"/reports/{report.pk}/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    html = page(response)
    data = json.loads(html.split('<script id="report-data" type="application/json">')[1].split("</script>")[0])
    assert "Chiffres clés" in html and "Télécharger le CSV" in html and "Parts équitables par objectif" in html
    assert data["labels"]["lorenz"] == "Courbe de Lorenz de la valeur des partenaires"
    assert data["labels"]["hhi"] == "IHH"
    assert "Fournisseur" in data["roles"]["names"]
