"""The services and walls the pages and the API stand on."""

from decimal import Decimal

import pytest

from ecosystem.core.errors import Conflict, FieldErrors, NotAllowed
from ecosystem.missions import selectors, services
from ecosystem.missions.models import Contribution, Share

from .conftest import declare


def test_a_joint_contribution_waits_for_confirmation_then_counts_once_validated(world):
    sam, manager, mission = world["sam"], world["manager"], world["mission"]
    contribution = declare(
        sam, mission, objective=world["clinics"].pk, kind="in_kind", value="300", quantity="12",
        contributors=[{"partner": world["medisol"].pk, "weight": "0.75"}, {"partner": world["finamed"].pk, "weight": "0.25"}],
    )  # fmt: skip
    assert contribution.status == Contribution.Status.AWAITING_CONFIRMATION
    with pytest.raises(Conflict):
        services.contribution_validate(actor=manager, contribution=contribution)
    share = Share.objects.get(contribution=contribution, partner=world["finamed"])
    assert share.state == Share.State.PENDING


def test_weights_must_sum_to_one_and_partners_declare_for_themselves(world):
    with pytest.raises(FieldErrors) as error:
        declare(
            world["sam"], world["mission"],
            contributors=[{"partner": world["medisol"].pk, "weight": "0.5"}, {"partner": world["finamed"].pk, "weight": "0.4"}],
        )  # fmt: skip
    assert "contributors" in error.value.errors
    with pytest.raises(FieldErrors) as error:
        declare(world["sam"], world["mission"], contributors=[{"partner": world["finamed"].pk}])
    assert error.value.errors["contributors"] == ["The declaring partner must be one of the contributors."]
    assert not Contribution.objects.exists()


def test_progress_counts_validated_contributions_in_one_query(world, django_assert_num_queries):
    manager, mission = world["manager"], world["mission"]
    first = declare(manager, mission, partner=world["medisol"].pk, objective=world["value"].pk, value="250")
    declare(manager, mission, partner=world["finamed"].pk, objective=world["value"].pk, value="999")
    services.contribution_validate(actor=manager, contribution=first)
    with django_assert_num_queries(2):  # the tenant settings, then the objectives with their figures
        rows = selectors.mission_objectives(mission, viewer=manager)
    progress = {o.title: p for o, p in rows}["Revenue"]
    assert progress.achieved == Decimal("250.00") and progress.percent == 25


def test_coopetition_hides_the_competitor_and_totals_below_k(world):
    manager, circular = world["manager"], world["circular"]
    mine = declare(world["sam"], circular, objective=world["co2"].pk, kind="other", quantity="10")
    theirs = declare(world["clara"], circular, objective=world["co2"].pk, kind="other", quantity="20")
    services.contributions_review_many(actor=manager, contributions=Contribution.objects.all())
    visible = set(selectors.contributions_visible_to(world["sam"]).values_list("pk", flat=True))
    assert mine.pk in visible and theirs.pk not in visible
    [(_objective, progress)] = selectors.mission_objectives(circular, viewer=world["sam"])
    assert progress.suppressed and progress.achieved is None
    [(_objective, progress)] = selectors.mission_objectives(circular, viewer=manager)
    assert progress.achieved == Decimal("30")


def test_a_partner_cannot_validate(world):
    contribution = declare(world["sam"], world["mission"])
    with pytest.raises(NotAllowed):
        services.contribution_validate(actor=world["sam"], contribution=contribution)
