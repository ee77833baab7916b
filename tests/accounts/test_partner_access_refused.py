"""A partner's user whose organisation is suspended or has exited is told so,
after a correct password only: a wrong one still gets the generic message."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from ecosystem.accounts.models import User
from partners.models import Partner
from tests.conftest import PASSWORD, audit_actions, make_user
from tests.partners.conftest import PartnerFactory

SUSPENDED = {
    "en": "Your organisation's access to this ecosystem is suspended. Contact the ecosystem's administrators.",
    "fr": "L'accès de votre organisation à cet écosystème est suspendu. Contactez les administrateurs de l'écosystème.",
}
GENERIC = {
    "en": "Please enter a correct email and password. Note that both fields may be case-sensitive.",
    "fr": "Saisissez un e-mail et un mot de passe valides.",
}


@pytest.fixture
def sam(alpha):
    medisol = PartnerFactory(name="Medisol", status=Partner.Status.SUSPENDED)
    return make_user(alpha, "partner_admin", email="sam@medisol.test", partner=medisol)


def sign_in(client: Client, password: str, language: str):
    return client.post(
        "/accounts/login/", {"username": "sam@medisol.test", "password": password}, HTTP_ACCEPT_LANGUAGE=language
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_right_password_of_a_suspended_partner_user_is_told_why(alpha, alpha_client, sam, language):
    response = sign_in(alpha_client, PASSWORD, language)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [SUSPENDED[language]]
    assert "_auth_user_id" not in alpha_client.session
    assert audit_actions() == ["orchestrator.created", "auth.login_refused"]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_wrong_password_of_a_suspended_partner_user_gets_the_generic_message(alpha, alpha_client, sam, language):
    response = sign_in(alpha_client, "wrong-password", language)

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1 and errors[0].startswith(GENERIC[language].split(".")[0])
    assert SUSPENDED[language] not in response.content.decode()
    assert audit_actions() == ["orchestrator.created", "auth.login_failed"]


def test_an_exited_partner_user_is_told_the_same(alpha, alpha_client, sam):
    Partner.objects.filter(pk=sam.partner_id).update(status=Partner.Status.EXITED)

    response = sign_in(alpha_client, PASSWORD, "en")

    assert response.context["form"].non_field_errors() == [SUSPENDED["en"]]
    assert "_auth_user_id" not in alpha_client.session


def test_a_deactivated_user_with_the_right_password_gets_the_generic_message(alpha, alpha_client, sam):
    Partner.objects.filter(pk=sam.partner_id).update(status=Partner.Status.ACTIVE)
    User.objects.filter(pk=sam.pk).update(is_active=False)

    response = sign_in(alpha_client, PASSWORD, "en")

    assert response.context["form"].non_field_errors() == [GENERIC["en"]]


def test_once_the_partner_is_active_again_its_user_signs_in(alpha, alpha_client, sam):
    Partner.objects.filter(pk=sam.partner_id).update(status=Partner.Status.ACTIVE)

    response = sign_in(alpha_client, PASSWORD, "en")

    assert (response.status_code, response["Location"]) == (302, "/")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_token_endpoint_answers_403_with_the_reason_after_a_correct_password(alpha, alpha_client, sam, language):
    response = alpha_client.post(
        "/api/auth/token/",
        {"email": "sam@medisol.test", "password": PASSWORD},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 403
    assert response.json() == {"detail": SUSPENDED[language], "code": "partner_suspended"}
    assert not Token.objects.filter(user=sam).exists()
    assert audit_actions() == ["orchestrator.created", "auth.login_refused"]


def test_the_token_endpoint_gives_a_wrong_password_the_generic_answer(alpha, alpha_client, sam):
    response = alpha_client.post(
        "/api/auth/token/", {"email": "sam@medisol.test", "password": "wrong"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Email or password is incorrect.", "code": "invalid_credentials"}
    assert not Token.objects.filter(user=sam).exists()


def test_a_refused_sign_in_behind_a_trusted_proxy_records_the_forwarded_client(alpha, alpha_client, sam, settings):
    from ecosystem.core.models import AuditEvent

    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxied = {"REMOTE_ADDR": "10.0.0.7", "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    alpha_client.post("/accounts/login/", {"username": "sam@medisol.test", "password": PASSWORD}, **proxied)
    alpha_client.post(
        "/api/auth/token/", {"email": "sam@medisol.test", "password": PASSWORD}, content_type="application/json",
        **proxied,
    )  # fmt: skip

    refused = AuditEvent.objects.filter(action="auth.login_refused").values_list("ip", flat=True)
    assert list(refused) == ["203.0.113.66", "203.0.113.66"]
