"""A review's decisions: recorded, approved (four eyes), applied at once through the partner services, and the
closed review read-only whatever the path (services, API, raw SQL)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from ecosystem.accounts.models import User
from ecosystem.core.errors import Conflict, FieldErrors, NotAllowed
from governance import decisions
from governance.models import Decision, Finding, Review
from partners.models import Partner
from tests.conftest import audit_actions, host
from tests.governance.conftest import PartnerFactory, api

REVIEWS = "/api/governance/reviews/"
DECISIONS = "/api/governance/decisions/"


def record(board, partner, kind, *, actor=None, tier=None, rationale="Because the findings say so."):
    data = {"partner": board[partner].pk, "kind": kind, "rationale": rationale}
    if tier:
        data["tier"] = board[tier].pk
    return decisions.decision_record(actor=actor or board["reviewer"], review=board["review"], data=data)


def approved(board, partner, kind, **extra):
    decision = record(board, partner, kind, **extra)
    return decisions.decision_approve(actor=board["second"], decision=decision)


def apply(board, capture):
    with capture(execute=True):
        return decisions.review_apply(actor=board["reviewer"], review=board["review"])


def refused(call, error=Conflict):
    with pytest.raises(error) as caught:
        call()
    return caught.value


# --- recording --------------------------------------------------------------------------------


def test_a_reviewer_records_a_decision_per_partner_and_a_new_one_replaces_it(board):
    promote = record(board, "medisol", "promote", tier="gold")

    assert (promote.kind, promote.tier, promote.author) == ("promote", board["gold"], board["reviewer"])
    suspend = approved(board, "medisol", "suspend")
    assert suspend.pk == promote.pk and suspend.approved_by == board["second"]
    again = record(board, "medisol", "exit", actor=board["admin"], rationale="  Left us.  ")

    assert again.pk == promote.pk
    assert (again.kind, again.tier, again.rationale, again.author) == ("exit", None, "Left us.", board["admin"])
    assert (again.approved_by, again.approved_at) == (None, None)  # replacing clears the approval
    assert Decision.objects.filter(review=board["review"]).count() == 1
    assert audit_actions()[-4:] == [
        "governance.decision_recorded", "governance.decision_recorded", "governance.decision_approved",
        "governance.decision_recorded",
    ]  # fmt: skip


def test_bad_input_is_refused_field_by_field(board):
    stranger = PartnerFactory(name="Never reviewed")
    cases = [
        ({"partner": stranger.pk, "kind": "keep", "rationale": "x"}, {"partner"}),
        ({"partner": "abc", "kind": "nope", "rationale": ""}, {"partner", "kind", "rationale"}),
        ({"partner": board["medisol"].pk, "kind": "promote", "rationale": "x"}, {"tier"}),
        ({"partner": board["medisol"].pk, "kind": "promote", "tier": board["silver"].pk, "rationale": "x"}, {"tier"}),
        ({"partner": board["medisol"].pk, "kind": "promote", "tier": board["bronze"].pk, "rationale": "x"}, {"tier"}),
        ({"partner": board["medisol"].pk, "kind": "demote", "tier": board["gold"].pk, "rationale": "x"}, {"tier"}),
        ({"partner": board["carevia"].pk, "kind": "demote", "tier": board["bronze"].pk, "rationale": "x"}, {"tier"}),
        ({"partner": board["medisol"].pk, "kind": "warn", "tier": board["gold"].pk, "rationale": "x"}, {"tier"}),
        ({"partner": board["medisol"].pk, "kind": "warn", "rationale": "x" * 4001}, {"rationale"}),
        ({"partner": board["medisol"].pk, "kind": "warn", "rationale": 12}, {"rationale"}),
    ]
    for data, fields in cases:
        error = refused(lambda d=data: decisions.decision_record(actor=board["reviewer"], review=board["review"], data=d),
                        FieldErrors)  # fmt: skip
        assert set(error.errors) == fields, data
    assert not Decision.objects.exists()


def test_only_reviewers_record_approve_withdraw_and_apply(board):
    decision = record(board, "medisol", "suspend")
    before = audit_actions()
    for user in (board["manager"], board["sam"], board["mia"]):
        refused(lambda u=user: record(board, "carevia", "warn", actor=u), NotAllowed)
        refused(lambda u=user: decisions.decision_approve(actor=u, decision=decision), NotAllowed)
        refused(lambda u=user: decisions.decision_withdraw(actor=u, decision=decision), NotAllowed)
        refused(lambda u=user: decisions.review_apply(actor=u, review=board["review"]), NotAllowed)
    assert audit_actions() == before


def test_a_review_not_finished_takes_no_decision(board):
    queued = Review.objects.create(book=board["review"].book, period_start="2025-01-01", period_end="2025-06-30")
    error = refused(lambda: decisions.decision_record(
        actor=board["reviewer"], review=queued, data={"partner": board["medisol"].pk, "kind": "keep", "rationale": "x"}
    ))  # fmt: skip
    assert error.code == "review_not_done"


def test_a_decision_is_withdrawn_before_closing(board):
    decision = record(board, "medisol", "warn")

    decisions.decision_withdraw(actor=board["second"], decision=decision)

    assert not Decision.objects.exists()
    assert audit_actions()[-1] == "governance.decision_withdrawn"


# --- four eyes --------------------------------------------------------------------------------


def test_the_author_cannot_approve_his_own_suspension(board):
    decision = record(board, "medisol", "suspend")

    error = refused(lambda: decisions.decision_approve(actor=board["reviewer"], decision=decision))

    assert error.code == "four_eyes"
    decision.refresh_from_db()
    assert decision.approved_by is None
    approved_one = decisions.decision_approve(actor=board["admin"], decision=decision)
    assert approved_one.approved_by == board["admin"] and approved_one.approved_at is not None
    assert refused(lambda: decisions.decision_approve(actor=board["second"], decision=decision)).code == (
        "already_approved"
    )
    warn = record(board, "carevia", "warn")
    assert refused(lambda: decisions.decision_approve(actor=board["second"], decision=warn)).code == (
        "approval_not_needed"
    )


def test_the_database_refuses_an_approval_by_the_author(board):
    decision = record(board, "medisol", "exit")

    with pytest.raises(IntegrityError) as caught, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE governance_decision SET approved_by_id = author_id, approved_at = now() WHERE id = %s",
            [decision.pk],
        )
    assert caught.value.__cause__.diag.constraint_name == "decision_four_eyes"
    with pytest.raises(Conflict) as mapped, transaction.atomic(), decisions.database_refusals():
        Decision.objects.filter(pk=decision.pk).update(approved_by=board["reviewer"], approved_at="2026-07-01T00:00Z")
    assert mapped.value.code == "four_eyes"


# --- applying ---------------------------------------------------------------------------------


def test_applying_changes_tiers_and_statuses_ends_sessions_and_closes_the_review(
    board, django_capture_on_commit_callbacks, mailoutbox
):
    promote = record(board, "medisol", "promote", tier="gold")
    suspend = approved(board, "carevia", "suspend", rationale="Repeated failures.")
    keep = record(board, "finamed", "keep")
    clara = board["clara"]
    Token.objects.create(user=clara)
    epoch = clara.session_epoch

    review = apply(board, django_capture_on_commit_callbacks)

    assert review.closed_at is not None and review.closed_by == board["reviewer"]
    medisol, carevia, finamed = (Partner.objects.get(pk=board[n].pk) for n in ("medisol", "carevia", "finamed"))
    assert medisol.tier == board["gold"] and medisol.status == "active"
    assert (carevia.status, carevia.status_reason) == ("suspended", "Repeated failures.")
    assert finamed.status == "active"
    clara.refresh_from_db()
    assert clara.session_epoch == epoch + 1 and not Token.objects.filter(user=clara).exists()
    for decision, status, tier in ((promote, "active", board["silver"]), (suspend, "active", None),
                                   (keep, "active", None)):  # fmt: skip
        decision.refresh_from_db()
        assert (decision.applied_at, decision.status_before, decision.tier_before) == (review.closed_at, status, tier)
    assert audit_actions()[-3:] == ["partner.suspended", "partner.updated", "governance.review_applied"]
    # Medisol's two users and Carevia's one are told (not Finamed: a keep).
    assert sorted(m.to[0] for m in mailoutbox) == ["clara@carevia.test", "mia@medisol.test", "sam@medisol.test"]


def test_applying_refuses_while_a_suspension_awaits_approval_or_without_decisions(board):
    assert refused(lambda: decisions.review_apply(actor=board["reviewer"], review=board["review"])).code == (
        "no_decisions"
    )
    record(board, "carevia", "suspend")
    record(board, "medisol", "exit")

    error = refused(lambda: decisions.review_apply(actor=board["reviewer"], review=board["review"]))

    assert error.code == "awaiting_approval" and "Carevia, Medisol" in error.message
    board["review"].refresh_from_db()
    assert board["review"].closed_at is None


def test_applying_is_all_or_nothing(board, django_capture_on_commit_callbacks, mailoutbox):
    approved(board, "carevia", "suspend")  # applied first (by name), then undone
    Partner.objects.filter(pk=board["finamed"].pk).update(status="onboarding")
    approved(board, "finamed", "suspend")  # onboarding -> suspended: the lifecycle refuses
    record(board, "medisol", "promote", tier="gold")
    before = audit_actions()

    with django_capture_on_commit_callbacks(execute=True):
        error = refused(lambda: decisions.review_apply(actor=board["reviewer"], review=board["review"]))

    assert error.code == "invalid_transition" and error.message.startswith("Finamed: ")
    assert Partner.objects.get(pk=board["carevia"].pk).status == "active"
    assert Partner.objects.get(pk=board["medisol"].pk).tier == board["silver"]
    assert not Decision.objects.filter(applied_at__isnull=False).exists()
    assert Review.objects.get(pk=board["review"].pk).closed_at is None
    assert audit_actions() == before and mailoutbox == []


# --- a closed review is read-only -------------------------------------------------------------


@pytest.fixture
def closed(board, django_capture_on_commit_callbacks):
    decision = record(board, "medisol", "warn")
    apply(board, django_capture_on_commit_callbacks)
    return {**board, "decision": decision}


def test_a_closed_review_refuses_every_service(closed):
    decision, review = closed["decision"], closed["review"]
    calls = [
        lambda: record(closed, "carevia", "warn"),
        lambda: decisions.decision_withdraw(actor=closed["reviewer"], decision=decision),
        lambda: decisions.decision_approve(actor=closed["second"], decision=decision),
        lambda: decisions.review_apply(actor=closed["reviewer"], review=review),
    ]
    for call in calls:
        error = refused(call)
        assert (error.code, error.message) == ("review_closed", decisions.review_closed_message())


def test_a_closed_review_refuses_every_api_write(closed, alpha_client):
    client = api(alpha_client, closed["reviewer"])
    review, decision = closed["review"], closed["decision"]
    body = {"partner": closed["carevia"].pk, "kind": "warn", "rationale": "x"}

    answers = [
        client.post(f"{REVIEWS}{review.pk}/decisions/", body, content_type="application/json"),
        client.delete(f"{DECISIONS}{decision.pk}/"),
        api(Client(HTTP_HOST=host("alpha")), closed["second"]).post(f"{DECISIONS}{decision.pk}/approve/"),
        client.post(f"{REVIEWS}{review.pk}/apply/"),
    ]

    assert [(a.status_code, a.json()["code"]) for a in answers] == [(409, "review_closed")] * 4


SQL = [
    "UPDATE governance_review SET progress = 99 WHERE id = %(review)s",
    "UPDATE governance_review SET closed_at = NULL WHERE id = %(review)s",
    "DELETE FROM governance_review WHERE id = %(review)s",
    "UPDATE governance_finding SET outcome = 'fail' WHERE review_id = %(review)s",
    "DELETE FROM governance_finding WHERE review_id = %(review)s",
    # A partner the review never saw: no finding of it to collide with.
    "INSERT INTO governance_finding (review_id, partner_id, rule_id, outcome, note)"
    " SELECT review_id, partner_id, rule_id, outcome, note FROM governance_finding WHERE review_id = %(review)s"
    " AND false UNION ALL SELECT %(review)s, %(newcomer)s, %(rule)s, 'pass', ''",
    "UPDATE governance_decision SET rationale = 'rewritten' WHERE id = %(decision)s",
    "UPDATE governance_decision SET review_id = %(other)s WHERE id = %(decision)s",
    "DELETE FROM governance_decision WHERE id = %(decision)s",
    "INSERT INTO governance_decision (review_id, partner_id, kind, rationale, author_id, created_at, status_before)"
    " VALUES (%(review)s, %(partner)s, 'warn', 'late', %(author)s, now(), '')",
]


def test_a_closed_review_its_findings_and_decisions_refuse_raw_sql(closed, run):
    other = run(closed["reviewer"], period_start="2025-01-01", period_end="2025-06-30")
    rule_id = Finding.objects.filter(review=closed["review"]).values_list("rule_id", flat=True).first()
    params = {"review": closed["review"].pk, "decision": closed["decision"].pk, "partner": closed["carevia"].pk,
              "rule": rule_id, "author": closed["reviewer"].pk, "other": other.pk,
              "newcomer": PartnerFactory().pk}  # fmt: skip
    for sql in SQL:
        with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
        assert caught.value.__cause__.diag.message_hint == "review_closed", sql
    # A decision of an open review cannot be moved into the closed one either.
    open_decision = decisions.decision_record(
        actor=closed["reviewer"], review=other, data={"partner": closed["medisol"].pk, "kind": "keep", "rationale": "x"}
    )  # fmt: skip
    with pytest.raises(Conflict) as mapped, transaction.atomic(), decisions.database_refusals():
        Decision.objects.filter(pk=open_decision.pk).update(review=closed["review"])
    assert mapped.value.code == "review_closed"
    assert Decision.objects.get(pk=closed["decision"].pk).rationale == "Because the findings say so."


# --- the API ----------------------------------------------------------------------------------


def test_the_api_records_approves_and_applies(board, alpha_client, django_capture_on_commit_callbacks):
    client = api(alpha_client, board["reviewer"])
    url = f"{REVIEWS}{board['review'].pk}/decisions/"

    made = client.post(url, {"partner": board["carevia"].pk, "kind": "exit", "rationale": "Gone."},
                       content_type="application/json")  # fmt: skip
    promoted = client.post(url, {"partner": board["medisol"].pk, "kind": "promote", "tier": board["gold"].pk,
                                 "rationale": "Leads."}, content_type="application/json")  # fmt: skip
    own = client.post(f"{DECISIONS}{made.json()['id']}/approve/")
    second = api(Client(HTTP_HOST=host("alpha")), board["second"])
    ok = second.post(f"{DECISIONS}{made.json()['id']}/approve/")
    with django_capture_on_commit_callbacks(execute=True):
        applied = client.post(f"{REVIEWS}{board['review'].pk}/apply/")

    assert made.status_code == promoted.status_code == 201
    assert made.json() | {"id": 0, "created_at": ""} == {
        "id": 0, "review": board["review"].pk, "partner": board["carevia"].pk, "partner_name": "Carevia",
        "kind": "exit", "tier": None, "rationale": "Gone.", "author": board["reviewer"].pk, "created_at": "",
        "approved_by": None, "approved_at": None, "applied_at": None, "appeal_deadline": None,
    }  # fmt: skip
    assert (own.status_code, own.json()["code"]) == (409, "four_eyes")
    assert ok.status_code == 200 and ok.json()["approved_by"] == board["second"].pk
    assert applied.status_code == 200 and applied.json()["closed_at"] is not None
    listed = client.get(url).json()["results"]
    assert [(d["partner_name"], d["kind"]) for d in listed] == [("Carevia", "exit"), ("Medisol", "promote")]
    assert all(d["appeal_deadline"] and d["applied_at"] for d in listed)
    assert Partner.objects.get(pk=board["carevia"].pk).status == "exited"


def test_the_api_refuses_bad_input_and_wrong_users(board, alpha_client, beta):
    url = f"{REVIEWS}{board['review'].pk}/decisions/"
    reviewer = api(alpha_client, board["reviewer"])
    decision = record(board, "medisol", "suspend")
    before = audit_actions()

    bad = reviewer.post(url, {"partner": board["medisol"].pk, "kind": "demote", "rationale": "", "extra": 1},
                        content_type="application/json")  # fmt: skip
    wrong = reviewer.post(url, {"partner": board["medisol"].pk, "kind": "demote", "tier": board["gold"].pk,
                                "rationale": "x"}, content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and set(bad.json()) == {"rationale", "extra"}
    assert wrong.status_code == 400 and set(wrong.json()) == {"tier"}
    assert reviewer.post(f"{REVIEWS}999999/decisions/", {}, content_type="application/json").status_code == 404
    for who in ("manager", "sam"):
        client = api(Client(HTTP_HOST=host("alpha")), board[who])
        assert client.post(url, {"partner": board["medisol"].pk, "kind": "keep", "rationale": "x"},
                           content_type="application/json").status_code == 403  # fmt: skip
        assert client.post(f"{DECISIONS}{decision.pk}/approve/").status_code == 403
        assert client.delete(f"{DECISIONS}{decision.pk}/").status_code == 403
        assert client.post(f"{REVIEWS}{board['review'].pk}/apply/").status_code == 403
    assert audit_actions() == before
    with schema_context("beta"):
        beta_admin = User.objects.get(email="admin@beta.test")
        token = Token.objects.get_or_create(user=beta_admin)[0].key
    other = Client(HTTP_HOST=host("beta"), HTTP_AUTHORIZATION=f"Token {token}")
    assert other.get(url).status_code == 404
    assert other.get(f"{DECISIONS}{decision.pk}/").status_code == 404
    assert other.post(f"{REVIEWS}{board['review'].pk}/apply/").status_code == 404
    alpha_token = reviewer.defaults["HTTP_AUTHORIZATION"]
    assert Client(HTTP_HOST=host("beta"), HTTP_AUTHORIZATION=alpha_token).get(url).status_code == 401


def test_managers_read_and_partner_users_see_their_own_decisions_once_closed(
    board, alpha_client, django_capture_on_commit_callbacks
):
    url = f"{REVIEWS}{board['review'].pk}/decisions/"
    medisol = record(board, "medisol", "warn")
    record(board, "carevia", "warn")
    manager = api(alpha_client, board["manager"])
    sam = api(Client(HTTP_HOST=host("alpha")), board["sam"])

    assert [d["partner_name"] for d in manager.get(url).json()["results"]] == ["Carevia", "Medisol"]
    assert sam.get(url).json()["results"] == []  # the review is still open
    assert sam.get(f"{DECISIONS}{medisol.pk}/").status_code == 404
    apply(board, django_capture_on_commit_callbacks)

    assert [d["partner_name"] for d in sam.get(url).json()["results"]] == ["Medisol"]
    assert sam.get(f"{DECISIONS}{medisol.pk}/").json()["kind"] == "warn"


def test_the_decision_list_reads_in_bounded_queries(board, alpha_client, django_assert_max_num_queries, run):
    for number in range(12):
        PartnerFactory(name=f"Extra {number:02d}")
    review = run(board["reviewer"], period_start="2025-01-01", period_end="2025-06-30")
    for partner in Partner.objects.filter(name__startswith="Extra"):
        decisions.decision_record(actor=board["reviewer"], review=review,
                                  data={"partner": partner.pk, "kind": "warn", "rationale": "x"})  # fmt: skip
    client = api(alpha_client, board["manager"])

    with django_assert_max_num_queries(8):
        listed = client.get(f"{REVIEWS}{review.pk}/decisions/").json()
    assert listed["count"] == 12
    with django_assert_max_num_queries(8):
        assert client.get(f"{REVIEWS}{board['review'].pk}/decisions/").json()["count"] == 0
