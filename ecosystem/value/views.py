"""The orchestrator staff's report pages: the list with the request form, a report's page (progress while
it is computed, then its figures, charts and scorecard), the progress fragment, cancel, the CSV export.

The staff read; managers request and cancel (the services refuse anyone else too). Partner users read
their own figures in the portal, never a whole report: here they are refused (403).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from ecosystem.core.errors import ApplicationError, FieldErrors
from ecosystem.core.roles import MANAGERS, STAFF, has_role
from ecosystem.core.views import client_ip, form_errors_from, progress_fragment, role_required
from ecosystem.missions.selectors import missions_visible_to

from . import charts, selectors, services
from .forms import ReportForm
from .models import Report, ReportRow

PAGE_SIZE = 50
# The scorecard table's columns: (sort key, heading); the key is `selectors.SCORECARD_SORTS`'s.
COLUMNS = [
    ("name", _l("Partner")), ("role", _l("Role")), ("tier", _l("Tier")), ("linear", _l("Value")),
    ("share", _l("Share")), ("solo", _l("Solo")), ("joint", _l("Joint")), ("fair_share", _l("Fair share")),
    ("contributions", _l("Contributions")), ("missions", _l("Missions")), ("previous", _l("Previous period")),
    ("change", pgettext_lazy("figure", "Change")), ("change_percent", _l("Change %")),
]  # fmt: skip


def _can_manage(request: HttpRequest) -> bool:
    return has_role(request.user, MANAGERS)


def _report(request: HttpRequest, pk: int) -> Report:
    return get_object_or_404(selectors.reports_visible_to(request.user), pk=pk)


def _form(request: HttpRequest) -> ReportForm:
    choices = list(missions_visible_to(request.user).values_list("pk", "title"))
    return ReportForm(request.POST or None, mission_choices=choices)


@role_required(*STAFF)
def report_list(request: HttpRequest) -> HttpResponse:
    form = None
    if request.method == "POST":
        if not _can_manage(request):
            raise PermissionDenied
        form = _form(request)
        if form.is_valid():
            try:
                report, created = services.report_request(
                    actor=request.user, data=form.service_data(), ip=client_ip(request)
                )
            except FieldErrors as error:
                form_errors_from(form, error)
            else:
                if created:
                    messages.success(request, _("The report was requested; it is being computed."))
                else:
                    messages.info(request, _("The same report is already being computed: here it is."))
                return redirect("value:detail", pk=report.pk)
    elif _can_manage(request):
        form = _form(request)
    page = Paginator(selectors.reports_visible_to(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "form": form, "can_manage": _can_manage(request)}
    return render(request, "value/list.html", context, status=400 if form is not None and form.errors else 200)


def _sort_links(current: str) -> list[dict[str, Any]]:
    links = []
    for key, label in COLUMNS:
        state = "ascending" if current == key else "descending" if current == f"-{key}" else None
        # A click on the sorted column turns it round; on another, numbers start highest, text from A.
        if state == "descending":
            target = key
        elif state == "ascending" or key in ("name", "role", "tier"):
            target = f"-{key}" if state == "ascending" else key
        else:
            target = f"-{key}"
        links.append({"key": key, "label": label, "sort": target, "state": state})
    return links


@role_required(*STAFF)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    context: dict[str, Any] = {
        "report": report,
        "can_manage": _can_manage(request),
        "role_labels": [charts.role_label(role) for role in report.roles],
    }
    if report.status == Report.Status.DONE:
        results = selectors.report_results(report)
        rows, sort = selectors.scorecard_sorted(results["scorecard"], request.GET.get("sort"))
        summary = results["summary"]
        previous = summary.get("previous_period", {})
        change = None
        if previous and float(previous.get("total_value") or 0):
            change = (float(summary["total_value"]) - float(previous["total_value"])) / float(previous["total_value"])
        names = {r["partner"]: r["name"] for r in results["scorecard"]}
        context.update(
            summary=summary,
            previous=previous,
            change=None if change is None else change * 100,
            rows=[{**r, "role_label": charts.role_label(r["role"])} for r in rows],
            columns=_sort_links(sort),
            chart=charts.chart_data(results),
            role_totals=charts.role_totals(results["series"]),
            top_pairs=[
                {**p, "a": names.get(p["source"], p["source"]), "b": names.get(p["target"], p["target"])}
                for p in results["network"][:10]
            ],
            objectives=[
                {**o, "shares": [{**s, "name": names.get(s["partner"], s["partner"])} for s in o["shares"]]}
                for o in summary.get("objectives", [])
            ],
        )
    return render(request, "value/detail.html", context)


@role_required(*STAFF)
def report_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx while the report is computed; once it is not, htmx reloads the page."""
    report = _report(request, pk)
    return progress_fragment(request, "value/_progress.html", {"report": report}, pending=report.is_pending)


@require_POST
@role_required(*MANAGERS)
def report_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    try:
        services.report_cancel(actor=request.user, report=report, ip=client_ip(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The report was cancelled."))
    return redirect("value:detail", pk=pk)


@role_required(*STAFF)
def report_export(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    try:
        return selectors.scorecard_csv_response(report)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("value:detail", pk=pk)


@role_required(*STAFF)
def partner_explanation(request: HttpRequest, pk: int, partner_id: int) -> HttpResponse:
    """Where one partner's figures of a finished report come from (`engine.explain` for the report's scope):
    its contributions, solo or joint with whom at which weight, and per objective its fair share against its
    linear part, with the reasons. A partner without a row in the report is not found."""
    report = _report(request, pk)
    if report.status != Report.Status.DONE:
        messages.error(request, _("The report is not finished: there is nothing to explain yet."))
        return redirect("value:detail", pk=pk)
    try:
        row = selectors.report_row(report, partner_id)
    except ReportRow.DoesNotExist:
        raise Http404 from None
    explained = selectors.explained_for_staff(report, row)
    others = {o.partner_id for c in explained.contributions for o in c.line.others}
    in_report = set(report.rows.filter(partner_id__in=others).values_list("partner_id", flat=True))
    context = {
        "report": report,
        "row": row,
        "role_label": charts.role_label(row.role),
        "explained": explained,
        "in_report": in_report,
    }
    return render(request, "value/explanation.html", context)
