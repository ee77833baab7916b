"""The life of a governance review: requested (202), run by the task, its findings read through the walls."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from ecosystem.accounts.models import User
from ecosystem.core import jobs
from ecosystem.missions.models import Contribution, Mission
from governance import services, tasks
from governance.models import Finding, Review, Rule, RuleBook
from partners.models import Partner
from tests.conftest import audit_actions, host, make_user
from tests.governance.conftest import PERIOD, api, findings, join, open_mission, rule, validated

REVIEWS = "/api/governance/reviews/"


def request(client, **body):
    return client.post(REVIEWS, {**PERIOD, **body}, content_type="application/json")


def test_a_reviewer_starts_a_review_which_records_the_rule_book_version(
    alpha_client, world, django_capture_on_commit_callbacks
):
    rule(world["reviewer"], "min_contribution", {"min_value": "100"}, name="Minimum")
    client = api(alpha_client, world["reviewer"])

    first = request(client, roles=["supplier", "partner"])
    again = request(client, roles=["partner", "supplier"])

    assert first.status_code == again.status_code == 202
    assert first.json() | {"id": 0, "created_at": ""} == {
        "id": 0, "version": 1, "period_start": "2026-01-01", "period_end": "2026-06-30",
        "roles": ["partner", "supplier"], "tiers": [], "status": "queued", "progress": 0, "failure_reason": "",
        "summary": {}, "created_at": "", "started_at": None, "finished_at": None, "closed_at": None,
    }  # fmt: skip
    assert again.json()["id"] == first.json()["id"]
    assert audit_actions()[-1] == "governance.review_requested"


def test_the_task_stores_findings_and_a_later_edit_does_not_change_the_review(alpha_client, world, run):
    reviewer, manager = world["reviewer"], world["manager"]
    validated(manager, world["mission"], partner=world["medisol"].pk, value="150.00", date="2026-02-01")
    minimum = rule(reviewer, "min_contribution", {"min_value": "100"}, name="Minimum")
    rule(reviewer, "commitment_met", name="Commitments", severity="warn")

    review = run(reviewer)
    current = Rule.objects.get(book=review.book, key=minimum.key)
    services.rule_update(actor=reviewer, rule=current, data={"params": {"min_value": "200"}})
    again = tasks.run_review(review.pk)  # already done: nothing to do

    review.refresh_from_db()
    found = findings(review)
    assert (review.status, review.progress, review.attempts, again) == ("done", 100, 1, "nothing to do")
    assert review.book.number == 2 and RuleBook.objects.count() == 3
    assert review.summary == {"partners": 3, "pass": 4, "warn": 0, "fail": 2, "partners_failing": 2, "rules": 2,
                              "version": 2}  # fmt: skip
    assert (found[("Medisol", "Minimum")].outcome, found[("Medisol", "Minimum")].threshold) == ("pass", Decimal("100"))
    assert {f.rule.book.number for f in found.values()} == {2}
    body = api(alpha_client, reviewer).get(f"{REVIEWS}{review.pk}/").json()
    assert (body["status"], body["progress"], body["version"]) == ("done", 100, 2)


def test_running_the_task_twice_gives_one_result(world, run):
    rule(world["reviewer"], "recent_activity", {"days": 30}, name="Active")
    review = run(world["reviewer"])
    Review.objects.filter(pk=review.pk).update(status="running")  # as if redelivered after a lost worker

    tasks.run_review(review.pk)

    assert Finding.objects.filter(review=review).count() == 3
    assert Review.objects.get(pk=review.pk).status == "done"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"period_end": "2025-12-31"}, {"period_end": ["The period must not end before it starts."]}),
        ({"period_start": "2020-01-01"}, {"period_end": ["A review covers at most five years."]}),
        ({"period_start": "01/02/2026"}, {"period_start": ["Give a date as YYYY-MM-DD."]}),
        ({"tiers": [999999]}, {"tiers": ["No such tier: 999999."]}),
        ({"roles": ["overlord"]}, {"roles": ["Unknown roles: overlord. Choose among: partner, supplier, complementary, "
                                             "institution, association, client_community, content_creator."]}),
        ({"colour": "red"}, {"colour": ["This field cannot be set here."]}),
    ],
)  # fmt: skip
def test_a_bad_review_request_is_refused_and_queues_nothing(alpha_client, world, body, errors):
    rule(world["reviewer"], "commitment_met", name="Commitments")

    answer = request(api(alpha_client, world["reviewer"]), **body)

    assert (answer.status_code, answer.json()) == (400, errors)
    assert not Review.objects.exists()


def test_a_review_needs_a_rule(alpha_client, world):
    answer = request(api(alpha_client, world["reviewer"]))

    assert (answer.status_code, answer.json()["code"]) == (400, "rule_book_empty")
    assert not Review.objects.exists()


def test_a_pending_review_is_cancelled_once_and_the_task_then_does_nothing(alpha_client, world):
    rule(world["reviewer"], "commitment_met", name="Commitments")
    client = api(alpha_client, world["reviewer"])
    review = request(client).json()  # the task is sent on commit: never, in this test's transaction

    cancelled = client.post(f"{REVIEWS}{review['id']}/cancel/")
    again = client.post(f"{REVIEWS}{review['id']}/cancel/")
    ran = tasks.run_review(review["id"])

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert again.status_code == 409 and again.json()["code"] == "review_not_pending"
    assert ran == "nothing to do" and not Finding.objects.exists()


def test_a_review_cancelled_while_running_stores_nothing(world, monkeypatch):
    rule(world["reviewer"], "commitment_met", name="Commitments")
    review, _created = services.review_request(actor=world["reviewer"], data=PERIOD)
    original = tasks.evaluation.evaluate

    def cancel_midway(review_, rules, progress):
        original(review_, rules, progress)
        Review.objects.filter(pk=review_.pk).update(status="cancelled")

    monkeypatch.setattr(tasks.evaluation, "evaluate", cancel_midway)

    assert tasks.run_review(review.pk) == "cancelled"
    assert Review.objects.get(pk=review.pk).status == "cancelled" and not Finding.objects.exists()


def test_a_review_redelivered_too_often_fails_with_a_reason(world):
    rule(world["reviewer"], "commitment_met", name="Commitments")
    review, _created = services.review_request(actor=world["reviewer"], data=PERIOD)
    Review.objects.filter(pk=review.pk).update(status="running", attempts=jobs.MAX_ATTEMPTS)

    assert tasks.run_review(review.pk) == "nothing to do"
    failed = Review.objects.get(pk=review.pk)
    assert (failed.status, failed.failure_reason) == ("failed", "The review was interrupted 3 times; run it again.")


def test_the_sweeper_fails_a_review_whose_worker_was_lost_and_no_other(world, settings):
    book = rule(world["reviewer"], "commitment_met", name="Commitments").book
    now = timezone.now()
    limit = dt.timedelta(seconds=settings.GOVERNANCE_REVIEW_TIME_LIMIT)

    def make(month: int, **fields) -> Review:
        return Review.objects.create(book=book, period_start=dt.date(2026, month, 1),
                                     period_end=dt.date(2026, month, 28), **fields)  # fmt: skip

    stuck = make(1, status="running", started_at=now - limit - dt.timedelta(minutes=1))
    running = make(2, status="running", started_at=now - limit + dt.timedelta(minutes=1))
    lost = make(3)
    Review.objects.filter(pk=lost.pk).update(created_at=now - 2 * limit - dt.timedelta(minutes=1))
    queued = make(4)

    swept = services.reviews_fail_stuck(now)

    states = dict(Review.objects.values_list("pk", "status"))
    assert swept == 2
    assert states == {stuck.pk: "failed", running.pk: "running", lost.pk: "failed", queued.pk: "queued"}
    assert Review.objects.get(pk=stuck.pk).failure_reason.startswith("The review stopped before it finished")
    assert "governance.review_failed" in audit_actions()


def test_the_sweeper_runs_from_beat(settings):
    assert settings.CELERY_BEAT_SCHEDULE["sweep-stuck-reviews"]["task"] == "governance.sweep_stuck_reviews_everywhere"


def test_walls_staff_read_reviewers_run_partners_see_only_their_findings(alpha_client, world, run, beta):
    validated(world["manager"], world["mission"], partner=world["medisol"].pk, value="150.00", date="2026-02-01")
    rule(world["reviewer"], "min_contribution", {"min_value": "100"}, name="Minimum")
    review = run(world["reviewer"])
    pending, _created = services.review_request(actor=world["reviewer"], data={**PERIOD, "roles": ["supplier"]})
    manager = api(Client(HTTP_HOST=host("alpha")), world["manager"])
    sam = api(Client(HTTP_HOST=host("alpha")), world["sam"])  # Medisol's admin
    clara = api(Client(HTTP_HOST=host("alpha")), world["clara"])  # Carevia's admin
    before = (Review.objects.count(), audit_actions())

    assert manager.get(REVIEWS).json()["count"] == 2
    assert len(manager.get(f"{REVIEWS}{review.pk}/findings/").json()["results"]) == 3
    assert request(manager, roles=["partner"]).status_code == 403
    assert manager.post(f"{REVIEWS}{pending.pk}/cancel/").status_code == 403
    sam_findings = sam.get(f"{REVIEWS}{review.pk}/findings/").json()["results"]
    assert [(f["partner_name"], f["outcome"], f["measured"]) for f in sam_findings] == [
        ("Medisol", "pass", "150.0000")
    ]
    assert [f["partner_name"] for f in clara.get(f"{REVIEWS}{review.pk}/findings/").json()["results"]] == ["Carevia"]
    assert sam.get(f"{REVIEWS}{review.pk}/findings/", {"partner": world["carevia"].pk}).json()["results"] == []
    assert [r["id"] for r in sam.get(REVIEWS).json()["results"]] == [review.pk]  # finished reviews only
    assert sam.get(f"{REVIEWS}{pending.pk}/findings/").status_code == 404
    assert request(sam).status_code == 403
    assert (Review.objects.count(), audit_actions()) == before
    token = manager.defaults["HTTP_AUTHORIZATION"]
    assert Client(HTTP_HOST=host("beta"), HTTP_AUTHORIZATION=token).get(REVIEWS).status_code == 401
    with schema_context("beta"):
        beta_admin = User.objects.get(email="admin@beta.test")
    beta_client = api(Client(HTTP_HOST=host("beta")), beta_admin)
    assert beta_client.get(f"{REVIEWS}{review.pk}/findings/").status_code == 404
    assert beta_client.get(REVIEWS).json()["count"] == 0


def test_findings_filter_by_partner_rule_and_outcome_in_bounded_queries(alpha_client, world, run,
                                                                        django_assert_max_num_queries):  # fmt: skip
    for number in range(15):
        Partner.objects.create(name=f"Extra {number:02d}", role="supplier", status="active")
    minimum = rule(world["reviewer"], "min_contribution", {"min_value": "1"}, name="Minimum")
    rule(world["reviewer"], "commitment_met", name="Commitments")
    review = run(world["reviewer"])
    client = api(alpha_client, world["manager"])
    url = f"{REVIEWS}{review.pk}/findings/"

    with django_assert_max_num_queries(8):
        everything = client.get(url).json()
    with django_assert_max_num_queries(8):
        listed = client.get(REVIEWS).json()
    failing = client.get(url, {"outcome": "fail", "rule": minimum.key}).json()
    medisol = client.get(url, {"partner": world["medisol"].pk}).json()
    bad = client.get(url, {"outcome": "awful"})

    assert everything["count"] == 36 and listed["count"] == 1
    assert failing["count"] == 18 and {f["rule_name"] for f in failing["results"]} == {"Minimum"}
    assert [(f["rule"], f["rule_name"]) for f in medisol["results"]] == [(1, "Minimum"), (2, "Commitments")]
    assert bad.status_code == 400


# --- through the real worker ------------------------------------------------------------


def _forget(tenant, *, users, partners) -> None:
    with schema_context(tenant.schema_name):
        Review.objects.all().delete()
        Rule.objects.all().delete()
        RuleBook.objects.all().delete()
        Contribution.objects.filter(partner__in=partners).delete()
        Mission.objects.filter(owner_id__in=users).delete()
        User.objects.filter(pk__in=users).delete()
        Partner.objects.filter(pk__in=[p.pk for p in partners]).delete()
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE core_auditevent")  # the trail refuses DELETE


@pytest.mark.worker
def test_a_real_worker_runs_the_review_and_its_findings_are_stored(tenants, committed, worker):
    alpha = tenants["alpha"]
    connection.set_tenant(alpha)
    tag = uuid.uuid4().hex[:6]
    medisol = Partner.objects.create(name=f"Worker Medisol {tag}", role="supplier", status="active")
    finamed = Partner.objects.create(name=f"Worker Finamed {tag}", role="partner", status="active")
    manager, reviewer = make_user(alpha, "manager"), make_user(alpha, "reviewer")
    committed(lambda: _forget(alpha, users=[manager.pk, reviewer.pk], partners=[medisol, finamed]))
    connection.set_tenant(alpha)
    mission = open_mission(manager, title=f"Worker mission {tag}")
    join(manager, mission, medisol, finamed)
    validated(manager, mission, partner=medisol.pk, value="600.00", date="2026-02-10")
    validated(manager, mission, partner=finamed.pk, value="400.00", date="2026-06-29")
    rule(reviewer, "min_contribution", {"min_value": "500"}, name="Minimum")
    rule(reviewer, "max_share", {"max_percent": "50"}, name="Share", severity="warn")
    rule(reviewer, "recent_activity", {"days": 30}, name="Active")

    review, created = services.review_request(actor=reviewer, data={**PERIOD, "roles": ["supplier", "partner"]})
    deadline = time.monotonic() + 30
    while Review.objects.get(pk=review.pk).is_pending:
        assert time.monotonic() < deadline, "the worker never finished the review"
        time.sleep(0.1)

    finished = Review.objects.get(pk=review.pk)
    assert created and finished.status == "done", finished.failure_reason
    assert (finished.progress, finished.attempts) == (100, 1)
    rows = {(f.partner_id, f.rule.name): (f.outcome, f.measured) for f in Finding.objects.filter(review=finished)
            .select_related("rule")}  # fmt: skip
    mine = {key: value for key, value in rows.items() if key[0] in (medisol.pk, finamed.pk)}
    assert mine == {
        (medisol.pk, "Minimum"): ("pass", Decimal("600.0000")), (finamed.pk, "Minimum"): ("fail", Decimal("400.0000")),
        (medisol.pk, "Share"): ("warn", Decimal("60.0000")), (finamed.pk, "Share"): ("pass", Decimal("40.0000")),
        (medisol.pk, "Active"): ("fail", Decimal("140")), (finamed.pk, "Active"): ("pass", Decimal("1")),
    }  # fmt: skip
