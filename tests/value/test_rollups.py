"""The monthly roll-ups (value/rollups.py): every change to what a report counts notes its months, a
refresh rebuilds exactly what a rebuild from scratch would, and a report read from them gives the same
figures as one read from the contributions themselves (the live path), whatever the period, missions
and roles.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import connection

from ecosystem.missions import services
from ecosystem.missions.models import Contribution, Objective, Share
from ecosystem.value import engine, rollups
from ecosystem.value.engine import Scope, compute
from ecosystem.value.models import RollupDirty
from partners.models import Partner
from tests.missions.conftest import PartnerFactory, declare, join
from tests.missions.conftest import world as world  # the fixture
from tests.partners.conftest import cast as cast  # the fixture `world` builds on
from tests.value.test_engine import eco as eco  # the hand-checked ecosystem
from tests.value.test_engine import validated

D = Decimal


def noted() -> set[dt.date]:
    return set(RollupDirty.objects.values_list("month", flat=True))


def stored() -> dict[str, list[tuple]]:
    """Every grain's rows, sorted (ids left out)."""
    tables = {}
    with connection.cursor() as cursor:
        for name, grain in rollups.GRAINS.items():
            cursor.execute(f"SELECT {grain.columns} FROM {grain.table}")
            tables[name] = sorted(cursor.fetchall(), key=repr)
    return tables


def rebuilt() -> dict[str, list[tuple]]:
    """The grains built from scratch: every month with a validated contribution noted, then refreshed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO value_rollupdirty (month) SELECT DISTINCT date_trunc('month', date)::date "
            "FROM missions_contribution"
        )
    rollups.refresh()
    return stored()


def test_validating_notes_the_month_and_declaring_does_not(world):
    manager, mission, medisol = world["manager"], world["mission"], world["medisol"]
    rollups.refresh()

    contribution = declare(manager, mission, partner=medisol.pk, value="100", date="2026-04-12")
    assert noted() == set()
    services.contribution_validate(actor=manager, contribution=contribution)

    assert noted() == {dt.date(2026, 4, 1)}
    assert rollups.refresh() == [dt.date(2026, 4, 1)]
    assert noted() == set()
    assert stored()["partner"] == [(dt.date(2026, 4, 1), mission.pk, medisol.pk, D(100), D(100), D(0), 1, 1)]


def test_a_correction_notes_its_month_and_the_month_of_what_it_corrects(eco):
    rollups.refresh()

    again = services.contribution_correct(
        actor=eco["manager"],
        original=eco["correction"],
        data={"value": "-50", "date": "2026-07-02", "description": "Late credit"},
    )
    assert noted() == set()  # declared only
    services.contribution_validate(actor=eco["manager"], contribution=again)

    # Its own month, that of the correction it corrects (May) and that of the original (April).
    assert noted() == {dt.date(2026, 7, 1), dt.date(2026, 5, 1), dt.date(2026, 4, 1)}


def test_a_new_role_notes_the_months_the_partner_has_value_in(eco):
    rollups.refresh()

    Partner.objects.filter(pk=eco["edunet"].pk).update(role="institution")
    assert noted() == {dt.date(2026, 5, 1)}  # c4, Edunet's only contribution
    Partner.objects.filter(pk=eco["edunet"].pk).update(name="Edunet Europe")  # not a new role
    assert noted() == {dt.date(2026, 5, 1)}


def test_an_objective_changing_metric_notes_its_contributions_months(eco):
    rollups.refresh()

    Objective.objects.filter(pk=eco["co2"].pk).update(title="CO2 avoided")
    assert noted() == set()
    Objective.objects.filter(pk=eco["co2"].pk).update(metric="count")
    assert noted() == {dt.date(2026, 3, 1), dt.date(2026, 4, 1)}


def test_raw_sql_is_noted_too(eco):
    rollups.refresh()
    c3, c5 = eco["c3"], eco["c5"]

    with connection.cursor() as cursor:
        cursor.execute("UPDATE missions_contribution SET date = '2026-08-03' WHERE id = %s", [c3.pk])
        assert noted() == {dt.date(2026, 4, 1), dt.date(2026, 8, 1)}  # from April to August
        cursor.execute("UPDATE missions_share SET weight = weight WHERE contribution_id = %s", [c5.pk])
        assert noted() == {dt.date(2026, 4, 1), dt.date(2026, 8, 1), dt.date(2026, 3, 1)}
        cursor.execute("DELETE FROM missions_share WHERE contribution_id = %s", [c3.pk])
        cursor.execute("DELETE FROM missions_contribution WHERE id = %s", [c3.pk])
    assert rollups.refresh() == [dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 8, 1)]


@pytest.mark.parametrize("table", ["missions_share", "missions_contribution CASCADE"])
def test_a_truncate_notes_every_stored_month(eco, table):
    """TRUNCATE fires no DELETE trigger; its own trigger notes every month the roll-ups hold, and the
    refresh then builds what is left (the contributions without their shares, or nothing)."""
    rollups.refresh()
    months = {row[0] for row in stored()["partner"]}
    assert months and not noted()

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred check pending on the tables
        cursor.execute(f"TRUNCATE {table}")
    assert noted() == months
    rollups.refresh()
    assert stored() == rebuilt() == {key: [] for key in rollups.GRAINS}


def test_a_report_never_reads_stale_roll_ups(eco):
    before = compute(engine.Scope(dt.date(2026, 3, 1), dt.date(2026, 5, 31)))
    manager, mission = eco["manager"], eco["mission"]

    validated(manager, mission, partner=eco["finamed"].pk, value="49.99", date="2026-03-31")

    after = compute(engine.Scope(dt.date(2026, 3, 1), dt.date(2026, 5, 31)))
    assert after.total_value == before.total_value + D("49.99")


def test_refreshing_as_changes_come_builds_what_a_rebuild_from_scratch_builds(eco):
    manager, mission, circular = eco["manager"], eco["mission"], eco["circular"]
    rollups.refresh()
    validated(manager, mission, partner=eco["finamed"].pk, value="75", date="2026-05-31", objective=eco["value"].pk)
    again = services.contribution_correct(
        actor=manager, original=eco["c1"], data={"value": "-100", "date": "2026-06-01", "description": "Refund"}
    )
    services.contribution_validate(actor=manager, contribution=again)
    rollups.refresh()
    Partner.objects.filter(pk=eco["carevia"].pk).update(role="competitor")
    validated(manager, circular, partner=eco["carevia"].pk, value="10", quantity="3", date="2026-02-14",
              objective=eco["co2"].pk)  # fmt: skip
    rollups.refresh()
    incremental = stored()

    assert incremental == rebuilt()
    assert incremental["game"]  # not trivially equal


# --- stored and live: the same figures ------------------------------------------------------------


def shuffle_in(eco, seed: int) -> None:
    """Random validated contributions over both missions: solo and joint, with and without an objective,
    over eight months, and corrections of some."""
    rng = random.Random(seed)
    manager = eco["manager"]
    missions = [
        (eco["mission"], [eco["medisol"], eco["finamed"], eco["edunet"]], [eco["value"], eco["clinics"], None]),
        (eco["circular"], [eco["medisol"], eco["carevia"]], [eco["co2"], None]),
    ]
    extra = PartnerFactory(name="Latecomer", role="institution")
    join(manager, eco["mission"], extra)
    missions[0][1].append(extra)
    made = []
    for _ in range(40):
        mission, partners, objectives = rng.choice(missions)
        team = rng.sample(partners, rng.choice([1, 1, 2, 3]) if len(partners) > 2 else rng.choice([1, 2]))
        objective = rng.choice(objectives)
        day = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(240))
        contribution = Contribution.objects.create(
            mission=mission, objective=objective, partner=team[0], kind=rng.choice(["referral", "training"]),
            value=D(rng.randrange(1, 900)), quantity=D(rng.randrange(0, 30)), date=day,
            status=Contribution.Status.VALIDATED,
        )  # fmt: skip
        weights = [D(1) / len(team)] * len(team) if len(team) != 3 else [D("0.5"), D("0.25"), D("0.25")]
        Share.objects.bulk_create(
            Share(contribution=contribution, partner=p, weight=w, state=Share.State.CONFIRMED)
            for p, w in zip(team, weights, strict=True)
        )
        made.append(contribution)
    for original in rng.sample(made, 6):
        correction = services.contribution_correct(
            actor=manager, original=original,
            data={"value": str(-rng.randrange(1, int(original.value) + 200)),
                  "date": str(original.date + dt.timedelta(days=rng.randrange(0, 60))), "description": "Fix"},
        )  # fmt: skip
        services.contribution_validate(actor=manager, contribution=correction)


def same(a, b) -> None:
    """Results equal, Decimals by value (the two paths may carry different trailing zeros)."""
    assert dataclasses.asdict(a) == dataclasses.asdict(b)


SCOPES = [
    Scope(dt.date(2026, 1, 1), dt.date(2026, 8, 31)),
    Scope(dt.date(2026, 2, 14), dt.date(2026, 6, 9)),
    Scope(dt.date(2026, 3, 3), dt.date(2026, 3, 27)),
    Scope(dt.date(2026, 1, 2), dt.date(2026, 5, 30)),  # a day short at each end
    Scope(dt.date(2026, 1, 1), dt.date(2026, 12, 31), roles=("supplier", "institution")),
    Scope(dt.date(2026, 2, 1), dt.date(2026, 7, 15), roles=("partner",)),
]


@pytest.mark.parametrize("seed", [1, 2])
def test_stored_and_live_give_the_same_report(eco, seed, monkeypatch):
    shuffle_in(eco, seed)
    scopes = [*SCOPES, Scope(dt.date(2026, 1, 1), dt.date(2026, 8, 31), missions=(eco["circular"].pk,))]
    from_rollups = [compute(scope) for scope in scopes]
    explained = [engine.explain(scope, eco["medisol"].pk) for scope in scopes]

    monkeypatch.setattr(rollups, "STORED", False)
    for scope, expected, explanation in zip(scopes, from_rollups, explained, strict=True):
        same(compute(scope), expected)
        same(engine.explain(scope, eco["medisol"].pk), explanation)
    assert any(o.capped for r in from_rollups for o in r.objectives)  # some targets bind


def test_beat_refreshes_every_active_tenant(alpha, beta):
    from django_tenants.utils import schema_context

    from ecosystem.value.tasks import refresh_rollups_everywhere

    for slug in ("alpha", "beta"):
        with schema_context(slug):
            RollupDirty.objects.create(month=dt.date(2026, 1, 1))

    sent = refresh_rollups_everywhere()

    assert sent >= 2
    for slug in ("alpha", "beta"):
        with schema_context(slug):
            assert noted() == set(), slug
