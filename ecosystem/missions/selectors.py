"""Reads on missions: who may see what (the walls), and progress computed in PostgreSQL.

The walls, decided here once per resource and used alike by the API, the
staff pages and the portal:

- staff see everything;
- a partner's users see the missions their organisation is invited into,
  takes part in or has left (never a draft), the objectives of those, their
  own participations and, in an `open` mission, the other participants';
- contributions: those their organisation has a share in, and in an `open`
  mission the validated contributions of the others. In a `coopetition`
  mission nothing of another participant, and mission totals only when at
  least k partners stand behind them (`TenantSettings.coopetition_threshold`).

Progress: `objectives_with_progress()` annotates any set of objectives with
their validated totals in one SQL statement (one subquery per figure, run by
PostgreSQL per row), never a query per objective.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import django_filters
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecosystem.accounts.models import User
from ecosystem.core.roles import PARTNER_USERS, STAFF, has_role
from ecosystem.core.selectors import tenant_settings
from partners.selectors import IdFilter

from .models import QUANTITY, Contribution, Kind, Measurement, Mission, Objective, Participation, Share

C = Contribution.Status
P = Participation.State
# A partner sees a mission it was invited into, takes part in, or left (its history stays readable).
SEES_MISSION = (P.INVITED, P.ACTIVE, P.LEFT)
ZERO = Value(Decimal(0), output_field=DecimalField(**QUANTITY))


def _partner_of(user: User) -> int | None:
    if has_role(user, PARTNER_USERS):
        return user.partner_id
    return None


def is_staff(user: User) -> bool:
    return has_role(user, STAFF)


# --- walls --------------------------------------------------------------------


def missions_visible_to(user: User) -> QuerySet[Mission]:
    missions = Mission.objects.select_related("owner").order_by("-start", "id")
    if is_staff(user):
        return missions
    partner = _partner_of(user)
    if partner is None:
        return missions.none()
    joined = Participation.objects.filter(mission=OuterRef("pk"), partner_id=partner, state__in=SEES_MISSION)
    return missions.exclude(status=Mission.Status.DRAFT).filter(Exists(joined))


def objectives_visible_to(user: User) -> QuerySet[Objective]:
    objectives = Objective.objects.select_related("mission").order_by("mission_id", "due", "id")
    if is_staff(user):
        return objectives
    return objectives.filter(mission__in=missions_visible_to(user).values("pk"))


def participations_visible_to(user: User) -> QuerySet[Participation]:
    participations = Participation.objects.select_related("partner", "mission", "commitment_objective").order_by(
        "mission_id", "partner__name", "id"
    )
    if is_staff(user):
        return participations
    partner = _partner_of(user)
    if partner is None:
        return participations.none()
    visible_missions = missions_visible_to(user)
    own = Q(partner_id=partner, mission__in=visible_missions.values("pk"))
    # In an open mission its participants see each other (a coopetition mission hides who else takes part).
    taking_part = visible_missions.filter(
        confidentiality=Mission.Confidentiality.OPEN,
        participations__partner_id=partner,
        participations__state=P.ACTIVE,
    )
    others = Q(mission__in=taking_part.values("pk"), state=P.ACTIVE)
    return participations.filter(own | others)


def contributions_visible_to(user: User) -> QuerySet[Contribution]:
    contributions = Contribution.objects.select_related("mission", "objective", "partner").order_by("-date", "-id")
    if is_staff(user):
        return contributions
    partner = _partner_of(user)
    if partner is None:
        return contributions.none()
    visible_missions = missions_visible_to(user).values("pk")
    has_share = Exists(Share.objects.filter(contribution=OuterRef("pk"), partner_id=partner))
    open_missions = missions_visible_to(user).filter(confidentiality=Mission.Confidentiality.OPEN).values("pk")
    others_validated = Q(mission__in=open_missions, status=C.VALIDATED)
    return contributions.filter(mission__in=visible_missions).filter(has_share | others_validated)


def mission_contributions_for(mission: Mission, viewer: User) -> tuple[QuerySet[Contribution], QuerySet[Contribution]]:
    """A mission `viewer`'s partner may see (its caller checked): the contributions its organisation has a
    share in, and the others' it may see — validated ones in an open mission, none in coopetition. The
    same walls as `contributions_visible_to`, written for one mission so that PostgreSQL reads only its rows."""
    partner = _partner_of(viewer)
    rows = Contribution.objects.filter(mission=mission).select_related("mission", "objective", "partner")
    if partner is None:
        return rows.none(), rows.none()
    has_share = Exists(Share.objects.filter(contribution=OuterRef("pk"), partner_id=partner))
    ours = rows.filter(has_share).order_by("-date", "-id")
    if mission.is_coopetition:
        return ours, rows.none()
    return ours, rows.filter(~has_share, status=C.VALIDATED).order_by("-date", "-id")


def mission_for(user: User, pk: int) -> Mission:
    """One mission `user` may see (Mission.DoesNotExist otherwise)."""
    return missions_visible_to(user).get(pk=pk)


# --- progress -----------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """Where an objective (or a commitment) stands. `achieved` is None when hidden (coopetition, below k)."""

    achieved: Decimal | None
    target: Decimal
    expected_percent: int
    contributors: int
    suppressed: bool = False

    @property
    def percent(self) -> int | None:
        if self.achieved is None:
            return None
        return max(0, int(self.achieved * 100 / self.target))

    @property
    def bar_percent(self) -> int | None:
        return None if self.percent is None else min(self.percent, 100)

    @property
    def state(self) -> str:
        """reached, on_track, late (against a straight line from start to due), or hidden."""
        if self.achieved is None:
            return "hidden"
        if self.achieved >= self.target:
            return "reached"
        return "on_track" if self.percent >= self.expected_percent else "late"

    def get_state_display(self) -> str:
        return str(PROGRESS_STATES[self.state])


PROGRESS_STATES = {
    "reached": _("Reached"),
    "on_track": _("On track"),
    "late": _("Late"),
    "hidden": _("Not enough participants to show"),
}


def expected_percent(start: dt.date, due: dt.date, today: dt.date | None = None) -> int:
    """The share of the target a straight line from `start` to `due` expects by today."""
    today = today or timezone.localdate()
    if due <= start:
        return 100 if today >= due else 0
    fraction = (today - start).days / (due - start).days
    return int(max(0.0, min(1.0, fraction)) * 100)


def _validated(**filters) -> QuerySet[Contribution]:
    return Contribution.objects.filter(status=C.VALIDATED, **filters).order_by()


def _sum(queryset: QuerySet, expression) -> Subquery:
    aggregated = queryset.order_by().annotate(_g=Value(1)).values("_g").annotate(total=Sum(expression)).values("total")
    return Coalesce(Subquery(aggregated, output_field=DecimalField(**QUANTITY)), ZERO)


def _count(queryset: QuerySet, expression) -> Subquery:
    aggregated = queryset.order_by().annotate(_g=Value(1)).values("_g").annotate(total=expression).values("total")
    return Coalesce(Subquery(aggregated, output_field=IntegerField()), 0)


def objectives_with_progress(objectives: QuerySet[Objective]) -> QuerySet[Objective]:
    """Objectives annotated with `achieved_value`, `achieved_quantity`, `achieved_count` (validated
    contributions, corrections included in sums, not in counts), `manual_value` (the latest
    measurement) and `contributor_count` (distinct partners behind them): one statement."""
    of_objective = _validated(objective=OuterRef("pk"))
    latest = Measurement.objects.filter(objective=OuterRef("pk")).order_by("-measured_on", "-id").values("value")[:1]
    partners = Share.objects.filter(contribution__objective=OuterRef("pk"), contribution__status=C.VALIDATED)
    return objectives.annotate(
        achieved_value=_sum(of_objective, "value"),
        achieved_quantity=_sum(of_objective, "quantity"),
        achieved_count=_count(of_objective.filter(corrects__isnull=True), Count("pk")),
        manual_value=Subquery(latest, output_field=DecimalField(**QUANTITY)),
        contributor_count=_count(partners, Count("partner_id", distinct=True)),
    )


def achieved(objective: Objective) -> Decimal:
    """The annotated figure that counts for the objective's metric."""
    metric = objective.metric
    if metric == Objective.Metric.VALUE:
        return objective.achieved_value
    if metric == Objective.Metric.QUANTITY:
        return objective.achieved_quantity
    if metric == Objective.Metric.COUNT:
        return Decimal(objective.achieved_count)
    return objective.manual_value if objective.manual_value is not None else Decimal(0)


def below_threshold(contributors: int, threshold: int | None = None) -> bool:
    """The k rule: an aggregate is shown to a partner only when at least k partners stand behind it
    (k = `TenantSettings.coopetition_threshold`, read when `threshold` is not given). The one place the
    rule is written: mission totals here, the value portal's ecosystem figures (`value.selectors`)."""
    k = threshold if threshold is not None else tenant_settings().coopetition_threshold
    return contributors < k


def hides_totals(mission: Mission, viewer: User | None, contributors: int, threshold: int | None = None) -> bool:
    """Coopetition: a partner sees a mission total only when at least k partners stand behind it."""
    if viewer is None or is_staff(viewer) or not mission.is_coopetition:
        return False
    return below_threshold(contributors, threshold)


def progress_of(objective: Objective, *, viewer: User | None, threshold: int | None = None) -> Progress:
    """The progress of an objective annotated by `objectives_with_progress` (no query)."""
    mission = objective.mission
    contributors = objective.contributor_count
    hidden = objective.metric != Objective.Metric.MANUAL and hides_totals(mission, viewer, contributors, threshold)
    return Progress(
        achieved=None if hidden else achieved(objective),
        target=objective.target,
        expected_percent=expected_percent(mission.start, objective.due),
        contributors=0 if hidden else contributors,
        suppressed=hidden,
    )


def mission_objectives(mission: Mission, *, viewer: User) -> list[tuple[Objective, Progress]]:
    """The objectives of a mission with their progress as `viewer` may see it: one query."""
    threshold = tenant_settings().coopetition_threshold
    objectives = objectives_with_progress(Objective.objects.filter(mission=mission).order_by("due", "id"))
    rows = []
    for objective in objectives:
        objective.mission = mission
        rows.append((objective, progress_of(objective, viewer=viewer, threshold=threshold)))
    return rows


def participations_with_commitment_progress(
    participations: QuerySet[Participation], *, until: dt.date | None = None
) -> QuerySet[Participation]:
    """Participations annotated with the partner's weighted part of its commitment objective's validated totals
    (of the contributions dated `until` or before, when given: where a commitment stood on that day)."""
    shares = Share.objects.filter(
        partner_id=OuterRef("partner_id"),
        contribution__objective_id=OuterRef("commitment_objective_id"),
        contribution__status=C.VALIDATED,
    )
    if until is not None:
        shares = shares.filter(contribution__date__lte=until)
    return participations.annotate(
        committed_value=_sum(shares, F("weight") * F("contribution__value")),
        committed_quantity=_sum(shares, F("weight") * F("contribution__quantity")),
        committed_count=_sum(shares.filter(contribution__corrects__isnull=True), F("weight")),
    )


def commitment_progress(participation: Participation, mission: Mission) -> Progress | None:
    """A numeric commitment's progress (the partner's own figure: never hidden from it)."""
    objective = participation.commitment_objective
    if participation.commitment_target is None or objective is None:
        return None
    metric = objective.metric
    value = {
        Objective.Metric.VALUE: participation.committed_value,
        Objective.Metric.QUANTITY: participation.committed_quantity,
        Objective.Metric.COUNT: participation.committed_count,
    }.get(metric, Decimal(0))
    return Progress(
        achieved=value,
        target=participation.commitment_target,
        expected_percent=expected_percent(mission.start, objective.due),
        contributors=1,
    )


def mission_participations(mission: Mission, *, viewer: User) -> list[tuple[Participation, Progress | None]]:
    """The participations of a mission `viewer` may see, each with its commitment's progress: one query."""
    rows = participations_with_commitment_progress(
        participations_visible_to(viewer).filter(mission=mission).select_related("commitment_objective")
    )
    return [(p, commitment_progress(p, mission)) for p in rows]


@dataclass(frozen=True)
class MissionRow:
    mission: Mission
    progress: int | None  # the mean percentage of its objectives (None: no objective, or hidden)
    participants: int
    pending: int  # contributions awaiting validation (staff) or its own awaiting anything (partners)


def missions_overview(missions: QuerySet[Mission], *, viewer: User) -> list[MissionRow]:
    """The missions list: each with its participants, pending contributions and mean progress, in two queries."""
    partner = _partner_of(viewer)
    participants = Participation.objects.filter(mission=OuterRef("pk"), state=P.ACTIVE)
    pending = Contribution.objects.filter(mission=OuterRef("pk"))
    if partner is None:
        pending = pending.filter(status=C.SUBMITTED)
    else:
        pending = pending.filter(partner_id=partner, status__in=(C.AWAITING_CONFIRMATION, C.SUBMITTED, C.DECLINED))
    missions = list(
        missions.annotate(
            participant_count=_count(participants, Count("pk")),
            pending_count=_count(pending, Count("pk")),
        )
    )
    by_id = {m.pk: m for m in missions}
    percents: dict[int, list[int]] = {m.pk: [] for m in missions}
    hidden: set[int] = set()
    threshold = tenant_settings().coopetition_threshold if partner is not None else None
    for objective in objectives_with_progress(Objective.objects.filter(mission_id__in=by_id)):
        objective.mission = by_id[objective.mission_id]
        progress = progress_of(objective, viewer=viewer, threshold=threshold)
        if progress.percent is None:
            hidden.add(objective.mission_id)
        else:
            percents[objective.mission_id].append(min(progress.percent, 100))
    return [
        MissionRow(
            mission=m,
            progress=None if m.pk in hidden or not percents[m.pk] else sum(percents[m.pk]) // len(percents[m.pk]),
            participants=m.participant_count,
            pending=m.pending_count,
        )
        for m in missions
    ]


def mission_totals(mission: Mission, *, viewer: User) -> dict[str, Decimal | int | None]:
    """The mission's validated value, count and contributing partners (value and count hidden below k)."""
    shares = Share.objects.filter(contribution__mission=mission, contribution__status=C.VALIDATED)
    row = _validated(mission=mission).aggregate(
        value=Coalesce(Sum("value"), ZERO),
        count=Count("pk", filter=Q(corrects__isnull=True)),
        # An aggregate of the (constant) subquery: `aggregate()` accepts only aggregates.
        contributors=Max(
            Subquery(
                shares.order_by()
                .annotate(_g=Value(1))
                .values("_g")
                .annotate(n=Count("partner_id", distinct=True))
                .values("n"),
                output_field=IntegerField(),
            )
        ),
    )
    contributors = row["contributors"] or 0
    if hides_totals(mission, viewer, contributors):
        return {"value": None, "count": None, "contributors": None, "hidden": True}
    return {"value": row["value"], "count": row["count"], "contributors": contributors, "hidden": False}


def mission_measurements(mission: Mission) -> QuerySet[Measurement]:
    """The measurements of a mission's manual objectives, newest first, with who recorded them (one query)."""
    return (
        Measurement.objects.filter(objective__mission=mission)
        .select_related("recorded_by")
        .order_by("objective_id", "-measured_on", "-id")
    )


# --- to do ---------------------------------------------------------------------


def shares_awaiting(user: User) -> QuerySet[Share]:
    """Joint contributions waiting for the user's organisation to confirm its share."""
    partner = _partner_of(user)
    if partner is None:
        return Share.objects.none()
    return (
        Share.objects.filter(
            partner_id=partner, state=Share.State.PENDING, contribution__status=C.AWAITING_CONFIRMATION
        )
        .select_related("contribution__mission", "contribution__partner")
        .order_by("contribution__date", "pk")
    )


def invitations_awaiting(user: User) -> QuerySet[Participation]:
    """Missions the user's organisation is invited into and has not answered (its admin answers)."""
    partner = _partner_of(user)
    if partner is None:
        return Participation.objects.none()
    return (
        Participation.objects.filter(partner_id=partner, state=P.INVITED)
        .exclude(mission__status__in=(Mission.Status.DRAFT, Mission.Status.ARCHIVED))
        .select_related("mission")
        .order_by("mission__start", "pk")
    )


def validation_queue(user: User) -> QuerySet[Contribution]:
    """Contributions awaiting the orchestrator's validation (staff only)."""
    if not is_staff(user):
        return Contribution.objects.none()
    return contributions_visible_to(user).filter(status=C.SUBMITTED).order_by("date", "pk")


# --- filters ------------------------------------------------------------------


class MissionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Mission.Status.choices, label=_("Status"))
    confidentiality = django_filters.ChoiceFilter(choices=Mission.Confidentiality.choices, label=_("Confidentiality"))

    class Meta:
        model = Mission
        fields = ["status", "confidentiality"]


class ObjectiveFilter(django_filters.FilterSet):
    mission = IdFilter(field_name="mission_id", label=_("Mission"))

    class Meta:
        model = Objective
        fields = ["mission"]


class ParticipationFilter(django_filters.FilterSet):
    mission = IdFilter(field_name="mission_id", label=_("Mission"))
    partner = IdFilter(field_name="partner_id", label=_("Partner"))
    state = django_filters.ChoiceFilter(choices=Participation.State.choices, label=_("State"))

    class Meta:
        model = Participation
        fields = ["mission", "partner", "state"]


class ContributionFilter(django_filters.FilterSet):
    mission = IdFilter(field_name="mission_id", label=_("Mission"))
    objective = IdFilter(field_name="objective_id", label=_("Objective"))
    partner = IdFilter(method="by_partner", label=_("Partner"))
    status = django_filters.ChoiceFilter(choices=Contribution.Status.choices, label=_("Status"))
    kind = django_filters.ChoiceFilter(choices=Kind.choices, label=_("Kind"))
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("From"))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("To"))
    external_id = django_filters.CharFilter(field_name="external_id", label=_("External id"))

    class Meta:
        model = Contribution
        fields = ["mission", "objective", "partner", "status", "kind", "date_from", "date_to", "external_id"]

    def by_partner(self, queryset, name, value):
        """Contributions the partner has a share in (declared or joint)."""
        return queryset.filter(Exists(Share.objects.filter(contribution=OuterRef("pk"), partner_id=value)))
