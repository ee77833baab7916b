from django.contrib.auth import logout
from django.db import connection

SESSION_TENANT_KEY = "_symbiose_tenant"


class TenantBoundSessionMiddleware:
    """A session belongs to the schema that issued it.

    Sessions are stored per schema already; this also refuses a session whose
    recorded tenant is not the current one, whatever the session backend.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:  # AuthenticationMiddleware runs first
            issued_by = request.session.get(SESSION_TENANT_KEY)
            if issued_by != connection.schema_name:
                logout(request)
        return self.get_response(request)
