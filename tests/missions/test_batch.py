"""`POST /api/contributions/batch/`: CRM sync, all or nothing, idempotent on external_id."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from ecosystem.core.models import AuditEvent
from ecosystem.missions import services
from ecosystem.missions.batch import MAX_ITEMS
from ecosystem.missions.models import Contribution, Share
from tests.conftest import host, in_parallel, make_user
from tests.missions.conftest import join, open_mission
from tests.partners.conftest import PartnerFactory, api


def items(world, count: int, *, prefix: str = "CRM", value: str = "10.00") -> list[dict]:
    """`count` items on the open mission: every fifth one joint with Finamed."""
    mission, medisol, finamed = world["mission"], world["medisol"], world["finamed"]
    rows = []
    for i in range(count):
        row = {
            "mission": mission.pk, "partner": medisol.pk, "kind": "revenue_sourced", "value": value,
            "date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}", "external_id": f"{prefix}-{i}",
            "objective": world["value"].pk,
        }  # fmt: skip
        if i % 5 == 0:
            row["contributors"] = [{"partner": medisol.pk, "weight": "0.7"}, {"partner": finamed.pk, "weight": "0.3"}]
        rows.append(row)
    return rows


def send(client, rows):
    return client.post("/api/contributions/batch/", {"items": rows}, content_type="application/json")


def test_a_batch_creates_every_item_and_a_resent_batch_creates_nothing(alpha_client, world):
    client = api(alpha_client, world["manager"])
    rows = items(world, 50)

    first = send(client, rows)
    events = AuditEvent.objects.count()
    again = send(client, rows)

    assert first.status_code == 200
    assert first.json() | {"ids": []} == {"created": 50, "updated": 0, "unchanged": 0, "ids": []}
    created = Contribution.objects.in_bulk(first.json()["ids"])
    assert [created[pk].external_id for pk in first.json()["ids"]] == [f"CRM-{i}" for i in range(50)]
    assert Contribution.objects.filter(status="submitted").count() == 40
    assert Contribution.objects.filter(status="awaiting_confirmation").count() == 10
    assert Share.objects.count() == 60
    assert set(Share.objects.filter(partner=world["finamed"]).values_list("state", flat=True)) == {"pending"}
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 50, "ids": first.json()["ids"]}
    assert Contribution.objects.count() == 50 and AuditEvent.objects.count() == events


def test_a_changed_item_is_updated_unless_validated(alpha_client, world):
    client = api(alpha_client, world["manager"])
    rows = items(world, 3)
    ids = send(client, rows).json()["ids"]
    services.contribution_validate(actor=world["manager"], contribution=Contribution.objects.get(pk=ids[1]))
    rows[2]["value"] = "99.00"

    updated = send(client, rows)
    rows[1]["value"] = "77.00"
    before = list(Contribution.objects.order_by("pk").values_list("pk", "value", "status"))
    refused = send(client, rows)

    assert updated.json() | {"ids": []} == {"created": 0, "updated": 1, "unchanged": 2, "ids": []}
    assert str(Contribution.objects.get(pk=ids[2]).value) == "99.00"
    assert AuditEvent.objects.filter(action="contribution.updated").count() == 1
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {
            "index": 1,
            "field": "external_id",
            "messages": [
                "The contribution with this external id is validated: it cannot change; send a correction instead."
            ],
        }
    ]
    assert list(Contribution.objects.order_by("pk").values_list("pk", "value", "status")) == before


def test_one_bad_item_among_ten_thousand_refuses_the_batch_with_its_index_and_field(alpha_client, world):
    client = api(alpha_client, world["manager"])
    rows = items(world, MAX_ITEMS)
    rows[4321]["date"] = "2031-01-01"
    rows[9999]["contributors"] = [{"partner": world["medisol"].pk, "weight": "0.5"},
                                  {"partner": world["finamed"].pk, "weight": "0.4"}]  # fmt: skip
    rows[17]["surprise"] = True
    events = AuditEvent.objects.count()

    answer = send(client, rows)

    assert answer.status_code == 400
    assert answer.json()["detail"] == "3 of 10000 items are invalid; nothing was saved."
    assert answer.json()["code"] == "invalid_batch"
    assert answer.json()["errors"] == [
        {"index": 17, "field": "surprise", "messages": ["This field cannot be set here."]},
        {"index": 4321, "field": "date",
         "messages": ["The date must be within the mission, from 2026-01-01 to 2026-12-31."]},
        {"index": 9999, "field": "contributors",
         "messages": ["The weights add up to 0.9; they must add up to exactly 1."]},
    ]  # fmt: skip
    assert Contribution.objects.count() == 0 and AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"items": []}, {"items": ["Send a non-empty list of contributions in `items`."]}),
        ({"items": "all"}, {"items": ["Send a non-empty list of contributions in `items`."]}),
        ({}, {"items": ["Send a non-empty list of contributions in `items`."]}),
        (
            {"items": [{}] * (MAX_ITEMS + 1)},
            {"items": ["At most 10000 contributions in one batch; this one has 10001."]},
        ),
        ({"items": [{"x": 1}], "dry_run": True}, {"dry_run": ["This field cannot be set here."]}),
    ],
)
def test_a_batch_of_the_wrong_shape_is_refused(alpha_client, world, body, expected):
    answer = api(alpha_client, world["manager"]).post(
        "/api/contributions/batch/", body, content_type="application/json"
    )

    assert (answer.status_code, answer.json()) == (400, expected)


def test_items_are_checked_like_a_declaration(alpha_client, world):
    client = api(alpha_client, world["manager"])
    outsider = PartnerFactory(name="Outsider")
    good = items(world, 1)[0]
    rows = [
        {**good, "external_id": "A"},
        {**good, "external_id": "A"},
        {**good, "external_id": ""},
        {**good, "external_id": "B", "mission": 999999},
        {**good, "external_id": "C", "partner": outsider.pk},
        {**good, "external_id": "D", "value": "-1"},
        {**good, "external_id": "E", "objective": world["co2"].pk},
        "not an object",
    ]

    errors = send(client, rows).json()["errors"]

    assert [(e["index"], e["field"]) for e in errors] == [
        (1, "external_id"), (2, "external_id"), (3, "mission"), (4, "partner"), (4, "contributors"), (5, "value"),
        (6, "objective"), (7, "item"),
    ]  # fmt: skip
    assert Contribution.objects.count() == 0


def test_an_external_id_stays_with_its_mission(alpha_client, world):
    client = api(alpha_client, world["manager"])
    rows = items(world, 1)
    send(client, rows)
    join(world["manager"], world["circular"], world["finamed"])
    moved = [{**rows[0], "mission": world["circular"].pk, "objective": None, "contributors": None}]

    answer = send(client, moved)

    assert answer.json()["errors"] == [
        {"index": 0, "field": "mission", "messages": ["A contribution of another mission has this external id."]}
    ]


def test_only_managers_send_batches(alpha_client, world):
    rows = items(world, 2)
    answers = [
        api(Client(HTTP_HOST=host("alpha")), world[who]).post(
            "/api/contributions/batch/", {"items": rows}, content_type="application/json"
        )
        for who in ("sam", "reviewer")
    ]

    assert [a.status_code for a in answers] == [403, 403]
    assert Contribution.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_identical_batches_sent_at_once_make_one_set_of_rows(race):
    manager = make_user(race, "manager")
    medisol = PartnerFactory(name="Medisol")
    finamed = PartnerFactory(name="Finamed")
    mission = open_mission(manager)
    join(manager, mission, medisol, finamed)
    objective = services.objective_create(
        actor=manager,
        mission=mission,
        data={"title": "Revenue", "metric": "value", "target": "10", "due": "2026-12-31"},
    )
    world = {"mission": mission, "medisol": medisol, "finamed": finamed, "value": objective}
    rows = items(world, 200, prefix="RACE")
    token = api(Client(), manager).defaults["HTTP_AUTHORIZATION"]

    def post(i: int):
        client = Client(HTTP_HOST=host(race.slug), HTTP_AUTHORIZATION=token, raise_request_exception=False)
        return client.post("/api/contributions/batch/", {"items": rows}, content_type="application/json")

    answers = in_parallel(4, post)

    assert [a.status_code for a in answers] == [200] * 4
    assert sorted(a.json()["created"] for a in answers) == [0, 0, 0, 200]
    assert sorted(a.json()["unchanged"] for a in answers) == [0, 200, 200, 200]
    assert Contribution.objects.count() == 200
    assert Share.objects.count() == 240


def test_a_large_batch_is_written_with_copy_and_reads_like_any_declaration(alpha_client, world):
    client = api(alpha_client, world["manager"])

    answer = send(client, items(world, 600, prefix="BIG"))

    first = Contribution.objects.get(external_id="BIG-0")
    event = AuditEvent.objects.filter(action="contribution.declared", object_id=str(first.pk)).get()
    assert answer.json()["created"] == 600
    assert AuditEvent.objects.filter(action="contribution.declared").count() == 600
    assert event.actor == world["manager"] and event.object_type == "missions.contribution"
    assert event.after["contributors"] == [
        {"partner": world["medisol"].pk, "weight": "0.7"}, {"partner": world["finamed"].pk, "weight": "0.3"},
    ]  # fmt: skip
    assert (first.status, first.declared_by, str(first.value), first.created_at is not None) == (
        "awaiting_confirmation", world["manager"], "10.00", True,
    )  # fmt: skip
    assert list(first.shares.order_by("partner__name").values_list("partner__name", "weight", "state")) == [
        ("Finamed", Decimal("0.3"), "pending"), ("Medisol", Decimal("0.7"), "confirmed"),
    ]  # fmt: skip
