"""The base of every tenant API viewset (permissions in `permissions.py`).

A viewset declares who may call it (`roles`) and what a user may see
(`visible_to`, the resource's one read-rule selector, shared with the pages
and the portal). The base does the rest, for every action alike: list,
retrieve, update and custom actions all read through `get_queryset()` and
`get_object()`, which always start from `visible_to(request.user)`; query
parameters (`filterset_class`) can only narrow that set.

Custom actions declare their own roles with `@action(..., roles=...)`: DRF's
router hands an action's kwargs to the view instance, so they replace `roles`.

Subclasses may not override `get_queryset`, `get_object` or
`filter_queryset`. The one escape hatch is a method named
`dangerously_get_queryset()`, so that a widening shows in every review.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.functional import SimpleLazyObject
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler
from rest_framework.viewsets import GenericViewSet

from .errors import ApplicationError, FieldErrors, error_for_integrity
from .permissions import PublicOnly, TenantMemberPermission, on_tenant_host
from .selectors import tenant_settings

__all__ = ["PublicOnly", "TenantMemberPermission", "TenantViewSet", "api_exception_handler", "on_tenant_host"]

PROTECTED = frozenset({"get_queryset", "get_object", "filter_queryset"})


class TenantViewSet(GenericViewSet):
    permission_classes = [TenantMemberPermission]
    filter_backends = [DjangoFilterBackend]
    model = None  # each viewset names its model: the schema generator needs it
    # `(user) -> QuerySet`: everything this user may see of the resource.
    visible_to: Callable[..., QuerySet] | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        overridden = sorted(PROTECTED & set(cls.__dict__))
        if overridden:
            raise TypeError(
                f"{cls.__name__} overrides {', '.join(overridden)}: declare `visible_to` and "
                "`filterset_class` instead (or, rarely, `dangerously_get_queryset`)."
            )

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # OpenAPI generation: no user, no rows
            return self.model.objects.none()
        dangerous = getattr(self, "dangerously_get_queryset", None)
        if dangerous is not None:
            return dangerous()
        selector = type(self).visible_to
        if selector is None:
            raise ImproperlyConfigured(f"{type(self).__name__} declares no visible_to selector.")
        return selector(self.request.user)

    def get_serializer_context(self) -> dict:
        # Read at most once per request (and only if a serializer needs it), never per row.
        return {**super().get_serializer_context(), "tenant_settings": SimpleLazyObject(tenant_settings)}

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        filtered = super().filter_queryset(queryset)
        # Filters narrow; whatever a filter returns is intersected with what
        # was visible, so that no filter can widen it.
        return filtered if filtered is queryset else queryset & filtered


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The one DRF exception handler: domain errors become JSON with their code,
    and so does a declared unique constraint's refusal (`errors.unique_rule`)
    that reached the view without passing through `unique_violations()`."""
    if isinstance(exc, IntegrityError):
        exc = error_for_integrity(exc) or exc
    if isinstance(exc, FieldErrors):
        return Response({key: list(msgs) for key, msgs in exc.errors.items()}, status=400)
    if isinstance(exc, ApplicationError):
        body = {"detail": exc.message, "code": exc.code, **exc.extra}
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return exception_handler(exc, context)
