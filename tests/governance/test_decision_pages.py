"""The staff's decision pages: decide about a partner from a finished review, approve (four eyes), withdraw,
apply (which closes the review); the appeals list and the answer to one; who may do what."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from django_tenants.utils import schema_context

from governance import decisions
from governance.models import Appeal, Decision
from partners.models import Partner
from tests.conftest import admin_of, flash_messages, login
from tests.governance.conftest import PartnerFactory
from tests.governance.test_decisions import apply, approved, record
from tests.value.test_pages import as_user as as_user  # the fixture: a signed-in client on alpha
from tests.value.test_pages import page


def decide_url(board, partner: str) -> str:
    return f"/governance/reviews/{board['review'].pk}/partners/{board[partner].pk}/decision/"


def review_url(board) -> str:
    return f"/governance/reviews/{board['review'].pk}/"


@pytest.fixture
def appealed(board, django_capture_on_commit_callbacks):
    """Carevia suspended (approved, applied) and its admin Clara's open appeal."""
    approved(board, "carevia", "suspend", rationale="Late deliveries.")
    record(board, "medisol", "keep")
    apply(board, django_capture_on_commit_callbacks)
    decision = Decision.objects.get(partner=board["carevia"])
    return decisions.appeal_file(actor=board["clara"], decision=decision, reason="A customs strike.")


# --- deciding ---------------------------------------------------------------------------------


def test_a_reviewer_decides_from_the_matrix_and_the_decision_shows_on_the_review(as_user, board):
    client = as_user(board["reviewer"])
    review = client.get(review_url(board))
    assert 'Decide<span class="sr-only"> — Carevia</span>' in page(review)

    form = client.get(decide_url(board, "carevia"))
    assert form.status_code == 200 and "Minimum" in page(form)  # the findings behind the decision
    done = client.post(decide_url(board, "carevia"), {"kind": "suspend", "rationale": "Late deliveries."})

    assert done.status_code == 302 and done["Location"].endswith("#decisions")
    assert flash_messages(done) == ["The decision about Carevia was recorded."]
    decision = Decision.objects.get(partner=board["carevia"])
    assert (decision.kind, decision.rationale, decision.author) == ("suspend", "Late deliveries.", board["reviewer"])
    shown = page(client.get(review_url(board)))
    assert "Awaiting a second reviewer" in shown and "Late deliveries." in shown
    assert f'action="/governance/decisions/{decision.pk}/approve/"' not in shown  # not hers to approve


def test_a_promotion_names_its_tier_and_changing_a_decision_replaces_it(as_user, board):
    client = as_user(board["reviewer"])
    client.post(decide_url(board, "medisol"), {"kind": "warn", "rationale": "Watch out."})

    again = client.post(
        decide_url(board, "medisol"), {"kind": "promote", "tier": board["gold"].pk, "rationale": "Top."}
    )

    assert again.status_code == 302
    decision = Decision.objects.get(partner=board["medisol"])
    assert (decision.kind, decision.tier, decision.rationale) == ("promote", board["gold"], "Top.")
    assert "Recorded: Promote" in page(client.get(decide_url(board, "medisol")))


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"kind": "", "rationale": "x"}, "kind", "Choose a decision."),
        ({"kind": "suspend", "rationale": "  "}, "rationale", "Explain the decision."),
        ({"kind": "promote", "rationale": "x"}, "tier", "Choose the tier the partner moves to."),
        ({"kind": "warn", "rationale": "x" * 4001}, "rationale", "4000"),
        ({"kind": "overlord", "rationale": "x"}, "kind", "Select a valid choice"),
    ],
)
def test_bad_input_re_renders_the_form_with_its_errors_and_input_and_records_nothing(as_user, board, body, field,
                                                                                     message):  # fmt: skip
    response = as_user(board["reviewer"]).post(decide_url(board, "carevia"), body)

    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert 'id="id_rationale"' in page(response) and body["rationale"][:20] in page(response)
    assert not Decision.objects.exists()


def test_a_partner_without_a_finding_in_the_review_is_not_found(as_user, board):
    stranger = PartnerFactory(name="Never reviewed")
    client = as_user(board["reviewer"])

    assert client.get(f"/governance/reviews/{board['review'].pk}/partners/{stranger.pk}/decision/").status_code == 404
    assert client.get(f"/governance/reviews/{board['review'].pk}/partners/999999/decision/").status_code == 404


def test_managers_and_partner_users_cannot_decide_approve_withdraw_or_apply(as_user, board):
    decision = record(board, "carevia", "suspend")
    for user in (board["manager"], board["sam"], board["clara"]):
        client = as_user(user)
        assert client.get(decide_url(board, "carevia")).status_code == 403
        assert client.post(decide_url(board, "carevia"), {"kind": "keep", "rationale": "x"}).status_code == 403
        assert client.post(f"/governance/decisions/{decision.pk}/approve/").status_code == 403
        assert client.post(f"/governance/decisions/{decision.pk}/withdraw/").status_code == 403
        assert client.post(f"/governance/reviews/{board['review'].pk}/apply/", {"confirm": "on"}).status_code == 403
    manager_view = page(as_user(board["manager"]).get(review_url(board)))
    assert "Awaiting a second reviewer" in manager_view and "Apply decisions" not in manager_view
    decision.refresh_from_db()
    assert decision.approved_at is None and board["review"].closed_at is None


def test_another_tenant_sees_nothing_of_the_decisions(alpha, beta, board):
    decision = record(board, "carevia", "suspend")
    with schema_context("beta"):
        beta_admin = admin_of(beta)
    client = login(Client(HTTP_HOST="beta.localhost"), beta, beta_admin)

    assert client.get(decide_url(board, "carevia")).status_code == 404
    assert client.post(f"/governance/decisions/{decision.pk}/approve/").status_code == 404
    assert client.post(f"/governance/reviews/{board['review'].pk}/apply/", {"confirm": "on"}).status_code == 404
    assert client.get(f"/governance/appeals/{decision.pk}/").status_code == 404


# --- four eyes, withdraw, apply ---------------------------------------------------------------


def test_the_author_cannot_approve_a_second_reviewer_does_then_the_review_is_applied(
    as_user, board, django_capture_on_commit_callbacks
):
    decision = record(board, "carevia", "suspend")
    author, second = as_user(board["reviewer"]), as_user(board["second"])

    own = author.post(f"/governance/decisions/{decision.pk}/approve/")
    assert flash_messages(own) == ["A suspension or an exit is approved by someone other than its author."]
    early = author.post(f"/governance/reviews/{board['review'].pk}/apply/", {"confirm": "on"})
    assert flash_messages(early)[-1:] == ["A suspension or an exit awaits a second person's approval: Carevia."]
    assert f'action="/governance/decisions/{decision.pk}/approve/"' in page(second.get(review_url(board)))
    ok = second.post(f"/governance/decisions/{decision.pk}/approve/")
    assert flash_messages(ok)[-1:] == ["The decision about Carevia was approved."]
    unconfirmed = author.post(f"/governance/reviews/{board['review'].pk}/apply/")
    assert flash_messages(unconfirmed)[-1:] == ["Tick the confirmation to apply the decisions."]
    with django_capture_on_commit_callbacks(execute=True):
        applied = author.post(f"/governance/reviews/{board['review'].pk}/apply/", {"confirm": "on"})

    assert flash_messages(applied)[-1:] == ["The decisions were applied to the partners and the review is closed."]
    assert Partner.objects.get(pk=board["carevia"].pk).status == "suspended"
    closed = page(author.get(review_url(board)))
    assert "this review is closed and can no longer change" in closed
    assert "Apply decisions" not in closed and "/decision/" not in closed  # no more Decide / Change links


def test_a_closed_review_takes_no_decision_through_the_pages(as_user, board, django_capture_on_commit_callbacks):
    record(board, "medisol", "keep")
    apply(board, django_capture_on_commit_callbacks)
    client = as_user(board["reviewer"])
    decision = Decision.objects.get()

    changed = client.post(decide_url(board, "medisol"), {"kind": "warn", "rationale": "Later."})
    withdrawn = client.post(f"/governance/decisions/{decision.pk}/withdraw/")
    again = client.post(f"/governance/reviews/{board['review'].pk}/apply/", {"confirm": "on"})

    closed = "This review is closed: its decisions were applied and it can no longer change."
    assert [flash_messages(r)[-1] for r in (changed, withdrawn, again)] == [closed] * 3
    assert Decision.objects.get().kind == "keep"


def test_a_reviewer_withdraws_a_decision(as_user, board):
    decision = record(board, "carevia", "warn")

    response = as_user(board["second"]).post(f"/governance/decisions/{decision.pk}/withdraw/")

    assert flash_messages(response) == ["The decision about Carevia was withdrawn."]
    assert not Decision.objects.exists()
    assert as_user(board["second"]).get(f"/governance/decisions/{decision.pk}/withdraw/").status_code == 405


def test_the_review_page_reads_its_decisions_in_a_fixed_number_of_queries(
    as_user, board, run, django_assert_max_num_queries
):
    PartnerFactory.create_batch(20)
    review = run(board["reviewer"])
    board = {**board, "review": review}
    for partner in Partner.objects.all():
        decisions.decision_record(actor=board["reviewer"], review=review,
                                  data={"partner": partner.pk, "kind": "warn", "rationale": "Noted."})  # fmt: skip
    client = as_user(board["second"])

    with django_assert_max_num_queries(12):
        response = client.get(f"/governance/reviews/{review.pk}/")

    assert len(response.context["decisions"]) == Partner.objects.count() == 23


# --- appeals ----------------------------------------------------------------------------------


def test_a_reviewer_reads_the_open_appeals_and_overturns_one(as_user, board, appealed):
    client = as_user(board["reviewer"])
    listed = client.get("/governance/appeals/", {"state": "open"})
    assert listed.status_code == 200 and "Carevia" in page(listed)
    shown = client.get(f"/governance/appeals/{appealed.pk}/")
    assert "A customs strike." in page(shown) and "Late deliveries." in page(shown) and "Minimum" in page(shown)

    answered = client.post(f"/governance/appeals/{appealed.pk}/", {"state": "overturned", "answer": "Plan received."})

    assert flash_messages(answered) == ["The appeal was answered; the partner's users are told by mail."]
    appealed.refresh_from_db()
    assert (appealed.state, appealed.answer, appealed.answered_by) == (
        "overturned",
        "Plan received.",
        board["reviewer"],
    )
    assert Partner.objects.get(pk=board["carevia"].pk).status == "active"
    again = page(client.get(f"/governance/appeals/{appealed.pk}/"))
    assert "Plan received." in again and "Send the answer" not in again


@pytest.mark.parametrize(
    ("body", "field"), [({"answer": "x"}, "state"), ({"state": "maybe", "answer": "x"}, "state"),
                        ({"state": "upheld", "answer": " "}, "answer")],
)  # fmt: skip
def test_a_bad_answer_is_a_400_and_the_appeal_stays_open(as_user, board, appealed, body, field):
    response = as_user(board["reviewer"]).post(f"/governance/appeals/{appealed.pk}/", body)

    assert response.status_code == 400 and response.context["form"].errors[field]
    assert Appeal.objects.get().state == "open"


def test_a_bad_state_filter_is_a_400(as_user, board, appealed):
    response = as_user(board["reviewer"]).get("/governance/appeals/", {"state": "lost"})

    assert response.status_code == 400 and "Choose a state from the list." in page(response)


def test_managers_read_appeals_without_answering_and_partner_users_are_refused(as_user, board, appealed):
    manager = as_user(board["manager"])
    assert manager.get("/governance/appeals/").status_code == 200
    shown = manager.get(f"/governance/appeals/{appealed.pk}/")
    assert shown.status_code == 200 and "Send the answer" not in page(shown)
    assert manager.post(f"/governance/appeals/{appealed.pk}/", {"state": "upheld", "answer": "x"}).status_code == 403
    for user in (board["sam"], board["mia"]):  # (Clara is signed out: Carevia is suspended)
        assert as_user(user).get("/governance/appeals/").status_code == 403
        assert as_user(user).get(f"/governance/appeals/{appealed.pk}/").status_code == 403
    assert Appeal.objects.get().state == "open"


def test_the_appeals_list_reads_in_a_fixed_number_of_queries(as_user, board, appealed, django_assert_max_num_queries):
    client = as_user(board["reviewer"])
    with django_assert_max_num_queries(10):
        response = client.get("/governance/appeals/")

    assert len(response.context["rows"]) == 1


def test_the_decision_pages_read_in_french(as_user, board, appealed):
    client = as_user(board["reviewer"])
    client.cookies["django_language"] = "fr"
    with translation.override("fr"):
        review = page(client.get(review_url(board)))
        appeal = page(client.get(f"/governance/appeals/{appealed.pk}/"))

    assert "Décisions" in review and "Recours" in appeal
