"""Governance pages: the audit trail, the rule book (read-only for now)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ecosystem.core.audit import audit_events_visible_to
from ecosystem.core.audit_text import describe_events
from ecosystem.core.roles import REVIEWERS, STAFF
from ecosystem.core.views import role_required

from . import selectors
from .filters import AuditEventFilter
from .models import RuleBook

PAGE_SIZE = 50


@role_required(*REVIEWERS)
def audit_trail(request: HttpRequest) -> HttpResponse:
    """Every recorded event, newest first, filtered by action, object type and dates."""
    found = AuditEventFilter(request.GET, queryset=audit_events_visible_to(request.user))
    events = found.qs if found.is_valid() else found.queryset.none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": found, "page": page, "events": describe_events(page.object_list), "query": query.urlencode()}
    return render(request, "governance/audit.html", context, status=200 if found.is_valid() else 400)


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
