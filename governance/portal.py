"""The partner portal's governance pages, and its panel on the portal's home.

What a partner's users read of governance: their own organisation's decisions of closed reviews (with the
rationale and the findings behind each, told in words), the appeal against one and its answer, and the
current rule book. The partner's administrator appeals here within the window; the personal link of a
decision's mail (`/portal/appeal/<token>/`) shows the same page and form without a session, acting as the
person the link names (a suspension signs the partner's users out, but its decision can still be appealed).
Every read goes through `selectors` (the walls live there): another partner's decision is not found, and the
service `decisions.appeal_file` has the last word on who may appeal what, when.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ecosystem.accounts.models import User
from ecosystem.core.dashboard import Panel
from ecosystem.core.errors import ApplicationError, FieldErrors, NotAllowed
from ecosystem.core.network import client_ip
from ecosystem.core.portal import register_portal_panel
from ecosystem.core.roles import PARTNER_USERS, Role, has_role
from ecosystem.core.views import form_errors_from, role_required
from partners.models import Tier

from . import decisions as decision_services
from . import selectors
from .explain import finding_text, rule_params_text
from .forms import AppealForm
from .models import Decision

TEMPLATES = "portal/governance"
PANEL_DECISIONS = 3
APPEAL = Decision.appeal.related  # the reverse one-to-one: loaded along by `portal_decisions`


@role_required(*PARTNER_USERS)
def decision_list(request: HttpRequest) -> HttpResponse:
    """The organisation's decisions of closed reviews, newest review first: a fixed number of queries."""
    user = request.user
    rows = [decision_services.appeal_state(user=user, decision=d) for d in selectors.portal_decisions(user)]
    return render(request, f"{TEMPLATES}/decisions.html", {"rows": rows})


def _decision_page(request: HttpRequest, decision: Decision, user: User, *, template: str) -> HttpResponse:
    """One decision, its findings and its appeal; on POST the appeal filed by `user` through the service, then
    back to the same page (its refusals shown on the form: 400 for the grounds, the service's status else)."""
    form, refusal, status = AppealForm(), "", 200
    if request.method == "POST":
        form = AppealForm(request.POST)
        form.is_valid()  # nothing to check here: the service does
        try:
            decision_services.appeal_file(actor=user, decision=decision, reason=request.POST.get("reason", ""),
                                          ip=client_ip(request))  # fmt: skip
        except NotAllowed:
            raise PermissionDenied from None
        except FieldErrors as error:
            form_errors_from(form, error)
            status = error.status_code
        except ApplicationError as error:
            refusal, status = error.message, error.status_code
        else:
            messages.success(request, _("Your appeal was filed: a reviewer will answer it."))
            return redirect(request.path)
        if APPEAL.is_cached(decision):  # refused: read the appeal again (one filed meanwhile is shown)
            APPEAL.delete_cached_value(decision)
    findings = [
        {"finding": finding, "rule": finding.rule, "text": finding_text(finding, finding.rule)}
        for finding in selectors.decision_findings(decision)
    ]
    row = decision_services.appeal_state(user=user, decision=decision)
    context = {
        **row,
        "row": row,
        "findings": findings,
        "form": form,
        "refusal": refusal,
        "is_admin": has_role(user, (Role.PARTNER_ADMIN,)),
        "person": user,
    }
    return render(request, template, context, status=status)


@role_required(*PARTNER_USERS)
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the organisation's decisions; its administrator appeals it here within the window."""
    decision = selectors.portal_decisions(request.user).filter(pk=pk).first()
    if decision is None:
        raise Http404
    return _decision_page(request, decision, request.user, template=f"{TEMPLATES}/decision.html")


@never_cache  # a personal page: kept by no shared cache
@require_http_methods(["GET", "POST"])
def appeal_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The personal appeal page of a decision's mail: no session needed, the person the link names acts (no
    one is signed in). A forged link or one of another tenant: 403; once the window has closed: 400."""
    try:
        decision, user = decision_services.appeal_from_link(token)
    except ApplicationError as error:
        return render(request, f"{TEMPLATES}/link_refused.html", {"message": error.message},
                      status=error.status_code)  # fmt: skip
    return _decision_page(request, decision, user, template=f"{TEMPLATES}/appeal_link.html")


def decisions_redirect(request: HttpRequest) -> HttpResponse:
    """`/portal/decisions/`, the address the answer mails carry: the decisions' page."""
    return redirect("governance_portal:decisions", permanent=True)


@role_required(*PARTNER_USERS)
def rule_book(request: HttpRequest) -> HttpResponse:
    """The current rule book, read-only: each rule's kind, severity, parameters in words and scope."""
    rules = list(selectors.rules_visible_to(request.user))
    tier_names = dict(Tier.objects.values_list("pk", "name"))
    rows = [{"rule": rule, "params": rule_params_text(rule, tier_names),
             "tiers": [tier_names.get(pk, "—") for pk in rule.tiers]} for rule in rules]  # fmt: skip
    book = rules[0].book if rules else None
    return render(request, f"{TEMPLATES}/rules.html", {"rows": rows, "book": book})


# --- the portal home's "Governance decisions" panel -------------------------------------------


def latest_decisions(user: User) -> dict[str, Any]:
    """The organisation's latest decisions with their appeal state: one query."""
    latest = selectors.portal_decisions(user)[:PANEL_DECISIONS]
    rows = [decision_services.appeal_state(user=user, decision=d) for d in latest]
    open_deadlines = [row["deadline"] for row in rows if row["can_file"]]
    return {"rows": rows, "appeal_until": min(open_deadlines) if open_deadlines else None,
            "list_url": reverse("governance_portal:decisions")}  # fmt: skip


def register_portal_panels() -> None:
    register_portal_panel(Panel("governance_decisions", 30, PARTNER_USERS, f"{TEMPLATES}/panel.html",
                                latest_decisions))  # fmt: skip
