import re

import pytest
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from ecosystem.accounts.models import User
from ecosystem.core.models import AuditEvent
from tests.conftest import PASSWORD, login, make_user


def test_login_page_signs_in_with_email_and_lands_on_the_dashboard(alpha_client, alpha_admin):
    response = alpha_client.post(
        "/accounts/login/", {"username": "ADMIN@alpha.test", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain == [("/", 302)]
    assert b"Welcome" in response.content and b"Dashboard" in response.content


def test_login_page_refuses_a_wrong_password_and_records_it(alpha_client, alpha_admin):
    response = alpha_client.post("/accounts/login/", {"username": "admin@alpha.test", "password": "nope"})

    assert response.status_code == 200
    assert "Please enter a correct email and password." in response.content.decode()
    with schema_context("alpha"):
        event = AuditEvent.objects.get(action="auth.login_failed")
        assert (event.actor_label, event.ip) == ("admin@alpha.test", "127.0.0.1")


def test_five_failures_lock_the_account_out_even_with_the_right_password(alpha_client, alpha_admin):
    for _ in range(5):
        alpha_client.post("/accounts/login/", {"username": "admin@alpha.test", "password": "wrong"})

    locked = alpha_client.post("/accounts/login/", {"username": "admin@alpha.test", "password": PASSWORD})
    api = alpha_client.post(
        "/api/auth/token/",
        {"email": "admin@alpha.test", "password": PASSWORD},
        content_type="application/json",
    )

    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    assert api.status_code == 429
    assert api.json() == {"detail": "Too many failed sign-ins. Try again in 15 minutes.", "code": "locked_out"}
    assert "_auth_user_id" not in alpha_client.session


def test_the_failure_that_locks_the_account_is_answered_as_a_lockout(alpha_client, alpha_admin):
    for _ in range(4):
        alpha_client.post("/api/auth/token/", {"email": "admin@alpha.test", "password": "wrong"})

    fifth = alpha_client.post("/api/auth/token/", {"email": "Admin@Alpha.test ", "password": "wrong"})

    assert fifth.status_code == 429
    assert fifth.json() == {"detail": "Too many failed sign-ins. Try again in 15 minutes.", "code": "locked_out"}
    with schema_context("alpha"):
        assert Token.objects.count() == 0


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_every_lockout_answer_of_the_api_is_json(alpha_client, alpha_admin, accept):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    wrong = {"email": "admin@alpha.test", "password": "wrong"}
    for _ in range(4):
        alpha_client.post("/api/auth/token/", wrong, content_type="application/json", **headers)

    # The failure that locks (answered by django-axes' lockout callable), then a
    # request already locked out (answered by the same callable through the axes middleware).
    locking = alpha_client.post("/api/auth/token/", wrong, content_type="application/json", **headers)
    locked = alpha_client.post(
        "/api/auth/token/", {**wrong, "password": PASSWORD}, content_type="application/json", **headers
    )

    for response in (locking, locked):
        assert response.status_code == 429
        assert response["Content-Type"] == "application/json"
        assert response.json() == {
            "detail": "Too many failed sign-ins. Try again in 15 minutes.",
            "code": "locked_out",
        }
    with schema_context("alpha"):
        assert Token.objects.count() == 0


def test_behind_a_trusted_proxy_a_lockout_holds_the_forwarded_client_not_everyone(alpha_client, alpha_admin, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    attacker = {"REMOTE_ADDR": "10.0.0.7", "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    colleague = {"REMOTE_ADDR": "10.0.0.7", "HTTP_X_FORWARDED_FOR": "198.51.100.20"}
    for _ in range(5):
        alpha_client.post("/accounts/login/", {"username": "admin@alpha.test", "password": "wrong"}, **attacker)

    locked = alpha_client.post("/accounts/login/", {"username": "admin@alpha.test", "password": PASSWORD}, **attacker)
    signed_in = alpha_client.post(
        "/accounts/login/", {"username": "admin@alpha.test", "password": PASSWORD}, **colleague
    )

    assert (locked.status_code, signed_in.status_code) == (429, 302)
    with schema_context("alpha"):
        event = AuditEvent.objects.filter(action="auth.login_failed").order_by("id").last()
        assert event.ip == "203.0.113.66"


def test_lockout_in_one_tenant_does_not_lock_the_same_email_elsewhere(alpha, beta, alpha_client, beta_client):
    make_user(alpha, "manager", email="same@both.test")
    make_user(beta, "manager", email="same@both.test")
    for _ in range(5):
        alpha_client.post("/accounts/login/", {"username": "same@both.test", "password": "wrong"})

    response = beta_client.post("/accounts/login/", {"username": "same@both.test", "password": PASSWORD})

    assert response.status_code == 302


def test_token_endpoint_issues_a_token_and_me_describes_the_user(alpha_client, alpha_admin):
    response = alpha_client.post(
        "/api/auth/token/",
        {"email": "admin@alpha.test", "password": PASSWORD},
        content_type="application/json",
    )
    token = response.json()["token"]
    me = alpha_client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 200 and len(token) == 40
    assert me.status_code == 200
    assert me.json() == {
        "id": alpha_admin.pk, "email": "admin@alpha.test", "full_name": "", "role": "admin", "partner": None,
    }  # fmt: skip


BAD_CREDENTIALS = {"detail": "Email or password is incorrect.", "code": "invalid_credentials"}


@pytest.mark.parametrize(
    ("body", "status", "answer"),
    [
        ({"email": "admin@alpha.test", "password": "wrong"}, 400, BAD_CREDENTIALS),
        ({"email": "nobody@alpha.test", "password": PASSWORD}, 400, BAD_CREDENTIALS),
        ({"email": "not-an-email", "password": PASSWORD}, 400, {"email": ["Enter a valid email address."]}),
        ({"password": PASSWORD}, 400, {"email": ["This field is required."]}),
    ],
)
def test_token_endpoint_refuses_bad_credentials(alpha_client, alpha_admin, body, status, answer):
    response = alpha_client.post("/api/auth/token/", body, content_type="application/json")

    assert response.status_code == status
    assert response.json() == answer
    with schema_context("alpha"):
        assert Token.objects.count() == 0


def test_me_requires_authentication(alpha_client):
    response = alpha_client.get("/api/me/")

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_a_deactivated_user_loses_sessions_and_tokens_at_once(alpha, alpha_admin, alpha_client):
    from django.test import Client

    from ecosystem.accounts.services import user_deactivate

    manager = make_user(alpha, "manager")
    browser = login(Client(HTTP_HOST="alpha.localhost"), alpha, manager)
    token = Token.objects.create(user=manager)
    assert browser.get("/").status_code == 200

    user_deactivate(actor=alpha_admin, user=manager)

    assert browser.get("/")["Location"].startswith("/accounts/login/")
    assert alpha_client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 401
    assert not Token.objects.filter(user=manager).exists()


def test_password_reset_by_mail_lets_the_user_choose_a_new_password(alpha_client, alpha_admin, mailoutbox):
    sent = alpha_client.post("/accounts/password/reset/", {"email": "admin@alpha.test"})
    link = re.search(r"http://alpha\.localhost(/accounts/password/reset/\S+/)", mailoutbox[0].body).group(1)
    form = alpha_client.get(link, follow=True)
    done = alpha_client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-secret-42", "new_password2": "a-brand-new-secret-42"},
    )

    assert sent.status_code == 302
    assert mailoutbox[0].to == ["admin@alpha.test"]
    assert done.status_code == 302
    with schema_context("alpha"):
        assert User.objects.get(email="admin@alpha.test").check_password("a-brand-new-secret-42")


def test_the_password_reset_link_comes_from_the_configuration_not_the_host_header(
    alpha_client, alpha_admin, mailoutbox, settings
):
    settings.SITE_SCHEME, settings.SITE_PORT = "http", ""
    alpha_client.post("/accounts/password/reset/", {"email": "admin@alpha.test"}, HTTP_HOST="alpha.localhost:6666")
    settings.SITE_SCHEME, settings.SITE_PORT = "https", "8443"
    alpha_client.post("/accounts/password/reset/", {"email": "admin@alpha.test"}, HTTP_HOST="alpha.localhost:6666")

    links = [re.search(r"\S+/accounts/password/reset/\S+/", mail.body).group(0) for mail in mailoutbox]
    assert [link.split("/accounts/")[0] for link in links] == [
        "http://alpha.localhost",
        "https://alpha.localhost:8443",
    ]
    assert not any("6666" in mail.body for mail in mailoutbox)


def test_password_reset_for_an_unknown_email_sends_nothing(alpha_client, mailoutbox):
    response = alpha_client.post("/accounts/password/reset/", {"email": "ghost@alpha.test"})

    assert response.status_code == 302
    assert mailoutbox == []


def test_password_reset_link_of_another_tenant_does_not_work(alpha_client, beta_client, alpha_admin, mailoutbox):
    alpha_client.post("/accounts/password/reset/", {"email": "admin@alpha.test"})
    path = re.search(r"http://alpha\.localhost(/accounts/password/reset/\S+/)", mailoutbox[0].body).group(1)

    response = beta_client.get(path, follow=True)

    assert b"This link no longer works" in response.content
