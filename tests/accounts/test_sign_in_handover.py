"""The single-use, short-lived link that hands a new admin over from the
public host (sign-up) to their tenant's host, signed in."""

import time
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from ecosystem.accounts.models import User
from ecosystem.accounts.services import HandoverRefused, sign_in_handover_issue, sign_in_handover_redeem
from tests.conftest import PASSWORD, flash_messages

REFUSED = {
    "en": "This sign-in link no longer works: it can be used once, within a few minutes. "
    "Sign in with your email and password.",
    "fr": "Ce lien de connexion ne fonctionne plus : il ne sert qu'une fois, pendant quelques minutes. "
    "Connectez-vous avec votre e-mail et votre mot de passe.",
}


def handover_path(token: str) -> str:
    return f"/accounts/handover/{token}/"


def signed_up(public_client) -> tuple[str, Client]:
    """Sign gamma up on the public host: the handover path, and a browser on gamma's host."""
    response = public_client.post(
        "/signup/", {"name": "Gamma Care", "slug": "gamma", "email": "founder@gamma.test", "password": PASSWORD}
    )
    return urlsplit(response["Location"]).path, Client(HTTP_HOST="gamma.localhost")


def assert_refused(response, client: Client, language: str = "en") -> None:
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    assert flash_messages(response) == [REFUSED[language]]
    assert "_auth_user_id" not in client.session


def test_the_link_signs_in_once_and_a_replay_is_refused(public_client):
    path, browser = signed_up(public_client)
    first = browser.get(path)
    browser.post("/accounts/logout/")

    replay = browser.get(path)

    assert (first.status_code, first["Location"]) == (302, "/")
    assert_refused(replay, browser)


def test_a_replay_from_another_browser_is_refused_too(public_client):
    path, browser = signed_up(public_client)
    browser.get(path)
    other = Client(HTTP_HOST="gamma.localhost")

    replay = other.get(path, HTTP_ACCEPT_LANGUAGE="fr")

    assert_refused(replay, other, "fr")
    assert "_auth_user_id" in browser.session


def test_an_expired_link_is_refused(alpha, alpha_admin, alpha_client, monkeypatch, settings):
    issued_at = time.time() - settings.SIGN_IN_HANDOVER_SECONDS - 1
    with monkeypatch.context() as shifted:
        shifted.setattr(time, "time", lambda: issued_at)
        token = sign_in_handover_issue(schema_name="alpha", user=alpha_admin)

    with pytest.raises(HandoverRefused) as refused:
        sign_in_handover_redeem(token=token)
    response = alpha_client.get(handover_path(token))

    assert refused.value.code == "handover_expired"
    assert_refused(response, alpha_client)


def test_a_link_still_within_its_lifetime_is_accepted(alpha, alpha_admin, alpha_client, monkeypatch, settings):
    issued_at = time.time() - settings.SIGN_IN_HANDOVER_SECONDS + 5
    with monkeypatch.context() as shifted:
        shifted.setattr(time, "time", lambda: issued_at)
        token = sign_in_handover_issue(schema_name="alpha", user=alpha_admin)

    response = alpha_client.get(handover_path(token))

    assert (response.status_code, response["Location"]) == (302, "/")


def test_a_link_for_another_tenant_is_refused_and_stays_usable_there(alpha, beta, alpha_admin, beta_client):
    token = sign_in_handover_issue(schema_name="alpha", user=alpha_admin)

    on_beta = beta_client.get(handover_path(token))
    on_alpha = Client(HTTP_HOST="alpha.localhost").get(handover_path(token))

    assert_refused(on_beta, beta_client)
    assert (on_alpha.status_code, on_alpha["Location"]) == (302, "/")


def test_a_tampered_link_is_refused(alpha, alpha_admin, alpha_client):
    token = sign_in_handover_issue(schema_name="alpha", user=alpha_admin)
    payload, signature = token.rsplit(":", 1)
    forged = f"{payload}:{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"

    with pytest.raises(HandoverRefused) as refused:
        sign_in_handover_redeem(token=forged)
    other = Client(HTTP_HOST="alpha.localhost")
    garbage = other.get(handover_path("not-a-token"))
    response = alpha_client.get(handover_path(forged))

    assert refused.value.code == "handover_invalid"
    assert_refused(garbage, other)
    assert_refused(response, alpha_client)


def test_a_user_deactivated_since_the_link_was_issued_is_refused(alpha, alpha_admin, alpha_client):
    token = sign_in_handover_issue(schema_name="alpha", user=alpha_admin)
    with schema_context("alpha"):
        User.objects.filter(pk=alpha_admin.pk).update(is_active=False)

    response = alpha_client.get(handover_path(token))

    assert_refused(response, alpha_client)


def test_the_handover_only_answers_get(alpha, alpha_admin, alpha_client):
    token = sign_in_handover_issue(schema_name="alpha", user=alpha_admin)

    response = alpha_client.post(handover_path(token))

    assert response.status_code == 405
    assert "_auth_user_id" not in alpha_client.session
