"""Governance pages. For now: the audit trail."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ecosystem.core.audit import audit_events_visible_to
from ecosystem.core.audit_text import describe_events
from ecosystem.core.roles import REVIEWERS
from ecosystem.core.views import role_required

from .filters import AuditEventFilter

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
