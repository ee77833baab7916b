import datetime as dt

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from ecosystem.core.models import AuditEvent
from partners.models import Agreement, ParticipantRole, Partner, Tier
from tests.conftest import admin_of, audit_actions
from tests.partners.conftest import PartnerFactory, api


def test_staff_list_partners_with_the_contract_fields(alpha_client, cast):
    response = api(alpha_client, cast["manager"]).get("/api/partners/")

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (3, None, None)
    medisol = next(p for p in body["results"] if p["name"] == "Medisol")
    assert {"id", "name", "role", "tier", "status", "country", "website", "external_id", "competitors"} <= set(medisol)
    assert medisol["competitors"] == [cast["carevia"].pk]
    assert medisol["agreement_state"] == "none"


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("role=partner", ["Finamed"]),
        ("country=de", ["Carevia"]),
        ("q=medi", ["Medisol"]),
        ("q=CAR", ["Carevia"]),
        ("status=active&sort=-name", ["Medisol", "Finamed", "Carevia"]),
        ("agreement=none&sort=name", ["Carevia", "Finamed", "Medisol"]),
        ("agreement=valid", []),
    ],
)
def test_the_api_filters_like_the_directory(alpha_client, cast, query, names):
    response = api(alpha_client, cast["reviewer"]).get(f"/api/partners/?{query}")

    assert [p["name"] for p in response.json()["results"]] == names


def test_an_unknown_filter_value_is_a_400_naming_the_field(alpha_client, cast):
    response = api(alpha_client, cast["manager"]).get("/api/partners/?status=sleeping")

    assert response.status_code == 400
    assert "status" in response.json()


def test_the_partner_list_costs_a_constant_number_of_queries(alpha, alpha_client, cast, django_assert_max_num_queries):
    tier = Tier.objects.create(name="Gold", rank=1)
    Partner.objects.bulk_create(
        [
            Partner(name=f"Bulk {i:05d}", role="supplier", status="active", tier=tier, external_id=f"B{i}")
            for i in range(10_000)
        ]
    )
    client = api(alpha_client, cast["manager"])

    with django_assert_max_num_queries(12):
        response = client.get("/api/partners/?sort=tier")

    assert response.status_code == 200
    assert response.json()["count"] == 10_003
    assert len(response.json()["results"]) == 50


def test_a_manager_creates_a_partner_and_the_audit_trail_keeps_it(alpha_client, cast):
    payload = {
        "name": "Nouvelle Clinique", "role": "association", "country": "fr", "website": "clinique.example",
        "tags": ["Rural", "rural", "care"], "external_id": "CRM-9", "competitors": [cast["finamed"].pk],
    }  # fmt: skip
    response = api(alpha_client, cast["manager"]).post("/api/partners/", payload, content_type="application/json")

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["country"], body["website"], body["tags"]) == (
        "invited", "FR", "https://clinique.example", ["rural", "care"],
    )  # fmt: skip
    created = Partner.objects.get(pk=body["id"])
    assert list(cast["finamed"].competitors.all()) == [created]  # symmetric
    event = AuditEvent.objects.get(action="partner.created")
    assert event.after["name"] == "Nouvelle Clinique" and event.actor_id == cast["manager"].pk


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"name": "", "role": "supplier"}, "name", "This field is required."),
        ({"name": "X", "role": "wizard"}, "role", "“wizard” is not a role."),
        ({"name": "X", "role": "supplier", "country": "France"}, "country", "Use the two-letter ISO code"),
        ({"name": "X", "role": "supplier", "website": "not a url"}, "website", "Enter a valid web address."),
        ({"name": "X", "role": "supplier", "contact_email": "nope"}, "contact_email", "Enter a valid email address."),
        ({"name": "X", "role": "supplier", "tier": 999}, "tier", "There is no tier “999”."),
        (
            {"name": "X", "role": "supplier", "external_id": "MED"},
            "external_id",
            "Another partner has this external id.",
        ),
        ({"name": "X", "role": "supplier", "competitors": [999999]}, "competitors", "No partner with id 999999."),
    ],
)
def test_create_refuses_bad_input_on_the_right_field_and_writes_nothing(alpha_client, cast, payload, field, message):
    before = Partner.objects.count()

    response = api(alpha_client, cast["manager"]).post("/api/partners/", payload, content_type="application/json")

    assert response.status_code == 400
    assert response.json()[field][0].startswith(message), response.json()
    assert Partner.objects.count() == before


@pytest.mark.parametrize("who", ["reviewer", "sam", "mia"])
def test_lower_roles_cannot_create_partners(alpha_client, cast, who):
    partners, trail = Partner.objects.count(), audit_actions()

    response = api(alpha_client, cast[who]).post(
        "/api/partners/", {"name": "X", "role": "supplier"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}
    assert Partner.objects.count() == partners
    assert not Partner.objects.filter(name="X").exists()
    assert audit_actions() == trail


def test_a_token_of_another_tenant_is_refused_and_changes_nothing(alpha, beta, cast, beta_client):
    alpha_token = Token.objects.create(user=cast["admin"])
    beta_client.defaults["HTTP_AUTHORIZATION"] = f"Token {alpha_token.key}"

    listing = beta_client.get("/api/partners/")
    create = beta_client.post("/api/partners/", {"name": "X", "role": "supplier"}, content_type="application/json")

    assert (listing.status_code, create.status_code) == (401, 401)
    with schema_context("beta"):
        assert not Partner.objects.exists()


def test_a_partner_user_sees_participants_but_never_competitors_or_private_data(alpha_client, cast):
    listing = api(alpha_client, cast["mia"]).get("/api/partners/")
    own = alpha_client.get(f"/api/partners/{cast['medisol'].pk}/")
    other = alpha_client.get(f"/api/partners/{cast['finamed'].pk}/")
    competitor = alpha_client.get(f"/api/partners/{cast['carevia'].pk}/")

    assert sorted(p["name"] for p in listing.json()["results"]) == ["Finamed", "Medisol"]
    assert set(listing.json()["results"][0]) == {"id", "name", "role", "website"}
    assert own.json()["contact_email"] == "contact@partner.example" and "notes" not in own.json()
    assert set(other.json()) == {"id", "name", "role", "website"}
    assert competitor.status_code == 404


def test_the_schema_documents_each_shape_of_a_partner_that_the_api_returns(alpha_client, cast):
    # Found by the fuzzer: list, detail and edit were documented as the staff's
    # full profile, while a partner's users get participant entries and their
    # own organisation without notes and competitors.
    schema = alpha_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]

    def documented(path, method):
        ref = schema["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        body = components[ref.rsplit("/", 1)[1]]
        if "results" in body.get("properties", {}):
            body = components[body["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[1]]
        return [member["$ref"].rsplit("/", 1)[1] for member in body["anyOf"]]

    def fields(shape):
        return set(components[shape]["properties"])

    client = api(alpha_client, cast["sam"])
    listing = client.get("/api/partners/").json()["results"]
    own = client.get(f"/api/partners/{cast['medisol'].pk}/").json()
    other = client.get(f"/api/partners/{cast['finamed'].pk}/").json()
    edited = client.patch(
        f"/api/partners/{cast['medisol'].pk}/", {"tags": ["imaging"]}, content_type="application/json"
    )
    staff = api(alpha_client, cast["manager"]).get(f"/api/partners/{cast['medisol'].pk}/").json()

    assert documented("/api/partners/", "get") == ["Partner", "OwnPartner", "Participant"]
    assert documented("/api/partners/{id}/", "get") == ["Partner", "OwnPartner", "Participant"]
    assert documented("/api/partners/{id}/", "patch") == ["Partner", "OwnPartner"]
    assert all(set(entry) == fields("Participant") for entry in listing)
    assert set(own) == fields("OwnPartner")
    assert set(other) == fields("Participant")
    assert edited.status_code == 200 and set(edited.json()) == fields("OwnPartner")
    assert set(staff) == fields("Partner")


def test_the_schema_documents_the_roles_and_agreement_kinds_the_api_accepts(alpha_client):
    schema = alpha_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]

    role = components["PartnerInputRequest"]["properties"]["role"]
    kind = components["AgreementInputRequest"]["properties"]["kind"]

    # The enum, and the length the API checks before it looks at the value.
    assert (role["maxLength"], kind["maxLength"]) == (20, 20)
    assert components[role["allOf"][0]["$ref"].rsplit("/", 1)[1]]["enum"] == ParticipantRole.values
    assert components[kind["allOf"][0]["$ref"].rsplit("/", 1)[1]]["enum"] == Agreement.Kind.values


def test_a_partner_admin_edits_allowed_fields_of_its_own_partner_only(alpha_client, cast):
    client = api(alpha_client, cast["sam"])

    own = client.patch(
        f"/api/partners/{cast['medisol'].pk}/", {"description": "Imaging for all"}, content_type="application/json"
    )
    forbidden_field = client.patch(
        f"/api/partners/{cast['medisol'].pk}/", {"name": "Renamed"}, content_type="application/json"
    )
    other = client.patch(
        f"/api/partners/{cast['finamed'].pk}/", {"description": "hacked"}, content_type="application/json"
    )

    assert own.status_code == 200 and own.json()["description"] == "Imaging for all"
    assert forbidden_field.status_code == 400
    assert forbidden_field.json() == {"name": ["You cannot change this field."]}
    assert other.status_code == 403
    cast["medisol"].refresh_from_db()
    cast["finamed"].refresh_from_db()
    assert (cast["medisol"].name, cast["finamed"].description) == ("Medisol", "")


def test_a_partner_member_cannot_edit(alpha_client, cast):
    trail = audit_actions()

    response = api(alpha_client, cast["mia"]).patch(
        f"/api/partners/{cast['medisol'].pk}/", {"description": "x"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}
    assert Partner.objects.get(pk=cast["medisol"].pk).description == ""
    assert audit_actions() == trail


CANNOT_SET = ["This field cannot be set here."]
CANNOT_CHANGE = ["You cannot change this field."]


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"status": "exited"}, {"status": CANNOT_SET}),
        ({"status_reason": "mine"}, {"status_reason": CANNOT_SET}),
        ({"id": 999, "agreement_state": "valid"}, {"id": CANNOT_SET, "agreement_state": CANNOT_SET}),
        ({"descriptoin": "misspelt"}, {"descriptoin": CANNOT_SET}),
        ({"tier": None}, {"tier": CANNOT_CHANGE}),
        ({"competitors": []}, {"competitors": CANNOT_CHANGE}),
        ({"notes": "x", "competitors": []}, {"competitors": CANNOT_CHANGE, "notes": CANNOT_CHANGE}),
    ],
    ids=["status", "status_reason", "read-only", "unknown", "tier", "competitors", "notes-and-competitors"],
)
def test_a_partner_admins_patch_with_a_field_it_may_not_set_is_a_400_naming_it(alpha_client, cast, change, errors):
    trail = audit_actions()

    response = api(alpha_client, cast["sam"]).patch(
        f"/api/partners/{cast['medisol'].pk}/", {"description": "Imaging", **change}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == errors
    medisol = Partner.objects.get(pk=cast["medisol"].pk)
    assert (medisol.status, medisol.status_reason, medisol.description, medisol.notes) == (
        "active", "", "", "private orchestrator note",
    )  # fmt: skip
    assert list(medisol.competitors.values_list("pk", flat=True)) == [cast["carevia"].pk]
    assert audit_actions() == trail


def test_staff_cannot_set_a_status_by_writing_the_profile_either(alpha_client, cast):
    client = api(alpha_client, cast["manager"])
    trail = audit_actions()

    patched = client.patch(
        f"/api/partners/{cast['finamed'].pk}/", {"status": "exited", "country": "BE"}, content_type="application/json"
    )
    created = client.post(
        "/api/partners/", {"name": "Novo", "role": "supplier", "status": "active"}, content_type="application/json"
    )

    assert (patched.status_code, created.status_code) == (400, 400)
    assert patched.json() == created.json() == {"status": CANNOT_SET}
    assert Partner.objects.get(pk=cast["finamed"].pk).country == "FR"
    assert not Partner.objects.filter(name="Novo").exists()
    assert audit_actions() == trail


def test_a_partner_may_have_200_competitors_through_the_api_not_201(alpha_client, cast):
    rivals = [
        p.pk for p in Partner.objects.bulk_create([Partner(name=f"R{i:03d}", role="supplier") for i in range(201)])
    ]
    client = api(alpha_client, cast["manager"])
    trail = audit_actions()

    refused = client.patch(
        f"/api/partners/{cast['finamed'].pk}/", {"competitors": rivals}, content_type="application/json"
    )
    unchanged = audit_actions()
    accepted = client.patch(
        f"/api/partners/{cast['finamed'].pk}/", {"competitors": rivals[:200]}, content_type="application/json"
    )

    assert refused.status_code == 400
    assert refused.json() == {"competitors": ["Ensure this field has no more than 200 elements."]}
    assert unchanged == trail
    assert accepted.status_code == 200 and accepted.json()["competitors"] == sorted(rivals[:200])


def test_a_partner_admin_may_set_20_tags_not_21(alpha_client, cast):
    client = api(alpha_client, cast["sam"])
    tags = [f"tag{i}" for i in range(21)]

    refused = client.patch(f"/api/partners/{cast['medisol'].pk}/", {"tags": tags}, content_type="application/json")
    accepted = client.patch(
        f"/api/partners/{cast['medisol'].pk}/", {"tags": tags[:20]}, content_type="application/json"
    )

    assert refused.status_code == 400
    assert refused.json() == {"tags": ["Ensure this field has no more than 20 elements."]}
    assert accepted.status_code == 200 and accepted.json()["tags"] == tags[:20]


def test_update_records_before_and_after(alpha_client, cast):
    response = api(alpha_client, cast["manager"]).patch(
        f"/api/partners/{cast['finamed'].pk}/", {"country": "BE", "competitors": [cast["medisol"].pk]},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 200
    event = AuditEvent.objects.get(action="partner.updated")
    assert event.before == {"country": "FR", "competitors": []}
    assert event.after == {"country": "BE", "competitors": [cast["medisol"].pk]}


def test_lifecycle_moves_through_allowed_transitions_only(alpha_client, cast):
    client = api(alpha_client, cast["manager"])
    pk = cast["finamed"].pk

    no_reason = client.post(f"/api/partners/{pk}/suspend/", {}, content_type="application/json")
    suspended = client.post(
        f"/api/partners/{pk}/suspend/", {"reason": "Late payments"}, content_type="application/json"
    )
    again = client.post(f"/api/partners/{pk}/suspend/", {"reason": "x"}, content_type="application/json")
    active = client.post(f"/api/partners/{pk}/activate/")
    exited = client.post(f"/api/partners/{pk}/exit/", {"reason": "Left the market"}, content_type="application/json")
    back = client.post(f"/api/partners/{pk}/activate/")

    assert no_reason.status_code == 400
    assert no_reason.json() == {"reason": ["Give a reason: the partner and the audit trail keep it."]}
    assert (suspended.status_code, suspended.json()["status"], suspended.json()["status_reason"]) == (
        200,
        "suspended",
        "Late payments",
    )
    assert again.status_code == 409
    assert again.json()["detail"] == "A partner cannot go from suspended to suspended."
    assert (active.json()["status"], exited.json()["status"]) == ("active", "exited")
    assert back.status_code == 409 and back.json()["code"] == "invalid_transition"
    actions = list(AuditEvent.objects.filter(object_id=str(pk)).order_by("id").values_list("action", flat=True))
    assert actions == ["partner.suspended", "partner.active", "partner.exited"]


def test_reviewers_and_partners_cannot_change_the_lifecycle(alpha_client, cast):
    trail = audit_actions()

    for who in ("reviewer", "sam"):
        response = api(alpha_client, cast[who]).post(f"/api/partners/{cast['medisol'].pk}/activate/")
        assert response.status_code == 403
    response = alpha_client.post(
        f"/api/partners/{cast['medisol'].pk}/suspend/", {"reason": "x"}, content_type="application/json"
    )

    assert response.status_code == 403
    cast["medisol"].refresh_from_db()
    assert (cast["medisol"].status, cast["medisol"].status_reason) == ("active", "")
    assert audit_actions() == trail


def test_suspending_a_partner_ends_its_users_sessions_and_tokens_at_once(alpha, alpha_client, cast):
    from django.test import Client

    from tests.conftest import login

    browser = login(Client(HTTP_HOST="alpha.localhost"), alpha, cast["sam"])
    token = Token.objects.create(user=cast["mia"])
    assert browser.get("/portal/").status_code == 200

    api(alpha_client, cast["manager"]).post(
        f"/api/partners/{cast['medisol'].pk}/suspend/", {"reason": "Audit"}, content_type="application/json"
    )
    connection.set_tenant(alpha)

    assert browser.get("/portal/")["Location"].startswith("/accounts/login/")
    alpha_client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    assert alpha_client.get("/api/me/").status_code == 401
    assert not Token.objects.filter(user__partner=cast["medisol"]).exists()
    login_again = Client(HTTP_HOST="alpha.localhost").post(
        "/accounts/login/", {"username": "sam@medisol.test", "password": "correct-horse-battery-9"}
    )
    assert login_again.status_code == 200  # the form again, not a redirect


def test_me_names_the_partner_of_a_partner_user(alpha_client, cast):
    response = api(alpha_client, cast["sam"]).get("/api/me/")

    assert response.json()["partner"] == cast["medisol"].pk
    assert response.json()["role"] == "partner_admin"


def test_tiers_list_and_create(alpha_client, cast):
    client = api(alpha_client, cast["manager"])

    created = client.post("/api/tiers/", {"name": "Gold"}, content_type="application/json")
    duplicate = client.post("/api/tiers/", {"name": "gold"}, content_type="application/json")
    same_rank = client.post("/api/tiers/", {"name": "Platinum", "rank": 1}, content_type="application/json")
    listing = client.get("/api/tiers/")
    partner = api(alpha_client, cast["sam"]).post("/api/tiers/", {"name": "Silver"}, content_type="application/json")

    assert (created.status_code, created.json()["rank"]) == (201, 1)
    assert (duplicate.status_code, duplicate.json()) == (400, {"name": ["A tier with this name exists already."]})
    assert (same_rank.status_code, same_rank.json()) == (400, {"rank": ["A tier with this rank exists already."]})
    assert [t["name"] for t in listing.json()] == ["Gold"]
    assert partner.status_code == 403
    assert list(Tier.objects.values_list("name", flat=True)) == ["Gold"]


def test_staff_and_partner_views_of_agreements(alpha_client, cast):
    client = api(alpha_client, cast["manager"])
    today = dt.date.today()
    created = client.post(
        "/api/agreements/",
        {
            "partner": cast["carevia"].pk,
            "kind": "supply",
            "reference": "S-1",
            "signed_on": (today - dt.timedelta(days=300)).isoformat(),
            "expires_on": (today + dt.timedelta(days=10)).isoformat(),
        },
        content_type="application/json",
    )
    bad = client.post(
        "/api/agreements/",
        {
            "partner": cast["carevia"].pk,
            "kind": "supply",
            "reference": "S-2",
            "signed_on": "2026-05-10",
            "expires_on": "2026-01-01",
        },
        content_type="application/json",
    )
    competitor_view = api(alpha_client, cast["sam"]).get("/api/agreements/")
    own_view = api(alpha_client, cast["clara"]).get("/api/agreements/")

    assert created.status_code == 201 and created.json()["state"] == "expiring"
    assert created.json()["document"] is None
    assert bad.status_code == 400 and bad.json() == {"expires_on": ["An agreement cannot expire before it is signed."]}
    assert competitor_view.json()["count"] == 0
    assert [a["reference"] for a in own_view.json()["results"]] == ["S-1"]


def test_other_tenants_partners_are_invisible(alpha, beta, beta_client, cast):
    with schema_context("beta"):
        beta_admin = admin_of(beta)
        response = api(beta_client, beta_admin).get("/api/partners/")

    assert response.json()["count"] == 0
    assert beta_client.get(f"/api/partners/{cast['medisol'].pk}/").status_code == 404


def test_factory_partners_are_real_rows(partner_factory):
    partner = PartnerFactory()

    assert Partner.objects.get(pk=partner.pk).status == "active"


def test_the_fast_representation_is_drfs(alpha, cast):
    from rest_framework import serializers as drf

    from partners.api import OwnPartnerSerializer, PartnerSerializer
    from partners.models import Tier
    from partners.selectors import partner_detail

    medisol = cast["medisol"]
    medisol.tier = Tier.objects.create(name="Gold", rank=1)
    medisol.tags = ["care", "rural"]
    medisol.status_reason = "r"
    medisol.save()
    medisol.competitors.add(cast["finamed"])
    cases = [(PartnerSerializer, cast["manager"], medisol), (PartnerSerializer, cast["manager"], cast["finamed"])]
    cases.append((OwnPartnerSerializer, cast["sam"], medisol))
    for serializer, viewer, shown in cases:
        for partner in (partner_detail(shown.pk, viewer=viewer),):
            fast = serializer(partner).data
            drfs = drf.ModelSerializer.to_representation(serializer(partner), partner)

            assert fast == drfs
            assert list(fast) == list(drfs)
