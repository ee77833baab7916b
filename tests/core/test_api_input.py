"""What the API does with hostile input: it answers 400 with JSON, never 500."""

from __future__ import annotations

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation
from django_tenants.utils import schema_context
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.parsers import JSONParser

from ecosystem.core.api import SafeJSONParser
from ecosystem.tenancy.models import Orchestrator
from governance import services as governance_services
from partners.models import Partner
from tests.conftest import audit_actions, login, make_user
from tests.governance.conftest import run_review

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


# --- over-long text and over-long lists, on every write operation of both schemas ------------

LONG = "x" * 100_000
SCHEMAS = {
    urlconf: SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)
    for urlconf in ("ecosystem.urls", "ecosystem.urls_public")
}
# Write operations left out, with the reason.
EXCLUDED = {
    ("post", "/api/partners/import/"): "a multipart CSV file, no text field: the import checks every cell's "
    "length itself (tests/partners/test_import_export.py)",
    ("post", "/api/contributions/batch/"): "up to 10,000 items by design, each checked field by field by the "
    "batch's own rules, over-long text included (tests/missions/test_batch.py)",
}


def _resolved(prop: dict, components: dict) -> dict:
    """A property's own schema: `$ref` followed, the typed branch of `allOf`/`oneOf` taken."""
    if "$ref" in prop:
        return _resolved(components[prop["$ref"].rsplit("/", 1)[1]], components)
    for branch in prop.get("allOf", []) + prop.get("oneOf", []):
        found = _resolved(branch, components)
        if "type" in found:
            return found
    return prop


def _write_fields():
    """(urlconf, method, path, media type, field, its schema) for every field of every write body."""
    for urlconf, schema in SCHEMAS.items():
        components = schema["components"]["schemas"]
        for path, item in schema["paths"].items():
            for method in ("post", "put", "patch"):
                content = item.get(method, {}).get("requestBody", {}).get("content", {})
                if not content or (method, path) in EXCLUDED:
                    continue
                media = "application/json" if "application/json" in content else next(iter(content))
                body = _resolved(content[media]["schema"], components)
                for field, prop in body.get("properties", {}).items():
                    yield urlconf, method, path, media, field, _resolved(prop, components)


def _cases(kind: str):
    for urlconf, method, path, media, field, prop in _write_fields():
        items = _resolved(prop.get("items", {}), SCHEMAS[urlconf]["components"]["schemas"])
        if kind == "text" and prop.get("type") == "string" and prop.get("format") != "binary":
            value = LONG
        elif kind == "text" and prop.get("type") == "array" and items.get("type") == "string":
            value = [LONG]
        elif kind == "list" and prop.get("type") == "array":
            value = [1 if items.get("type") == "integer" else "a"] * 10_000
        else:
            continue
        yield pytest.param(urlconf, method, path, media, field, value, prop, id=f"{method} {path} {field}")


def written() -> tuple[list[str], int]:
    """alpha's audit trail and the number of tenants: a refused write leaves both as they were."""
    with schema_context("alpha"):
        return audit_actions(), Orchestrator.objects.count()


def _mission_rows(admin, partner) -> dict[str, int]:
    """A row behind every `{id}` of the missions API, so that a write reaches its input checks."""
    from ecosystem.missions import services

    mission = services.mission_create(actor=admin, data={"title": "M", "start": "2026-01-01", "end": "2026-12-31"})
    mission = services.mission_move(actor=admin, mission=mission, to="open")
    invited = services.participation_invite(actor=admin, mission=mission, partner=partner)
    services.participation_answer(actor=admin, participation=invited, accept=True)
    objective = services.objective_create(
        actor=admin,
        mission=mission,
        data={"title": "Satisfaction", "metric": "manual", "target": "9", "due": "2026-12-31"},
    )
    contribution = services.contribution_declare(
        actor=admin, mission=mission, data={"partner": partner.pk, "kind": "other", "date": "2026-03-01"}
    )
    return {
        "/api/missions/": mission.pk, "/api/objectives/": objective.pk, "/api/participations/": invited.pk,
        "/api/contributions/": contribution.pk,
    }  # fmt: skip


@pytest.fixture
def caller(alpha, public_client, alpha_client, alpha_admin, django_capture_on_commit_callbacks):
    """Calls an operation as the tenant's admin (tenant schema) or anonymously (public schema)."""
    token, _created = Token.objects.get_or_create(user=alpha_admin)
    partner = Partner.objects.create(name="Medisol", role="supplier", status="active")
    ids = {"/api/partners/": partner.pk, **_mission_rows(alpha_admin, partner)}
    rule = governance_services.rule_create(
        actor=alpha_admin, data={"name": "Activity", "kind": "recent_activity", "params": {"days": 30}}
    )
    ids["/api/governance/rules/"] = rule.key
    # A finished review (its task run in-process) behind `{review_pk}`: its decisions reach their input checks.
    review = run_review(alpha_admin, django_capture_on_commit_callbacks)

    # Operations only a partner's users may call: called as the partner's admin.
    partner_token, _created = Token.objects.get_or_create(user=make_user(alpha, "partner_admin", partner=partner))
    partner_only = {"/api/contributions/{id}/decline/"}

    def call(urlconf: str, method: str, path: str, media: str, body: dict):
        key = partner_token.key if path in partner_only else token.key
        collection = path.split("{id}")[0]
        path = path.replace("{id}", str(ids.get(collection, partner.pk))).replace("{review_pk}", str(review.pk))
        if urlconf == "ecosystem.urls_public":
            return public_client.generic(method.upper(), path, json.dumps(body), content_type=media)
        headers = {"HTTP_AUTHORIZATION": f"Token {key}"}
        if media == "multipart/form-data":
            return getattr(alpha_client, method)(path, body, **headers)
        return alpha_client.generic(method.upper(), path, json.dumps(body), content_type=media, **headers)

    return call


def test_every_write_operation_is_discovered_and_the_exclusions_exist():
    operations = {(method, path) for _urlconf, method, path, *_rest in _write_fields()}
    documented = {(m, p) for s in SCHEMAS.values() for p, item in s["paths"].items() for m in item}

    assert {("post", "/api/signup/"), ("post", "/api/tiers/"), ("patch", "/api/partners/{id}/")} <= operations
    assert {("post", "/api/agreements/"), ("post", "/api/auth/token/")} <= operations
    assert set(EXCLUDED) <= documented - operations


@pytest.mark.parametrize(("urlconf", "method", "path", "media", "field", "value", "prop"), list(_cases("text")))
def test_over_long_text_in_any_write_body_is_a_400_naming_the_field(
    caller, urlconf, method, path, media, field, value, prop
):
    before = written()

    response = caller(urlconf, method, path, media, {field: value})

    assert response.status_code == 400, response.content[:300]
    assert field in response.json()
    assert written() == before


@pytest.mark.parametrize(("urlconf", "method", "path", "media", "field", "value", "prop"), list(_cases("list")))
def test_every_list_in_a_write_body_has_a_documented_limit_of_at_most_200_items(
    caller, urlconf, method, path, media, field, value, prop
):
    before = written()

    response = caller(urlconf, method, path, media, {field: value})

    assert 0 < prop.get("maxItems", 0) <= 200
    assert response.status_code == 400, response.content[:300]
    assert response.json()[field] == [f"Ensure this field has no more than {prop['maxItems']} elements."]
    assert written() == before
