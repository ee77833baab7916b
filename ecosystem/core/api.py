"""The base of every tenant API viewset (permissions in `permissions.py`)."""

from rest_framework.viewsets import GenericViewSet

from .permissions import EVERYONE, STAFF, PublicOnly, TenantMemberPermission, on_tenant_host

__all__ = ["EVERYONE", "STAFF", "PublicOnly", "TenantMemberPermission", "TenantViewSet", "on_tenant_host"]


class TenantViewSet(GenericViewSet):
    """Base of every tenant API viewset.

    Subclasses declare `roles` (who may call what) and implement
    `safely_get_queryset()`; overriding `get_queryset` is refused so that the
    tenant and role checks cannot be skipped by accident.
    """

    permission_classes = [TenantMemberPermission]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__}: implement safely_get_queryset(), not get_queryset().")

    model = None  # each viewset names its model: the schema generator needs it

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # OpenAPI generation: no user, no rows
            return self.model.objects.none()
        return self.safely_get_queryset()

    def safely_get_queryset(self):
        raise NotImplementedError

    def get_permissions(self):
        # Actions declare their own roles with @action(..., roles=...) kwargs.
        action = getattr(self, self.action, None) if self.action else None
        action_roles = getattr(action, "kwargs", {}).get("roles")
        if action_roles:
            self.roles = action_roles
        return super().get_permissions()
