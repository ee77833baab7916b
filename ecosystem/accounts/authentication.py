from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from ecosystem.core.permissions import on_tenant_host

from .backends import user_may_sign_in


class TenantTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, looked up in the current tenant's schema.

    Tokens live in each tenant's schema, so a key issued by tenant A does not
    exist on tenant B's host. The public host has no tokens at all.
    """

    def authenticate(self, request):
        if not on_tenant_host():
            return None
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        token = self.get_model().objects.select_related("user__partner").filter(key=key).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user_may_sign_in(token.user):
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
