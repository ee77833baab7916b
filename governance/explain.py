"""A finding told in words: what was measured against which threshold, in the reader's language.

The numbers mean something different for each rule kind (see `evaluation`): an amount, a percentage of the
ecosystem's value, days, or commitments met of how many; a note says why nothing was measured.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Finding, Rule


def _amount(value: Decimal) -> str:
    return number_format(value, 2, force_grouping=True)


def _percent(value: Decimal) -> str:
    return number_format(value.quantize(Decimal("0.01")).normalize(), force_grouping=True)


def _days(value: Decimal) -> int:
    return int(value)


def finding_text(finding: Finding, rule: Rule) -> str:
    """Why this finding came out as it did: its measured value against the rule's threshold, or its note."""
    measured, threshold = finding.measured, finding.threshold
    if finding.note:
        return finding.get_note_display()
    if measured is None or threshold is None:
        return "—"
    kind = rule.kind
    if kind == Rule.Kind.MIN_CONTRIBUTION:
        return _("%(measured)s validated in the period; at least %(threshold)s required.") % {
            "measured": _amount(measured), "threshold": _amount(threshold)}  # fmt: skip
    if kind == Rule.Kind.MAX_SHARE:
        return _("%(measured)s %% of the ecosystem's value; at most %(threshold)s %% allowed.") % {
            "measured": _percent(measured), "threshold": _percent(threshold)}  # fmt: skip
    if kind == Rule.Kind.AGREEMENT_VALID:
        days, warn = _days(measured), _days(threshold)
        if days < 0:
            ended = ngettext(
                "The agreement ended %(days)d day before the period's end.",
                "The agreement ended %(days)d days before the period's end.",
                -days,
            )
            return ended % {"days": -days}
        return ngettext(
            "The agreement ends %(days)d day after the period's end; a warning within %(warn)d days.",
            "The agreement ends %(days)d days after the period's end; a warning within %(warn)d days.", days,
        ) % {"days": days, "warn": warn}  # fmt: skip
    if kind == Rule.Kind.RECENT_ACTIVITY:
        days = _days(measured)
        return ngettext(
            "Last validated contribution %(days)d day before the period's end; less than %(limit)d required.",
            "Last validated contribution %(days)d days before the period's end; less than %(limit)d required.",
            days,
        ) % {"days": days, "limit": _days(threshold)}  # fmt: skip
    if kind == Rule.Kind.COMMITMENT_MET:
        total = _days(threshold)
        return ngettext("%(met)d of %(total)d commitment met.", "%(met)d of %(total)d commitments met.", total) % {
            "met": _days(measured), "total": total}  # fmt: skip
    if kind == Rule.Kind.PENDING_CONFIRMATIONS:
        days = _days(measured)
        return ngettext(
            "A share has waited %(days)d day for its confirmation; at most %(limit)d allowed.",
            "A share has waited %(days)d days for its confirmation; at most %(limit)d allowed.", days,
        ) % {"days": days, "limit": _days(threshold)}  # fmt: skip
    return "—"


def rule_params_text(rule: Rule, tier_names: dict[int, str]) -> list[str]:
    """A rule's parameters told in words, one sentence each (`tier_names`: tier id -> name, for a minimum per
    tier). No parameter: an empty list."""
    params = rule.params or {}
    told: list[str] = []
    kind = rule.kind
    if kind == Rule.Kind.MIN_CONTRIBUTION:
        told.append(_("At least %(value)s of validated value over the review's period.")
                    % {"value": _amount(Decimal(str(params.get("min_value", 0))))})  # fmt: skip
        for tier, value in (params.get("per_tier") or {}).items():
            name = tier_names.get(int(tier), _("a former tier"))
            amount = _amount(Decimal(str(value)))
            told.append(_("In tier %(tier)s: at least %(value)s.") % {"tier": name, "value": amount})
    elif kind == Rule.Kind.MAX_SHARE:
        told.append(_("At most %(percent)s %% of the ecosystem's validated value.")
                    % {"percent": _percent(Decimal(str(params.get("max_percent", 0))))})  # fmt: skip
    elif kind == Rule.Kind.AGREEMENT_VALID:
        days = int(params.get("warn_days", 0))
        told.append(ngettext("A valid agreement; a warning when it ends within %(days)d day.",
                             "A valid agreement; a warning when it ends within %(days)d days.", days)
                    % {"days": days})  # fmt: skip
    elif kind == Rule.Kind.RECENT_ACTIVITY:
        days = int(params.get("days", 0))
        told.append(ngettext("A validated contribution in the last %(days)d day before the period's end.",
                             "A validated contribution in the last %(days)d days before the period's end.", days)
                    % {"days": days})  # fmt: skip
    elif kind == Rule.Kind.COMMITMENT_MET:
        told.append(_("Every numeric mission commitment reached by the period's end."))
    elif kind == Rule.Kind.PENDING_CONFIRMATIONS:
        days = int(params.get("days", 0))
        told.append(ngettext("No joint-contribution share left unconfirmed longer than %(days)d day.",
                             "No joint-contribution share left unconfirmed longer than %(days)d days.", days)
                    % {"days": days})  # fmt: skip
    return told
