"""The partner portal's mission pages, and the "To do" panel of the portal's home.

Thin: every read goes through `selectors` (the walls: a mission, a
contribution or a participation the user may not see is a 404, and in a
coopetition mission the figures below k are hidden there, not here), every
write through `services` (which check the actor: a partner member answering an
invitation gets a 403). A partner's user acts only for its own organisation:
no form here names a partner.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecosystem.accounts.models import User
from ecosystem.core.dashboard import Panel
from ecosystem.core.errors import ApplicationError, FieldErrors, NotAllowed
from ecosystem.core.pagination import UncountedPage
from ecosystem.core.portal import register_portal_panel
from ecosystem.core.roles import PARTNER_USERS, Role
from ecosystem.core.views import client_ip, form_errors_from, role_required

from . import selectors, services
from .models import Contribution, Mission, Participation, Share
from .portal_forms import ContributionForm, ReasonForm
from .views import save_contribution

PAGE_SIZE = 25
SHOWN = 8
P = Participation.State
TEMPLATES = "portal/missions"


def _mission(request: HttpRequest, pk: int) -> Mission:
    try:
        return selectors.mission_for(request.user, pk)
    except Mission.DoesNotExist:
        raise Http404 from None


def _own_participations(user: User) -> QuerySet[Participation]:
    return selectors.participations_visible_to(user).filter(partner_id=user.partner_id)


def _contribution(request: HttpRequest, pk: int) -> Contribution:
    return get_object_or_404(selectors.contributions_visible_to(request.user), pk=pk)


def _refused(error: ApplicationError) -> None:
    """A service's refusal of the actor is the page's 403."""
    if isinstance(error, NotAllowed):
        raise PermissionDenied(error.message)


# --- missions -------------------------------------------------------------------


@role_required(*PARTNER_USERS)
def mission_list(request: HttpRequest) -> HttpResponse:
    """The missions the user's organisation was invited into, takes part in or left: five queries."""
    user = request.user
    rows = selectors.missions_overview(selectors.missions_visible_to(user), viewer=user)
    own = {p.mission_id: p for p in _own_participations(user)}
    to_confirm = dict(
        selectors.shares_awaiting(user).order_by().values_list("contribution__mission_id").annotate(n=Count("pk"))
    )
    items = [
        {"row": row, "participation": own.get(row.mission.pk), "to_confirm": to_confirm.get(row.mission.pk, 0)}
        for row in rows
    ]
    return render(request, f"{TEMPLATES}/list.html", {"items": items})


def _detail_page(
    request: HttpRequest,
    mission: Mission,
    *,
    answer_form: ReasonForm | None = None,
    leave_form: ReasonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The mission as the user's organisation sees it, in a fixed number of queries.

    A form that failed comes back bound, with its errors (400)."""
    user = request.user
    partner_id = user.partner_id
    participations = selectors.mission_participations(mission, viewer=user)
    own, commitment = next(((p, prog) for p, prog in participations if p.partner_id == partner_id), (None, None))
    frozen = services.participation_frozen_reason(own.partner) if own is not None else ""
    ours, others = selectors.mission_contributions_for(mission, user)
    ours = ours.prefetch_related(Prefetch("shares", queryset=Share.objects.select_related("partner").order_by("id")))
    is_admin = user.role == Role.PARTNER_ADMIN
    context = {
        "mission": mission,
        "objectives": selectors.mission_objectives(mission, viewer=user),
        "participation": own,
        "commitment": commitment,
        "participants": [p for p, _progress in participations if p.partner_id != partner_id],
        "frozen": frozen,
        "can_declare": mission.takes_contributions and own is not None and own.state == P.ACTIVE and not frozen,
        "awaiting": list(selectors.shares_awaiting(user).filter(contribution__mission=mission)),
        "ours": Paginator(ours, PAGE_SIZE).get_page(request.GET.get("page")),
        # Thousands of others' contributions: paged without counting them all.
        "others": UncountedPage(others, PAGE_SIZE, request.GET.get("others")),
        "can_answer": is_admin and own is not None and own.state == P.INVITED,
        "can_leave": is_admin and own is not None and own.state == P.ACTIVE,
        "answer_form": answer_form or ReasonForm(auto_id="answer-%s"),
        "leave_form": leave_form or ReasonForm(auto_id="leave-%s"),
    }
    return render(request, f"{TEMPLATES}/detail.html", context, status=status)


@role_required(*PARTNER_USERS)
def mission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _mission(request, pk))


@require_POST
@role_required(*PARTNER_USERS)
def participation_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept (`answer=accept`) or decline (`answer=decline`, optional reason) an invitation."""
    participation = get_object_or_404(_own_participations(request.user), pk=pk)
    answer = request.POST.get("answer")
    if answer not in ("accept", "decline"):
        return HttpResponseBadRequest(_("Accept or decline the invitation."))
    form = ReasonForm(request.POST, auto_id="answer-%s")
    if form.is_valid():
        try:
            services.participation_answer(
                actor=request.user, participation=participation, accept=answer == "accept",
                reason=form.cleaned_data["reason"], ip=client_ip(request),
            )  # fmt: skip
        except FieldErrors as error:
            form_errors_from(form, error)
        except ApplicationError as error:
            _refused(error)
            messages.error(request, error.message)
            return redirect("mission_portal:detail", pk=participation.mission_id)
        else:
            if answer == "accept":
                messages.success(request, _("Your organisation takes part in the mission."))
                return redirect("mission_portal:detail", pk=participation.mission_id)
            messages.success(request, _("You declined the invitation."))
            return redirect("mission_portal:list")
    return _detail_page(request, participation.mission, answer_form=form, status=400)


@require_POST
@role_required(*PARTNER_USERS)
def participation_leave(request: HttpRequest, pk: int) -> HttpResponse:
    participation = get_object_or_404(_own_participations(request.user), pk=pk)
    form = ReasonForm(request.POST, auto_id="leave-%s")
    if form.is_valid():
        try:
            services.participation_leave(
                actor=request.user, participation=participation, reason=form.cleaned_data["reason"],
                ip=client_ip(request),
            )  # fmt: skip
        except FieldErrors as error:
            form_errors_from(form, error)
        except ApplicationError as error:
            _refused(error)
            messages.error(request, error.message)
            return redirect("mission_portal:detail", pk=participation.mission_id)
        else:
            messages.success(request, _("Your organisation left the mission."))
            return redirect("mission_portal:detail", pk=participation.mission_id)
    return _detail_page(request, participation.mission, leave_form=form, status=400)


# --- contributions --------------------------------------------------------------


def _contribution_form(request: HttpRequest, mission: Mission, **kwargs: Any) -> ContributionForm:
    user = request.user
    co_contributors = (
        selectors.participations_visible_to(user)
        .filter(mission=mission, state=P.ACTIVE)
        .exclude(partner_id=user.partner_id)
        .values_list("partner_id", "partner__name")
    )
    return ContributionForm(
        request.POST or None,
        request.FILES or None,
        partner_id=user.partner_id,
        objectives=list(selectors.objectives_visible_to(user).filter(mission=mission)),
        co_contributors=list(co_contributors),
        **kwargs,
    )


def _why_not_declare(request: HttpRequest, mission: Mission) -> str:
    """Why the page offers no form ("" when it does); the service decides again on POST."""
    own = _own_participations(request.user).filter(mission=mission).first()
    if not mission.takes_contributions:
        return _("The mission is %(status)s: it takes no contributions.") % {"status": mission.get_status_display()}
    if own is None or own.state != P.ACTIVE:
        return _("Your organisation does not take part in this mission.")
    return services.participation_frozen_reason(own.partner)


def _form_page(request: HttpRequest, form: ContributionForm, context: dict[str, Any]) -> HttpResponse:
    status = 400 if form.errors else 200
    return render(request, f"{TEMPLATES}/contribution_form.html", {"form": form, **context}, status=status)


@role_required(*PARTNER_USERS)
def contribution_declare(request: HttpRequest, pk: int) -> HttpResponse:
    mission = _mission(request, pk)
    form = _contribution_form(request, mission)
    if request.method == "POST" and form.is_valid():
        try:
            contribution = save_contribution(request, form, mission=mission)
        except ApplicationError as error:
            _refused(error)
            form.add_error(None, error.message)
            contribution = None
        if contribution is not None:
            if contribution.status == Contribution.Status.AWAITING_CONFIRMATION:
                done = _("Contribution declared: each co-contributor is asked to confirm its share.")
            else:
                done = _("Contribution declared: it awaits the orchestrator's validation.")
            messages.success(request, done)
            return redirect("mission_portal:contribution", pk=contribution.pk)
    blocked = "" if request.method == "POST" else _why_not_declare(request, mission)
    return _form_page(request, form, {"mission": mission, "contribution": None, "blocked": blocked})


def _contribution_page(
    request: HttpRequest, contribution: Contribution, *, decline_form: ReasonForm | None = None, status: int = 200
) -> HttpResponse:
    partner_id = request.user.partner_id
    shares = list(contribution.shares.select_related("partner").order_by("id"))
    own_share = next((s for s in shares if s.partner_id == partner_id), None)
    context = {
        "contribution": contribution,
        "mission": contribution.mission,
        "shares": shares,
        "own_share": own_share,
        "can_answer": own_share is not None
        and own_share.state == Share.State.PENDING
        and contribution.status == Contribution.Status.AWAITING_CONFIRMATION,
        "can_edit": contribution.partner_id == partner_id and not contribution.is_validated,
        "decline_form": decline_form or ReasonForm(auto_id="decline-%s"),
    }
    return render(request, f"{TEMPLATES}/contribution.html", context, status=status)


@role_required(*PARTNER_USERS)
def contribution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One contribution the user may see; POST `action` = confirm, decline (with a reason) or delete."""
    contribution = _contribution(request, pk)
    if request.method != "POST":
        return _contribution_page(request, contribution)
    action = request.POST.get("action")
    form = ReasonForm(request.POST, auto_id="decline-%s")
    try:
        if action == "confirm":
            services.share_confirm(actor=request.user, contribution=contribution, ip=client_ip(request))
            messages.success(request, _("Your organisation's share is confirmed."))
        elif action == "decline":
            if not form.is_valid():
                return _contribution_page(request, contribution, decline_form=form, status=400)
            services.share_decline(
                actor=request.user, contribution=contribution, reason=form.cleaned_data["reason"],
                ip=client_ip(request),
            )  # fmt: skip
            messages.success(request, _("You declined your organisation's share; the declaring partner is told."))
        elif action == "delete":
            services.contribution_delete(actor=request.user, contribution=contribution, ip=client_ip(request))
            messages.success(request, _("The contribution was deleted."))
            return redirect("mission_portal:detail", pk=contribution.mission_id)
        else:
            return HttpResponseBadRequest(_("Unknown action."))
    except FieldErrors as error:
        form_errors_from(form, error)
        return _contribution_page(request, contribution, decline_form=form, status=400)
    except ApplicationError as error:
        _refused(error)
        messages.error(request, error.message)
    return redirect("mission_portal:contribution", pk=contribution.pk)


@role_required(*PARTNER_USERS)
def contribution_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The declaring partner changes its contribution while it is not validated (co-contributors confirm again)."""
    contribution = _contribution(request, pk)
    if contribution.partner_id != request.user.partner_id:
        raise PermissionDenied
    if contribution.is_validated:
        messages.error(request, _("A validated contribution cannot change; declare a correction instead."))
        return redirect("mission_portal:contribution", pk=contribution.pk)
    shares = list(contribution.shares.order_by("id").values_list("partner_id", "weight"))
    form = _contribution_form(request, contribution.mission, initial=ContributionForm.initial_of(contribution, shares))
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_contribution(request, form, contribution=contribution)
        except ApplicationError as error:
            _refused(error)
            form.add_error(None, error.message)
            saved = None
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("mission_portal:contribution", pk=contribution.pk)
    return _form_page(request, form, {"mission": contribution.mission, "contribution": contribution, "blocked": ""})


# --- the portal home's "To do" panel ----------------------------------------------


def todo(user: User) -> dict[str, Any]:
    """Shares awaiting the user's confirmation and invitations awaiting an answer: two queries."""
    shares = list(selectors.shares_awaiting(user)[: SHOWN + 1])
    invitations = list(selectors.invitations_awaiting(user)[: SHOWN + 1])
    return {
        "shares": shares[:SHOWN],
        "invitations": invitations[:SHOWN],
        "more": len(shares) > SHOWN or len(invitations) > SHOWN,
        "answers": user.role == Role.PARTNER_ADMIN,
    }


def register_portal_panels() -> None:
    register_portal_panel(Panel("missions_todo", 10, PARTNER_USERS, f"{TEMPLATES}/todo_panel.html", todo))
