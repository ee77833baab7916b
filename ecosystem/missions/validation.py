"""The rules of a contribution's fields, shared by the services, the batch and the forms.

`clean_contribution` checks one item against what it needs to know of its
mission (`MissionContext`, read once for a whole batch) and returns the clean
values with the errors by field: the one definition the single declaration,
the edit and the 10,000-item batch all use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from partners.models import Partner

from .models import MONEY, ONE, QUANTITY, WEIGHT, Contribution, Kind, Mission, Objective, Participation

MAX_CONTRIBUTORS = 20
MAX_DESCRIPTION = 2000
MAX_REASON = 1000
MAX_TITLE = 200
MAX_PURPOSE = 2000
MAX_UNIT = 40
MAX_EXTERNAL_ID = 100
MAX_URL = 500
MAX_COMMITMENT = 1000
MAX_NOTE = 500
WEIGHT_STEP = Decimal(1).scaleb(-WEIGHT["decimal_places"])


@dataclass
class MissionContext:
    """What checking a contribution needs of its mission, read once."""

    mission: Mission
    objectives: dict[int, Objective]
    # Partner id -> (participation state, partner status, partner name) of every participation.
    participants: dict[int, tuple[str, str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, mission: Mission) -> MissionContext:
        rows = Participation.objects.filter(mission=mission).values_list(
            "partner_id", "state", "partner__status", "partner__name"
        )
        return cls(
            mission=mission,
            objectives={o.pk: o for o in Objective.objects.filter(mission=mission)},
            participants={partner: (state, status, name) for partner, state, status, name in rows},
        )

    def contributor_error(self, partner_id: int) -> str | None:
        """Why `partner_id` cannot contribute to the mission now (None: it can)."""
        found = self.participants.get(partner_id)
        if found is None:
            return _("Partner %(id)s does not take part in this mission.") % {"id": partner_id}
        state, status, name = found
        if state != Participation.State.ACTIVE:
            return _("%(partner)s does not take part in this mission.") % {"partner": name}
        if status in (Partner.Status.SUSPENDED, Partner.Status.EXITED):
            return frozen_message(status, name)
        return None


def frozen_message(status: str, name: str) -> str:
    if status == Partner.Status.SUSPENDED:
        return _("%(partner)s is suspended: its participations are frozen.") % {"partner": name}
    return _("%(partner)s has left the ecosystem: its participations are frozen.") % {"partner": name}


def fits(number: Decimal, spec: dict[str, int]) -> bool:
    """Whether `number` fits a DecimalField of `spec` (digits and places) exactly."""
    if not number.is_finite():
        return False
    places = spec["decimal_places"]
    if number != number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN):
        return False
    return abs(number) < Decimal(10) ** (spec["max_digits"] - places)


def parse_decimal(raw: Any, spec: dict[str, int], errors: list[str]) -> Decimal | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, str, float, Decimal)):
        errors.append(_("Give a number."))
        return None
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        errors.append(_("Give a number."))
        return None
    if not fits(number, spec):
        errors.append(
            _("Give a number with at most %(digits)d digits before the point and %(places)d after.")
            % {"digits": spec["max_digits"] - spec["decimal_places"], "places": spec["decimal_places"]}
        )
        return None
    return number


def parse_day(raw: Any, errors: list[str]) -> dt.date | None:
    if isinstance(raw, dt.date):
        return raw
    try:
        day = parse_date(str(raw)) if raw not in (None, "") else None
    except ValueError:
        day = None
    if day is None:
        errors.append(_("Give a date as YYYY-MM-DD."))
    return day


def text(raw: Any, limit: int, errors: list[str], *, required: bool = False) -> str:
    value = "" if raw is None else str(raw).strip()
    if "\x00" in value:
        errors.append(_("Null characters are not allowed."))
        return ""
    if required and not value:
        errors.append(_("This field is required."))
    elif len(value) > limit:
        errors.append(_("At most %(limit)d characters.") % {"limit": limit})
    return value


def equal_weights(count: int) -> list[Decimal]:
    """`count` weights that sum to exactly 1, as equal as the column's places allow (the first take the rest)."""
    base = (ONE / count).quantize(WEIGHT_STEP, rounding=ROUND_DOWN)
    rest = int((ONE - base * count) / WEIGHT_STEP)
    return [base + (WEIGHT_STEP if i < rest else 0) for i in range(count)]


def clean_contributors(
    raw: Any, *, declarer: int, context: MissionContext
) -> tuple[list[tuple[int, Decimal]], list[str]]:
    """`[{"partner", "weight"}]` (weights optional: equal split) -> [(partner, weight)], errors.

    The declaring partner is always among them; an empty list means it alone."""
    if raw in (None, "", []):
        raw = [{"partner": declarer}]
    if not isinstance(raw, list) or not all(isinstance(item, Mapping) for item in raw):
        return [], [_('Give a list of {"partner": id, "weight": number}.')]
    if len(raw) > MAX_CONTRIBUTORS:
        return [], [_("At most %(limit)d contributors.") % {"limit": MAX_CONTRIBUTORS}]
    errors: list[str] = []
    partners: list[int] = []
    for item in raw:
        try:
            partners.append(int(item.get("partner")))
        except (TypeError, ValueError):
            return [], [_("Give each contributor's partner id.")]
    if len(set(partners)) != len(partners):
        errors.append(_("A partner is listed twice."))
    if declarer not in partners:
        errors.append(_("The declaring partner must be one of the contributors."))
    for partner in partners:
        problem = context.contributor_error(partner)
        if problem:
            errors.append(problem)
    given = [item.get("weight") for item in raw]
    if all(weight in (None, "") for weight in given):
        weights = equal_weights(len(partners))
    elif any(weight in (None, "") for weight in given):
        return [], [*errors, _("Give every contributor a weight, or none for an equal split.")]
    else:
        weights = []
        for weight in given:
            number = parse_decimal(weight, WEIGHT, errors)
            if number is None:
                return [], errors
            if number <= 0:
                errors.append(_("Each weight must be greater than 0."))
            weights.append(number)
        if sum(weights, Decimal(0)) != ONE:
            errors.append(_("The weights add up to %(sum)s; they must add up to exactly 1.") % {"sum": sum(weights)})
    return list(zip(partners, weights, strict=True)), errors


def clean_contribution(
    data: Mapping[str, Any],
    *,
    context: MissionContext,
    declarer: int | None,
    correction_of: Contribution | None = None,
) -> tuple[dict[str, Any], list[tuple[int, Decimal]], dict[str, list[str]]]:
    """The clean fields of a contribution, its shares, and the errors by field.

    `declarer`: the partner it is declared for (None: the caller reads it
    from `data["partner"]`, as staff and the batch do).
    """
    errors: dict[str, list[str]] = {}

    def add(name: str, messages: list[str]) -> None:
        if messages:
            errors.setdefault(name, []).extend(messages)

    mission = context.mission
    cleaned: dict[str, Any] = {}
    if declarer is None:
        problems: list[str] = []
        try:
            declarer = int(data.get("partner"))
        except (TypeError, ValueError):
            problems.append(_("Give the id of the partner this contribution is declared for."))
        add("partner", problems)
    if declarer is not None:
        problem = context.contributor_error(declarer)
        if problem:
            add("partner", [problem])
        cleaned["partner_id"] = declarer

    problems = []
    kind = str(data.get("kind") or "")
    if kind not in Kind.values:
        problems.append(_("Choose one of: %(kinds)s.") % {"kinds": ", ".join(Kind.values)})
    add("kind", problems)
    cleaned["kind"] = kind

    problems = []
    cleaned["description"] = text(data.get("description"), MAX_DESCRIPTION, problems)
    add("description", problems)

    problems = []
    value = parse_decimal(data.get("value", 0), MONEY, problems)
    value = Decimal(0) if value is None and not problems else value
    if value is not None and value < 0 and correction_of is None:
        problems.append(_("A value cannot be negative; to lower a validated contribution, correct it."))
    add("value", problems)
    cleaned["value"] = value

    problems = []
    quantity = parse_decimal(data.get("quantity"), QUANTITY, problems)
    if quantity is not None and quantity < 0 and correction_of is None:
        problems.append(_("A quantity cannot be negative; to lower a validated contribution, correct it."))
    add("quantity", problems)
    cleaned["quantity"] = quantity

    problems = []
    day = parse_day(data.get("date"), problems)
    if day is not None and not (mission.start <= day <= mission.end):
        problems.append(
            _("The date must be within the mission, from %(start)s to %(end)s.")
            % {"start": mission.start.isoformat(), "end": mission.end.isoformat()}
        )
    add("date", problems)
    cleaned["date"] = day

    problems = []
    objective = None
    raw_objective = data.get("objective")
    if raw_objective not in (None, ""):
        try:
            objective = context.objectives.get(int(raw_objective))
        except (TypeError, ValueError):
            objective = None
        if objective is None:
            problems.append(_("Choose an objective of this mission."))
        elif objective.kind and kind and objective.kind != kind:
            problems.append(
                _("This objective counts only contributions of kind %(kind)s.") % {"kind": Kind(objective.kind).label}
            )
        elif objective.metric == Objective.Metric.MANUAL:
            problems.append(_("This objective's progress is entered by staff; choose another objective or none."))
    if quantity is not None and (objective is None or objective.metric != Objective.Metric.QUANTITY):
        add("quantity", [_("A quantity counts only toward an objective measured in quantity: choose one.")])
    add("objective", problems)
    cleaned["objective"] = objective

    problems = []
    url = text(data.get("evidence_url"), MAX_URL, problems)
    if url and not problems:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            problems.append(_("Give a web address starting with http:// or https://."))
    add("evidence_url", problems)
    cleaned["evidence_url"] = url

    problems = []
    external_id = text(data.get("external_id"), MAX_EXTERNAL_ID, problems) or None
    add("external_id", problems)
    cleaned["external_id"] = external_id

    shares: list[tuple[int, Decimal]] = []
    if declarer is not None:
        shares, problems = clean_contributors(data.get("contributors"), declarer=declarer, context=context)
        add("contributors", problems)
    if not mission.takes_contributions:
        add(
            "mission",
            [_("The mission is %(status)s: it takes no contributions.") % {"status": mission.get_status_display()}],
        )
    return cleaned, shares, errors
