"""Governance pages: the audit trail (and its CSV), the rule book (read-only for now), reviews: the list with
the request form, a review's page (progress while it runs, then the partner x rule matrix), cancel.

The staff read reviews; administrators and governance reviewers start and cancel them (the services refuse
anyone else too). Partner users are refused here (403).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecosystem.core.audit import audit_events_visible_to
from ecosystem.core.audit_text import describe_events
from ecosystem.core.errors import ApplicationError, FieldErrors
from ecosystem.core.roles import REVIEWERS, STAFF, has_role
from ecosystem.core.views import client_ip, form_errors_from, progress_fragment, role_required
from partners.csv_io import csv_stream_response
from partners.models import ParticipantRole
from partners.selectors import tiers_visible_to

from . import selectors, services
from .explain import finding_text
from .filters import AuditEventFilter
from .forms import MatrixFilterForm, ReviewForm
from .models import Review, RuleBook

PAGE_SIZE = 50
MATRIX_PAGE_SIZE = 50


def _others(request: HttpRequest) -> str:
    """The query string without its page: what the pager's links keep."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _audit_page(request: HttpRequest, found: AuditEventFilter) -> HttpResponse:
    events = found.qs if found.is_valid() else found.queryset.none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filter": found, "page": page, "events": describe_events(page.object_list), "query": _others(request)}
    return render(request, "governance/audit.html", context, status=200 if found.is_valid() else 400)


@role_required(*REVIEWERS)
def audit_trail(request: HttpRequest) -> HttpResponse:
    """Every recorded event, newest first, filtered by action, object type and dates."""
    return _audit_page(request, AuditEventFilter(request.GET, queryset=audit_events_visible_to(request.user)))


@role_required(*REVIEWERS)
def audit_export(request: HttpRequest) -> HttpResponse:
    """The audit trail's events under the page's filters, every page of them, as a streamed CSV download (the
    API's fields and the sentence in the reader's language). Bad filters: the page with its errors (400)."""
    found = AuditEventFilter(request.GET, queryset=audit_events_visible_to(request.user))
    if not found.is_valid():
        return _audit_page(request, found)
    return csv_stream_response("audit", selectors.AUDIT_CSV_COLUMNS, selectors.audit_csv_rows(found.qs))


@role_required(*STAFF)
def rule_book(request: HttpRequest) -> HttpResponse:
    """The rule book's current version, or `?version=N`, with its rules and their parameters."""
    raw = request.GET.get("version", "")
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) < 10):
        context = {"book": None, "rules": [], "versions": [], "bad_version": raw[:40]}
        return render(request, "governance/rules.html", context, status=400)
    try:
        book, rules, versions = selectors.rule_book_version(int(raw) if raw else None)
    except RuleBook.DoesNotExist:
        raise Http404 from None
    return render(request, "governance/rules.html", {"book": book, "rules": rules, "versions": versions})


# --- reviews ----------------------------------------------------------------------------------


def _can_run(request: HttpRequest) -> bool:
    return has_role(request.user, REVIEWERS)


def _review(request: HttpRequest, pk: int) -> Review:
    return get_object_or_404(selectors.reviews_visible_to(request.user).select_related("requested_by"), pk=pk)


def _tier_choices(request: HttpRequest) -> list[tuple[int, str]]:
    return list(tiers_visible_to(request.user).values_list("pk", "name"))


@role_required(*STAFF)
def review_list(request: HttpRequest) -> HttpResponse:
    """Every review, newest first, with its scope and summary; administrators and reviewers start one here."""
    tiers = _tier_choices(request)
    form = None
    if request.method == "POST":
        if not _can_run(request):
            raise PermissionDenied
        form = ReviewForm(request.POST, tier_choices=tiers)
        if form.is_valid():
            try:
                review, created = services.review_request(
                    actor=request.user, data=form.service_data(), ip=client_ip(request)
                )
            except FieldErrors as error:
                form_errors_from(form, error)
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                if created:
                    messages.success(request, _("The review was started; it is being run."))
                else:
                    messages.info(request, _("The same review is already being run: here it is."))
                return redirect("governance:review", pk=review.pk)
    elif _can_run(request):
        form = ReviewForm(tier_choices=tiers)
    reviews = selectors.reviews_visible_to(request.user).select_related("requested_by")
    page = Paginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    names = dict(tiers)
    rows = [{"review": review, **_scope(review, names)} for review in page.object_list]
    context = {"page": page, "rows": rows, "form": form, "can_run": _can_run(request)}
    return render(request, "governance/reviews.html", context, status=400 if form is not None and form.errors else 200)


def _scope(review: Review, tiers: dict[int, str]) -> dict[str, list[str]]:
    roles = dict(ParticipantRole.choices)
    return {
        "roles": [str(roles.get(role, role)) for role in review.roles],
        "tiers": [tiers.get(tier, f"#{tier}") for tier in review.tiers],
    }


def _matrix(request: HttpRequest, review: Review, tiers: list[tuple[int, str]]) -> tuple[dict[str, Any], bool]:
    """The matrix's context and whether its filters were valid: a page of partners (rows), the rules of the
    review's rule book version (columns), each cell its finding told in words. A fixed number of queries."""
    rules = selectors.review_rules(review)
    form = MatrixFilterForm(request.GET, rules=rules, tier_choices=tiers)
    context: dict[str, Any] = {"filters": form, "rules": rules, "rows": [], "page": None, "query": _others(request)}
    if not form.is_valid():
        return context, False
    data = form.cleaned_data
    rule = next((r for r in rules if r.key == data["rule"]), None)
    shown = [rule] if rule else rules
    partners = selectors.review_matrix_partners(
        review, rule=rule, outcome=data["outcome"], name=data["q"], role=data["role"], tier=data["tier"]
    )
    page = Paginator(partners, MATRIX_PAGE_SIZE).get_page(request.GET.get("page"))
    found = selectors.review_matrix_findings(review, list(page.object_list), shown)
    rows = []
    for partner in page.object_list:
        cells = []
        for each in shown:
            finding = found.get((partner.pk, each.pk))
            cells.append({"rule": each, "finding": finding, "text": finding_text(finding, each) if finding else ""})
        rows.append({"partner": partner, "cells": cells})
    context.update(rules=shown, rows=rows, page=page, filtered=any(data.values()))
    return context, True


@role_required(*STAFF)
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A review: its progress while queued or running; its failure reason; once done, its summary and the
    partner x rule matrix with filters (GET), paged by partners."""
    review = _review(request, pk)
    tiers = _tier_choices(request)
    context: dict[str, Any] = {"review": review, "can_run": _can_run(request), **_scope(review, dict(tiers))}
    valid = True
    if review.status == Review.Status.DONE:
        matrix, valid = _matrix(request, review, tiers)
        context.update(matrix)
    return render(request, "governance/review.html", context, status=200 if valid else 400)


@role_required(*STAFF)
def review_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx while the review runs; once it does not, htmx reloads the page."""
    review = _review(request, pk)
    return progress_fragment(request, "governance/_progress.html", {"review": review}, pending=review.is_pending)


@require_POST
@role_required(*REVIEWERS)
def review_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    try:
        services.review_cancel(actor=request.user, review=review, ip=client_ip(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The review was cancelled."))
    if request.POST.get("back") == "list":
        return redirect("governance:reviews")
    return redirect("governance:review", pk=pk)
