"""The report's computing core on a real database: a hand-checked ecosystem, the filters, the empty
scope, the explanation, and a query count that does not grow with the contributions.

The hand-checked ecosystem (period 2026-03-01 .. 2026-05-31; previous period 2025-11-29 .. 2026-02-28).
Partners, by creation (so by id): Medisol (supplier, tier Gold), Carevia (supplier), Finamed (partner),
Edunet (association).

Mission "Equip 500 rural clinics" (Medisol, Finamed, Edunet): objectives Revenue (money, target 1000)
and Clinics (quantity, target 500 clinics).
    c1  2026-03-10  Medisol alone                  revenue_sourced     600  -> Revenue
    c2  2026-04-05  Medisol 0.25 / Finamed 0.75    revenue_influenced  800  -> Revenue
    k   2026-05-20  correction of c2               revenue_influenced -200  -> Revenue
    c3  2026-04-20  Finamed alone                  training            300  (no objective)
    c4  2026-05-02  Edunet 0.5 / Medisol 0.5       in_kind             200, 40 clinics -> Clinics
    rejected        Finamed alone 2026-03-15 5000: never counts
    out of period   Medisol alone 2026-06-15 1000 -> Revenue: never counts
    previous        Medisol alone 2026-02-10 400; Finamed alone 2026-01-20 100
Mission "Circular medical equipment" (coopetition; Medisol, Carevia): objective CO2 (quantity, target 100 tCO2e).
    c5  2026-03-20  Carevia alone                  co_development      500, 30 t -> CO2
    c6  2026-04-15  Carevia 0.6 / Medisol 0.4      co_development     1000, 90 t -> CO2

Linear: Medisol 600 + 200 - 50 + 100 + 400 = 1250 (solo 600, joint 650); Finamed 600 - 150 + 300 = 750
(solo 300, joint 450); Carevia 500 + 600 = 1100 (solo 500, joint 600); Edunet 100 (joint). V = 3200 =
600 + 800 - 200 + 300 + 200 + 500 + 1000. Shares 0.390625, 0.34375, 0.234375, 0.03125.
Synergy: J = 800 - 200 + 200 + 1000 = 1800 = 650 + 450 + 100 + 600; ratio 0.5625.
Pairs: Medisol-Carevia 1000, Medisol-Finamed 800 - 200 = 600, Medisol-Edunet 200.
HHI = 0.390625² + 0.34375² + 0.234375² + 0.03125² = 0.32666015625 (3266.6015625).
Gini: ascending 100, 750, 1100, 1250; 2·(1·100 + 2·750 + 3·1100 + 4·1250)/(4·3200) - 5/4 = 0.296875.
Top-5: the 4 partners, 1.0. Lorenz: (0,0) (.25, 100/3200) (.5, 850/3200) (.75, 1950/3200) (1,1).
Fair shares: Revenue: sets {M} 600 and {M,F} 800 - 200 = 600, total 1200 > 1000 (binding): v(M) = 600,
v(F) = 0, v(MF) = 1000 -> M = (600 + 1000)/2 = 800, F = (0 + 400)/2 = 200 (linear 750 and 450).
Clinics: {E,M} 40 <= 500 -> 20 each. CO2: {C} 30, {C,M} 90, total 120 > 100: C = (30 + 100)/2 = 65,
M = (0 + 70)/2 = 35 (linear 84 and 36). Fair share in money: Medisol 800, Finamed 200, the others 0.
Previous period: Medisol 400 -> +850 (+212.5 %), Finamed 100 -> +650 (+650 %), Carevia and Edunet 0 -> None.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ecosystem.missions import services
from ecosystem.missions.models import Contribution, Share
from ecosystem.value import engine, rollups
from ecosystem.value.engine import (
    CoContributor,
    Concentration,
    MonthlyValue,
    ObjectiveShare,
    Pair,
    PartnerChange,
    Scope,
    compute,
    explain,
)
from partners.models import Tier
from tests.conftest import make_user
from tests.missions.conftest import PartnerFactory, declare, join
from tests.missions.conftest import world as world  # the fixture
from tests.partners.conftest import cast as cast  # the fixture `world` builds on

D = Decimal
PERIOD = Scope(dt.date(2026, 3, 1), dt.date(2026, 5, 31))
MONEY = Decimal("0.01")


def validated(manager, mission, *, confirm=(), **data):
    contribution = declare(manager, mission, **data)
    for user in confirm:
        contribution = services.share_confirm(actor=user, contribution=contribution)
    return services.contribution_validate(actor=manager, contribution=contribution)


@pytest.fixture
def eco(alpha, world):
    manager, mission, circular = world["manager"], world["mission"], world["circular"]
    medisol, carevia, finamed = world["medisol"], world["carevia"], world["finamed"]
    edunet = PartnerFactory(name="Edunet", role="association", external_id="EDU")
    medisol.tier = Tier.objects.create(name="Gold", rank=1)
    medisol.save()
    join(manager, mission, edunet)
    sam = world["sam"]
    paul = make_user(alpha, "partner_admin", email="paul@finamed.test", partner=finamed)
    revenue, clinics, co2 = world["value"].pk, world["clinics"].pk, world["co2"].pk

    c1 = validated(manager, mission, partner=medisol.pk, value="600", date="2026-03-10", objective=revenue)
    c2 = validated(
        manager, mission, partner=medisol.pk, kind="revenue_influenced", value="800", date="2026-04-05",
        objective=revenue, confirm=[paul],
        contributors=[{"partner": medisol.pk, "weight": "0.25"}, {"partner": finamed.pk, "weight": "0.75"}],
    )  # fmt: skip
    correction = services.contribution_correct(
        actor=manager, original=c2, data={"value": "-200", "date": "2026-05-20", "description": "Credit note"}
    )
    correction = services.contribution_validate(actor=manager, contribution=correction)
    c3 = validated(manager, mission, partner=finamed.pk, kind="training", value="300", date="2026-04-20")
    c4 = validated(
        manager, mission, partner=edunet.pk, kind="in_kind", value="200", quantity="40", date="2026-05-02",
        objective=clinics, confirm=[sam], contributors=[{"partner": edunet.pk}, {"partner": medisol.pk}],
    )  # fmt: skip
    rejected = declare(manager, mission, partner=finamed.pk, value="5000", date="2026-03-15")
    services.contribution_reject(actor=manager, contribution=rejected, reason="No invoice")
    late = validated(manager, mission, partner=medisol.pk, value="1000", date="2026-06-15", objective=revenue)
    validated(manager, mission, partner=medisol.pk, value="400", date="2026-02-10")
    validated(manager, mission, partner=finamed.pk, value="100", date="2026-01-20")
    c5 = validated(
        manager, circular, partner=carevia.pk, kind="co_development", value="500", quantity="30",
        date="2026-03-20", objective=co2,
    )  # fmt: skip
    c6 = validated(
        manager, circular, partner=carevia.pk, kind="co_development", value="1000", quantity="90",
        date="2026-04-15", objective=co2, confirm=[sam],
        contributors=[{"partner": carevia.pk, "weight": "0.6"}, {"partner": medisol.pk, "weight": "0.4"}],
    )  # fmt: skip
    assert Contribution.objects.get(pk=rejected.pk).status == Contribution.Status.REJECTED
    return {**world, "edunet": edunet, "paul": paul, "c1": c1, "c2": c2, "correction": correction,
            "c3": c3, "c4": c4, "c5": c5, "c6": c6, "late": late}  # fmt: skip


def test_the_hand_checked_ecosystem_gives_every_figure_exactly(eco):
    med, car, fin, edu = (eco[name].pk for name in ("medisol", "carevia", "finamed", "edunet"))
    assert med < car < fin < edu
    seen: list[int] = []

    results = compute(PERIOD, progress=seen.append)

    assert results.total_value == D(3200)
    assert results.contributions == 6
    rows = [
        (r.partner_id, r.name, r.role, r.tier, r.value, r.share, r.solo_value, r.joint_value, r.fair_share,
         r.contributions, r.missions, r.previous_value, r.change, r.change_percent)
        for r in results.scorecard
    ]  # fmt: skip
    assert rows == [
        (
            med,
            "Medisol",
            "supplier",
            "Gold",
            D(1250),
            0.390625,
            D(600),
            D(650),
            D("800.00"),
            4,
            2,
            D(400),
            D(850),
            212.5,
        ),
        (car, "Carevia", "supplier", "", D(1100), 0.34375, D(500), D(600), D(0), 2, 1, D(0), D(1100), None),
        (fin, "Finamed", "partner", "", D(750), 0.234375, D(300), D(450), D("200.00"), 2, 1, D(100), D(650), 650.0),
        (edu, "Edunet", "association", "", D(100), 0.03125, D(0), D(100), D(0), 1, 1, D(0), D(100), None),
    ]
    assert results.synergy.joint_value == D(1800)
    assert results.synergy.ratio == 0.5625
    assert results.synergy.pairs == (Pair(med, car, D(1000), 1), Pair(med, fin, D(600), 1), Pair(med, edu, D(200), 1))
    assert results.concentration == Concentration(
        hhi=0.32666015625, hhi_points=3266.6015625, gini=0.296875, top5_share=1.0,
        lorenz=((0.0, 0.0), (0.25, 0.03125), (0.5, 0.265625), (0.75, 0.609375), (1.0, 1.0)),
    )  # fmt: skip

    mar, apr, may = dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 5, 1)
    trend = results.trend
    assert trend.by_partner == (
        MonthlyValue(mar, med, D(600)), MonthlyValue(mar, car, D(500)),
        MonthlyValue(apr, med, D(600)), MonthlyValue(apr, car, D(600)), MonthlyValue(apr, fin, D(900)),
        MonthlyValue(may, med, D(50)), MonthlyValue(may, fin, D(-150)), MonthlyValue(may, edu, D(100)),
    )  # fmt: skip
    assert trend.by_role == (
        MonthlyValue(mar, "supplier", D(1100)),
        MonthlyValue(apr, "partner", D(900)), MonthlyValue(apr, "supplier", D(1200)),
        MonthlyValue(may, "association", D(100)), MonthlyValue(may, "partner", D(-150)),
        MonthlyValue(may, "supplier", D(50)),
    )  # fmt: skip
    assert trend.by_kind == (
        MonthlyValue(mar, "co_development", D(500)), MonthlyValue(mar, "revenue_sourced", D(600)),
        MonthlyValue(apr, "co_development", D(1000)), MonthlyValue(apr, "revenue_influenced", D(800)),
        MonthlyValue(apr, "training", D(300)),
        MonthlyValue(may, "in_kind", D(200)), MonthlyValue(may, "revenue_influenced", D(-200)),
    )  # fmt: skip
    assert (trend.previous_start, trend.previous_end) == (dt.date(2025, 11, 29), dt.date(2026, 2, 28))
    assert trend.changes == (
        PartnerChange(med, D(1250), D(400), D(850), 212.5),
        PartnerChange(car, D(1100), D(0), D(1100), None),
        PartnerChange(fin, D(750), D(100), D(650), 650.0),
        PartnerChange(edu, D(100), D(0), D(100), None),
    )

    revenue, clinics, co2 = results.objectives
    assert (revenue.objective_id, revenue.metric, revenue.target, revenue.total, revenue.capped, revenue.exact) == (
        eco["value"].pk, "value", D(1000), D(1200), True, True,
    )  # fmt: skip
    assert revenue.shares == (ObjectiveShare(med, D(750), D("800.00")), ObjectiveShare(fin, D(450), D("200.00")))
    assert (clinics.unit, clinics.target, clinics.total, clinics.capped) == ("clinics", D(500), D(40), False)
    assert clinics.shares == (ObjectiveShare(med, D(20), D(20)), ObjectiveShare(edu, D(20), D(20)))
    assert (co2.mission_id, co2.unit, co2.total, co2.capped, co2.permutations, co2.bound) == (
        eco["circular"].pk, "tCO2e", D(120), True, 0, 0.0,
    )  # fmt: skip
    assert co2.shares == (ObjectiveShare(med, D(36), D(35)), ObjectiveShare(car, D(84), D(65)))

    assert seen == sorted(seen) and seen[-1] == 100 and len(seen) >= 6


def test_the_role_filter_keeps_only_the_shares_of_partners_in_the_roles(eco):
    med, car = eco["medisol"].pk, eco["carevia"].pk

    results = compute(Scope(PERIOD.period_start, PERIOD.period_end, roles=("supplier",)))

    # Finamed's 0.75 of c2 and Edunet's half of c4 are not handed to Medisol: V = 1250 + 1100.
    assert results.total_value == D(2350)
    assert [(r.partner_id, r.value, r.solo_value, r.joint_value, r.fair_share, r.contributions) for r in results.scorecard] == [
        (med, D(1250), D(600), D(650), D("750.00"), 4),
        (car, D(1100), D(500), D(600), D(0), 2),
    ]  # fmt: skip
    assert results.synergy.joint_value == D(1250)
    assert results.synergy.pairs == (Pair(med, car, D(1000), 1),)
    # Revenue: {M} 600 and Medisol's quarter of c2 netted, 150: 750 <= 1000, nothing binds.
    revenue = results.objectives[0]
    assert (revenue.total, revenue.capped, revenue.shares) == (D(750), False, (ObjectiveShare(med, D(750), D(750)),))
    assert [r.partner_id for r in results.scorecard] == [med, car]
    assert [c.partner_id for c in results.trend.changes] == [med, car]
    assert {v.key for v in results.trend.by_role} == {"supplier"}


def test_the_mission_filter_reads_only_those_missions(eco):
    med, car = eco["medisol"].pk, eco["carevia"].pk

    results = compute(Scope(PERIOD.period_start, PERIOD.period_end, missions=(eco["circular"].pk,)))

    assert results.total_value == D(1500)
    assert results.contributions == 2
    assert [(r.partner_id, r.value, r.share, r.fair_share, r.previous_value, r.change_percent) for r in results.scorecard] == [
        (car, D(1100), 1100 / 1500, D(0), D(0), None),
        (med, D(400), 400 / 1500, D(0), D(0), None),
    ]  # fmt: skip
    assert (results.synergy.joint_value, results.synergy.ratio) == (D(1000), 1000 / 1500)
    assert [o.objective_id for o in results.objectives] == [eco["co2"].pk]
    assert {v.key for v in results.trend.by_kind} == {"co_development"}


def test_an_empty_scope_gives_zeros_without_dividing_by_zero(eco):
    results = compute(Scope(dt.date(2025, 6, 1), dt.date(2025, 6, 30)))

    assert (results.total_value, results.contributions, results.scorecard, results.objectives) == (D(0), 0, (), ())
    assert (results.synergy.joint_value, results.synergy.ratio, results.synergy.pairs) == (D(0), 0.0, ())
    assert results.concentration == Concentration(0.0, 0.0, 0.0, 0.0, ((0.0, 0.0), (1.0, 1.0)))
    assert (results.trend.by_partner, results.trend.by_role, results.trend.by_kind, results.trend.changes) == (
        (), (), (), ()
    )  # fmt: skip


def test_a_role_without_partners_and_a_scope_before_anything_are_empty_too(eco):
    assert compute(Scope(PERIOD.period_start, PERIOD.period_end, roles=("institution",))).scorecard == ()
    assert compute(Scope(dt.date(2026, 3, 1), dt.date(2026, 3, 1))).total_value == D(0)


def test_a_scope_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="period_end must not be before period_start"):
        Scope(dt.date(2026, 3, 2), dt.date(2026, 3, 1))


def test_a_partner_s_figures_are_explained_contribution_by_contribution(eco):
    med, car, fin, edu = (eco[name].pk for name in ("medisol", "carevia", "finamed", "edunet"))

    explanation = explain(PERIOD, med)

    assert (explanation.value, explanation.solo_value, explanation.joint_value, explanation.fair_share) == (
        D(1250), D(600), D(650), D("800.00"),
    )  # fmt: skip
    lines = [(line.contribution_id, line.part, line.joint, line.corrects_id) for line in explanation.contributions]
    assert lines == [
        (eco["c1"].pk, D(600), False, None),
        (eco["c6"].pk, D(400), True, None),
        (eco["c2"].pk, D(200), True, None),
        (eco["c4"].pk, D(100), True, None),
        (eco["correction"].pk, D(-50), True, eco["c2"].pk),
    ]
    assert explanation.more == 0
    c6 = explanation.contributions[1]
    assert (c6.date, c6.mission, c6.kind, c6.value, c6.weight, c6.objective_id) == (
        dt.date(2026, 4, 15), "Circular medical equipment", "co_development", D(1000), D("0.4"), eco["co2"].pk,
    )  # fmt: skip
    assert c6.others == (CoContributor(car, "Carevia", D("0.6"), True),)
    assert explanation.contributions[0].others == ()
    assert explanation.contributions[2].others == (CoContributor(fin, "Finamed", D("0.75"), True),)
    assert explanation.contributions[3].others == (CoContributor(edu, "Edunet", D("0.5"), True),)

    revenue, clinics, co2 = explanation.objectives
    assert (revenue.linear, revenue.fair, revenue.difference, revenue.capped, revenue.joint, revenue.reasons) == (
        D(750), D("800.00"), D(50), True, True, (engine.TARGET_REACHED, engine.JOINT_SHARED),
    )  # fmt: skip
    assert (clinics.linear, clinics.fair, clinics.difference, clinics.joint, clinics.reasons) == (
        D(20), D(20), D(0), True, (),
    )  # fmt: skip
    assert (co2.target, co2.total, co2.linear, co2.fair, co2.difference, co2.reasons) == (
        D(100), D(120), D(36), D(35), D(-1), (engine.TARGET_REACHED, engine.JOINT_SHARED),
    )  # fmt: skip


def test_the_explanation_agrees_with_the_scorecard_for_every_partner(eco):
    results = compute(PERIOD)
    for row in results.scorecard:
        explanation = explain(PERIOD, row.partner_id)
        assert (explanation.value, explanation.solo_value, explanation.joint_value, explanation.fair_share) == (
            row.value, row.solo_value, row.joint_value, row.fair_share,
        )  # fmt: skip
        assert sum(line.part for line in explanation.contributions) == row.value


def test_the_explanation_is_bounded_and_follows_the_role_filter(eco, monkeypatch):
    suppliers = Scope(PERIOD.period_start, PERIOD.period_end, roles=("supplier",))
    outside = explain(suppliers, eco["finamed"].pk)
    assert (outside.value, outside.contributions, outside.objectives, outside.fair_share) == (D(0), (), (), D(0))
    c2 = next(
        line for line in explain(suppliers, eco["medisol"].pk).contributions if line.contribution_id == eco["c2"].pk
    )
    assert c2.others == (CoContributor(eco["finamed"].pk, "Finamed", D("0.75"), False),)

    monkeypatch.setattr(engine, "EXPLAIN_LIMIT", 2)
    explanation = explain(PERIOD, eco["medisol"].pk)
    assert [line.contribution_id for line in explanation.contributions] == [eco["c1"].pk, eco["c6"].pk]
    assert explanation.more == 3


def bulk(world, count: int) -> None:
    """`count` validated contributions straight into the tables (the engine only reads them): every third
    joint, spread over both missions, their objectives and the period."""
    medisol, finamed, carevia = world["medisol"], world["finamed"], world["carevia"]
    rows, pairs = [], []
    for i in range(count):
        circular = i % 2 == 1
        mission, objective = (world["circular"], world["co2"]) if circular else (world["mission"], world["value"])
        partners = [medisol, carevia] if circular else [medisol, finamed]
        joint = i % 3 == 0
        rows.append(
            Contribution(
                mission=mission, objective=objective, partner=partners[0], kind="referral", value=D(10 + i),
                quantity=D(1) if circular else None, date=dt.date(2026, 3 + i % 3, 1 + i % 28),
                status=Contribution.Status.VALIDATED,
            )
        )  # fmt: skip
        pairs.append(partners if joint else partners[:1])
    created = Contribution.objects.bulk_create(rows)
    Share.objects.bulk_create(
        Share(contribution=c, partner=p, weight=D(1) / len(ps), state=Share.State.CONFIRMED)
        for c, ps in zip(created, pairs, strict=True)
        for p in ps
    )


@pytest.mark.parametrize("count", [10, 200])
def test_compute_reads_with_a_constant_number_of_queries(world, count, django_assert_num_queries):
    bulk(world, count)
    rollups.refresh()  # what beat does between validations and reports

    # roll-ups current: a savepoint, the lock and the empty queue (and the release); then partners,
    # pairs, monthly series, objectives, the fair-share games
    with django_assert_num_queries(9):
        results = compute(PERIOD)

    assert results.contributions == count
    assert results.total_value == sum(D(10 + i) for i in range(count))
    assert sum(r.value for r in results.scorecard) == results.total_value


def test_a_chain_of_corrections_is_netted_into_the_original_in_the_fair_share_game(eco):
    med, fin = eco["medisol"].pk, eco["finamed"].pk
    manager = eco["manager"]
    again = services.contribution_correct(
        actor=manager, original=eco["correction"], data={"value": "-500", "date": "2026-05-25", "description": "More"}
    )
    services.contribution_validate(actor=manager, contribution=again)

    results = compute(PERIOD)

    # c2 nets to 800 - 200 - 500 = 100 (not 600 with the second correction dropped on its own): Revenue's
    # total is 600 + 100 = 700, under its target, so each set is split equally: M 600 + 50, F 50.
    revenue = results.objectives[0]
    assert (revenue.total, revenue.capped) == (D(700), False)
    assert revenue.shares == (ObjectiveShare(med, D(625), D(650)), ObjectiveShare(fin, D(75), D(50)))
    assert {r.partner_id: r.value for r in results.scorecard}[fin] == D(750) - D(375)
    assert results.contributions == 6  # corrections are not new contributions
    assert results.synergy.pairs[2] == Pair(med, fin, D(100), 1)  # now after Medisol-Edunet, 200


def test_a_correction_of_a_contribution_outside_the_period_counts_by_its_own_date(eco):
    med = eco["medisol"].pk
    manager = eco["manager"]
    credit = services.contribution_correct(
        actor=manager, original=eco["late"], data={"value": "-100", "date": "2026-05-30", "description": "Credit"}
    )
    services.contribution_validate(actor=manager, contribution=credit)

    results = compute(PERIOD)

    # In the linear figures it lowers Medisol's May; in the game it nets into June's 1000, outside the period:
    # alone it is -100, a set of no worth, dropped. Revenue's shares do not move.
    assert results.scorecard[0].value == D(1150)
    assert results.trend.by_partner[5] == MonthlyValue(dt.date(2026, 5, 1), med, D(-50))
    assert results.objectives[0].shares == (
        ObjectiveShare(med, D(650), D("800.00")), ObjectiveShare(eco["finamed"].pk, D(450), D("200.00")),
    )  # fmt: skip


def test_a_large_mission_with_a_binding_target_is_sampled_and_says_how_sure(world):
    mission, objective = world["mission"], world["value"]  # Revenue, target 1000
    partners = [PartnerFactory() for _ in range(14)]
    created = Contribution.objects.bulk_create(
        Contribution(mission=mission, objective=objective, partner=p, kind="referral", value=D(100),
                     date=dt.date(2026, 4, 1), status=Contribution.Status.VALIDATED)
        for p in partners
    )  # fmt: skip
    Share.objects.bulk_create(
        Share(contribution=c, partner=p, weight=D(1), state=Share.State.CONFIRMED)
        for c, p in zip(created, partners, strict=True)
    )

    (revenue,) = compute(PERIOD).objectives

    assert (revenue.total, revenue.capped, revenue.exact) == (D(1400), True, False)
    # Each partner adds at most its own 100, a tenth of the target: ceil(ln(2·14 / 0.05) / (2·0.01²) · 0.1²)
    # = ceil(31,639.5 · 0.01) = 317 permutations (31,640 if any could add the whole target).
    assert (revenue.permutations, revenue.bound, revenue.confidence) == (317, 10.0, 0.95)
    # 14 symmetric partners: each 1000 / 14 = 71.43, within the bound.
    assert all(abs(share.fair - D("71.43")) <= 10 for share in revenue.shares)
    assert abs(sum(share.fair for share in revenue.shares) - 1000) <= D("0.14")
