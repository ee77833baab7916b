"""Appeals: filed by the partner's admin within the window after the closing (also through the personal signed
link), one per decision even at once, answered by a reviewer (an overturn restores the partner), and the mails
in each recipient's language."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from ecosystem.accounts.models import User
from ecosystem.core.errors import ApplicationError, FieldErrors, NotAllowed
from ecosystem.core.models import TenantSettings
from ecosystem.core.selectors import SETTINGS_CACHE_KEY, tenant_settings
from governance import decisions
from governance.models import Appeal, Decision, Review
from governance.selectors import appeals_open
from partners.models import Partner
from tests.conftest import audit_actions, french, host, in_parallel, make_user
from tests.governance.conftest import api, closed_with_a_warning
from tests.governance.test_decisions import apply, approved, record, refused

APPEALS = "/api/governance/appeals/"


@pytest.fixture
def applied(board, django_capture_on_commit_callbacks):
    """The review applied: Medisol promoted to gold, Carevia suspended, Finamed kept."""
    promote = record(board, "medisol", "promote", tier="gold")
    suspend = approved(board, "carevia", "suspend", rationale="Repeated failures.")
    keep = record(board, "finamed", "keep")
    apply(board, django_capture_on_commit_callbacks)
    for decision in (promote, suspend, keep):
        decision.refresh_from_db()
    return {**board, "promote": promote, "suspend": suspend, "keep": keep}


def test_the_partner_admin_appeals_within_the_window(applied):
    decision = applied["promote"]
    deadline = decisions.appeal_deadline(decision)

    assert deadline == decision.review.closed_at + dt.timedelta(days=tenant_settings().appeal_window_days)
    assert decisions.appeal_can_file(user=applied["sam"], decision=decision)
    assert not decisions.appeal_can_file(user=applied["mia"], decision=decision)  # a member, not an admin
    appeal = decisions.appeal_file(actor=applied["sam"], decision=decision, reason="  We deserve better.  ")

    assert (appeal.state, appeal.reason, appeal.author) == ("open", "We deserve better.", applied["sam"])
    assert audit_actions()[-1] == "governance.appeal_filed"
    assert not decisions.appeal_can_file(user=applied["sam"], decision=decision)
    again = refused(lambda: decisions.appeal_file(actor=applied["sam"], decision=decision, reason="Again."))
    assert again.code == "appeal_exists"


def test_an_open_review_has_no_deadline_and_its_decisions_cannot_be_appealed(board):
    decision = record(board, "medisol", "warn")

    assert decisions.appeal_deadline(decision) is None
    assert not decisions.appeal_can_file(user=board["sam"], decision=decision)
    error = refused(lambda: decisions.appeal_file(actor=board["sam"], decision=decision, reason="Why?"))
    assert error.code == "review_not_closed"


def test_bad_input_and_wrong_users_are_refused(applied):
    decision = applied["promote"]
    for reason in ("", "   ", "x" * 4001, None):
        error = refused(lambda r=reason: decisions.appeal_file(actor=applied["sam"], decision=decision, reason=r),
                        FieldErrors)  # fmt: skip
        assert set(error.errors) == {"reason"}
    for who in ("mia", "clara", "reviewer", "manager", "admin"):
        refused(lambda w=who: decisions.appeal_file(actor=applied[w], decision=decision, reason="x"), NotAllowed)
    kept = make_user(connection.tenant, "partner_admin", partner=applied["finamed"])
    keep = refused(lambda: decisions.appeal_file(actor=kept, decision=applied["keep"], reason="x"))
    assert keep.code == "nothing_to_appeal"
    assert not Appeal.objects.exists()


def closed_review_at(board, closed_at):
    """A review closed at `closed_at` (closing is the one change a review allows), with a warning for Medisol."""
    decision = record(board, "medisol", "warn")
    Review.objects.filter(pk=board["review"].pk).update(closed_at=closed_at, closed_by=board["reviewer"])
    return Decision.objects.select_related("review").get(pk=decision.pk)


@pytest.mark.parametrize(("margin", "allowed"), [(dt.timedelta(minutes=1), True), (-dt.timedelta(minutes=1), False)])
def test_the_window_edges(board, margin, allowed):
    TenantSettings.objects.update_or_create(pk=1, defaults={"appeal_window_days": 10})
    # The settings' cached copy; never cache.clear(): it flushes the Redis the other test processes share.
    cache.delete(SETTINGS_CACHE_KEY)
    closing = timezone.now() - dt.timedelta(days=10) + margin  # the deadline is a minute away, or a minute gone
    decision = closed_review_at(board, closing)

    assert decisions.appeal_deadline(decision) == closing + dt.timedelta(days=10)
    assert decisions.appeal_can_file(user=board["sam"], decision=decision) is allowed
    if allowed:
        assert decisions.appeal_file(actor=board["sam"], decision=decision, reason="Just in time.").pk
    else:
        error = refused(lambda: decisions.appeal_file(actor=board["sam"], decision=decision, reason="Late."))
        assert error.code == "appeal_window_closed"
        token = decisions.appeal_link(decision=decision, user=board["sam"]).split("/")[-2]
        assert refused(lambda: decisions.appeal_from_link(token), ApplicationError).code == "appeal_link_expired"


# --- answers ----------------------------------------------------------------------------------


def file(applied, name):
    user = {"promote": applied["sam"], "suspend": applied["clara"]}[name]
    return decisions.appeal_file(actor=user, decision=applied[name], reason="Please reconsider.")


def test_an_overturn_restores_the_tier_and_the_status(applied, django_capture_on_commit_callbacks):
    tier_appeal, status_appeal = file(applied, "promote"), file(applied, "suspend")
    assert Partner.objects.get(pk=applied["carevia"].pk).status == "suspended"

    with django_capture_on_commit_callbacks(execute=True):
        decisions.appeal_answer(actor=applied["second"], appeal=tier_appeal, state="overturned", answer="Too early.")
        answered = decisions.appeal_answer(actor=applied["reviewer"], appeal=status_appeal, state="overturned",
                                           answer="The failures were ours.")  # fmt: skip

    assert Partner.objects.get(pk=applied["medisol"].pk).tier == applied["silver"]
    carevia = Partner.objects.get(pk=applied["carevia"].pk)
    assert (carevia.status, carevia.status_reason) == ("active", "The failures were ours.")
    assert (answered.state, answered.answer, answered.answered_by) == (
        "overturned", "The failures were ours.", applied["reviewer"]
    )  # fmt: skip
    again = refused(lambda: decisions.appeal_answer(actor=applied["reviewer"], appeal=status_appeal,
                                                    state="upheld", answer="No."))  # fmt: skip
    assert again.code == "appeal_answered"
    assert audit_actions()[-2:] == ["partner.active", "governance.appeal_answered"]


def test_an_overturned_exit_is_restored_to_the_status_before(board, django_capture_on_commit_callbacks):
    decision = approved(board, "carevia", "exit")
    apply(board, django_capture_on_commit_callbacks)
    assert Partner.objects.get(pk=board["carevia"].pk).status == "exited"
    appeal = decisions.appeal_file(actor=board["clara"], decision=decision, reason="We never left.")

    decisions.appeal_answer(actor=board["reviewer"], appeal=appeal, state="overturned", answer="Agreed.")

    assert Partner.objects.get(pk=board["carevia"].pk).status == "active"


def test_an_upheld_appeal_changes_nothing_and_bad_answers_are_refused(applied):
    appeal = file(applied, "suspend")
    for state, answer, fields in (("maybe", "x", {"state"}), ("open", "", {"state", "answer"}),
                                  ("upheld", "x" * 4001, {"answer"})):  # fmt: skip
        error = refused(lambda s=state, a=answer: decisions.appeal_answer(actor=applied["reviewer"], appeal=appeal,
                                                                         state=s, answer=a), FieldErrors)  # fmt: skip
        assert set(error.errors) == fields
    for who in ("manager", "sam", "clara"):
        refused(lambda w=who: decisions.appeal_answer(actor=applied[w], appeal=appeal, state="upheld", answer="x"),
                NotAllowed)  # fmt: skip

    decisions.appeal_answer(actor=applied["reviewer"], appeal=appeal, state="upheld", answer="It stands.")

    assert Partner.objects.get(pk=applied["carevia"].pk).status == "suspended"


# --- the personal link ------------------------------------------------------------------------


def test_the_appeal_link_names_the_decision_and_the_user_and_refuses_forgeries(applied):
    link = decisions.appeal_link(decision=applied["suspend"], user=applied["clara"])
    token = link.removeprefix("/portal/appeal/").removesuffix("/")

    assert link.startswith("/portal/appeal/") and link.endswith("/")
    assert decisions.appeal_from_link(token) == (applied["suspend"], applied["clara"])
    forged = signing.dumps({"d": applied["promote"].pk, "u": applied["clara"].pk}, salt="another.salt")
    someone_else = signing.dumps({"d": applied["promote"].pk, "u": applied["clara"].pk}, salt=decisions.LINK_SALT)
    for bad in (token[:-2] + "xx", forged, someone_else, "garbage"):
        assert refused(lambda b=bad: decisions.appeal_from_link(b), NotAllowed).code == "appeal_link_invalid"
    # The suspended partner's admin cannot sign in, but files through the link.
    decision, user = decisions.appeal_from_link(token)
    assert decisions.appeal_file(actor=user, decision=decision, reason="Through the link.").author == user


# --- mails ------------------------------------------------------------------------------------


def speaking(user, language):
    User.objects.filter(pk=user.pk).update(language=language)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_decision_mail_in_the_users_language_carries_the_appeal_link(
    board, django_capture_on_commit_callbacks, mailoutbox, language
):
    speaking(board["clara"], language)
    decision = approved(board, "carevia", "suspend", rationale="Repeated failures.")

    apply(board, django_capture_on_commit_callbacks)

    [mail] = mailoutbox
    link = mail.body.rstrip().rsplit("\n", 1)[-1]
    assert mail.to == ["clara@carevia.test"]
    expected = {
        "en": ("Governance decision about Carevia: Suspend", "Alpha Medical Commons reviewed Carevia against its "
               "governance rules for 1 Jan 2026 to 30 Jun 2026, and decided:\nSuspend\n\nRationale:\nRepeated failures."),
        "fr": (french("Décision de gouvernance concernant Carevia : Suspendre"), french(
            "Alpha Medical Commons a examiné Carevia au regard de ses règles de gouvernance du 01/01/2026 au "
            "30/06/2026, et a décidé :\nSuspendre\n\nJustification :\nRepeated failures.")),
    }[language]  # fmt: skip
    assert mail.subject == expected[0]
    assert mail.body.startswith(expected[1])
    assert link.startswith("http://alpha.localhost/portal/appeal/") and link.endswith("/")
    token = urlsplit(link).path.removeprefix("/portal/appeal/").removesuffix("/")
    assert decisions.appeal_from_link(token) == (decision, board["clara"])


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_answer_mail_in_the_users_language(applied, django_capture_on_commit_callbacks, mailoutbox, language):
    speaking(applied["clara"], language)
    appeal = file(applied, "suspend")
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        decisions.appeal_answer(actor=applied["reviewer"], appeal=appeal, state="overturned", answer="Agreed.")

    [mail] = mailoutbox
    expected = {
        "en": ("Appeal of Carevia answered: Overturned", "The decision is overturned: what it changed has been undone."),
        "fr": (french("Réponse au recours de Carevia : Annulée"),
               french("La décision est annulée : ce qu'elle avait changé a été défait.")),
    }[language]  # fmt: skip
    assert (mail.to, mail.subject) == (["clara@carevia.test"], expected[0])
    assert (
        expected[1] in mail.body and "Agreed." in mail.body and "http://alpha.localhost/portal/decisions/" in mail.body
    )


def test_no_mail_for_a_keep_nor_before_commit(board, django_capture_on_commit_callbacks, mailoutbox):
    record(board, "finamed", "keep")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        decisions.review_apply(actor=board["reviewer"], review=board["review"])
    assert mailoutbox == []
    for callback in callbacks:
        callback()
    assert mailoutbox == []


# --- the API ----------------------------------------------------------------------------------


def test_the_api_files_lists_and_answers(applied, alpha_client, django_capture_on_commit_callbacks):
    sam = api(alpha_client, applied["sam"])
    filed = sam.post(
        APPEALS, {"decision": applied["promote"].pk, "reason": "Unfair."}, content_type="application/json"
    )
    reviewer = api(Client(HTTP_HOST=host("alpha")), applied["reviewer"])
    with django_capture_on_commit_callbacks(execute=True):
        answered = reviewer.post(f"{APPEALS}{filed.json()['id']}/answer/", {"state": "upheld", "answer": "Fair."},
                                 content_type="application/json")  # fmt: skip

    assert filed.status_code == 201
    assert filed.json() | {"id": 0, "created_at": "", "deadline": ""} == {
        "id": 0, "decision": applied["promote"].pk, "partner": applied["medisol"].pk, "reason": "Unfair.",
        "state": "open", "answer": "", "created_at": "", "answered_at": None, "deadline": "",
    }  # fmt: skip
    assert (
        filed.json()["deadline"]
        == sam.get(f"/api/governance/decisions/{applied['promote'].pk}/").json()["appeal_deadline"]
    )
    assert answered.status_code == 200 and answered.json()["state"] == "upheld"
    assert [a["id"] for a in sam.get(APPEALS).json()["results"]] == [filed.json()["id"]]
    assert reviewer.get(APPEALS, {"state": "open"}).json()["count"] == 0


def test_the_api_refuses_bad_input_and_wrong_users(applied, alpha_client):
    sam = api(alpha_client, applied["sam"])
    clara_client = Client(HTTP_HOST=host("alpha"))
    manager = api(Client(HTTP_HOST=host("alpha")), applied["manager"])

    assert sam.post(APPEALS, {"decision": applied["promote"].pk}, content_type="application/json").status_code == 400
    assert sam.post(APPEALS, {"decision": applied["promote"].pk, "reason": "x", "state": "upheld"},
                    content_type="application/json").status_code == 400  # fmt: skip
    assert sam.post(APPEALS, {"decision": applied["suspend"].pk, "reason": "x"},
                    content_type="application/json").status_code == 404  # another partner's decision  # fmt: skip
    assert manager.post(APPEALS, {"decision": applied["promote"].pk, "reason": "x"},
                        content_type="application/json").status_code == 403  # fmt: skip
    kept = sam.post(APPEALS, {"decision": applied["keep"].pk, "reason": "x"}, content_type="application/json")
    assert kept.status_code == 404
    appeal = decisions.appeal_file(actor=applied["sam"], decision=applied["promote"], reason="x")
    assert sam.post(f"{APPEALS}{appeal.pk}/answer/", {"state": "upheld", "answer": "x"},
                    content_type="application/json").status_code == 403  # fmt: skip
    assert manager.post(f"{APPEALS}{appeal.pk}/answer/", {"state": "upheld", "answer": "x"},
                        content_type="application/json").status_code == 403  # fmt: skip
    bad = api(Client(HTTP_HOST=host("alpha")), applied["reviewer"]).post(
        f"{APPEALS}{appeal.pk}/answer/", {"state": "open", "answer": ""}, content_type="application/json"
    )
    assert bad.status_code == 400 and set(bad.json()) == {"state", "answer"}
    # Carevia is suspended: its users' tokens ended and they cannot sign in.
    token = Token.objects.create(user=applied["clara"])
    clara_client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    assert clara_client.get(APPEALS).status_code in (401, 403)
    with schema_context("beta"):
        beta_admin = User.objects.get(email="admin@beta.test")
        beta_token = Token.objects.get_or_create(user=beta_admin)[0].key
    other = Client(HTTP_HOST=host("beta"), HTTP_AUTHORIZATION=f"Token {beta_token}")
    assert other.get(f"{APPEALS}{appeal.pk}/").status_code == 404
    assert other.post(f"{APPEALS}{appeal.pk}/answer/", {"state": "upheld", "answer": "x"},
                      content_type="application/json").status_code == 404  # fmt: skip


def test_the_appeal_list_reads_in_bounded_queries(applied, alpha_client, django_assert_max_num_queries):
    decisions.appeal_file(actor=applied["sam"], decision=applied["promote"], reason="x")
    decisions.appeal_file(actor=applied["clara"], decision=applied["suspend"], reason="y")
    client = api(alpha_client, applied["reviewer"])

    with django_assert_max_num_queries(7):
        listed = client.get(APPEALS).json()
    assert listed["count"] == 2
    assert [a.decision_id for a in appeals_open()] == [applied["promote"].pk, applied["suspend"].pk]


# --- one appeal per decision, at once ---------------------------------------------------------

AT_ONCE = 8


@pytest.mark.django_db(transaction=True)
def test_appeals_filed_at_once_make_one_appeal_and_clean_409s(race):
    reviewer = make_user(race, "reviewer")
    partner = Partner.objects.create(name="Racer", role="supplier", status="active")
    admin = make_user(race, "partner_admin", partner=partner)
    decision = closed_with_a_warning(reviewer, partner, "Careful.")
    token = Token.objects.create(user=admin).key

    def file_one(i: int):
        client = Client(HTTP_HOST=host(race.slug), HTTP_AUTHORIZATION=f"Token {token}", raise_request_exception=False)
        return client.post(
            APPEALS, {"decision": decision.pk, "reason": f"Reason {i}"}, content_type="application/json"
        )

    answers = in_parallel(AT_ONCE, file_one)

    assert sorted(a.status_code for a in answers) == [201] + [409] * (AT_ONCE - 1)
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"appeal_exists"}
    connection.set_tenant(race)
    assert Appeal.objects.filter(decision=decision).count() == 1


def test_the_unique_constraint_is_the_one_declared(alpha):
    from governance.models import APPEAL_TAKEN

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'governance_appeal'::regclass AND contype = 'u'"
        )
        assert [row[0] for row in cursor.fetchall()] == [APPEAL_TAKEN.constraint]


def test_a_refused_appeal_reads_in_french(applied, alpha_client):
    speaking(applied["sam"], "fr")
    sam = api(alpha_client, applied["sam"])
    decisions.appeal_file(actor=applied["sam"], decision=applied["promote"], reason="x")

    again = sam.post(APPEALS, {"decision": applied["promote"].pk, "reason": "x"}, content_type="application/json",
                     HTTP_ACCEPT_LANGUAGE="fr")  # fmt: skip

    assert again.status_code == 409
    assert again.json()["detail"] == "Cette décision fait déjà l'objet d'un recours."
