"""Writes shared by every app of a tenant: the tenant's settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .audit import audit_record
from .errors import FieldErrors
from .models import TENANT_SETTING_FIELDS, TenantSettings
from .roles import ADMINS, require_role
from .selectors import SETTINGS_CACHE_KEY


def _forget_settings() -> None:
    cache.delete(SETTINGS_CACHE_KEY)


@transaction.atomic
def tenant_settings_update(*, actor: Any, data: Mapping[str, Any], ip: str | None = None) -> TenantSettings:
    """Change the tenant's settings (admins only); unknown fields are refused.

    Locks the row, validates every field with the model's own validators,
    audits what changed, and drops the cached copy now and after commit.
    """
    require_role(actor, ADMINS, _("Only an administrator can change the ecosystem's settings."))
    unknown = sorted(set(data) - set(TENANT_SETTING_FIELDS))
    if unknown:
        raise FieldErrors({field: [_("This setting does not exist.")] for field in unknown})
    TenantSettings.objects.get_or_create(pk=1)
    current = TenantSettings.objects.select_for_update().get(pk=1)
    before = {field: getattr(current, field) for field in TENANT_SETTING_FIELDS}
    for field, value in data.items():
        setattr(current, field, value)
    try:
        current.full_clean(exclude=[f for f in TENANT_SETTING_FIELDS if f not in data])
    except ValidationError as error:
        raise FieldErrors({field: list(messages) for field, messages in error.message_dict.items()}) from None
    current.save()
    after = {field: getattr(current, field) for field in TENANT_SETTING_FIELDS}
    changed = [field for field in TENANT_SETTING_FIELDS if before[field] != after[field]]
    if changed:
        audit_record(
            actor=actor,
            action="settings.updated",
            target=current,
            before={f: before[f] for f in changed},
            after={f: after[f] for f in changed},
            ip=ip,
        )
    _forget_settings()
    transaction.on_commit(_forget_settings)
    return current
