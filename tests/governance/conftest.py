"""Governance helpers: rules written and reviews run through the services (tasks run in-process)."""

from __future__ import annotations

import datetime as dt

import pytest

from ecosystem.missions import services as missions_services
from governance import services
from governance.models import Finding, Review
from partners.models import Partner, Tier
from tests.conftest import make_user
from tests.missions.conftest import declare, join, open_mission, world  # noqa: F401  (fixture)
from tests.partners.conftest import PartnerFactory, api, cast  # noqa: F401  (fixture)

PERIOD = {"period_start": "2026-01-01", "period_end": "2026-06-30"}
END = dt.date(2026, 6, 30)


def rule(actor, kind: str, params: dict | None = None, **extra):
    data = {"name": extra.pop("name", f"{kind} rule"), "kind": kind, "params": params or {}, **extra}
    return services.rule_create(actor=actor, data=data)


def run_review(actor, capture, **data) -> Review:
    """Request a review and run its task (sent on commit) in-process; the review as it ended."""
    with capture(execute=True):
        review, _created = services.review_request(actor=actor, data={**PERIOD, **data})
    review.refresh_from_db()
    return review


def findings(review: Review) -> dict[tuple[str, str], Finding]:
    """(partner name, rule name) -> finding."""
    rows = Finding.objects.filter(review=review).select_related("partner", "rule")
    return {(f.partner.name, f.rule.name): f for f in rows}


def closed_with_a_warning(reviewer, partner, rationale: str):
    """A rule book of one rule, a finished review with a warning for `partner`, its `warn` decision applied
    (the review is closed): the decision. Written directly, in the current schema, for tests of a tenant
    without the `world` fixture's data."""
    from governance import decisions
    from governance.models import Rule, RuleBook

    book = RuleBook.objects.create(number=1, created_by=reviewer)
    rule = Rule.objects.create(book=book, key=1, name="Commitments", kind="commitment_met")
    review = Review.objects.create(book=book, status=Review.Status.DONE, **PERIOD)
    Finding.objects.create(review=review, partner=partner, rule=rule, outcome=Finding.Outcome.WARN)
    decision = decisions.decision_record(
        actor=reviewer, review=review, data={"partner": partner.pk, "kind": "warn", "rationale": rationale}
    )
    decisions.review_apply(actor=reviewer, review=review)
    return decision


def validated(manager, mission, **data):
    contribution = declare(manager, mission, **data)
    return missions_services.contribution_validate(actor=manager, contribution=contribution)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    return lambda actor, **data: run_review(actor, django_capture_on_commit_callbacks, **data)


# --- decisions and appeals --------------------------------------------------------------------


@pytest.fixture
def board(alpha, world, run):  # noqa: F811
    """A finished review with findings about Medisol (silver), Carevia and Finamed; gold, silver and bronze
    tiers; a second reviewer (four eyes)."""
    reviewer = world["reviewer"]
    gold, silver, bronze = (
        Tier.objects.create(name=n, rank=r) for n, r in (("Gold", 1), ("Silver", 2), ("Bronze", 3))
    )
    Partner.objects.filter(pk=world["medisol"].pk).update(tier=silver)
    world["medisol"].refresh_from_db()
    validated(world["manager"], world["mission"], partner=world["medisol"].pk, value="150.00", date="2026-02-01")
    rule(reviewer, "min_contribution", {"min_value": "100"}, name="Minimum")
    review = run(reviewer)
    assert review.status == Review.Status.DONE
    second = make_user(alpha, "reviewer")
    return {**world, "review": review, "gold": gold, "silver": silver, "bronze": bronze, "second": second}


__all__ = ["END", "PERIOD", "PartnerFactory", "api", "findings", "join", "open_mission", "rule", "validated"]
