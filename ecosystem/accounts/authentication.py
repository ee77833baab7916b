from django.db import connection
from django_tenants.utils import get_public_schema_name
from rest_framework.authentication import TokenAuthentication


class TenantTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, looked up in the current tenant's schema.

    Tokens live in each tenant's schema, so a key issued by tenant A does not
    exist on tenant B's host. The public host has no tokens at all.
    """

    def authenticate(self, request):
        if connection.schema_name == get_public_schema_name():
            return None
        return super().authenticate(request)
