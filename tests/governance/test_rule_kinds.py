"""Each rule kind on its edges: exactly at the threshold, just below, no data, out of scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from ecosystem.missions import services as missions_services
from ecosystem.missions.models import Participation, Share
from partners import services as partner_services
from partners.models import Tier
from tests.conftest import make_user
from tests.governance.conftest import PartnerFactory, declare, findings, join, rule, validated


def outcome(found, partner, name):
    f = found[(partner, name)]
    return f.outcome, f.measured, f.threshold, f.note


def test_min_contribution_at_below_without_data_and_out_of_scope(world, run):
    manager, reviewer, mission = world["manager"], world["reviewer"], world["mission"]
    gold = Tier.objects.create(name="Gold", rank=1)
    world["finamed"].tier = gold
    world["finamed"].save()
    validated(manager, mission, partner=world["medisol"].pk, value="600.00", date="2026-01-01")
    validated(manager, mission, partner=world["medisol"].pk, value="400.00", date="2026-06-30")
    validated(manager, mission, partner=world["medisol"].pk, value="999.00", date="2026-07-01")  # after the period
    validated(manager, mission, partner=world["finamed"].pk, value="1499.99", date="2026-03-10")
    rule(reviewer, "min_contribution", {"min_value": "1000"}, name="At")
    rule(reviewer, "min_contribution", {"min_value": "1000.01"}, name="Above")
    rule(reviewer, "min_contribution", {"min_value": "10", "per_tier": {str(gold.pk): "1500"}}, name="Tiered")
    rule(reviewer, "min_contribution", {"min_value": "1"}, name="Suppliers", roles=["supplier"])

    review = run(reviewer)

    found = findings(review)
    assert review.status == "done", review.failure_reason
    assert outcome(found, "Medisol", "At") == ("pass", Decimal("1000.00"), Decimal("1000.00"), "")
    assert outcome(found, "Medisol", "Above")[0] == "fail"
    assert outcome(found, "Carevia", "At") == ("fail", Decimal("0"), Decimal("1000.00"), "")  # no data
    assert outcome(found, "Finamed", "Tiered") == ("fail", Decimal("1499.99"), Decimal("1500.00"), "")
    assert outcome(found, "Medisol", "Tiered")[:3] == ("pass", Decimal("1000.00"), Decimal("10.00"))
    assert ("Finamed", "Suppliers") not in found  # a partner, not a supplier: out of the rule's scope
    assert outcome(found, "Carevia", "Suppliers")[0] == "fail"


def test_min_contribution_over_a_period_cut_inside_months_and_a_review_scope(world, run):
    manager, reviewer, mission = world["manager"], world["reviewer"], world["mission"]
    validated(manager, mission, partner=world["medisol"].pk, value="100.00", date="2026-01-14")
    validated(manager, mission, partner=world["medisol"].pk, value="200.00", date="2026-01-15")
    validated(manager, mission, partner=world["medisol"].pk, value="300.00", date="2026-03-20")
    validated(manager, mission, partner=world["medisol"].pk, value="400.00", date="2026-03-21")
    rule(reviewer, "min_contribution", {"min_value": "500"}, name="Min", severity="warn")

    review = run(reviewer, period_start="2026-01-15", period_end="2026-03-20", roles=["supplier"])

    found = findings(review)
    assert outcome(found, "Medisol", "Min") == ("pass", Decimal("500.00"), Decimal("500.00"), "")
    assert outcome(found, "Carevia", "Min")[0] == "warn"  # the rule's severity
    assert {partner for partner, _rule in found} == {"Medisol", "Carevia"}  # Finamed: out of the review's scope


def test_max_share_at_below_and_without_data(world, run):
    manager, reviewer, mission = world["manager"], world["reviewer"], world["mission"]
    validated(manager, mission, partner=world["medisol"].pk, value="750.00", date="2026-02-01")
    validated(manager, mission, partner=world["finamed"].pk, value="250.00", date="2026-02-01")
    rule(reviewer, "max_share", {"max_percent": "75"}, name="At")
    rule(reviewer, "max_share", {"max_percent": "74.99"}, name="Below")

    found = findings(run(reviewer))

    assert outcome(found, "Medisol", "At") == ("pass", Decimal("75.0000"), Decimal("75.00"), "")
    assert outcome(found, "Medisol", "Below") == ("fail", Decimal("75.0000"), Decimal("74.99"), "")
    assert outcome(found, "Finamed", "Below")[:2] == ("pass", Decimal("25.0000"))
    assert outcome(found, "Carevia", "Below")[:2] == ("pass", Decimal("0"))


def test_max_share_when_the_ecosystem_has_no_value(world, run):
    rule(world["reviewer"], "max_share", {"max_percent": "0"}, name="None")

    found = findings(run(world["reviewer"]))

    assert outcome(found, "Medisol", "None")[:2] == ("pass", Decimal("0"))


def test_agreement_valid_on_its_edges(world, run):
    admin, reviewer = world["admin"], world["reviewer"]
    cases = {
        "Ends at period end": ("2025-01-01", "2026-06-30"),
        "Ends at the warning's last day": ("2025-01-01", "2026-07-30"),
        "Ends a day later": ("2025-01-01", "2026-07-31"),
        "Ended the day before": ("2025-01-01", "2026-06-29"),
        "Never ends": ("2025-01-01", None),
        "Signed after the period": ("2026-07-01", "2030-01-01"),
    }
    for name, (signed, expires) in cases.items():
        partner = PartnerFactory(name=name)
        partner_services.agreement_create(
            actor=admin, partner=partner,
            data={"kind": "partnership", "reference": name[:20], "signed_on": signed, "expires_on": expires},
        )  # fmt: skip
    PartnerFactory(name="Suspended one", status="suspended")
    rule(reviewer, "agreement_valid", {"warn_days": 30}, name="Agreement")

    found = findings(run(reviewer))

    assert outcome(found, "Ends at period end", "Agreement") == ("warn", 0, 30, "")
    assert outcome(found, "Ends at the warning's last day", "Agreement") == ("warn", 30, 30, "")
    assert outcome(found, "Ends a day later", "Agreement") == ("pass", 31, 30, "")
    assert outcome(found, "Ended the day before", "Agreement") == ("fail", -1, 30, "")
    assert outcome(found, "Never ends", "Agreement") == ("pass", None, 30, "never_expires")
    assert outcome(found, "Signed after the period", "Agreement") == ("fail", None, 30, "no_agreement")
    assert outcome(found, "Medisol", "Agreement") == ("fail", None, 30, "no_agreement")  # no data
    assert ("Suspended one", "Agreement") not in found  # only active partners are reviewed


def test_recent_activity_on_its_edges(world, run):
    manager, reviewer, mission = world["manager"], world["reviewer"], world["mission"]
    late, early, after = PartnerFactory(name="Late"), PartnerFactory(name="Early"), PartnerFactory(name="After")
    join(manager, mission, late, early, after)
    validated(manager, mission, partner=late.pk, date="2026-06-01")  # END - 29 days
    validated(manager, mission, partner=early.pk, date="2026-05-31")  # END - 30 days
    validated(manager, mission, partner=after.pk, date="2026-07-01")
    declare(manager, mission, partner=world["medisol"].pk, date="2026-06-20")  # not validated
    rule(reviewer, "recent_activity", {"days": 30}, name="Active")

    found = findings(run(reviewer))

    assert outcome(found, "Late", "Active") == ("pass", 29, 30, "")
    assert outcome(found, "Early", "Active") == ("fail", 30, 30, "")
    assert outcome(found, "After", "Active") == ("fail", None, 30, "no_activity")
    assert outcome(found, "Medisol", "Active") == ("fail", None, 30, "no_activity")


def test_a_joint_contribution_counts_as_activity_for_each_contributor(alpha, world, run):
    manager, reviewer, mission = world["manager"], world["reviewer"], world["mission"]
    joint = declare(manager, mission, partner=world["medisol"].pk, date="2026-06-30",
                    contributors=[{"partner": world["medisol"].pk, "weight": "0.5"},
                                  {"partner": world["finamed"].pk, "weight": "0.5"}])  # fmt: skip
    finamed_user = make_user(alpha, "partner_admin", partner=world["finamed"])
    missions_services.share_confirm(actor=finamed_user, contribution=joint)
    missions_services.contribution_validate(actor=manager, contribution=joint)
    rule(reviewer, "recent_activity", {"days": 1}, name="Active")

    found = findings(run(reviewer))

    assert outcome(found, "Finamed", "Active") == ("pass", 0, 1, "")


def test_commitment_met_on_its_edges(world, run):
    manager, reviewer, mission, objective = world["manager"], world["reviewer"], world["mission"], world["value"]
    Participation.objects.filter(mission=mission).update(commitment_objective=objective,
                                                         commitment_target=Decimal("500"))  # fmt: skip
    validated(manager, mission, partner=world["medisol"].pk, objective=objective.pk, value="500.00",
              date="2026-06-30")  # fmt: skip
    validated(manager, mission, partner=world["finamed"].pk, objective=objective.pk, value="499.99",
              date="2026-06-30")  # fmt: skip
    validated(manager, mission, partner=world["finamed"].pk, objective=objective.pk, value="100.00",
              date="2026-07-01")  # after the period's end: not counted  # fmt: skip
    rule(reviewer, "commitment_met", {}, name="Commitments")

    found = findings(run(reviewer))

    assert outcome(found, "Medisol", "Commitments") == ("pass", 1, 1, "")
    assert outcome(found, "Finamed", "Commitments") == ("fail", 0, 1, "")
    assert outcome(found, "Carevia", "Commitments") == ("pass", 0, 0, "no_commitment")


def test_pending_confirmations_on_its_edges(world, run):
    manager, reviewer, mission = world["manager"], world["reviewer"], world["mission"]
    carevia = world["carevia"]
    join(manager, mission, carevia)

    def joint(partner, created: dt.datetime):
        contribution = declare(manager, mission, partner=world["medisol"].pk, date="2026-06-01",
                               contributors=[{"partner": world["medisol"].pk, "weight": "0.5"},
                                             {"partner": partner.pk, "weight": "0.5"}])  # fmt: skip
        Share.objects.filter(contribution=contribution, partner=partner).update(created_at=created)

    zone = timezone.get_current_timezone()
    joint(world["finamed"], dt.datetime(2026, 6, 16, 23, 30, tzinfo=zone))  # 14 days at END
    joint(carevia, dt.datetime(2026, 6, 15, 8, 0, tzinfo=zone))  # 15 days
    rule(reviewer, "pending_confirmations", {"days": 14}, name="Pending")

    found = findings(run(reviewer))

    assert outcome(found, "Finamed", "Pending") == ("pass", 14, 14, "")
    assert outcome(found, "Carevia", "Pending") == ("fail", 15, 14, "")
    assert outcome(found, "Medisol", "Pending") == ("pass", None, 14, "no_pending")  # its own share is confirmed
