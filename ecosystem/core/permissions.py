"""Permissions of every tenant API endpoint.

`TenantMemberPermission` is the default permission class: the request must be
on a tenant host, by an active user of that tenant, whose role is allowed by
the view's `roles` (a tuple, or a dict of HTTP method -> tuple). A view that
declares no roles is refused: access fails closed.
"""

from __future__ import annotations

from django.db import connection
from django_tenants.utils import get_public_schema_name
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from .roles import has_role


def on_tenant_host() -> bool:
    return connection.schema_name != get_public_schema_name()


def allowed_roles(view, method: str) -> tuple[str, ...]:
    roles = getattr(view, "roles", None)
    if isinstance(roles, dict):
        roles = roles.get(method)
    return tuple(roles or ())


class TenantMemberPermission(BasePermission):
    message = "You do not have permission to perform this action."

    def has_permission(self, request: Request, view) -> bool:
        return on_tenant_host() and has_role(request.user, allowed_roles(view, request.method))


class PublicOnly(BasePermission):
    """For the few anonymous endpoints of the public host (sign-up)."""

    def has_permission(self, request: Request, view) -> bool:
        return not on_tenant_host()
