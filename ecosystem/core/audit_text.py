"""The audit trail told as sentences, in the reader's language.

Events keep codes and ids (`partner.updated`, `{"tier": 2}`) so that they stay
exact whatever happens later; people read sentences ("Marc Manager edited
Carevia." with "Tier: Core → Strategic"). Each app says how to tell its own
actions (`register_actions`) and how to name the ids they carry
(`register_names`), and the words its objects lend their events' sentences (the
mission a contribution belongs to: `register_object_words`), from its
`AppConfig.ready`: core knows no partner or tier.

`describe_events` tells a list of events with one query per kind of name that
the events hold (tiers, partners, ...) and per kind of object with words,
never one per event. An action no app
registered is told by a generic sentence with its raw keys.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format, number_format
from django.utils.functional import Promise
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _

from .models import AuditEvent

StrOrPromise = str | Promise
# Ids -> names, in one query; ids it does not know are left out.
NameLookup = Callable[[Collection[int]], Mapping[int, str]]
# Stored object ids -> the words its events' sentences may use (e.g. "mission": its mission's title), in one
# query; an object since deleted is left out, and its words read as a dash.
ObjectWords = Callable[[Collection[str]], Mapping[str, Mapping[str, str]]]
TEXT_LIMIT = 80
EMPTY = "—"


@dataclass(frozen=True)
class Detail:
    """How one key of an event's `before`/`after` reads."""

    label: StrOrPromise
    names: str = ""  # the registered lookup that names its ids (one id or a list)
    choices: Mapping[str, StrOrPromise] | None = None  # code -> label
    kind: Literal["text", "date", "datetime", "number", "money"] = "text"
    # Show the value the action set, not the change (a reason given with a suspension).
    new_only: bool = False
    # The value is a list of mappings, each naming an id under this key ([{"partner": 3, "weight": "0.5"}]).
    item_key: str = ""


@dataclass(frozen=True)
class ActionText:
    """A sentence with `%(actor)s`, `%(object)s` and any key of the event's `after`, and
    the keys worth showing as details; the others (ids, statuses the sentence says) stay out."""

    sentence: StrOrPromise
    details: Mapping[str, Detail] = field(default_factory=dict)
    # Another sentence when this key of the event's `after` is true ("on_behalf": staff answered for a partner).
    when: Mapping[str, StrOrPromise] = field(default_factory=dict)


@dataclass(frozen=True)
class EventText:
    event: AuditEvent
    actor: str
    sentence: str
    details: list[str]


_ACTIONS: dict[str, ActionText] = {}
_NAMES: dict[str, NameLookup] = {}
_OBJECT_WORDS: dict[str, ObjectWords] = {}


def register_actions(actions: Mapping[str, ActionText]) -> None:
    """How to tell these actions (call from the owning app's `AppConfig.ready`)."""
    _ACTIONS.update(actions)


def register_names(kind: str, lookup: NameLookup) -> None:
    """How to name the ids of `kind` (e.g. "partners.tier") that `Detail.names` points to."""
    _NAMES[kind] = lookup


def register_object_words(object_type: str, lookup: ObjectWords) -> None:
    """The words that events about objects of `object_type` (e.g. "missions.contribution") may use."""
    _OBJECT_WORDS[object_type] = lookup


def _side(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _ids(value: Any, item_key: str = "") -> set[int]:
    values = value if isinstance(value, list) else [value]
    if item_key:
        values = [v.get(item_key) for v in values if isinstance(v, dict)]
    return {v for v in values if isinstance(v, int) and not isinstance(v, bool)}


def _names_for(events: list[AuditEvent]) -> dict[str, Mapping[int, str]]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        action = _ACTIONS.get(event.action)
        if action is None:
            continue
        for key, detail in action.details.items():
            if detail.names:
                for side in (_side(event.before), _side(event.after)):
                    if key in side:
                        wanted[detail.names] |= _ids(side[key], detail.item_key)
    return {kind: _NAMES[kind](ids) for kind, ids in wanted.items() if ids and kind in _NAMES}


def _object_words_for(events: list[AuditEvent]) -> dict[tuple[str, str], Mapping[str, str]]:
    wanted: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.object_type in _OBJECT_WORDS and event.object_id:
            wanted[event.object_type].add(event.object_id)
    return {
        (kind, object_id): words
        for kind, ids in wanted.items()
        for object_id, words in _OBJECT_WORDS[kind](ids).items()
    }


def _number(value: Any, places: int | None) -> str | None:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    if places is None:  # as many places as it needs: 12.5000 reads 12.5
        number = number.quantize(Decimal(1)) if number == number.to_integral() else number.normalize()
    return number_format(number, decimal_pos=places)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _show(value: Any, detail: Detail, names: Mapping[str, Mapping[int, str]]) -> str:
    if _empty(value):
        return EMPTY
    if isinstance(value, list):
        return ", ".join(_show(item, detail, names) for item in value)
    if isinstance(value, dict) and detail.item_key:
        named = _show(value.get(detail.item_key), Detail("", names=detail.names), names)
        rest = [_number(v, None) or str(v) for k, v in value.items() if k != detail.item_key and not _empty(v)]
        return f"{named} ({', '.join(rest)})" if rest else named
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if detail.names and isinstance(value, int):
        return names.get(detail.names, {}).get(value) or f"#{value}"
    if detail.choices is not None:
        return str(detail.choices.get(str(value), value))
    if detail.kind == "date" and (day := parse_date(str(value))):
        return date_format(day, "SHORT_DATE_FORMAT")
    if detail.kind in ("number", "money") and (number := _number(value, 2 if detail.kind == "money" else None)):
        return number
    if detail.kind == "datetime" and (moment := parse_datetime(str(value))):
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return date_format(moment, "SHORT_DATETIME_FORMAT")
    return Truncator(str(value)).chars(TEXT_LIMIT)


def _change(key: str, detail: Detail, before: dict, after: dict, names: Mapping[str, Mapping[int, str]]) -> str | None:
    """`Label: old → new` for a changed key, `Label: value` for one only set (or `new_only`) or only
    removed (an event with no `after` records what a deletion took away); None if unchanged."""
    label = capfirst(str(detail.label))
    if not after and key in before:
        if _empty(before[key]):
            return None
        return _("%(label)s: %(value)s") % {"label": label, "value": _show(before[key], detail, names)}
    if key in after and (detail.new_only or key not in before):
        if _empty(after[key]):
            return None
        return _("%(label)s: %(value)s") % {"label": label, "value": _show(after[key], detail, names)}
    old, new = before.get(key), after.get(key)
    if (key not in before and key not in after) or old == new:
        return None
    return _("%(label)s: %(before)s → %(after)s") % {
        "label": label,
        "before": _show(old, detail, names),
        "after": _show(new, detail, names),
    }


class _Words(dict):
    """A sentence's words; a key the event lacks reads as a dash rather than failing."""

    def __missing__(self, key: str) -> str:
        return EMPTY


def _actor(event: AuditEvent) -> str:
    if event.actor_id is not None and event.actor is not None:
        return str(event.actor)  # a user reads as their full name, or their email
    return event.actor_label or _("The system")


def _generic(event: AuditEvent) -> ActionText:
    keys = sorted({*_side(event.before), *_side(event.after)})
    sentence = (
        _("%(actor)s recorded “%(action)s” on %(object)s.")
        if event.object_repr
        else _("%(actor)s recorded “%(action)s”.")
    )
    return ActionText(sentence, {key: Detail(key.replace("_", " ")) for key in keys})


def _describe(
    event: AuditEvent, names: Mapping[str, Mapping[int, str]], objects: Mapping[tuple[str, str], Mapping[str, str]]
) -> EventText:
    action = _ACTIONS.get(event.action) or _generic(event)
    before, after = _side(event.before), _side(event.after)
    actor = _actor(event)
    words = _Words({key: _show(value, action.details.get(key, Detail("")), names) for key, value in after.items()})
    words.update(objects.get((event.object_type, event.object_id), {}))
    words.update(actor=actor, object=event.object_repr or EMPTY, action=event.action)
    details = [_change(key, detail, before, after, names) for key, detail in action.details.items()]
    sentence = next((text for key, text in action.when.items() if after.get(key)), action.sentence)
    return EventText(
        event=event,
        actor=actor,
        sentence=str(sentence) % words,
        details=[line for line in details if line is not None],
    )


def describe_events(events: Iterable[AuditEvent]) -> list[EventText]:
    """The events as sentences in the active language, with ids named.

    Pass events with their actors (`select_related("actor")`, as the audit
    selectors do): then this costs the events' query, one query per kind
    of name they hold and one per kind of object with words, whatever their number.
    """
    events = list(events)
    names = _names_for(events)
    objects = _object_words_for(events)
    return [_describe(event, names, objects) for event in events]
