"""Governance pages: the audit trail (and its CSV), the rule book (administrators and reviewers add, edit and
delete its rules, each change a new version), reviews: the list with
the request form, a review's page (progress while it runs, then the partner x rule matrix and the decisions),
cancel; a decision's page (record or change), approve, withdraw, apply the review's decisions; the appeals
and the answer to one.

The staff read reviews; administrators and governance reviewers start and cancel them (the services refuse
anyone else too). Partner users are refused here (403).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecosystem.core.audit import audit_events_visible_to
from ecosystem.core.audit_text import describe_events
from ecosystem.core.errors import ApplicationError, Conflict, FieldErrors
from ecosystem.core.roles import REVIEWERS, STAFF, has_role
from ecosystem.core.selectors import tenant_settings
from ecosystem.core.views import client_ip, form_errors_from, progress_fragment, role_required
from partners.csv_io import csv_stream_response
from partners.models import ParticipantRole, Partner
from partners.selectors import tiers_visible_to

from . import decisions, selectors, services
from .explain import finding_text
from .filters import AuditEventFilter
from .forms import AppealAnswerForm, ApplyForm, DecisionForm, MatrixFilterForm, ReviewForm
from .models import Appeal, Decision, Review, Rule, RuleBook
from .rule_forms import KIND_HELP, KindForm, RuleForm

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
    current = book is not None and book.number == versions[0]
    context = {"book": book, "rules": rules, "versions": versions, "can_add": _can_run(request),
               "can_edit": _can_run(request) and current}  # fmt: skip
    return render(request, "governance/rules.html", context)


# --- editing the rule book (each change writes a new version, through the services) -------------


def _rule_of_book(request: HttpRequest, pk: int) -> Rule:
    return get_object_or_404(selectors.rules_visible_to(request.user), pk=pk)


def _conflict(request: HttpRequest, template: str, context: dict[str, Any], error: Conflict) -> HttpResponse:
    """Someone changed the rule book since the page was shown (409): say so, with a link to its current version
    and to the rule as it is now (when it still exists); what was typed stays in the form."""
    rule = context.get("rule")
    now = selectors.rule_book_current()
    latest = now.rules.filter(key=rule.key).first() if now is not None and rule is not None else None
    context.update(conflict=error.message, latest=latest, now=now)
    return render(request, template, context, status=409)


def _kind_text(kind: str | None) -> dict[str, Any]:
    if kind is None:
        return {"kind": None}
    return {"kind": kind, "kind_label": Rule.Kind(kind).label, "kind_help": KIND_HELP[kind]}


def _saved(request: HttpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("governance:rules")


def _rule_saved(request: HttpRequest, form: RuleForm, context: dict[str, Any], save: Callable[..., Rule],
                done: str) -> HttpResponse | None:  # fmt: skip
    """`save(data=, ip=)` the form's rule: back to the rule book once saved, the 409 page if the rule book changed
    meanwhile, None with the services' errors on the form."""
    try:
        rule = save(data=form.service_data(), ip=client_ip(request))
    except FieldErrors as error:
        form.add_service_errors(error)
        return None
    except Conflict as error:
        return _conflict(request, "governance/rule_form.html", context, error)
    return _saved(request, done % {"name": rule.name, "number": rule.book.number})


@role_required(*REVIEWERS)
def rule_add(request: HttpRequest) -> HttpResponse:
    """Add a rule: choose its kind (`?kind=`), then its name, parameters, severity and scope; a new version."""
    raw = request.POST.get("kind") if request.method == "POST" else request.GET.get("kind")
    if request.method == "GET" and raw not in Rule.Kind.values:
        chooser = KindForm(request.GET if "kind" in request.GET else None)
        return render(request, "governance/rule_kind.html", {"form": chooser},
                      status=400 if chooser.is_bound else 200)  # fmt: skip
    kind = raw if raw in Rule.Kind.values else None
    tiers = _tier_choices(request)
    form = RuleForm(request.POST or None, kind=kind, tiers=tiers, with_kind=True, initial={"kind": kind})
    context: dict[str, Any] = {"form": form, "adding": True, **_kind_text(kind)}
    if request.method == "POST" and form.is_valid() and kind:
        done = _("The rule %(name)s was added: version %(number)d of the rule book.")
        added = _rule_saved(request, form, context, partial(services.rule_create, actor=request.user), done)
        if added is not None:
            return added
    return render(request, "governance/rule_form.html", context, status=400 if form.errors else 200)


@role_required(*REVIEWERS)
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a rule of the current version (its kind stays: to change it, delete the rule and add another); a new
    version. A rule of an older version, or one changed since the page was shown: 409, what was typed kept."""
    rule = _rule_of_book(request, pk)
    form = RuleForm(request.POST or None, kind=rule.kind, tiers=_tier_choices(request),
                    initial=RuleForm.initial_for(rule))  # fmt: skip
    context: dict[str, Any] = {"form": form, "rule": rule, **_kind_text(rule.kind)}
    if request.method == "POST" and form.is_valid():
        done = _("The rule %(name)s was changed: version %(number)d of the rule book.")
        changed = _rule_saved(
            request, form, context, partial(services.rule_update, actor=request.user, rule=rule), done
        )
        if changed is not None:
            return changed
    elif request.method == "GET" and rule.book_id != getattr(selectors.rule_book_current(), "pk", None):
        return _conflict(request, "governance/rule_form.html", context, services.outdated_rule())
    return render(request, "governance/rule_form.html", context, status=400 if form.errors else 200)


@role_required(*REVIEWERS)
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask, then delete a rule of the current version: a new version without it (older versions keep it)."""
    rule = _rule_of_book(request, pk)
    context: dict[str, Any] = {"rule": rule}
    if request.method == "POST":
        try:
            book = services.rule_delete(actor=request.user, rule=rule, ip=client_ip(request))
        except Conflict as error:
            return _conflict(request, "governance/rule_delete.html", context, error)
        return _saved(request, _("The rule %(name)s was deleted: version %(number)d of the rule book.")
                      % {"name": rule.name, "number": book.number})  # fmt: skip
    if rule.book_id != getattr(selectors.rule_book_current(), "pk", None):
        return _conflict(request, "governance/rule_delete.html", context, services.outdated_rule())
    return render(request, "governance/rule_delete.html", context)


# --- reviews ----------------------------------------------------------------------------------


def _can_run(request: HttpRequest) -> bool:
    return has_role(request.user, REVIEWERS)


def _review(request: HttpRequest, pk: int) -> Review:
    return get_object_or_404(
        selectors.reviews_visible_to(request.user).select_related("requested_by", "closed_by"), pk=pk
    )


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
        rows = _decision_rows(request, review)
        decided = {row["decision"].partner_id: row["decision"] for row in rows}
        for row in matrix["rows"]:
            row["decision"] = decided.get(row["partner"].pk)
        context.update(matrix, decisions=rows, can_decide=_can_run(request) and review.closed_at is None,
                       apply_form=ApplyForm())  # fmt: skip
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


# --- decisions --------------------------------------------------------------------------------


def _decision_rows(request: HttpRequest, review: Review) -> list[dict[str, Any]]:
    """The review's decisions, each with what the viewer may do to it. One query."""
    open_ = _can_run(request) and review.closed_at is None
    return [
        {
            "decision": decision,
            "can_change": open_,
            "can_approve": open_ and decision.awaiting_approval and decision.author_id != request.user.pk,
        }
        for decision in selectors.decisions_of_review(review)
    ]


def _to_decisions(review_id: int) -> HttpResponse:
    return redirect(reverse("governance:review", args=[review_id]) + "#decisions")


@role_required(*REVIEWERS)
def decision_edit(request: HttpRequest, pk: int, partner_pk: int) -> HttpResponse:
    """Record (or change) the decision about one partner of a finished, open review, its findings in view."""
    review = _review(request, pk)
    partner = get_object_or_404(Partner.objects.select_related("tier"), pk=partner_pk)
    found = selectors.partner_findings(review.pk, partner.pk)
    if review.status != Review.Status.DONE or not found:
        raise Http404
    if review.closed_at is not None:
        messages.error(request, decisions.review_closed_message())
        return _to_decisions(review.pk)
    current = Decision.objects.filter(review=review, partner=partner).first()
    initial = {"kind": current.kind, "tier": current.tier_id, "rationale": current.rationale} if current else {}
    form = DecisionForm(request.POST or None, initial=initial, tier_choices=_tier_choices(request))
    if request.method == "POST" and form.is_valid():
        try:
            decisions.decision_record(
                actor=request.user, review=review, data={**form.cleaned_data, "partner": partner.pk},
                ip=client_ip(request),
            )  # fmt: skip
        except FieldErrors as error:
            form_errors_from(form, error)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The decision about %(partner)s was recorded.") % {"partner": partner.name})
            return _to_decisions(review.pk)
    rules = {finding.rule_id: finding.rule for finding in found}
    context = {
        "review": review, "partner": partner, "form": form, "current": current,
        "findings": [{"finding": f, "text": finding_text(f, rules[f.rule_id])} for f in found],
    }  # fmt: skip
    return render(request, "governance/decide.html", context, status=400 if form.errors else 200)


def _decision_action(request: HttpRequest, pk: int, act: Callable[..., Any], done: str) -> HttpResponse:
    decision = get_object_or_404(selectors.decisions_visible_to(request.user), pk=pk)
    try:
        act(actor=request.user, decision=decision, ip=client_ip(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done % {"partner": decision.partner.name})
    return _to_decisions(decision.review_id)


@require_POST
@role_required(*REVIEWERS)
def decision_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """The second person's approval of a suspension or an exit."""
    return _decision_action(request, pk, decisions.decision_approve, _("The decision about %(partner)s was approved."))


@require_POST
@role_required(*REVIEWERS)
def decision_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision_action(
        request, pk, decisions.decision_withdraw, _("The decision about %(partner)s was withdrawn.")
    )


@require_POST
@role_required(*REVIEWERS)
def review_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply every decision of the review (ticked confirmation), which closes it."""
    review = _review(request, pk)
    form = ApplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["confirm"][0])
        return _to_decisions(review.pk)
    try:
        decisions.review_apply(actor=request.user, review=review, ip=client_ip(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The decisions were applied to the partners and the review is closed."))
    return _to_decisions(review.pk)


# --- appeals ----------------------------------------------------------------------------------

APPEAL_STATES = {"open", "upheld", "overturned"}


@role_required(*STAFF)
def appeal_list(request: HttpRequest) -> HttpResponse:
    """The partners' appeals, newest first, `?state=` filtering; each with its deadline. A fixed number of
    queries whatever the number of appeals."""
    state = request.GET.get("state", "")
    appeals = selectors.appeals_visible_to(request.user)
    bad = state not in APPEAL_STATES and state != ""
    if state in APPEAL_STATES:
        appeals = appeals.filter(state=state)
    page = Paginator(appeals if not bad else appeals.none(), PAGE_SIZE).get_page(request.GET.get("page"))
    window = dt.timedelta(days=tenant_settings().appeal_window_days)
    rows = [{"appeal": a, "deadline": a.decision.review.closed_at + window} for a in page.object_list]
    context = {"page": page, "rows": rows, "state": state, "bad_state": bad, "query": _others(request),
               "states": Appeal.State.choices}  # fmt: skip
    return render(request, "governance/appeals.html", context, status=400 if bad else 200)


@role_required(*STAFF)
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An appeal with the decision and findings it is about; administrators and reviewers answer it here."""
    appeal = get_object_or_404(selectors.appeals_visible_to(request.user).select_related("decision__tier"), pk=pk)
    can_answer = _can_run(request) and appeal.state == Appeal.State.OPEN
    form = AppealAnswerForm(request.POST or None) if can_answer else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                decisions.appeal_answer(actor=request.user, appeal=appeal, ip=client_ip(request), **form.cleaned_data)
            except FieldErrors as error:
                form_errors_from(form, error)
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The appeal was answered; the partner's users are told by mail."))
                return redirect("governance:appeal", pk=appeal.pk)
    found = selectors.decision_findings(appeal.decision)
    context = {
        "appeal": appeal, "decision": appeal.decision, "form": form,
        "deadline": decisions.appeal_deadline(appeal.decision),
        "findings": [{"finding": f, "text": finding_text(f, f.rule)} for f in found],
    }  # fmt: skip
    return render(request, "governance/appeal.html", context, status=400 if form is not None and form.errors else 200)
