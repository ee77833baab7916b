"""Tenant routing by host, with the host -> tenant lookup cached per process.

django-tenants' stock middleware costs one query per request (FACTS.md); the
cache keeps it off the hot path. Entries live TENANT_CACHE_SECONDS; services
that change a tenant's status or domains call `forget_tenants()`, which clears
this process at once (other processes catch up within the TTL).

Host names are case-insensitive and may end with the root's dot
(`DEMO.localhost.` is `demo.localhost`): the host is normalised before the
lookup, so that every spelling reaches the same tenant.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import split_domain_port
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import remove_www

_lock = threading.Lock()
_cache: dict[str, tuple[float, object]] = {}


def forget_tenants() -> None:
    with _lock:
        _cache.clear()


class TenantMiddleware(TenantMainMiddleware):
    @staticmethod
    def hostname_from_request(request: HttpRequest) -> str:
        """The host as Domain rows spell it: lower case, no port, no trailing dot, no `www.`."""
        # get_host() checks ALLOWED_HOSTS (raising DisallowedHost); split_domain_port lowers
        # the name and drops the port and a trailing dot (IPv6 literals included).
        domain, _port = split_domain_port(request.get_host())
        return remove_www(domain)

    def get_tenant(self, domain_model, hostname):
        now = time.monotonic()
        entry = _cache.get(hostname)
        if entry is not None and entry[0] > now:
            return entry[1]
        tenant = super().get_tenant(domain_model, hostname)
        with _lock:
            _cache[hostname] = (now + settings.TENANT_CACHE_SECONDS, tenant)
        return tenant

    def _route(self, request: HttpRequest) -> HttpResponse | None:
        # Fast path: a raw Host header seen before was validated against
        # ALLOWED_HOSTS and resolved then; reuse both while the entry lives.
        raw_host = request.META.get("HTTP_HOST", "")
        entry = _cache.get(f"raw:{raw_host}")
        if entry is not None and entry[0] > time.monotonic():
            tenant = entry[1]
            request.tenant = tenant
            connection.set_tenant(tenant)
            self.setup_url_routing(request)
            return None
        response = super().process_request(request)
        if response is None and raw_host:
            with _lock:
                _cache[f"raw:{raw_host}"] = (
                    time.monotonic() + settings.TENANT_CACHE_SECONDS,
                    request.tenant,
                )
        return response

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse:
        return render(
            request,
            "tenancy/unknown_host.html",
            {"hostname": hostname, "base_domain": settings.BASE_DOMAIN},
            status=404,
        )

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        response = self._route(request)
        if response is not None:
            return response
        tenant = request.tenant
        if getattr(tenant, "is_suspended", False):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": _("This ecosystem is suspended."), "code": "tenant_suspended"},
                    status=403,
                )
            return render(request, "tenancy/suspended.html", {"tenant": tenant}, status=403)
        return None
