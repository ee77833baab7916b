"""The missions API: each resource's happy path, its bad input and its wrong users."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from ecosystem.core.models import AuditEvent, TenantSettings
from ecosystem.core.selectors import SETTINGS_CACHE_KEY
from ecosystem.missions import services
from ecosystem.missions.models import Contribution, Mission, Objective, Participation, Share
from tests.conftest import make_user
from tests.missions.conftest import declare, join, open_mission
from tests.partners.conftest import PartnerFactory, api


def state() -> tuple:
    """Everything the missions API can write, to prove a refusal changed nothing."""
    return (
        list(Mission.objects.order_by("pk").values_list("pk", "status", "title", "end")),
        list(Objective.objects.order_by("pk").values_list("pk", "target")),
        list(Participation.objects.order_by("pk").values_list("pk", "state", "role")),
        list(Contribution.objects.order_by("pk").values_list("pk", "status", "value")),
        list(Share.objects.order_by("pk").values_list("pk", "state", "weight")),
        AuditEvent.objects.count(),
    )


def as_(client, user):
    return api(client, user)


# --- missions --------------------------------------------------------------------


def test_a_manager_creates_edits_and_moves_a_mission(alpha_client, cast):
    client = as_(alpha_client, cast["manager"])
    created = client.post(
        "/api/missions/",
        {"title": "Equip 500 rural clinics", "purpose": "Care near home.", "start": "2026-01-01",
         "end": "2027-12-31", "confidentiality": "coopetition"},
        content_type="application/json",
    )  # fmt: skip
    pk = created.json()["id"]
    renamed = client.patch(f"/api/missions/{pk}/", {"title": "Equip 600 clinics"}, content_type="application/json")
    opened = client.post(f"/api/missions/{pk}/move/", {"status": "open"}, content_type="application/json")
    activated = client.patch(f"/api/missions/{pk}/", {"status": "active"}, content_type="application/json")

    assert created.status_code == 201
    assert created.json() | {"id": 0, "created_at": "", "updated_at": ""} == {
        "id": 0, "title": "Equip 500 rural clinics", "purpose": "Care near home.", "owner": cast["manager"].pk,
        "status": "draft", "confidentiality": "coopetition", "start": "2026-01-01", "end": "2027-12-31",
        "next_statuses": ["open"], "created_at": "", "updated_at": "",
    }  # fmt: skip
    assert renamed.status_code == 200 and renamed.json()["title"] == "Equip 600 clinics"
    assert opened.json()["status"] == "open" and opened.json()["next_statuses"] == ["active", "draft"]
    assert activated.status_code == 200 and activated.json()["status"] == "active"
    assert [e.action for e in AuditEvent.objects.order_by("pk")][-4:] == [
        "mission.created", "mission.updated", "mission.moved", "mission.moved",
    ]  # fmt: skip


def test_bad_missions_are_refused_field_by_field_and_change_nothing(alpha_client, world):
    client = as_(alpha_client, world["manager"])
    before = state()
    bad = client.post(
        "/api/missions/",
        {"title": "", "start": "2026-05-01", "end": "2026-04-01", "confidentiality": "secret", "owner": 999999},
        content_type="application/json",
    )
    starts_as_draft = client.post(
        "/api/missions/",
        {"title": "X", "start": "2026-01-01", "end": "2026-02-01", "status": "active"},
        content_type="application/json",
    )
    unknown_key = client.patch(
        f"/api/missions/{world['mission'].pk}/", {"colour": "red"}, content_type="application/json"
    )
    backwards = client.post(
        f"/api/missions/{world['mission'].pk}/move/", {"status": "draft"}, content_type="application/json"
    )
    declare(world["sam"], world["mission"], date="2026-03-01")
    before = state()
    dates_cut = client.patch(
        f"/api/missions/{world['mission'].pk}/", {"end": "2026-01-31"}, content_type="application/json"
    )

    assert bad.status_code == 400
    assert set(bad.json()) == {"title", "end", "confidentiality", "owner"}
    assert bad.json()["end"] == ["The end must not be before the start."]
    assert starts_as_draft.status_code == 400 and "status" in starts_as_draft.json()
    assert unknown_key.status_code == 400 and unknown_key.json() == {"colour": ["This field cannot be set here."]}
    assert backwards.status_code == 409
    assert backwards.json() == {
        "detail": "A mission cannot go from Active to Draft.", "code": "invalid_transition",
    }  # fmt: skip
    assert dates_cut.status_code == 400
    assert dates_cut.json() == {"start": ["Some contributions are dated outside these dates: keep them inside."]}
    assert state() == before


def test_partners_see_only_the_missions_they_take_part_in(alpha_client, world):
    manager = world["manager"]
    draft = open_mission(manager, title="Not yet", status="draft")
    join(manager, draft, world["medisol"])
    elsewhere = open_mission(manager, title="Without Medisol")
    sam = as_(alpha_client, world["sam"])

    listed = sam.get("/api/missions/")
    titles = sorted(m["title"] for m in listed.json()["results"])
    hidden = [sam.get(f"/api/missions/{m.pk}/").status_code for m in (draft, elsewhere)]
    clara = as_(Client(HTTP_HOST="alpha.localhost"), world["clara"]).get(f"/api/missions/{world['mission'].pk}/")
    writes = [
        sam.post("/api/missions/", {"title": "Mine", "start": "2026-01-01", "end": "2026-02-01"},
                 content_type="application/json").status_code,
        sam.patch(f"/api/missions/{world['mission'].pk}/", {"title": "Mine"}, content_type="application/json").status_code,
        sam.post(f"/api/missions/{world['mission'].pk}/move/", {"status": "completed"},
                 content_type="application/json").status_code,
    ]  # fmt: skip
    reviewer = as_(Client(HTTP_HOST="alpha.localhost"), world["reviewer"])

    assert titles == ["Circular medical equipment", "Equip 500 rural clinics"]
    assert hidden == [404, 404]
    assert clara.status_code == 404
    assert writes == [403, 403, 403]
    assert reviewer.get("/api/missions/").json()["count"] == 4
    assert (
        reviewer.post(
            f"/api/missions/{draft.pk}/move/", {"status": "open"}, content_type="application/json"
        ).status_code
        == 403
    )


def test_another_tenants_token_sees_no_mission(alpha, world, beta):
    token, _ = Token.objects.get_or_create(user=world["manager"])
    beta_client = Client(HTTP_HOST="beta.localhost", HTTP_AUTHORIZATION=f"Token {token.key}")
    with schema_context("beta"):
        for path in ("/api/missions/", "/api/objectives/", "/api/participations/", "/api/contributions/",
                     f"/api/missions/{world['mission'].pk}/"):  # fmt: skip
            assert beta_client.get(path).status_code in (401, 403), path


# --- objectives ------------------------------------------------------------------


def test_objectives_carry_their_progress(alpha_client, world):
    manager, sam = world["manager"], world["sam"]
    solo = declare(sam, world["mission"], objective=world["clinics"].pk, quantity="120", value="300.00")
    services.contribution_validate(actor=manager, contribution=solo)
    declare(sam, world["mission"], objective=world["clinics"].pk, quantity="80")  # awaiting validation: not counted

    listed = as_(alpha_client, world["sam"]).get(f"/api/objectives/?mission={world['mission'].pk}")

    by_title = {o["title"]: o for o in listed.json()["results"]}
    assert listed.status_code == 200 and set(by_title) == {"Revenue", "Clinics equipped"}
    clinics = by_title["Clinics equipped"]
    assert clinics["metric"] == "quantity" and clinics["unit"] == "clinics" and clinics["target"] == "500.0000"
    assert clinics["progress"] | {"expected_percent": 0} == {
        "achieved": "120.0000", "target": "500.0000", "percent": 24, "expected_percent": 0,
        "state": clinics["progress"]["state"], "contributors": 1,
    }  # fmt: skip
    assert clinics["progress"]["state"] in ("on_track", "late")
    assert by_title["Revenue"]["progress"]["achieved"] == "0.0000"  # counts only contributions toward it


def test_coopetition_totals_are_hidden_below_k_and_shown_at_k(alpha_client, world):
    manager = world["manager"]
    circular, co2 = world["circular"], world["co2"]
    third = PartnerFactory(name="Refit Lab", role="complementary")
    join(manager, circular, third)
    TenantSettings.objects.update_or_create(pk=1, defaults={"coopetition_threshold": 3})
    cache.delete(SETTINGS_CACHE_KEY)
    for partner in (world["medisol"], world["carevia"]):
        contribution = declare(manager, circular, partner=partner.pk, kind="in_kind", objective=co2.pk, quantity="10")
        services.contribution_validate(actor=manager, contribution=contribution)
    sam = as_(alpha_client, world["sam"])

    below = sam.get(f"/api/objectives/{co2.pk}/").json()["progress"]
    staff = as_(Client(HTTP_HOST="alpha.localhost"), manager).get(f"/api/objectives/{co2.pk}/").json()["progress"]
    contribution = declare(manager, circular, partner=third.pk, kind="in_kind", objective=co2.pk, quantity="5")
    services.contribution_validate(actor=manager, contribution=contribution)
    at_k = sam.get(f"/api/objectives/{co2.pk}/").json()["progress"]

    assert below == {"achieved": None, "target": "100.0000", "percent": None,
                     "expected_percent": below["expected_percent"], "state": "hidden", "contributors": 0}  # fmt: skip
    assert staff["achieved"] == "20.0000" and staff["contributors"] == 2
    assert at_k["achieved"] == "25.0000" and at_k["contributors"] == 3 and at_k["percent"] == 25


def test_objectives_are_written_by_managers_with_clear_errors(alpha_client, world):
    client = as_(alpha_client, world["manager"])
    mission = world["mission"]
    created = client.post(
        "/api/objectives/",
        {"mission": mission.pk, "title": "People trained", "metric": "quantity", "target": "2000",
         "unit": "learners", "due": "2026-12-31"},
        content_type="application/json",
    )  # fmt: skip
    before = state()
    bad = client.post(
        "/api/objectives/",
        {"mission": mission.pk, "title": "", "metric": "vibes", "target": "-3", "due": "2025-01-01"},
        content_type="application/json",
    )
    no_mission = client.post("/api/objectives/", {"title": "X"}, content_type="application/json")
    sam = as_(Client(HTTP_HOST="alpha.localhost"), world["sam"])
    partner_write = sam.post(
        "/api/objectives/", {"mission": mission.pk, "title": "Mine", "metric": "count", "target": "1",
                              "due": "2026-12-31"}, content_type="application/json",
    )  # fmt: skip
    partner_delete = sam.delete(f"/api/objectives/{world['value'].pk}/")

    assert created.status_code == 201 and created.json()["progress"]["achieved"] == "0.0000"
    assert bad.status_code == 400 and set(bad.json()) == {"title", "metric", "target", "due"}
    assert bad.json()["target"] == ["The target must be greater than 0."]
    assert no_mission.status_code == 400 and no_mission.json() == {"mission": ["Choose a mission."]}
    assert (partner_write.status_code, partner_delete.status_code) == (403, 403)
    assert state() == before
    assert client.delete(f"/api/objectives/{created.json()['id']}/").status_code == 204


def test_manual_objectives_take_dated_measurements(alpha_client, world):
    client = as_(alpha_client, world["manager"])
    manual = client.post(
        "/api/objectives/",
        {"mission": world["mission"].pk, "title": "Satisfaction", "metric": "manual", "target": "90",
         "due": "2026-12-31"},
        content_type="application/json",
    ).json()  # fmt: skip
    first = client.post(
        f"/api/objectives/{manual['id']}/measurements/", {"value": "40", "measured_on": "2026-02-01", "note": "Q1"},
        content_type="application/json",
    )  # fmt: skip
    client.post(f"/api/objectives/{manual['id']}/measurements/", {"value": "55", "measured_on": "2026-05-01"},
                content_type="application/json")  # fmt: skip
    bad = client.post(f"/api/objectives/{manual['id']}/measurements/", {"value": "x"}, content_type="application/json")
    not_manual = client.post(
        f"/api/objectives/{world['value'].pk}/measurements/", {"value": "1"}, content_type="application/json"
    )
    history = as_(Client(HTTP_HOST="alpha.localhost"), world["sam"]).get(
        f"/api/objectives/{manual['id']}/measurements/"
    )
    partner_write = as_(Client(HTTP_HOST="alpha.localhost"), world["sam"]).post(
        f"/api/objectives/{manual['id']}/measurements/", {"value": "99"}, content_type="application/json"
    )

    assert first.status_code == 201 and first.json()["recorded_by"] == world["manager"].pk
    assert bad.status_code == 400 and bad.json() == {"value": ["Give a number."]}
    assert not_manual.status_code == 409
    assert [m["value"] for m in history.json()["results"]] == ["55.0000", "40.0000"]
    assert partner_write.status_code == 403
    assert client.get(f"/api/objectives/{manual['id']}/").json()["progress"]["achieved"] == "55.0000"


# --- participations --------------------------------------------------------------


def test_invitations_are_answered_by_the_partners_admin_or_on_its_behalf(alpha_client, world, cast):
    manager = as_(alpha_client, world["manager"])
    mission = open_mission(world["manager"], title="Train caregivers")
    invited = manager.post(
        "/api/participations/",
        {"mission": mission.pk, "partner": world["medisol"].pk, "role": "lead", "commitment": "Train 300",
         "commitment_objective": None},
        content_type="application/json",
    )  # fmt: skip
    behalf = manager.post(
        "/api/participations/", {"mission": mission.pk, "partner": world["finamed"].pk},
        content_type="application/json",
    ).json()  # fmt: skip
    pk = invited.json()["id"]
    member = as_(Client(HTTP_HOST="alpha.localhost"), world["mia"]).post(f"/api/participations/{pk}/accept/")
    accepted = as_(Client(HTTP_HOST="alpha.localhost"), world["sam"]).post(f"/api/participations/{pk}/accept/")
    again = as_(Client(HTTP_HOST="alpha.localhost"), world["sam"]).post(f"/api/participations/{pk}/decline/")
    on_behalf = manager.post(f"/api/participations/{behalf['id']}/decline/", {"reason": "No budget"},
                             content_type="application/json")  # fmt: skip
    leave_bare = as_(Client(HTTP_HOST="alpha.localhost"), world["sam"]).post(f"/api/participations/{pk}/leave/", {},
                                                                             content_type="application/json")  # fmt: skip
    left = as_(Client(HTTP_HOST="alpha.localhost"), world["sam"]).post(
        f"/api/participations/{pk}/leave/", {"reason": "Refocusing"}, content_type="application/json"
    )

    assert invited.status_code == 201
    assert invited.json()["state"] == "invited" and invited.json()["role"] == "lead"
    assert member.status_code == 403
    assert accepted.status_code == 200 and accepted.json()["state"] == "active"
    assert again.status_code == 409 and again.json()["code"] == "already_answered"
    assert on_behalf.json()["state"] == "declined" and on_behalf.json()["answered_on_behalf"] is True
    assert leave_bare.status_code == 400 and "reason" in leave_bare.json()
    assert left.json()["state"] == "left" and left.json()["reason"] == "Refocusing"


def test_bad_invitations_change_nothing(alpha_client, world):
    manager = as_(alpha_client, world["manager"])
    suspended = PartnerFactory(name="Paused Co", status="suspended")
    before = state()
    answers = [
        manager.post("/api/participations/", body, content_type="application/json")
        for body in (
            {"mission": world["mission"].pk, "partner": suspended.pk},
            {"mission": world["mission"].pk, "partner": world["medisol"].pk},
            {"mission": world["mission"].pk, "partner": world["carevia"].pk, "commitment_target": "10"},
            {"mission": world["mission"].pk, "partner": world["carevia"].pk, "role": "boss"},
            {"mission": 999999, "partner": 999999},
        )
    ]
    sam = as_(Client(HTTP_HOST="alpha.localhost"), world["sam"]).post(
        "/api/participations/", {"mission": world["mission"].pk, "partner": world["carevia"].pk},
        content_type="application/json",
    )  # fmt: skip

    assert [a.status_code for a in answers] == [400, 409, 400, 400, 400]
    assert answers[0].json() == {"partner": ["Only an active partner can be invited; Paused Co is Suspended."]}
    assert answers[1].json()["code"] == "already_participating"
    assert answers[2].json() == {"commitment_objective": ["A numeric commitment is toward one objective: choose it."]}
    assert set(answers[4].json()) == {"mission", "partner"}
    assert sam.status_code == 403
    assert state() == before


def test_a_coopetition_mission_hides_who_else_takes_part(alpha_client, world):
    sam = as_(alpha_client, world["sam"])
    circular = sam.get(f"/api/participations/?mission={world['circular'].pk}").json()["results"]
    clinics = sam.get(f"/api/participations/?mission={world['mission'].pk}").json()["results"]

    assert [p["partner"] for p in circular] == [world["medisol"].pk]
    assert sorted(p["partner"] for p in clinics) == sorted([world["medisol"].pk, world["finamed"].pk])


# --- contributions ---------------------------------------------------------------


def test_a_joint_contribution_from_declaration_to_validation(alpha_client, world):
    mission = world["mission"]
    sam = as_(alpha_client, world["sam"])
    declared = sam.post(
        "/api/contributions/",
        {"mission": mission.pk, "kind": "revenue_sourced", "value": "900.00", "date": "2026-04-02",
         "objective": world["value"].pk, "description": "Leasing deal",
         "contributors": [{"partner": world["medisol"].pk, "weight": "0.6"},
                          {"partner": world["finamed"].pk, "weight": "0.4"}]},
        content_type="application/json",
    )  # fmt: skip
    pk = declared.json()["id"]
    manager = as_(Client(HTTP_HOST="alpha.localhost"), world["manager"])
    too_early = manager.post(f"/api/contributions/{pk}/validate/")
    paul = make_user(connection.tenant, "partner_admin", email="paul@finamed.test", partner=world["finamed"])
    clara = as_(Client(HTTP_HOST="alpha.localhost"), world["clara"]).post(f"/api/contributions/{pk}/confirm/")
    sam_confirms_own = sam.post(f"/api/contributions/{pk}/confirm/")
    confirmed = as_(Client(HTTP_HOST="alpha.localhost"), paul).post(f"/api/contributions/{pk}/confirm/")
    partner_validates = sam.post(f"/api/contributions/{pk}/validate/")
    validated = manager.post(f"/api/contributions/{pk}/validate/")
    edit = sam.patch(f"/api/contributions/{pk}/", {"value": "1.00"}, content_type="application/json")
    delete = manager.delete(f"/api/contributions/{pk}/")

    assert declared.status_code == 201
    assert declared.json()["status"] == "awaiting_confirmation"
    assert declared.json()["contributors"] == [
        {"partner": world["medisol"].pk, "weight": "0.600000", "state": "confirmed"},
        {"partner": world["finamed"].pk, "weight": "0.400000", "state": "pending"},
    ]
    assert too_early.status_code == 409 and too_early.json()["code"] == "awaiting_confirmation"
    assert clara.status_code == 404  # a competitor outside the mission does not even see it
    assert sam_confirms_own.status_code == 409
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "submitted"
    assert partner_validates.status_code == 403
    assert validated.status_code == 200 and validated.json()["status"] == "validated"
    assert edit.status_code == 409 and edit.json()["code"] == "contribution_validated"
    assert delete.status_code == 409
    assert Contribution.objects.get(pk=pk).value == Decimal("900.00")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"contributors": "weights"}, "contributors", "The weights add up to 0.9; they must add up to exactly 1."),
        ({"contributors": "outsider"}, "contributors", "Partner {carevia} does not take part in this mission."),
        ({"date": "2027-02-01"}, "date", "The date must be within the mission, from 2026-01-01 to 2026-12-31."),
        ({"value": "-5"}, "value", "A value cannot be negative; to lower a validated contribution, correct it."),
        ({"objective": "other"}, "objective", "Choose an objective of this mission."),
        ({"kind": "bribe"}, "kind", None),
        ({"value": "12.345"}, "value", "Give a number with at most 12 digits before the point and 2 after."),
    ],
)
def test_bad_contributions_are_refused_with_the_field_and_change_nothing(alpha_client, world, change, field, message):
    circular_participants = join(world["manager"], world["circular"], world["finamed"])
    assert circular_participants
    mission = world["mission"]
    body = {"mission": mission.pk, "kind": "revenue_sourced", "value": "100.00", "date": "2026-04-02"}
    special = {
        "weights": [
            {"partner": world["medisol"].pk, "weight": "0.5"},
            {"partner": world["finamed"].pk, "weight": "0.4"},
        ],
        "outsider": [{"partner": world["medisol"].pk}, {"partner": world["carevia"].pk}],
        "other": world["co2"].pk,
    }
    body.update({k: special.get(v, v) if isinstance(v, str) else v for k, v in change.items()})
    before = state()

    answer = as_(alpha_client, world["sam"]).post("/api/contributions/", body, content_type="application/json")

    assert answer.status_code == 400
    assert field in answer.json()
    if message:
        assert answer.json()[field] == [message.format(carevia=world["carevia"].pk)]
    assert state() == before


def test_a_partner_declares_only_for_itself_and_answers_only_its_own_share(alpha_client, world):
    mission = world["mission"]
    sam = as_(alpha_client, world["sam"])
    before = state()
    for_another = sam.post(
        "/api/contributions/",
        {"mission": mission.pk, "partner": world["finamed"].pk, "kind": "referral", "date": "2026-04-02"},
        content_type="application/json",
    )
    outside = as_(Client(HTTP_HOST="alpha.localhost"), world["clara"]).post(
        "/api/contributions/", {"mission": mission.pk, "kind": "referral", "date": "2026-04-02"},
        content_type="application/json",
    )  # fmt: skip
    reviewer = as_(Client(HTTP_HOST="alpha.localhost"), world["reviewer"]).post(
        "/api/contributions/", {"mission": mission.pk, "partner": world["medisol"].pk, "kind": "referral",
                                "date": "2026-04-02"}, content_type="application/json",
    )  # fmt: skip
    assert state() == before
    joint = declare(world["manager"], mission, partner=world["finamed"].pk,
                    contributors=[{"partner": world["finamed"].pk}, {"partner": world["medisol"].pk}])  # fmt: skip
    mia_confirms = as_(Client(HTTP_HOST="alpha.localhost"), world["mia"]).post(
        f"/api/contributions/{joint.pk}/confirm/"
    )
    staff_confirms = as_(Client(HTTP_HOST="alpha.localhost"), world["manager"]).post(
        f"/api/contributions/{joint.pk}/confirm/"
    )

    assert for_another.status_code == 400
    assert for_another.json() == {"partner": ["You declare contributions for your own organisation only."]}
    assert outside.status_code == 400 and outside.json() == {"mission": ["Choose a mission you take part in."]}
    assert reviewer.status_code == 403
    assert mia_confirms.status_code == 200 and mia_confirms.json()["status"] == "submitted"
    assert staff_confirms.status_code == 403


def test_in_coopetition_a_competitor_sees_none_of_the_others_contributions(alpha_client, world):
    manager = world["manager"]
    circular = world["circular"]
    theirs = declare(manager, circular, partner=world["carevia"].pk, kind="in_kind", objective=world["co2"].pk,
                     quantity="4")  # fmt: skip
    services.contribution_validate(actor=manager, contribution=theirs)
    ours = declare(world["sam"], circular, kind="in_kind", objective=world["co2"].pk, quantity="2")
    sam = as_(alpha_client, world["sam"])

    listed = sam.get(f"/api/contributions/?mission={circular.pk}").json()["results"]
    one = sam.get(f"/api/contributions/{theirs.pk}/")
    by_partner = sam.get(f"/api/contributions/?partner={world['carevia'].pk}").json()["count"]
    clara_sees = as_(Client(HTTP_HOST="alpha.localhost"), world["clara"]).get("/api/contributions/").json()

    assert [c["id"] for c in listed] == [ours.pk]
    assert one.status_code == 404
    assert by_partner == 0
    assert [c["id"] for c in clara_sees["results"]] == [theirs.pk]


def test_in_an_open_mission_participants_see_the_others_validated_contributions(alpha_client, world):
    manager = world["manager"]
    finamed_validated = declare(manager, world["mission"], partner=world["finamed"].pk)
    services.contribution_validate(actor=manager, contribution=finamed_validated)
    finamed_pending = declare(manager, world["mission"], partner=world["finamed"].pk)

    ids = {c["id"] for c in as_(alpha_client, world["sam"]).get("/api/contributions/").json()["results"]}

    assert finamed_validated.pk in ids and finamed_pending.pk not in ids


def test_corrections_reject_and_bulk_review(alpha_client, world):
    manager = as_(alpha_client, world["manager"])
    mission = world["mission"]
    first = declare(world["sam"], mission, value="100.00")
    second = declare(world["sam"], mission, value="50.00")
    joint = declare(world["sam"], mission, contributors=[{"partner": world["medisol"].pk},
                                                         {"partner": world["finamed"].pk}])  # fmt: skip
    services.contribution_validate(actor=world["manager"], contribution=first)
    correction = manager.post(
        f"/api/contributions/{first.pk}/correct/", {"value": "-30.00", "description": "Refund"},
        content_type="application/json",
    )  # fmt: skip
    correct_unvalidated = manager.post(f"/api/contributions/{second.pk}/correct/", {"value": "-1"},
                                       content_type="application/json")  # fmt: skip
    reject_bare = manager.post(f"/api/contributions/{second.pk}/reject/", {}, content_type="application/json")
    bulk = manager.post(
        f"/api/contributions/review/?mission={mission.pk}", {"decision": "validate"}, content_type="application/json"
    )
    reject_joint = manager.post(
        "/api/contributions/review/", {"decision": "reject", "ids": [joint.pk], "reason": "Duplicate"},
        content_type="application/json",
    )  # fmt: skip

    assert correction.status_code == 201
    assert correction.json()["value"] == "-30.00" and correction.json()["corrects"] == first.pk
    assert correct_unvalidated.status_code == 409
    assert reject_bare.status_code == 400 and reject_bare.json() == {"reason": ["This field is required."]}
    assert bulk.status_code == 200
    assert sorted(bulk.json()["done"]) == sorted([second.pk, correction.json()["id"]])
    assert bulk.json()["skipped"] == {str(first.pk): "Validated", str(joint.pk): "Awaiting co-contributors"}
    assert reject_joint.json() == {"done": [joint.pk], "skipped": {}}
    assert Contribution.objects.get(pk=joint.pk).rejection_reason == "Duplicate"
    assert (
        as_(Client(HTTP_HOST="alpha.localhost"), world["sam"])
        .post("/api/contributions/review/", {"decision": "validate"}, content_type="application/json")
        .status_code
        == 403
    )


def test_a_co_contributor_declines_and_the_declarer_changes_the_split(alpha_client, world):
    paul = make_user(connection.tenant, "partner_admin", email="paul@finamed.test", partner=world["finamed"])
    joint = declare(world["sam"], world["mission"], contributors=[{"partner": world["medisol"].pk},
                                                                  {"partner": world["finamed"].pk}])  # fmt: skip
    declined = as_(alpha_client, paul).post(f"/api/contributions/{joint.pk}/decline/", {"reason": "Not ours"},
                                            content_type="application/json")  # fmt: skip
    alone = as_(Client(HTTP_HOST="alpha.localhost"), world["sam"]).patch(
        f"/api/contributions/{joint.pk}/", {"contributors": []}, content_type="application/json"
    )

    assert declined.json()["status"] == "declined"
    assert alone.status_code == 200 and alone.json()["status"] == "submitted"
    assert alone.json()["contributors"] == [
        {"partner": world["medisol"].pk, "weight": "1.000000", "state": "confirmed"}
    ]


def test_the_fast_representation_is_drfs(alpha_client, world):
    from rest_framework import serializers as drf

    from ecosystem.missions.api import ContributionSerializer

    contribution = declare(world["sam"], world["mission"], objective=world["clinics"].pk, quantity="3")
    fresh = Contribution.objects.prefetch_related("shares").get(pk=contribution.pk)
    fast = ContributionSerializer(fresh).data
    slow = drf.ModelSerializer.to_representation(ContributionSerializer(), fresh)

    assert fast == dict(slow)


def test_lists_read_a_fixed_number_of_queries(alpha_client, world, django_assert_max_num_queries):
    manager = world["manager"]
    for i in range(30):
        declare(world["sam"], world["mission"], value=f"{i}.00",
                contributors=[{"partner": world["medisol"].pk}, {"partner": world["finamed"].pk}])  # fmt: skip
        services.objective_create(
            actor=manager, mission=world["mission"],
            data={"title": f"Goal {i}", "metric": "count", "target": "10", "due": "2026-12-31"},
        )  # fmt: skip
    sam = as_(alpha_client, world["sam"])
    for path in ("/api/missions/", "/api/objectives/", "/api/participations/", "/api/contributions/"):
        with django_assert_max_num_queries(8):
            assert sam.get(path).status_code == 200


def test_evidence_files_are_checked_and_served_only_behind_the_walls(alpha_client, world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    circular = world["circular"]
    ours = declare(world["sam"], circular, kind="in_kind")
    sam = as_(alpha_client, world["sam"])
    wrong_type = sam.post(
        f"/api/contributions/{ours.pk}/evidence/", {"file": SimpleUploadedFile("invoice.pdf", b"MZ\x90 not a pdf")}
    )
    too_big = sam.post(
        f"/api/contributions/{ours.pk}/evidence/",
        {"file": SimpleUploadedFile("big.pdf", pdf + b"0" * (settings.AGREEMENT_DOCUMENT_MAX_BYTES + 1))},
    )
    attached = sam.post(f"/api/contributions/{ours.pk}/evidence/", {"file": SimpleUploadedFile("invoice.pdf", pdf)})
    link = attached.json()["evidence_file"]
    clara = as_(Client(HTTP_HOST="alpha.localhost"), world["clara"])
    competitor_attach = clara.post(
        f"/api/contributions/{ours.pk}/evidence/", {"file": SimpleUploadedFile("x.pdf", pdf)}
    )
    from tests.conftest import login

    own_download = login(Client(HTTP_HOST="alpha.localhost"), connection.tenant, world["sam"]).get(link)
    competitor_download = login(Client(HTTP_HOST="alpha.localhost"), connection.tenant, world["clara"]).get(link)

    assert wrong_type.status_code == 400 and wrong_type.json() == {
        "evidence_file": ["The file's content does not match its .pdf name."]
    }
    assert too_big.status_code == 400 and "evidence_file" in too_big.json()
    assert attached.status_code == 200 and link == f"/missions/contributions/{ours.pk}/evidence/"
    assert competitor_attach.status_code == 404
    assert own_download.status_code == 200 and b"".join(own_download.streaming_content) == pdf
    assert competitor_download.status_code == 404
