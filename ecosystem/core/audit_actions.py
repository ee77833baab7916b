"""How core's own audit events read (registered by `CoreConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .audit_text import ActionText, Detail, register_actions
from .models import CURRENCIES, TENANT_SETTING_FIELDS, TenantSettings


def _setting(name: str) -> Detail:
    choices = dict(CURRENCIES) if name == "currency" else None
    return Detail(TenantSettings._meta.get_field(name).verbose_name, choices=choices)


def register() -> None:
    settings = {name: _setting(name) for name in TENANT_SETTING_FIELDS}
    register_actions({"settings.updated": ActionText(_("%(actor)s changed the ecosystem's settings."), settings)})
