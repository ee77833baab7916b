"""Reads shared by every app of a tenant."""

from __future__ import annotations

from django.core.cache import cache

from .models import TenantSettings

SETTINGS_CACHE_KEY = "tenant-settings"


def tenant_settings() -> TenantSettings:
    """The current tenant's settings (defaults until an admin saves them).

    Cached in Redis under the tenant's own key prefix and dropped by every
    write, so a page reads it without a query. Needs a tenant schema.
    """
    found = cache.get(SETTINGS_CACHE_KEY)
    if found is None:
        found = TenantSettings.objects.filter(pk=1).first() or TenantSettings()
        cache.set(SETTINGS_CACHE_KEY, found, timeout=3600)
    return found
