"""The rules of a partner's fields, in one place.

The web forms, the API and the CSV import all hand raw values to
`clean_partner_fields`, which returns cleaned values and messages per field.
It makes no query: the caller passes what it needs (tiers by name and id).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import ParticipantRole, Tier

# Fields a partner admin may change on its own organisation.
PARTNER_EDITABLE = ("description", "website", "country", "tags", "contact_email", "contact_phone")
# Fields the orchestrator's staff may set (status moves through the lifecycle only).
STAFF_EDITABLE = (
    "name", "role", "tier", "country", "website", "tags", "description", "external_id",
    "contact_email", "contact_phone", "notes",
)  # fmt: skip
MAX_LENGTHS = {
    "name": 200, "description": 5000, "external_id": 100, "contact_phone": 40, "notes": 5000,
    "website": 200, "contact_email": 254,
}  # fmt: skip
COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_TAGS, MAX_TAG_LENGTH = 20, 40
# A partner's competitors, and the reason given for a suspension or an exit.
MAX_COMPETITORS, MAX_REASON_LENGTH = 200, 1000
# Suspending or exiting a partner needs a reason (the services refuse none; the page's forms say it first).
REASON_REQUIRED = gettext_lazy("Give a reason: the partner and the audit trail keep it.")
_url = URLValidator(schemes=["http", "https"])
_email = EmailValidator()


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def split_tags(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        items: Iterable[Any] = value
    else:
        items = re.split(r"[,|]", _text(value))
    tags: list[str] = []
    for item in items:
        tag = _text(item).lower()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def clean_partner_fields(
    raw: Mapping[str, Any],
    *,
    fields: Iterable[str],
    tiers_by_key: Mapping[str, Tier],
    required: bool,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Clean the `fields` present in `raw` (all of `name` and `role` when `required`).

    `tiers_by_key` maps what the caller's input names a tier by (see `tiers_index`) to it.
    """
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for field in fields:
        if field not in raw:
            if required and field in ("name", "role"):
                fail(field, _("This field is required."))
            continue
        value = raw[field]
        text = _text(value)
        if "\x00" in text or (field == "tags" and any("\x00" in _text(v) for v in split_tags(value))):
            fail(field, _("This value contains a character that is not allowed."))
            continue
        if field in MAX_LENGTHS and len(text) > MAX_LENGTHS[field]:
            fail(
                field,
                _("At most %(limit)d characters (it has %(length)d).")
                % {"limit": MAX_LENGTHS[field], "length": len(text)},
            )
            continue
        if field == "name":
            if not text:
                fail(field, _("This field is required."))
            cleaned[field] = text
        elif field == "role":
            if text not in ParticipantRole.values:
                fail(
                    field,
                    _("“%(value)s” is not a role. Use one of: %(choices)s.")
                    % {"value": text, "choices": ", ".join(ParticipantRole.values)},
                )
            cleaned[field] = text
        elif field == "tier":
            if not text:
                cleaned[field] = None
            elif text.lower() in tiers_by_key:
                cleaned[field] = tiers_by_key[text.lower()]
            else:
                fail(field, _("There is no tier “%(value)s”.") % {"value": text})
        elif field == "country":
            text = text.upper()
            if text and not COUNTRY.match(text):
                fail(field, _("Use the two-letter ISO code of the country, e.g. FR."))
            cleaned[field] = text
        elif field == "website":
            if text and "://" not in text:
                text = f"https://{text}"
            if len(text) > MAX_LENGTHS["website"]:
                fail(field, _("At most %(limit)d characters.") % {"limit": MAX_LENGTHS["website"]})
            elif text:
                try:
                    _url(text)
                except ValidationError:
                    fail(field, _("Enter a valid web address."))
            cleaned[field] = text
        elif field == "contact_email":
            text = text.lower()
            if text:
                try:
                    _email(text)
                except ValidationError:
                    fail(field, _("Enter a valid email address."))
            cleaned[field] = text
        elif field == "tags":
            tags = split_tags(value)
            if len(tags) > MAX_TAGS:
                fail(field, _("At most %(limit)d tags.") % {"limit": MAX_TAGS})
            elif any(len(tag) > MAX_TAG_LENGTH for tag in tags):
                fail(field, _("A tag has at most %(limit)d characters.") % {"limit": MAX_TAG_LENGTH})
            cleaned[field] = tags
        elif field == "external_id":
            cleaned[field] = text or None
        else:
            cleaned[field] = text
    return cleaned, errors


def tiers_index(tiers: Iterable[Tier], *, by_name: bool = False) -> dict[str, Tier]:
    """Tiers by id (the API and the forms send ids) or by lower-cased name (CSV files)."""
    if by_name:
        return {tier.name.lower(): tier for tier in tiers}
    return {str(tier.pk): tier for tier in tiers}
