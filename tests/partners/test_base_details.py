"""Details of the bottom layer the broader tests pass over: the API base's
guards and their messages, the audit trail's labels, the session and tenant caches."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from ecosystem.accounts.models import User
from ecosystem.core.api import TenantViewSet
from ecosystem.core.audit import audit_record
from ecosystem.core.permissions import TenantMemberPermission
from partners.models import Partner
from tests.conftest import host, login


def test_a_view_that_declares_no_roles_refuses_everyone(alpha, alpha_admin):
    class Undeclared(APIView):
        pass

    request = APIRequestFactory().get("/api/x/")
    request.user = alpha_admin

    assert TenantMemberPermission().has_permission(request, Undeclared()) is False


def test_a_viewset_that_widens_its_rows_is_refused_at_import_and_told_how(alpha):
    with pytest.raises(TypeError) as refused:

        class Wide(TenantViewSet):
            def get_queryset(self):
                return Partner.objects.all()

            def filter_queryset(self, queryset):
                return queryset

    assert str(refused.value) == (
        "Wide overrides filter_queryset, get_queryset: declare `visible_to` and "
        "`filterset_class` instead (or, rarely, `dangerously_get_queryset`)."
    )


def test_a_viewset_without_a_read_rule_says_which(alpha):
    class Forgetful(TenantViewSet):
        pass

    with pytest.raises(ImproperlyConfigured) as refused:
        Forgetful().get_queryset()

    assert str(refused.value) == "Forgetful declares no visible_to selector."


def test_system_events_and_anonymous_actors_carry_no_label(alpha):
    system = audit_record(actor=None, action="system.tick")
    anonymous = audit_record(actor=AnonymousUser(), action="anonymous.tick")

    assert (system.actor_id, system.actor_label) == (None, "")
    assert (anonymous.actor_id, anonymous.actor_label) == (None, "")


def test_a_session_ends_once_its_user_may_no_longer_sign_in(alpha, alpha_client, cast):
    login(alpha_client, alpha, cast["sam"])
    assert alpha_client.get("/portal/").status_code == 200
    Partner.objects.filter(pk=cast["medisol"].pk).update(status=Partner.Status.SUSPENDED)  # no service: no logout

    assert alpha_client.get("/portal/").status_code == 302
    login(alpha_client, alpha, cast["manager"])
    User.objects.filter(pk=cast["manager"].pk).update(is_active=False)
    assert alpha_client.get("/partners/").status_code == 302


def test_a_partner_users_session_loads_user_and_partner_in_one_query(alpha, cast):
    from ecosystem.accounts.backends import AccountBackend

    with CaptureQueriesContext(connection) as queries:
        user = AccountBackend().get_user(cast["sam"].pk)
        assert user.partner.name == "Medisol"

    assert len([q for q in queries.captured_queries if q["sql"].startswith("SELECT")]) == 1


def test_a_host_spelt_another_way_reuses_the_cached_tenant(alpha, alpha_client, alpha_admin):
    alpha_client.get("/accounts/login/")  # resolves alpha.<domain> once

    with CaptureQueriesContext(connection) as queries:
        response = alpha_client.get("/accounts/login/", HTTP_HOST=host("alpha").upper() + ".")

    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if "tenancy_domain" in q["sql"]]
