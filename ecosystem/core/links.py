"""Absolute links to a tenant's site, for mails and redirects across hosts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest


def tenant_url(tenant: Any, path: str = "/", request: HttpRequest | None = None) -> str:
    """Absolute URL of `path` on `tenant`'s primary domain.

    With a request, its scheme and port are kept (the person stays on the
    server they used); without one (mails sent by workers), SITE_SCHEME and
    SITE_PORT say where the site is served.
    """
    domain = tenant.get_primary_domain().domain
    if request is not None:
        scheme = request.scheme
        port = request.get_port()
        default = "443" if scheme == "https" else "80"
    else:
        scheme, port, default = settings.SITE_SCHEME, settings.SITE_PORT, ""
    netloc = domain if not port or port == default else f"{domain}:{port}"
    return f"{scheme}://{netloc}{path}"


def site_url(path: str = "/", request: HttpRequest | None = None) -> str:
    """Absolute URL of `path` on the current tenant's site (needs a tenant schema)."""
    return tenant_url(connection.tenant, path, request)
