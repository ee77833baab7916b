"""The wall between tenants: sessions, tokens, cache keys and Celery tasks."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.settings import api_settings

from ecosystem.accounts.models import Invitation, hash_token
from ecosystem.accounts.services import invitation_create
from ecosystem.accounts.tasks import send_invitation_email
from tests.conftest import PASSWORD, admin_of, login, make_user


def test_a_session_cookie_of_alpha_is_anonymous_on_beta(alpha, alpha_client, beta):
    login(alpha_client, alpha, admin_of(alpha))
    assert alpha_client.get("/").status_code == 200

    # Same cookie jar, other host: the session key does not exist in beta's schema.
    response = alpha_client.get("/", HTTP_HOST="beta.localhost")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_a_session_recorded_for_another_tenant_is_refused(alpha, alpha_client, beta):
    login(alpha_client, alpha, admin_of(alpha))
    session = alpha_client.session
    session["_symbiose_tenant"] = "beta"
    session.save()

    response = alpha_client.get("/")

    assert response.status_code == 302


def test_a_token_of_alpha_is_refused_on_beta(alpha, beta, beta_client):
    alpha_token = Token.objects.create(user=admin_of(alpha))
    with schema_context("beta"):
        # Same user id in beta's schema, so only the schema tells them apart.
        assert admin_of(beta).pk == admin_of(alpha).pk

    response = beta_client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {alpha_token.key}")

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_the_public_host_never_reads_a_token(alpha, django_assert_num_queries):
    token = Token.objects.create(user=admin_of(alpha))
    connection.set_schema_to_public()
    # No public endpoint authenticates today (sign-up has no authentication at
    # all): this is the request one would get, with the API's authentication.
    request = Request(
        RequestFactory().get("/api/", HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {token.key}"),
        authenticators=[authentication() for authentication in api_settings.DEFAULT_AUTHENTICATION_CLASSES],
    )

    with django_assert_num_queries(0):  # the public schema has no token table to look in
        user = request.user

    assert user.is_authenticated is False
    assert (request.auth, request.successful_authenticator) == (None, None)


def test_cache_keys_carry_the_tenant(alpha, beta):
    with schema_context("alpha"):
        cache.set("report:latest", "alpha figures", 30)
    with schema_context("beta"):
        assert cache.get("report:latest") is None
        cache.set("report:latest", "beta figures", 30)
    with schema_context("alpha"):
        assert cache.get("report:latest") == "alpha figures"
        key = cache.make_key("report:latest")
    assert key.startswith("alpha:")


@pytest.mark.worker
def test_a_task_sent_from_alpha_runs_in_alphas_schema(tenants, committed, worker):
    """Both schemas hold an invitation with the same id; the worker must mail alpha's."""
    ids = {}
    for slug in ("alpha", "beta"):
        connection.set_tenant(tenants[slug])
        # Written directly (not through the service) so no mail task is queued here.
        invitation = Invitation.objects.create(
            pk=990_001,
            email=f"wall@{slug}.test", role="manager", token_hash=hash_token(f"token-{slug}"),
            expires_at=timezone.now() + timedelta(days=1),
        )  # fmt: skip
        ids[slug] = invitation.pk
        committed(lambda slug=slug: _delete_invitations(tenants[slug]))
    assert ids["alpha"] == ids["beta"]

    with schema_context("alpha"):
        result = send_invitation_email.delay(ids["alpha"], "token-alpha")

    assert result.get(timeout=20) == "wall@alpha.test"
    mails = [p.read_text() for p in worker["mail_dir"].iterdir()]
    assert any(
        "To: wall@alpha.test" in m and "http://alpha.localhost/accounts/invitations/token-alpha/" in m for m in mails
    )
    assert not any("wall@beta.test" in m for m in mails)


@pytest.mark.worker
def test_a_task_is_sent_only_when_the_transaction_commits(tenants, committed, worker):
    from django.db import transaction

    connection.set_tenant(tenants["alpha"])
    committed(lambda: _delete_invitations(tenants["alpha"]))
    with pytest.raises(RuntimeError), transaction.atomic():
        invitation_create(actor=admin_of(tenants["alpha"]), email="rolled@alpha.test", role="manager")
        raise RuntimeError("the request failed after the invitation")
    issued = invitation_create(actor=admin_of(tenants["alpha"]), email="kept@alpha.test", role="manager")

    _wait_for_mail(worker["mail_dir"], "kept@alpha.test")
    mails = " ".join(p.read_text() for p in worker["mail_dir"].iterdir())
    assert "rolled@alpha.test" not in mails
    assert issued.invitation.email == "kept@alpha.test"


def _wait_for_mail(folder, address, timeout=20.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(address in p.read_text() for p in folder.iterdir()):
            return
        time.sleep(0.1)
    raise AssertionError(f"no mail to {address} within {timeout}s")


def _delete_invitations(tenant):
    with schema_context(tenant.schema_name):
        Invitation.objects.all().delete()
        from ecosystem.core.models import AuditEvent

        with connection.cursor() as cursor:
            # The trail refuses DELETE; a test that committed rows truncates it.
            cursor.execute("TRUNCATE core_auditevent")
        assert not AuditEvent.objects.exists()


def test_same_email_can_be_a_user_of_two_tenants(alpha, beta, alpha_client, beta_client):
    make_user(alpha, "manager", email="both@x.test")
    in_beta = make_user(beta, "reviewer", email="both@x.test")
    with schema_context("beta"):
        in_beta.set_password("beta-only-password-42")
        in_beta.save()
    alphas = {"email": "both@x.test", "password": PASSWORD}
    betas = {"email": "both@x.test", "password": "beta-only-password-42"}

    alpha_token = alpha_client.post("/api/auth/token/", alphas, content_type="application/json")
    alphas_on_beta = beta_client.post("/api/auth/token/", alphas, content_type="application/json")
    beta_token = beta_client.post("/api/auth/token/", betas, content_type="application/json")
    alpha_me = alpha_client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {alpha_token.json()['token']}")
    beta_me = beta_client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {beta_token.json()['token']}")

    assert (alphas_on_beta.status_code, alphas_on_beta.json()["detail"]) == (400, "Email or password is incorrect.")
    assert (alpha_me.json()["email"], alpha_me.json()["role"]) == ("both@x.test", "manager")
    assert (beta_me.json()["email"], beta_me.json()["role"]) == ("both@x.test", "reviewer")
