from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from .models import Orchestrator


def tenant_url(orchestrator: Orchestrator, path: str = "/", request: HttpRequest | None = None) -> str:
    """Absolute URL on the tenant's primary domain.

    With a request, its scheme and port are kept (the person stays on the
    server they used); without one (mails sent by workers), SITE_SCHEME and
    SITE_PORT say where the site is served.
    """
    domain = orchestrator.get_primary_domain().domain
    if request is not None:
        scheme = request.scheme
        port = request.get_port()
        default = "443" if scheme == "https" else "80"
    else:
        scheme, port, default = settings.SITE_SCHEME, settings.SITE_PORT, ""
    netloc = domain if not port or port == default else f"{domain}:{port}"
    return f"{scheme}://{netloc}{path}"
