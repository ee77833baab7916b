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

Every JSON body goes through `parsers.SafeJSONParser` (the default parser in
REST_FRAMEWORK settings; a view that lists its parsers names it too), and
every serializer that reads a request body derives from `InputSerializer` (or
mixes `StrictInput` in): a key it does not take is a 400 naming that key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler
from rest_framework.viewsets import GenericViewSet

from .errors import ApplicationError, FieldErrors, error_for_integrity
from .parsers import SafeJSONParser
from .permissions import PublicOnly, TenantMemberPermission, on_tenant_host
from .selectors import tenant_settings
from .throttling import RateLimited

__all__ = [
    "InputSerializer", "PublicOnly", "SafeJSONParser", "StrictInput", "TenantMemberPermission", "TenantViewSet",
    "api_exception_handler", "on_tenant_host",
]  # fmt: skip

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


class StrictInput:
    """Refuses, by name, every key of a request body the serializer does not take.

    DRF drops unknown and read-only keys silently: a partner admin's
    `{"status": "active"}` or an integrator's misspelt field would answer 200
    and change nothing, while the caller believes it saved. Here they are a
    400 naming each such key, along with the other fields' errors.
    """

    # Sent by the browsable API's forms along with the fields.
    IGNORED_KEYS = frozenset({"csrfmiddlewaretoken"})

    def to_internal_value(self, data):
        refused: dict[str, list[str]] = {}
        if isinstance(data, Mapping):
            takes = {name for name, field in self.fields.items() if not field.read_only}
            message = _("This field cannot be set here.")
            refused = {str(key): [message] for key in data if key not in takes and key not in self.IGNORED_KEYS}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if refused and isinstance(error.detail, dict):
                raise serializers.ValidationError({**refused, **error.detail}) from None
            raise
        if refused:
            raise serializers.ValidationError(refused)
        return value


class InputSerializer(StrictInput, serializers.Serializer):
    """The shape of a request body: every field it takes, and nothing else (see `StrictInput`)."""


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
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        return Response(body, status=exc.status_code, headers=headers)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return exception_handler(exc, context)
