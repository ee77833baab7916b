"""Batch ingestion of contributions, for CRM sync (`POST /api/contributions/batch/`).

Up to `MAX_ITEMS` items, all or nothing: every item is checked with the
same rules as a single declaration (`validation.clean_contribution`), and if
one is bad nothing is written and every bad item's errors come back with its
index and field. Idempotent on `external_id` (required here): an item whose
contribution exists unchanged is left alone, a changed one not yet validated
is updated (its co-contributors confirm again), a changed one already
validated is refused (a validated contribution changes only by correction).

Writes are set-based: one INSERT for the contributions, one for their shares,
one for the audit events, whatever the number of items. Batches of one
tenant run one after the other (a transaction-scoped advisory lock), so two
identical batches sent at once give one set of rows, the second finding them
all unchanged.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.accounts.models import User
from ecosystem.core.audit import audit_record_many
from ecosystem.core.bulk import copy_objects, reserve_ids
from ecosystem.core.errors import ApplicationError, FieldErrors
from ecosystem.core.roles import MANAGERS, require_role

from . import notifications
from .models import Contribution, Mission, Share
from .services import contribution_snapshot, initial_status, share_rows
from .validation import MAX_EXTERNAL_ID, MissionContext, clean_contribution, text

MAX_ITEMS = 10_000
ITEM_FIELDS = frozenset(
    {
        "mission", "partner", "kind", "description", "value", "quantity", "date", "objective",
        "contributors", "evidence_url", "external_id",
    }
)  # fmt: skip
# The fields an item sets, compared with the stored contribution to tell a change.
UPDATED_FIELDS = (
    "partner", "kind", "description", "value", "quantity", "date", "objective", "evidence_url", "external_id",
)  # fmt: skip
COMPARED = ("partner_id", "kind", "description", "value", "quantity", "date", "objective_id", "evidence_url")


class BatchRefused(ApplicationError):
    """Some items are bad: nothing was written. `extra["errors"]`: `[{"index", "field", "messages"}]`."""

    code = "invalid_batch"


@dataclass
class BatchOutcome:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)  # the contribution of each item, in the items' order


@dataclass
class _Plan:
    index: int
    context: MissionContext
    cleaned: dict[str, Any]
    shares: list[tuple[int, Decimal]]
    existing: Contribution | None


def _lock_batches() -> None:
    key = zlib.crc32(f"{connection.schema_name}:contribution-batch".encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _as_id(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _external_id(item: Mapping[str, Any]) -> str:
    """The item's external id if it could be one ("" otherwise: the item's checks say why)."""
    problems: list[str] = []
    found = text(item.get("external_id"), MAX_EXTERNAL_ID, problems)
    return "" if problems else found


def _unchanged(existing: Contribution, stored: list[tuple[int, Decimal]], plan: _Plan) -> bool:
    cleaned = {**plan.cleaned, "objective_id": getattr(plan.cleaned.get("objective"), "pk", None)}
    if any(cleaned.get(name) != getattr(existing, name) for name in COMPARED):
        return False
    return plan.shares != [] and sorted(plan.shares) == sorted(stored)


def _check_items(items: Any) -> list[Mapping[str, Any]]:
    if not isinstance(items, list) or not items:
        raise FieldErrors({"items": [_("Send a non-empty list of contributions in `items`.")]})
    if len(items) > MAX_ITEMS:
        raise FieldErrors(
            {"items": [_("At most %(limit)d contributions in one batch; this one has %(count)d.")
                       % {"limit": MAX_ITEMS, "count": len(items)}]}
        )  # fmt: skip
    return items


@transaction.atomic
def contributions_batch(*, actor: User, items: Any, ip: str | None = None) -> BatchOutcome:
    """Create or update the contributions of `items` (see the module's docstring)."""
    require_role(actor, MANAGERS, _("Only the orchestrator's managers can send contributions in a batch."))
    items = _check_items(items)
    _lock_batches()

    mission_ids = {_as_id(item.get("mission")) for item in items if isinstance(item, Mapping)} - {None}
    contexts = {m.pk: MissionContext.load(m) for m in Mission.objects.filter(pk__in=mission_ids)}
    external_ids = [_external_id(item) for item in items if isinstance(item, Mapping)]
    existing = {c.external_id: c for c in Contribution.objects.filter(external_id__in=set(external_ids) - {""})}
    stored: dict[int, list[tuple[int, Decimal]]] = {}
    for contribution_id, partner_id, weight in Share.objects.filter(
        contribution_id__in=[c.pk for c in existing.values()]
    ).values_list("contribution_id", "partner_id", "weight"):
        stored.setdefault(contribution_id, []).append((partner_id, weight))

    errors: list[dict[str, Any]] = []
    plans: list[_Plan] = []
    seen: set[str] = set()
    outcome = BatchOutcome()
    for index, item in enumerate(items):
        problems: dict[str, list[str]] = {}
        if not isinstance(item, Mapping):
            errors.append({"index": index, "field": "item", "messages": [_("Each item must be an object.")]})
            continue
        for key in item:
            if key not in ITEM_FIELDS:
                problems[str(key)] = [_("This field cannot be set here.")]
        external_id = _external_id(item)
        found = existing.get(external_id)
        if not external_id and item.get("external_id") in (None, ""):
            problems["external_id"] = [_("Give each item of a batch its external id: it makes a re-sent batch safe.")]
        elif external_id in seen:
            problems["external_id"] = [_("This external id is already used by another item of the batch.")]
        seen.add(external_id)
        context = contexts.get(_as_id(item.get("mission")))
        if context is None:
            problems["mission"] = [_("No such mission.")]
        elif found is not None and found.mission_id != context.mission.pk:
            problems["mission"] = [_("A contribution of another mission has this external id.")]
        if context is not None and "mission" not in problems:
            cleaned, shares, item_errors = clean_contribution(item, context=context, declarer=None)
            plan = _Plan(index=index, context=context, cleaned=cleaned, shares=shares, existing=found)
            if found is not None and _unchanged(found, stored.get(found.pk, []), plan):
                # The very contribution stored: nothing to do, whatever has changed around it since.
                if not problems:
                    outcome.unchanged.append(found.pk)
                    plans.append(plan)
                    continue
            else:
                for name, messages in item_errors.items():
                    problems.setdefault(name, []).extend(messages)
                if found is not None and found.status == Contribution.Status.VALIDATED and not problems:
                    problems["external_id"] = [
                        _("The contribution with this external id is validated: it cannot change; "
                          "send a correction instead.")
                    ]  # fmt: skip
            if not problems:
                plans.append(plan)
        for name, messages in problems.items():
            errors.append({"index": index, "field": name, "messages": messages})
    if errors:
        bad = len({e["index"] for e in errors})
        raise BatchRefused(
            _("%(bad)d of %(count)d items are invalid; nothing was saved.") % {"bad": bad, "count": len(items)},
            extra={"errors": errors},
        )
    return _write(actor=actor, plans=plans, stored=stored, outcome=outcome, ip=ip)


def _write(
    *, actor: User, plans: list[_Plan], stored: dict[int, list[tuple[int, Decimal]]], outcome: BatchOutcome,
    ip: str | None,
) -> BatchOutcome:  # fmt: skip
    now = timezone.now()
    unchanged = set(outcome.unchanged)
    new = [p for p in plans if p.existing is None]
    changed = [p for p in plans if p.existing is not None and p.existing.pk not in unchanged]

    # COPY, with ids reserved first: the shares refer to them.
    for plan, pk in zip(new, reserve_ids(Contribution, len(new)), strict=True):
        plan.existing = Contribution(
            pk=pk, mission=plan.context.mission, status=initial_status(plan.shares), declared_by=actor, **plan.cleaned
        )
    copy_objects([p.existing for p in new])

    befores = {}
    for plan in changed:
        contribution = plan.existing
        befores[contribution.pk] = contribution_snapshot(contribution, stored.get(contribution.pk, []))
        for name, value in plan.cleaned.items():
            setattr(contribution, name, value)
        contribution.status = initial_status(plan.shares)
        contribution.rejection_reason = ""
        contribution.reviewed_by, contribution.reviewed_at = None, None
        contribution.updated_at = now
    if changed:
        Contribution.objects.bulk_update(
            [p.existing for p in changed],
            [*UPDATED_FIELDS, "status", "rejection_reason", "reviewed_by", "reviewed_at", "updated_at"],
            batch_size=2000,
        )  # fmt: skip
        Share.objects.filter(contribution_id__in=[p.existing.pk for p in changed]).delete()
    copy_objects([share for p in (*new, *changed) for share in share_rows(p.existing, p.shares)])

    events = [("contribution.declared", p.existing, None, contribution_snapshot(p.existing, p.shares)) for p in new]
    for plan in changed:
        before, after = befores[plan.existing.pk], contribution_snapshot(plan.existing, plan.shares)
        keys = [k for k in after if before.get(k) != after[k]]
        events.append(
            ("contribution.updated", plan.existing, {k: before.get(k) for k in keys}, {k: after[k] for k in keys})
        )
    audit_record_many(actor=actor, events=events, ip=ip)
    notifications.shares_awaiting_many(
        [p.existing.pk for p in (*new, *changed) if p.existing.status == Contribution.Status.AWAITING_CONFIRMATION]
    )
    outcome.created = [p.existing.pk for p in new]
    outcome.updated = [p.existing.pk for p in changed]
    outcome.ids = [p.existing.pk for p in sorted(plans, key=lambda p: p.index)]
    return outcome
