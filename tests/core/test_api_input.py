"""What the API does with hostile input: it answers 400 with JSON, never 500."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.parsers import JSONParser

from ecosystem.core.api import SafeJSONParser
from partners.models import Partner
from tests.conftest import audit_actions, login, make_user

DEEP = "[" * 100_000


def _views(urlconf: str):
    """Every DRF view class the URL configuration routes to."""
    pending = list(get_resolver(urlconf).url_patterns)
    while pending:
        entry = pending.pop()
        if isinstance(entry, URLResolver):
            pending.extend(entry.url_patterns)
        elif isinstance(entry, URLPattern) and hasattr(entry.callback, "cls"):
            yield entry.callback.cls


@pytest.mark.parametrize("urlconf", ["ecosystem.urls", "ecosystem.urls_public"])
def test_every_api_view_parses_json_with_the_safe_parser(urlconf):
    views = list(_views(urlconf))

    assert views
    for view in views:
        json_parsers = [p for p in view.parser_classes if issubclass(p, JSONParser)]
        assert json_parsers in ([], [SafeJSONParser]), view


@pytest.mark.parametrize(
    ("where", "path"),
    [("public", "/api/signup/"), ("alpha", "/api/auth/token/"), ("alpha", "/api/invitations/accept/")],
)
def test_a_deeply_nested_json_body_is_a_400_for_anonymous_callers(public_client, alpha_client, where, path):
    client = public_client if where == "public" else alpha_client

    response = client.post(path, DEEP, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": "The JSON body is nested too deeply."}


def test_a_deeply_nested_json_body_is_a_400_for_a_signed_in_user_and_changes_nothing(alpha, alpha_client, alpha_admin):
    token, _created = Token.objects.get_or_create(user=alpha_admin)
    before = audit_actions()

    created = alpha_client.post(
        "/api/partners/", DEEP, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    tier = alpha_client.post(
        "/api/tiers/", "{" + '"a":{' * 50_000, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token.key}"
    )

    assert (created.status_code, tier.status_code) == (400, 400)
    assert created.json() == tier.json() == {"detail": "The JSON body is nested too deeply."}
    assert Partner.objects.count() == 0
    assert audit_actions() == before


def test_the_nested_body_refusal_speaks_french_and_a_partner_user_gets_it_too(alpha, alpha_client):
    partner = Partner.objects.create(name="Medisol", role="supplier")
    sam = make_user(alpha, "partner_admin", partner=partner)
    token, _created = Token.objects.get_or_create(user=sam)

    response = alpha_client.patch(
        f"/api/partners/{partner.pk}/", DEEP, content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="fr",
    )  # fmt: skip

    assert response.status_code == 400
    with translation.override("fr"):
        assert response.json() == {"detail": translation.gettext("The JSON body is nested too deeply.")}
    assert response.json()["detail"] != "The JSON body is nested too deeply."


def test_ordinary_json_still_parses(alpha, alpha_client, alpha_admin):
    token, _created = Token.objects.get_or_create(user=alpha_admin)

    response = alpha_client.post(
        "/api/tiers/", {"name": "Gold", "description": "Strategic"}, content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )  # fmt: skip

    assert response.status_code == 201
    assert response.json()["name"] == "Gold"


def test_a_form_post_of_the_browsable_api_may_carry_its_csrf_field(alpha, alpha_client, alpha_admin):
    login(alpha_client, alpha, alpha_admin)

    response = alpha_client.post("/api/tiers/", {"name": "Gold", "csrfmiddlewaretoken": "from-the-form"})

    assert response.status_code == 201
    assert response.json()["name"] == "Gold"


def test_a_body_key_the_endpoint_does_not_take_is_named_with_the_other_errors(alpha, alpha_client, alpha_admin):
    token, _created = Token.objects.get_or_create(user=alpha_admin)

    response = alpha_client.post(
        "/api/tiers/", {"name": "", "id": 7, "colour": "gold"}, content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json() == {
        "name": ["This field may not be blank."],
        "id": ["This field cannot be set here."],
        "colour": ["This field cannot be set here."],
    }
