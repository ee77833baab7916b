import re
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from ecosystem.accounts.models import Role, User
from ecosystem.core.models import AuditEvent
from ecosystem.tenancy.models import Domain, Orchestrator
from tests.conftest import PASSWORD

VALID = {"name": "Gamma Care", "slug": "gamma", "email": "Founder@Gamma.test", "password": PASSWORD}


def footprint() -> tuple[int, int, int]:
    """(schemas, orchestrators, domains): what a sign-up leaves behind."""
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM information_schema.schemata")
        schemas = cursor.fetchone()[0]
    return schemas, Orchestrator.objects.count(), Domain.objects.count()


def test_signup_page_creates_a_working_tenant_and_hands_the_admin_over_signed_in(public_client):
    before = footprint()

    response = public_client.post("/signup/", {**VALID, "full_name": "Gaia Founder"})

    assert response.status_code == 302
    assert re.fullmatch(r"http://gamma\.localhost/accounts/handover/[\w:.-]+/", response["Location"])
    assert footprint() == (before[0] + 1, before[1] + 1, before[2] + 1)
    gamma = Orchestrator.objects.get(slug="gamma")
    assert (gamma.name, gamma.schema_name, gamma.get_primary_domain().domain) == (
        "Gamma Care", "gamma", "gamma.localhost",
    )  # fmt: skip
    with schema_context("gamma"):
        admin = User.objects.get()
        assert (admin.email, admin.role, admin.full_name) == (
            "founder@gamma.test",
            Role.ADMIN,
            "Gaia Founder",
        )
        assert AuditEvent.objects.get().action == "orchestrator.created"
    browser = Client(HTTP_HOST="gamma.localhost")
    landed = browser.get(urlsplit(response["Location"]).path, follow=True)
    assert landed.redirect_chain == [("/", 302)]
    assert "Welcome, Gaia. This is the Gamma Care ecosystem." in landed.content.decode()
    assert int(browser.session["_auth_user_id"]) == admin.pk


def test_signup_api_returns_201_and_the_tenant_url(public_client):
    response = public_client.post("/api/signup/", VALID, content_type="application/json")

    assert response.status_code == 201
    assert response.json() == {
        "name": "Gamma Care", "slug": "gamma", "email": "founder@gamma.test", "url": "http://gamma.localhost/",
    }  # fmt: skip
    token = public_client.post(
        "/api/auth/token/",
        {"email": "founder@gamma.test", "password": PASSWORD},
        content_type="application/json",
        HTTP_HOST="gamma.localhost",
    )
    assert token.status_code == 200


INVALID = [
    ({"slug": "ab"}, "slug", "The address must have 3 to 40 characters."),
    ({"slug": "a" * 41}, "slug", "The address must have 3 to 40 characters."),
    ({"slug": "Gamma"}, "slug", "Use lowercase letters, digits and hyphens only"),
    ({"slug": "gam_ma"}, "slug", "Use lowercase letters, digits and hyphens only"),
    ({"slug": "-gamma"}, "slug", "Use lowercase letters, digits and hyphens only"),
    ({"slug": "gamma-"}, "slug", "Use lowercase letters, digits and hyphens only"),
    ({"slug": "www"}, "slug", "“www” is reserved. Choose another address."),
    ({"slug": "admin"}, "slug", "“admin” is reserved. Choose another address."),
    ({"slug": "public"}, "slug", "“public” is reserved. Choose another address."),
    ({"slug": "alpha"}, "slug", "“alpha” is already taken. Choose another address."),
    ({"email": "not-an-email"}, "email", "Enter a valid email address."),
    (
        {"password": "short"},
        "password",
        "This password is too short. It must contain at least 10 characters.",
    ),
    ({"password": "password123"}, "password", "This password is too common."),
    ({"password": "8734523498712"}, "password", "This password is entirely numeric."),
    ({"name": "   "}, "name", "Give the name of your company."),
    ({"name": "N" * 121}, "name", "The name can have at most 120 characters."),
    ({"slug": "pg-gamma"}, "slug", "“pg-gamma” is reserved. Choose another address."),
    ({"email": "jean.dupont@gamma.test", "password": "jean.dupont"}, "password", "The password is too similar"),
    ({"name": "Marguerite Duras Clinics", "password": "margueriteduras"}, "password", "The password is too similar"),
]


def test_the_shortest_and_longest_names_and_addresses_are_accepted(public_client):
    short = public_client.post(
        "/api/signup/", {**VALID, "slug": "abc", "name": "N" * 120}, content_type="application/json"
    )
    long = public_client.post(
        "/api/signup/", {**VALID, "slug": "a" * 40, "email": "b@x.test"}, content_type="application/json"
    )

    assert (short.status_code, long.status_code) == (201, 201)
    assert Orchestrator.objects.get(slug="abc").name == "N" * 120


@pytest.mark.parametrize(("change", "field", "message"), INVALID)
def test_signup_api_refuses_bad_input_on_the_right_field_and_leaves_nothing(public_client, change, field, message):
    before = footprint()

    response = public_client.post("/api/signup/", {**VALID, **change}, content_type="application/json")

    assert response.status_code == 400
    assert any(m.startswith(message) for m in response.json()[field]), response.json()
    assert footprint() == before


@pytest.mark.parametrize(("change", "field", "message"), INVALID[::3])
def test_signup_page_shows_the_field_error_and_leaves_nothing(public_client, change, field, message):
    before = footprint()

    response = public_client.post("/signup/", {**VALID, **change})

    assert response.status_code == 400
    assert any(str(e).startswith(message) for e in response.context["form"].errors[field])
    assert footprint() == before


def test_signup_failing_after_the_schema_was_created_rolls_everything_back(public_client, tenants):
    # The domain gamma.localhost already points at alpha: the tenant and its
    # schema are created and migrated, then the domain insert fails.
    Domain.objects.create(domain="gamma.localhost", tenant=tenants["alpha"], is_primary=False)
    before = footprint()

    response = public_client.post("/api/signup/", VALID, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"slug": ["“gamma” is already taken. Choose another address."]}
    assert footprint() == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = 'gamma'")
        assert cursor.fetchone() is None


def test_signup_is_refused_on_a_tenant_host(alpha_client):
    response = alpha_client.post("/api/signup/", VALID, content_type="application/json")

    assert response.status_code == 404
    assert not Orchestrator.objects.filter(slug="gamma").exists()


def test_create_orchestrator_command_provisions_a_tenant(public_client):
    call_command("create_orchestrator", name="Delta", slug="delta", email="d@delta.test", password=PASSWORD)

    delta = Orchestrator.objects.get(slug="delta")
    with schema_context(delta.schema_name):
        assert User.objects.get().role == Role.ADMIN


def test_create_orchestrator_command_reports_field_errors(public_client):
    before = footprint()

    with pytest.raises(CommandError, match="slug: “www” is reserved"):
        call_command("create_orchestrator", name="W", slug="www", email="w@w.test", password=PASSWORD)

    assert footprint() == before


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_a_throttled_sign_up_is_a_json_429_with_retry_after_for_that_address_only(public_client, accept):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    for _ in range(20):  # the "signup" rate: 20 an hour from one address, refused attempts included
        assert public_client.post("/api/signup/", {}, content_type="application/json").status_code == 400
    before = footprint()

    throttled = public_client.post("/api/signup/", VALID, content_type="application/json", **headers)
    elsewhere = public_client.post("/api/signup/", {}, content_type="application/json", REMOTE_ADDR="192.0.2.7")

    assert throttled.status_code == 429
    assert throttled["Content-Type"] == "application/json"
    assert throttled["Retry-After"] == "3600"
    assert throttled.json() == {"detail": "Too many sign-ups from your address. Try again later.", "code": "throttled"}
    assert footprint() == before
    assert elsewhere.status_code == 400
