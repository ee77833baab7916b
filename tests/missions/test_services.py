"""The rules of the missions services, each refusal clear and changing nothing."""

import datetime as dt
from decimal import Decimal

import pytest

from ecosystem.core.errors import Conflict, FieldErrors, NotAllowed
from ecosystem.core.models import AuditEvent
from ecosystem.missions import services
from ecosystem.missions.models import Contribution, Mission, Participation, Share
from ecosystem.missions.validation import equal_weights
from partners.models import Partner
from tests.conftest import make_user

from .conftest import declare, join, open_mission

C = Contribution.Status


def test_a_mission_moves_only_along_its_lifecycle(cast):
    manager = cast["manager"]
    mission = open_mission(manager, status="draft")
    with pytest.raises(Conflict) as error:
        services.mission_move(actor=manager, mission=mission, to="completed")
    assert error.value.message == "A mission cannot go from Draft to Completed."
    assert error.value.code == "invalid_transition"
    for step in ("open", "active", "completed", "archived"):
        mission = services.mission_move(actor=manager, mission=mission, to=step)
    with pytest.raises(Conflict):
        services.mission_update(actor=manager, mission=mission, data={"title": "New"})
    assert Mission.objects.get().title == "Equip 500 rural clinics"


def test_mission_input_is_checked_field_by_field(cast):
    with pytest.raises(FieldErrors) as error:
        services.mission_create(
            actor=cast["manager"],
            data={"title": "", "start": "2026-05-01", "end": "2026-01-01", "confidentiality": "secret",
                  "owner": cast["sam"].pk},
        )  # fmt: skip
    assert set(error.value.errors) == {"title", "end", "confidentiality", "owner"}
    with pytest.raises(NotAllowed):
        services.mission_create(
            actor=cast["reviewer"], data={"title": "x", "start": "2026-01-01", "end": "2026-02-01"}
        )
    assert not Mission.objects.exists()


def test_only_active_partners_are_invited_once(cast):
    manager = cast["manager"]
    mission = open_mission(manager)
    suspended = Partner.objects.create(name="Sleepy", role="supplier", status=Partner.Status.SUSPENDED)
    with pytest.raises(FieldErrors) as error:
        services.participation_invite(actor=manager, mission=mission, partner=suspended)
    assert error.value.errors == {"partner": ["Only an active partner can be invited; Sleepy is Suspended."]}
    services.participation_invite(actor=manager, mission=mission, partner=cast["medisol"])
    with pytest.raises(Conflict) as error:
        services.participation_invite(actor=manager, mission=mission, partner=cast["medisol"])
    assert error.value.code == "already_participating"
    assert Participation.objects.count() == 1


def test_answers_come_from_the_partner_admin_or_staff_on_its_behalf(cast):
    manager, mission = cast["manager"], open_mission(cast["manager"])
    medisol = services.participation_invite(actor=manager, mission=mission, partner=cast["medisol"])
    carevia = services.participation_invite(actor=manager, mission=mission, partner=cast["carevia"])
    with pytest.raises(NotAllowed):
        services.participation_answer(actor=cast["mia"], participation=medisol, accept=True)  # a member
    with pytest.raises(NotAllowed):
        services.participation_answer(actor=cast["clara"], participation=medisol, accept=True)  # another partner
    answered = services.participation_answer(actor=cast["sam"], participation=medisol, accept=True)
    assert (answered.state, answered.answered_on_behalf) == ("active", False)
    with pytest.raises(Conflict):
        services.participation_answer(actor=cast["sam"], participation=medisol, accept=False)
    declined = services.participation_answer(actor=manager, participation=carevia, accept=False, reason="No time")
    assert (declined.state, declined.answered_on_behalf, declined.reason) == ("declined", True, "No time")
    event = AuditEvent.objects.filter(action="participation.declined").get()
    assert event.after == {"reason": "No time", "on_behalf": True}
    with pytest.raises(FieldErrors):
        services.participation_leave(actor=cast["sam"], participation=medisol, reason=" ")
    left = services.participation_leave(actor=cast["sam"], participation=medisol, reason="Done our part")
    assert left.state == "left"


def test_a_commitment_target_needs_an_objective_of_the_mission(world):
    manager = world["manager"]
    other = services.objective_create(
        actor=manager, mission=world["circular"],
        data={"title": "Devices", "metric": "count", "target": "10", "due": "2026-12-31"},
    )  # fmt: skip
    [participation] = Participation.objects.filter(mission=world["mission"], partner=world["medisol"])
    with pytest.raises(FieldErrors) as error:
        services.participation_update(
            actor=manager,
            participation=participation,
            data={"commitment_target": "50", "commitment_objective": other.pk},
        )
    assert error.value.errors == {"commitment_objective": ["Choose an objective of this mission."]}
    with pytest.raises(FieldErrors) as error:
        services.participation_update(actor=manager, participation=participation, data={"commitment_target": "50"})
    assert error.value.errors == {"commitment_objective": ["A numeric commitment is toward one objective: choose it."]}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"date": "2025-12-31"}, "date", "The date must be within the mission, from 2026-01-01 to 2026-12-31."),
        ({"value": "-1"}, "value", "A value cannot be negative; to lower a validated contribution, correct it."),
        ({"value": "1.234"}, "value", "Give a number with at most 12 digits before the point and 2 after."),
        ({"value": "NaN"}, "value", "Give a number with at most 12 digits before the point and 2 after."),
        ({"kind": "bribe"}, "kind", None),
        (
            {"quantity": "3"},
            "quantity",
            "A quantity counts only toward an objective measured in quantity: choose one.",
        ),
        (
            {"evidence_url": "javascript:alert(1)"},
            "evidence_url",
            "Give a web address starting with http:// or https://.",
        ),
        ({"contributors": [{"partner": 999999}]}, "contributors", None),
    ],
)
def test_a_bad_contribution_changes_nothing(world, data, field, message):
    with pytest.raises(FieldErrors) as error:
        declare(world["sam"], world["mission"], **data)
    assert field in error.value.errors
    if message:
        assert message in error.value.errors[field]
    assert not Contribution.objects.exists() and not Share.objects.exists()


def test_an_objective_of_another_mission_is_refused(world):
    with pytest.raises(FieldErrors) as error:
        declare(world["sam"], world["mission"], objective=world["co2"].pk, kind="other")
    assert error.value.errors == {"objective": ["Choose an objective of this mission."]}


def test_a_non_participant_cannot_be_a_co_contributor(world):
    with pytest.raises(FieldErrors) as error:
        declare(
            world["sam"],
            world["mission"],
            contributors=[{"partner": world["medisol"].pk}, {"partner": world["carevia"].pk}],
        )
    assert error.value.errors == {
        "contributors": [f"Partner {world['carevia'].pk} does not take part in this mission."]
    }


def test_a_frozen_partner_cannot_contribute(world):
    Partner.objects.filter(pk=world["medisol"].pk).update(status=Partner.Status.SUSPENDED)
    with pytest.raises(FieldErrors) as error:
        declare(world["manager"], world["mission"], partner=world["medisol"].pk)
    assert error.value.errors["partner"] == ["Medisol is suspended: its participations are frozen."]


def test_equal_weights_sum_to_exactly_one():
    for count in range(1, 21):
        weights = equal_weights(count)
        assert sum(weights) == Decimal(1) and max(weights) - min(weights) <= Decimal("0.000001")


def test_decline_edit_confirm_validate_correct(world):
    sam, manager, mission = world["sam"], world["manager"], world["mission"]
    paul = make_user(_tenant(), "partner_admin", email="paul@finamed.test", partner=world["finamed"])
    contribution = declare(
        sam, mission, value="100",
        contributors=[{"partner": world["medisol"].pk}, {"partner": world["finamed"].pk}],
    )  # fmt: skip
    assert list(contribution.shares.values_list("weight", flat=True)) == [Decimal("0.5"), Decimal("0.5")]
    with pytest.raises(NotAllowed):
        services.share_confirm(actor=world["clara"], contribution=contribution)
    services.share_decline(actor=paul, contribution=contribution, reason="Our part was larger")
    assert Contribution.objects.get().status == C.DECLINED
    contribution = services.contribution_update(
        actor=sam, contribution=contribution,
        data={"contributors": [{"partner": world["medisol"].pk, "weight": "0.4"}, {"partner": world["finamed"].pk, "weight": "0.6"}]},
    )  # fmt: skip
    assert contribution.status == C.AWAITING_CONFIRMATION
    contribution = services.share_confirm(actor=paul, contribution=contribution)
    assert contribution.status == C.SUBMITTED
    services.contribution_validate(actor=manager, contribution=contribution)
    with pytest.raises(Conflict):
        services.contribution_update(actor=sam, contribution=contribution, data={"value": "1"})
    with pytest.raises(Conflict):
        services.contribution_delete(actor=manager, contribution=contribution)
    correction = services.contribution_correct(
        actor=manager,
        original=contribution,
        data={"value": "-30", "description": "Invoice credited", "date": "2026-04-01"},
    )
    assert (correction.value, correction.corrects_id, correction.status) == (
        Decimal("-30"),
        contribution.pk,
        C.SUBMITTED,
    )
    assert sorted(correction.shares.values_list("weight", "state")) == [
        (Decimal("0.4"), "confirmed"), (Decimal("0.6"), "confirmed"),
    ]  # fmt: skip
    assert Contribution.objects.get(pk=contribution.pk).value == Decimal("100")


def _tenant():
    from django.db import connection

    return connection.tenant


def test_bulk_validation_skips_what_is_not_ready(world):
    manager, mission = world["manager"], world["mission"]
    ready = declare(world["sam"], mission)
    joint = declare(
        world["sam"], mission, contributors=[{"partner": world["medisol"].pk}, {"partner": world["finamed"].pk}]
    )
    outcome = services.contributions_review_many(actor=manager, contributions=Contribution.objects.all())
    assert outcome.done == [ready.pk] and outcome.skipped == {joint.pk: "Awaiting co-contributors"}
    assert AuditEvent.objects.filter(action="contribution.validated").count() == 1
    with pytest.raises(FieldErrors):
        services.contributions_review_many(actor=manager, contributions=Contribution.objects.all(), reject_reason=" ")


def test_mission_dates_cannot_leave_contributions_outside(world):
    declare(world["sam"], world["mission"], date="2026-03-01")
    with pytest.raises(FieldErrors) as error:
        services.mission_update(actor=world["manager"], mission=world["mission"], data={"start": dt.date(2026, 4, 1)})
    assert "start" in error.value.errors


def test_coopetition_stays_once_partners_declared(world):
    declare(world["sam"], world["circular"], kind="other")
    with pytest.raises(FieldErrors):
        services.mission_update(actor=world["manager"], mission=world["circular"], data={"confidentiality": "open"})


def test_join_helper_makes_active_participants(cast):
    mission = open_mission(cast["manager"])
    [p] = join(cast["manager"], mission, cast["finamed"])
    assert p.state == "active"
