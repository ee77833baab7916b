"""Requesting, cancelling and failing value reports (the computing is `tasks.compute_report`'s).

A request with the parameters of a report still queued or running returns
that report instead of a new one; the database guarantees it under
concurrency (the partial unique constraint `report_pending_once`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from ecosystem.accounts.models import User
from ecosystem.core.audit import audit_record
from ecosystem.core.errors import FieldErrors
from ecosystem.core.jobs import job_cancel, job_request, job_send, jobs_fail_stuck
from ecosystem.core.roles import MANAGERS, require_role
from ecosystem.missions.models import Mission
from ecosystem.missions.validation import parse_day
from partners.models import ParticipantRole

from .models import Report

# A report covers at most this long a period (the trend compares it with the one before).
MAX_PERIOD_DAYS = 366 * 5
MAX_MISSIONS = 200


def _ids(raw: Any, problems: list[str]) -> list[int]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, (list, tuple)):
        problems.append(_("Give a list of mission ids."))
        return []
    if len(raw) > MAX_MISSIONS:
        problems.append(_("At most %(limit)d missions.") % {"limit": MAX_MISSIONS})
        return []
    ids = []
    for item in raw:
        try:
            ids.append(int(item))
        except (TypeError, ValueError):
            problems.append(_("Give a list of mission ids."))
            return []
    found = set(Mission.objects.filter(pk__in=ids).values_list("pk", flat=True))
    missing = sorted(set(ids) - found)
    if missing:
        problems.append(_("No such mission: %(ids)s.") % {"ids": ", ".join(map(str, missing))})
    return sorted(set(ids))


def _roles(raw: Any, problems: list[str]) -> list[str]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, (list, tuple)) or not all(isinstance(r, str) for r in raw):
        problems.append(_("Give a list of roles."))
        return []
    unknown = sorted(set(raw) - set(ParticipantRole.values))
    if unknown:
        problems.append(
            _("Unknown roles: %(roles)s. Choose among: %(choices)s.")
            % {"roles": ", ".join(unknown)[:200], "choices": ", ".join(ParticipantRole.values)}
        )
    return sorted(set(raw))


def clean_parameters(data: Mapping[str, Any]) -> dict[str, Any]:
    """The period, missions and roles of a report request, checked and put in canonical order."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name in ("period_start", "period_end", "missions", "roles"):
        problems: list[str] = []
        if name.startswith("period"):
            cleaned[name] = parse_day(data.get(name), problems)
        elif name == "missions":
            cleaned[name] = _ids(data.get(name), problems)
        else:
            cleaned[name] = _roles(data.get(name), problems)
        if problems:
            errors[name] = problems
    start, end = cleaned.get("period_start"), cleaned.get("period_end")
    if start and end and "period_end" not in errors:
        if end < start:
            errors["period_end"] = [_("The period must not end before it starts.")]
        elif (end - start).days > MAX_PERIOD_DAYS:
            errors["period_end"] = [_("A report covers at most five years.")]
    if errors:
        raise FieldErrors(errors)
    return cleaned


def report_request(*, actor: User | None, data: Mapping[str, Any], ip: str | None = None) -> tuple[Report, bool]:
    """A new report, queued for the worker (sent once committed); or the one with the same
    parameters still queued or running, and False. `actor` None: the system (the monthly report)."""
    if actor is not None:
        require_role(actor, MANAGERS, _("Only the orchestrator's managers can request a report."))
    cleaned = clean_parameters(data)
    return job_request(
        Report,
        parameters=lambda: cleaned,
        queue=lambda parameters: _queue(actor, parameters, ip),
        contended=_("Too many requests for this report at once; try again."),
        code="report_contended",
    )


def _queue(actor: User | None, cleaned: Mapping[str, Any], ip: str | None) -> Report:
    with transaction.atomic():
        report = Report.objects.create(requested_by=actor, **cleaned)
        audit_record(
            actor=actor, action="report.requested", target=report, ip=ip, actor_label="" if actor else "system",
            after={k: v.isoformat() if isinstance(v, dt.date) else v for k, v in cleaned.items()},
        )  # fmt: skip
        from .tasks import compute_report

        job_send(compute_report, report)
    return report


@transaction.atomic
def report_cancel(*, actor: User, report: Report, ip: str | None = None) -> Report:
    """Stop a report queued or running (the task sees it at its next step and stops)."""
    require_role(actor, MANAGERS, _("Only the orchestrator's managers can cancel a report."))
    report = job_cancel(
        report,
        refusal=_("This report is %(status)s: only a queued or running report can be cancelled."),
        code="report_not_pending",
    )
    audit_record(actor=actor, action="report.cancelled", target=report, ip=ip)
    return report


def reports_fail_stuck(now: dt.datetime | None = None) -> int:
    """Mark every report running for longer than the time limit (its worker was lost), or queued for
    twice as long (its message was lost), `failed`, with a reason a person can read; how many."""
    reason = _(
        "The computation stopped before it finished (its worker was lost or it ran out of time). "
        "Request the report again."
    )
    limit = dt.timedelta(seconds=settings.VALUE_REPORT_TIME_LIMIT)
    return jobs_fail_stuck(Report, limit=limit, reason=reason, action="report.failed", now=now)
