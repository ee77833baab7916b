"""The orchestrator staff's mission pages: list, forms, the mission page with its validation queue.

Everything here is visible to the staff (admins, managers, reviewers) and
written by managers only: a page hides the buttons a user cannot use, and a
write posted anyway is refused (403) here and by the services. Partner users
have the portal. The validation queue is a fragment (`missions:queue`) that
htmx swaps in place; without JavaScript its forms post and redirect back.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ecosystem.accounts.selectors import staff_members
from ecosystem.core.audit import audit_events_for
from ecosystem.core.audit_text import describe_events
from ecosystem.core.errors import ApplicationError, FieldErrors
from ecosystem.core.roles import MANAGERS, STAFF, has_role
from ecosystem.core.views import client_ip, form_errors_from, role_required
from partners.models import Partner
from partners.selectors import partners_visible_to

from . import selectors, services
from .forms import (
    AnswerForm,
    CommitmentForm,
    ContributionForm,
    CorrectionForm,
    InviteForm,
    LeaveForm,
    MeasurementForm,
    MissionForm,
    MoveForm,
    ObjectiveForm,
    QueueActionForm,
    RejectForm,
    contribution_initial,
)
from .models import Contribution, Kind, Mission, Objective, Participation, Share

PAGE_SIZE = 50
QUEUE_PAGE_SIZE = 25
C = Contribution.Status
# The queue's filter fields, kept from one request to the next (the page, the fragment, the buttons).
QUEUE_PARAMS = ("objective", "partner", "status", "kind", "date_from", "date_to", "page")


def _can_manage(request: HttpRequest) -> bool:
    return has_role(request.user, MANAGERS)


def _require_manager(request: HttpRequest) -> None:
    if not _can_manage(request):
        raise PermissionDenied


def _mission(request: HttpRequest, pk: int) -> Mission:
    return get_object_or_404(selectors.missions_visible_to(request.user), pk=pk)


def _status(form_or_errors: Any) -> int:
    return 400 if form_or_errors else 200


# --- the list -----------------------------------------------------------------


@role_required(*STAFF)
def mission_list(request: HttpRequest) -> HttpResponse:
    found = selectors.MissionFilter(request.GET, queryset=selectors.missions_visible_to(request.user))
    missions = found.qs if found.is_valid() else Mission.objects.none()
    page = Paginator(missions.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    ids = list(page.object_list)
    rows = selectors.missions_overview(missions.filter(pk__in=ids), viewer=request.user) if ids else []
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": found,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "statuses": Mission.Status.choices,
        "confidentialities": Mission.Confidentiality.choices,
        "can_manage": _can_manage(request),
    }
    return render(request, "missions/list.html", context, status=200 if found.is_valid() else 400)


# --- a mission's form and lifecycle ---------------------------------------------


def _owner_choices() -> list[tuple[str, str]]:
    return [(str(u.pk), u.get_full_name()) for u in staff_members().filter(is_active=True)]


@role_required(*MANAGERS)
def mission_create(request: HttpRequest) -> HttpResponse:
    form = MissionForm(request.POST or None, owner_choices=_owner_choices())
    if request.method == "POST" and form.is_valid():
        try:
            mission = services.mission_create(actor=request.user, data=form.service_data(), ip=client_ip(request))
        except FieldErrors as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("The mission %(title)s was created, in draft.") % {"title": mission.title})
            return redirect("missions:detail", pk=mission.pk)
    return render(request, "missions/form.html", {"form": form, "mission": None}, status=_status(form.errors))


@role_required(*MANAGERS)
def mission_edit(request: HttpRequest, pk: int) -> HttpResponse:
    mission = _mission(request, pk)
    initial = {f: getattr(mission, f) for f in ("title", "purpose", "start", "end", "confidentiality")}
    initial["owner"] = str(mission.owner_id)
    form = MissionForm(request.POST or None, initial=initial, owner_choices=_owner_choices())
    if request.method == "POST" and form.is_valid():
        try:
            services.mission_update(
                actor=request.user, mission=mission, data=form.service_data(), ip=client_ip(request)
            )
        except FieldErrors as error:
            form_errors_from(form, error)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("missions:detail", pk=pk)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("missions:detail", pk=pk)
    return render(request, "missions/form.html", {"form": form, "mission": mission}, status=_status(form.errors))


@require_POST
@role_required(*MANAGERS)
def mission_move(request: HttpRequest, pk: int) -> HttpResponse:
    mission = _mission(request, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status to move the mission to."))
        return redirect("missions:detail", pk=pk)
    try:
        moved = services.mission_move(
            actor=request.user, mission=mission, to=form.cleaned_data["to"], ip=client_ip(request)
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The mission is now %(status)s.") % {"status": moved.get_status_display()})
    return redirect("missions:detail", pk=pk)


# --- the mission page ------------------------------------------------------------


def _queue_params(source: QueryDict) -> QueryDict:
    """The queue's filter from a query string or a posted form; the queue shows what awaits validation unless
    a status is chosen (an empty status: every status)."""
    params = QueryDict(mutable=True)
    for name in QUEUE_PARAMS:
        if name in source:
            params[name] = source.get(name)
    if "status" not in params:
        params["status"] = C.SUBMITTED
    return params


def _queue_filter(request: HttpRequest, mission: Mission, params: QueryDict) -> selectors.ContributionFilter:
    base = selectors.contributions_visible_to(request.user).filter(mission=mission)
    return selectors.ContributionFilter(params, queryset=base)


def _queue_context(
    request: HttpRequest,
    mission: Mission,
    params: QueryDict,
    *,
    summary: str = "",
    action_form: QueueActionForm | None = None,
    objectives: list[Objective] | None = None,
    participants: list[tuple[int, str]] | None = None,
) -> dict[str, Any]:
    found = _queue_filter(request, mission, params)
    contributions = found.qs if found.is_valid() else Contribution.objects.none()
    contributions = contributions.prefetch_related(
        Prefetch("shares", queryset=Share.objects.select_related("partner").order_by("id"))
    )
    page = Paginator(contributions, QUEUE_PAGE_SIZE).get_page(params.get("page"))
    if objectives is None:
        objectives = list(Objective.objects.filter(mission=mission).order_by("due", "id"))
    if participants is None:
        participants = list(
            Participation.objects.filter(mission=mission)
            .order_by("partner__name")
            .values_list("partner_id", "partner__name")
        )
    without_page = params.copy()
    without_page.pop("page", None)
    return {
        "mission": mission,
        "queue_filter": found,
        "queue_page": page,
        "queue_params": params,
        "queue_query": without_page.urlencode(),
        "queue_summary": summary,
        "queue_form": action_form or QueueActionForm(),
        "queue_picked": set(action_form.data.getlist("ids"))
        if action_form is not None and action_form.is_bound
        else (),
        "queue_objectives": objectives,
        "queue_participants": participants,
        "statuses": C.choices,
        "kinds": Kind.choices,
        "can_manage": _can_manage(request),
    }


def _detail_context(request: HttpRequest, mission: Mission) -> dict[str, Any]:
    user = request.user
    objectives = selectors.mission_objectives(mission, viewer=user)
    participations = selectors.mission_participations(mission, viewer=user)
    labels = dict(Mission.Status.choices)
    measurements: dict[int, list] = {}
    for measurement in selectors.mission_measurements(mission):
        measurements.setdefault(measurement.objective_id, []).append(measurement)
    return {
        "mission": mission,
        "objectives": [
            {
                "objective": o,
                "progress": p,
                "measurements": measurements.get(o.pk, []),
                "measure_form": MeasurementForm(objective=o) if o.metric == Objective.Metric.MANUAL else None,
            }
            for o, p in objectives
        ],
        "totals": selectors.mission_totals(mission, viewer=user),
        "participations": [
            {"participation": p, "progress": progress, "frozen": services.participation_frozen_reason(p.partner)}
            for p, progress in participations
        ],
        "next_statuses": [(s, labels[s]) for s in services.mission_next_statuses(mission)],
        "kind_labels": dict(Kind.choices),
        # An archived mission no longer changes: its page offers no form.
        "can_change": _can_manage(request) and mission.status != Mission.Status.ARCHIVED,
        "can_manage": _can_manage(request),
        "objective_list": [o for o, _p in objectives],
        "participant_list": [(p.partner_id, p.partner.name) for p, _p in participations],
    }


def _detail_page(
    request: HttpRequest,
    mission: Mission,
    *,
    params: QueryDict | None = None,
    summary: str = "",
    action_form: QueueActionForm | None = None,
    failed_measurement: MeasurementForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _detail_context(request, mission)
    if failed_measurement is not None:
        for row in context["objectives"]:
            if row["objective"].pk == failed_measurement.objective.pk:
                row["measure_form"] = failed_measurement
    queue = _queue_context(
        request, mission, params if params is not None else _queue_params(request.GET), summary=summary,
        action_form=action_form, objectives=context["objective_list"], participants=context["participant_list"],
    )  # fmt: skip
    if not queue["queue_filter"].is_valid():
        status = 400
    return render(request, "missions/detail.html", {**context, **queue}, status=status)


@role_required(*STAFF)
def mission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _mission(request, pk))


def _queue_summary(outcome: services.BulkOutcome, *, rejected: bool) -> str:
    done = len(outcome.done)
    if rejected:
        text = ngettext("%(count)d rejected", "%(count)d rejected", done) % {"count": done}
    else:
        text = ngettext("%(count)d validated", "%(count)d validated", done) % {"count": done}
    if outcome.skipped:
        why = Counter(outcome.skipped.values())
        reasons = ", ".join(label if len(why) == 1 else f"{label} ({count})" for label, count in sorted(why.items()))
        skipped = len(outcome.skipped)
        text += ", " + ngettext("%(count)d skipped: %(why)s", "%(count)d skipped: %(why)s", skipped) % {
            "count": skipped,
            "why": reasons.lower(),
        }
    return text


def _detail_url(mission: Mission, params: QueryDict) -> str:
    return f"{reverse('missions:detail', args=[mission.pk])}?{params.urlencode()}#queue"


@role_required(*STAFF)
def queue(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the queue fragment. POST (managers): validate or reject the ticked contributions, or every one
    matching the filter; htmx gets the refreshed fragment with a summary, a plain form a redirect."""
    mission = _mission(request, pk)
    if request.method != "POST":
        params = _queue_params(request.GET)
        if not request.htmx:
            return redirect(_detail_url(mission, params))
        context = _queue_context(request, mission, params)
        return render(request, "missions/_queue.html", context, status=_status(not context["queue_filter"].is_valid()))
    _require_manager(request)
    params = _queue_params(request.POST)
    form = QueueActionForm(request.POST)
    summary = ""
    if form.is_valid():
        action = form.cleaned_data["action"]
        reject = action.startswith("reject")
        if action.endswith("_all"):
            found = _queue_filter(request, mission, params)
            chosen = found.qs if found.is_valid() else None
        else:
            ids = form.cleaned_data["ids"]
            chosen = selectors.contributions_visible_to(request.user).filter(mission=mission, pk__in=ids)
            if not ids:
                form.add_error("ids", _("Tick at least one contribution."))
        if chosen is not None and not form.errors:
            try:
                outcome = services.contributions_review_many(
                    actor=request.user, contributions=chosen,
                    reject_reason=form.cleaned_data["reason"] if reject else None, ip=client_ip(request),
                )  # fmt: skip
            except FieldErrors as error:
                form_errors_from(form, error)
            else:
                summary = _queue_summary(outcome, rejected=reject)
    if not request.htmx:
        if summary:
            messages.success(request, summary)
            return redirect(_detail_url(mission, params))
        return _detail_page(request, mission, params=params, action_form=form, status=400)
    if summary:
        form = None  # done: the buttons start afresh
    context = _queue_context(request, mission, params, summary=summary, action_form=form)
    return render(request, "missions/_queue.html", context, status=_status(form is not None and form.errors))


# --- objectives and measurements --------------------------------------------------


def _objective(request: HttpRequest, pk: int) -> Objective:
    return get_object_or_404(selectors.objectives_visible_to(request.user), pk=pk)


def _objective_page(request: HttpRequest, mission: Mission, objective: Objective | None) -> HttpResponse:
    initial = {}
    if objective is not None:
        initial = {f: getattr(objective, f) for f in ("title", "metric", "kind", "unit", "due")}
        initial["target"] = objective.target.normalize()
    form = ObjectiveForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if objective is None:
                services.objective_create(
                    actor=request.user, mission=mission, data=form.cleaned_data, ip=client_ip(request)
                )
            else:
                services.objective_update(
                    actor=request.user, objective=objective, data=form.cleaned_data, ip=client_ip(request)
                )
        except FieldErrors as error:
            form_errors_from(form, error)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("missions:detail", pk=mission.pk)
        else:
            messages.success(request, _("The objective was saved."))
            return redirect("missions:detail", pk=mission.pk)
    context = {"form": form, "mission": mission, "objective": objective}
    return render(request, "missions/objective_form.html", context, status=_status(form.errors))


@role_required(*MANAGERS)
def objective_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _objective_page(request, _mission(request, pk), None)


@role_required(*MANAGERS)
def objective_edit(request: HttpRequest, pk: int) -> HttpResponse:
    objective = _objective(request, pk)
    return _objective_page(request, objective.mission, objective)


@require_POST
@role_required(*MANAGERS)
def objective_delete(request: HttpRequest, pk: int) -> HttpResponse:
    objective = _objective(request, pk)
    try:
        services.objective_delete(actor=request.user, objective=objective, ip=client_ip(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The objective %(title)s was deleted.") % {"title": objective.title})
    return redirect("missions:detail", pk=objective.mission_id)


@require_POST
@role_required(*MANAGERS)
def measurement(request: HttpRequest, pk: int) -> HttpResponse:
    objective = _objective(request, pk)
    form = MeasurementForm(request.POST, objective=objective)
    if form.is_valid():
        data = {**form.cleaned_data, "measured_on": form.cleaned_data["measured_on"] or ""}
        try:
            services.measurement_record(actor=request.user, objective=objective, data=data, ip=client_ip(request))
        except FieldErrors as error:
            form_errors_from(form, error)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("missions:detail", pk=objective.mission_id)
        else:
            messages.success(request, _("The measurement was recorded."))
            return redirect(f"{reverse('missions:detail', args=[objective.mission_id])}#objective-{objective.pk}")
    return _detail_page(request, objective.mission, failed_measurement=form, status=400)


# --- participations ------------------------------------------------------------------


def _objectives_of(mission: Mission) -> list[Objective]:
    return list(Objective.objects.filter(mission=mission).order_by("due", "id"))


@role_required(*MANAGERS)
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    mission = _mission(request, pk)
    candidates = (
        partners_visible_to(request.user)
        .filter(status=Partner.Status.ACTIVE)
        .exclude(participations__mission=mission)
        .values_list("pk", "name")
    )
    form = InviteForm(
        request.POST or None,
        partner_choices=[(str(p), name) for p, name in candidates],
        objectives=_objectives_of(mission),
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "partner"}
        partner = get_object_or_404(partners_visible_to(request.user), pk=form.cleaned_data["partner"])
        try:
            participation = services.participation_invite(
                actor=request.user, mission=mission, partner=partner, data=data, ip=client_ip(request)
            )
        except FieldErrors as error:
            form_errors_from(form, error)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("missions:detail", pk=pk)
        else:
            messages.success(
                request, _("%(partner)s was invited into the mission.") % {"partner": participation.partner.name}
            )
            return redirect("missions:detail", pk=pk)
    return render(request, "missions/invite.html", {"form": form, "mission": mission}, status=_status(form.errors))


PARTICIPATION_ACTIONS = ("update", "answer", "leave")


@role_required(*STAFF)
def participation(request: HttpRequest, pk: int) -> HttpResponse:
    """A participant: its role and commitment, the answer to its invitation (on its behalf), leaving."""
    found = get_object_or_404(selectors.participations_visible_to(request.user), pk=pk)
    mission = found.mission
    objectives = _objectives_of(mission)
    initial = {
        "role": found.role, "commitment": found.commitment,
        "commitment_objective": found.commitment_objective_id or "",
        "commitment_target": found.commitment_target.normalize() if found.commitment_target is not None else "",
    }  # fmt: skip
    forms_ = {
        "update": CommitmentForm(initial=initial, objectives=objectives),
        "answer": AnswerForm(),
        "leave": LeaveForm(),
    }
    action = request.POST.get("action") if request.method == "POST" else None
    if request.method == "POST":
        _require_manager(request)
        if action not in PARTICIPATION_ACTIONS:
            raise Http404
        if action == "update":
            form = CommitmentForm(request.POST, initial=initial, objectives=objectives)
        else:
            form = {"answer": AnswerForm, "leave": LeaveForm}[action](request.POST)
        forms_[action] = form
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "update":
                    services.participation_update(
                        actor=request.user, participation=found, data=data, ip=client_ip(request)
                    )
                    done = _("Changes saved.")
                elif action == "answer":
                    accept = data["answer"] == "accept"
                    services.participation_answer(
                        actor=request.user, participation=found, accept=accept, reason=data["reason"],
                        ip=client_ip(request),
                    )  # fmt: skip
                    done = _("Its acceptance was recorded.") if accept else _("Its refusal was recorded.")
                else:
                    services.participation_leave(
                        actor=request.user, participation=found, reason=data["reason"], ip=client_ip(request)
                    )
                    done = _("%(partner)s has left the mission.") % {"partner": found.partner.name}
            except FieldErrors as error:
                form_errors_from(form, error)
            except ApplicationError as error:
                messages.error(request, error.message)
                return redirect("missions:participation", pk=pk)
            else:
                messages.success(request, done)
                return redirect("missions:participation", pk=pk)
    context = {
        "participation": found,
        "mission": mission,
        "frozen": services.participation_frozen_reason(found.partner),
        "forms": forms_,
        "can_manage": _can_manage(request),
        "history": describe_events(audit_events_for(found)[:50]),
    }
    failed = action is not None and forms_[action].errors
    return render(request, "missions/participation.html", context, status=_status(failed))


# --- contributions ----------------------------------------------------------------------


def _contribution_form(request: HttpRequest, mission: Mission, *, initial: dict | None = None) -> ContributionForm:
    participants = list(
        Participation.objects.filter(mission=mission, state=Participation.State.ACTIVE)
        .order_by("partner__name")
        .values_list("partner_id", "partner__name")
    )
    return ContributionForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        participants=participants,
        objectives=_objectives_of(mission),
    )


def save_contribution(
    request: HttpRequest, form: Any, *, mission: Mission | None = None, contribution: Contribution | None = None
) -> Contribution | None:
    """A contribution form (staff's or the portal's) through the services: declared into `mission`, or
    `contribution` changed, with its evidence file. Field errors go onto the form (None); any other
    refusal is raised for the page to show its own way."""
    common = {
        "actor": request.user, "data": form.service_data(), "evidence": form.cleaned_data.get("evidence_file"),
        "ip": client_ip(request),
    }  # fmt: skip
    try:
        if contribution is None:
            return services.contribution_declare(mission=mission, **common)
        return services.contribution_update(contribution=contribution, **common)
    except FieldErrors as error:
        form_errors_from(form, error)
        return None


@role_required(*MANAGERS)
def declare(request: HttpRequest, pk: int) -> HttpResponse:
    mission = _mission(request, pk)
    form = _contribution_form(request, mission, initial={"value": "0"})
    if request.method == "POST" and form.is_valid():
        try:
            contribution = save_contribution(request, form, mission=mission)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("missions:detail", pk=pk)
        if contribution is not None:
            messages.success(request, _("The contribution was declared."))
            return redirect("missions:contribution", pk=contribution.pk)
    context = {"form": form, "mission": mission, "contribution": None}
    return render(request, "missions/contribution_form.html", context, status=_status(form.errors))


def _contribution(request: HttpRequest, pk: int) -> Contribution:
    return get_object_or_404(selectors.contributions_visible_to(request.user), pk=pk)


@role_required(*MANAGERS)
def contribution_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contribution = _contribution(request, pk)
    mission = contribution.mission
    if contribution.is_validated:
        messages.error(request, _("A validated contribution cannot change; declare a correction instead."))
        return redirect("missions:contribution", pk=pk)
    form = _contribution_form(request, mission, initial=contribution_initial(contribution))
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_contribution(request, form, contribution=contribution)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("missions:contribution", pk=pk)
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("missions:contribution", pk=pk)
    context = {"form": form, "mission": mission, "contribution": contribution}
    return render(request, "missions/contribution_form.html", context, status=_status(form.errors))


CONTRIBUTION_ACTIONS = ("validate", "reject", "correct", "delete")


@role_required(*STAFF)
def contribution(request: HttpRequest, pk: int) -> HttpResponse:
    """One contribution, its contributors and history; managers validate, reject, correct or delete it."""
    found = _contribution(request, pk)
    reject_form, correct_form = RejectForm(), CorrectionForm()
    failed = False
    if request.method == "POST":
        _require_manager(request)
        action = request.POST.get("action")
        if action not in CONTRIBUTION_ACTIONS:
            raise Http404
        ip = client_ip(request)
        try:
            if action == "validate":
                services.contribution_validate(actor=request.user, contribution=found, ip=ip)
                messages.success(request, _("The contribution was validated."))
                return redirect("missions:contribution", pk=pk)
            if action == "delete":
                services.contribution_delete(actor=request.user, contribution=found, ip=ip)
                messages.success(request, _("The contribution was deleted."))
                return redirect("missions:detail", pk=found.mission_id)
            if action == "reject":
                reject_form = RejectForm(request.POST)
                if reject_form.is_valid():
                    try:
                        services.contribution_reject(
                            actor=request.user, contribution=found, reason=reject_form.cleaned_data["reason"], ip=ip
                        )
                    except FieldErrors as error:
                        form_errors_from(reject_form, error)
                    else:
                        messages.success(request, _("The contribution was rejected."))
                        return redirect("missions:contribution", pk=pk)
                failed = True
            if action == "correct":
                correct_form = CorrectionForm(request.POST)
                if correct_form.is_valid():
                    data = {**correct_form.cleaned_data, "date": correct_form.cleaned_data["date"] or ""}
                    try:
                        correction = services.contribution_correct(
                            actor=request.user, original=found, data=data, ip=ip
                        )
                    except FieldErrors as error:
                        form_errors_from(correct_form, error)
                    else:
                        messages.success(request, _("The correction was declared; it awaits validation."))
                        return redirect("missions:contribution", pk=correction.pk)
                failed = True
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("missions:contribution", pk=pk)
    shares = list(found.shares.select_related("partner").order_by("id"))
    context = {
        "contribution": found,
        "mission": found.mission,
        "shares": shares,
        "corrections": list(found.corrections.order_by("date", "id")),
        "history": describe_events(audit_events_for(found)[:50]),
        "can_manage": _can_manage(request),
        "reject_form": reject_form,
        "correct_form": correct_form,
    }
    return render(request, "missions/contribution.html", context, status=_status(failed))


def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """A contribution's evidence file, for whoever may see the contribution (staff and partner users alike)."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    found = get_object_or_404(selectors.contributions_visible_to(user), pk=pk)
    if not found.evidence_file:
        raise Http404
    # Served as an attachment: its type comes from its name, which the service allows only
    # among PDF, PNG, JPEG and DOCX (with their content checked), and nosniff is on.
    return FileResponse(found.evidence_file.open("rb"), as_attachment=True)
