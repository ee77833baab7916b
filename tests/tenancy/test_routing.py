import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from ecosystem.core.models import AuditEvent
from ecosystem.tenancy.models import Domain, Orchestrator
from ecosystem.tenancy.services import orchestrator_reactivate, orchestrator_suspend, public_tenant_ensure
from tests.conftest import admin_of, host, login, make_user


def test_unknown_subdomain_gets_a_clear_404_page(public_client):
    response = public_client.get("/", HTTP_HOST="nobody.localhost")

    assert response.status_code == 404
    assert b"There is no ecosystem at nobody.localhost" in response.content


def test_public_host_serves_landing_and_tenant_host_serves_its_login(public_client, alpha_client):
    landing = public_client.get("/")
    login_page = alpha_client.get("/accounts/login/")

    assert landing.status_code == 200 and b"Create your ecosystem" in landing.content
    assert login_page.status_code == 200 and b"Sign in to Alpha Medical Commons" in login_page.content


def test_host_lookup_is_cached_and_costs_no_query_per_request(alpha_client, django_assert_num_queries):
    with django_assert_num_queries(2):  # SET search_path, then the domain -> tenant lookup
        assert alpha_client.get("/robots.txt").status_code == 200
    with django_assert_num_queries(0):
        assert alpha_client.get("/robots.txt").content == b"User-agent: *\nDisallow: /\n"


def test_the_cached_host_lookup_expires(alpha_client, settings, django_assert_num_queries):
    settings.TENANT_CACHE_SECONDS = 0  # every entry is stale at once

    alpha_client.get("/robots.txt")
    with django_assert_num_queries(2):
        assert alpha_client.get("/robots.txt").status_code == 200


def test_suspended_tenant_shows_a_notice_and_its_api_answers_403(alpha, alpha_client, tenants):
    user = admin_of(alpha)
    login(alpha_client, alpha, user)
    orchestrator_suspend(orchestrator=tenants["alpha"], reason="Unpaid invoice", operator_email="op@x.test")

    page = alpha_client.get("/")
    api = alpha_client.get("/api/me/")
    token = alpha_client.post(
        "/api/auth/token/", {"email": user.email, "password": "x"}, content_type="application/json"
    )

    assert page.status_code == 403
    assert b"This ecosystem is suspended" in page.content
    assert api.status_code == 403
    assert api.json() == {"detail": "This ecosystem is suspended.", "code": "tenant_suspended"}
    assert token.status_code == 403
    with schema_context("alpha"):
        assert not Token.objects.exists()
        event = AuditEvent.objects.get(action="orchestrator.suspended")
        assert event.before == {"status": "active", "reason": ""}
        assert event.after == {"status": "suspended", "reason": "Unpaid invoice"}
        assert event.actor_label == "platform operator op@x.test"
        assert (event.object_type, event.object_id) == ("tenancy.orchestrator", str(tenants["alpha"].pk))
    stored = Orchestrator.objects.get(slug="alpha")
    assert (stored.status, stored.suspended_reason) == ("suspended", "Unpaid invoice")

    orchestrator_reactivate(orchestrator=stored, operator_email="op@x.test")
    assert alpha_client.get("/api/me/").status_code == 200
    with schema_context("alpha"):
        event = AuditEvent.objects.get(action="orchestrator.active")
        assert (event.before, event.after) == (
            {"status": "suspended", "reason": "Unpaid invoice"},
            {"status": "active", "reason": ""},
        )


def test_suspension_needs_a_reason(alpha, tenants):
    from ecosystem.core.errors import FieldErrors

    with pytest.raises(FieldErrors) as error:
        orchestrator_suspend(orchestrator=tenants["alpha"], reason=" ", operator_email="op@x.test")

    assert error.value.errors == {"reason": ["Say why the ecosystem is suspended."]}
    assert Orchestrator.objects.get(slug="alpha").status == "active"


@pytest.fixture
def operator_client(public_client):
    from ecosystem.accounts.models import User

    connection.set_schema_to_public()
    operator = User.objects.create_superuser("op@symbiose.test", "pw-operator-123")
    public_client.force_login(operator, backend="ecosystem.accounts.backends.AccountBackend")
    return public_client


def test_operator_lists_tenants_and_suspends_one_in_the_admin(operator_client, tenants):
    listing = operator_client.get("/admin/tenancy/orchestrator/")
    alpha_id = tenants["alpha"].pk
    action = {"action": "suspend", "_selected_action": [alpha_id]}

    confirm = operator_client.post("/admin/tenancy/orchestrator/", action)
    done = operator_client.post("/admin/tenancy/orchestrator/", {**action, "apply": "1", "reason": "Fraud report"})

    assert listing.status_code == 200
    assert b"Alpha Medical Commons" in listing.content and b"Beta Clinics Network" in listing.content
    assert confirm.status_code == 200 and b"Reason" in confirm.content
    assert done.status_code == 302
    alpha = Orchestrator.objects.get(pk=alpha_id)
    assert (alpha.status, alpha.suspended_reason) == ("suspended", "Fraud report")
    assert Orchestrator.objects.get(slug="beta").status == "active"


def test_suspend_without_reason_in_the_admin_changes_nothing(operator_client, tenants):
    response = operator_client.post(
        "/admin/tenancy/orchestrator/",
        {"action": "suspend", "_selected_action": [tenants["alpha"].pk], "apply": "1", "reason": ""},
    )

    assert response.status_code == 200
    assert Orchestrator.objects.get(slug="alpha").status == "active"


def test_tenant_staff_cannot_reach_the_platform_admin(alpha, public_client):
    staff = make_user(alpha, "admin")
    login(public_client, alpha, staff)

    response = public_client.get("/admin/tenancy/orchestrator/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_public_tenant_is_ensured_once_with_its_domain(public_client, settings):
    first = public_tenant_ensure()
    again = public_tenant_ensure()

    assert first.pk == again.pk
    assert (first.schema_name, first.name, first.slug) == ("public", "Symbiose", "public")
    domain = Domain.objects.get(domain=settings.BASE_DOMAIN)
    assert (domain.tenant_id, domain.is_primary) == (first.pk, True)


@pytest.mark.parametrize(
    "spell",
    [str.upper, str.title, lambda h: f"{h}.", lambda h: f"{h.upper()}.:8000"],
    ids=["upper", "title", "trailing-dot", "upper-dot-port"],
)
def test_a_tenant_host_is_found_whatever_its_case_and_with_a_trailing_dot(alpha, alpha_admin, spell):
    token, _created = Token.objects.get_or_create(user=alpha_admin)

    response = Client(HTTP_HOST=spell(host("alpha"))).get("/api/me/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    assert response.json()["email"] == "admin@alpha.test"


def test_another_tenants_token_is_refused_on_a_host_spelled_differently(alpha, beta, alpha_admin):
    token, _created = Token.objects.get_or_create(user=alpha_admin)

    response = Client(HTTP_HOST=f"{host('beta').upper()}.").get("/api/me/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_the_public_host_and_unknown_hosts_are_normalised_too(public_client):
    landing = public_client.get("/", HTTP_HOST=f"{host(None).upper()}.")
    unknown = public_client.get("/", HTTP_HOST=f"NOBODY.{host(None)}.")

    assert landing.status_code == 200 and b"Create your ecosystem" in landing.content
    assert unknown.status_code == 404
    assert f"There is no ecosystem at nobody.{host(None)}".encode() in unknown.content
