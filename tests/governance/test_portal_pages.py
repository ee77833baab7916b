"""The partner portal's governance pages: the organisation's decisions (list and one, with the findings behind
it), the appeal filed from the portal or through the personal link of the decision's mail (no session), the
current rule book, and the portal home's panel. Walls: another partner's decision, members, staff, anonymous
visitors, another tenant's link; bad input; the window's end; query counts.

`applied` (from `test_appeals`): Medisol promoted to gold (Sam, its admin; Mia, a member), Carevia suspended
(Clara, its admin, signed out by the suspension), Finamed kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from ecosystem.accounts.models import User
from governance import decisions, services
from governance.models import Appeal, Decision, Finding, Review, Rule, RuleBook
from governance.selectors import portal_decisions
from partners.models import Partner
from tests.conftest import audit_actions, flash_messages, french, host, login, make_user
from tests.governance.conftest import closed_with_a_warning
from tests.governance.test_appeals import applied as applied  # the fixture

LIST = "/portal/governance/decisions/"
RULES = "/portal/governance/rules/"
FORM_LABEL = "Grounds of the appeal"
BUTTON = "Appeal this decision"
FILED = "Your appeal was filed: a reviewer will answer it."


@pytest.fixture
def as_user(alpha):
    def sign_in(user):
        return login(Client(HTTP_HOST=host("alpha")), alpha, user)

    return sign_in


def page(response) -> str:
    return response.content.decode()


def detail(decision: Decision) -> str:
    return f"/portal/governance/decisions/{decision.pk}/"


def link_of(decision: Decision, user: User) -> str:
    return decisions.appeal_link(decision=decision, user=user)


def closed_review_about(reviewer: User, partner: Partner, kind: str, start: dt.date) -> Decision:
    """Another review of the current rule book, finished with a warning about `partner`, decided and applied."""
    book = RuleBook.objects.order_by("-number").first()
    review = Review.objects.create(book=book, period_start=start, period_end=start + dt.timedelta(days=27),
                                   status=Review.Status.DONE)  # fmt: skip
    Finding.objects.create(review=review, partner=partner, rule=book.rules.first(), outcome="warn")
    decision = decisions.decision_record(actor=reviewer, review=review,
                                         data={"partner": partner.pk, "kind": kind, "rationale": f"{kind} again."})  # fmt: skip
    decisions.review_apply(actor=reviewer, review=review)
    return Decision.objects.select_related("review").get(pk=decision.pk)


@pytest.fixture
def late(board):
    """A warning for Medisol in a review closed 400 days ago (past any appeal window; closing is the one change
    an open review's row allows outside the services)."""
    from tests.governance.test_decisions import record

    decision = record(board, "medisol", "warn", rationale="Late deliveries.")
    Review.objects.filter(pk=board["review"].pk).update(closed_at=timezone.now() - dt.timedelta(days=400),
                                                         closed_by=board["reviewer"])  # fmt: skip
    return {**board, "decision": Decision.objects.select_related("review").get(pk=decision.pk)}


# --- the list ---------------------------------------------------------------------------------


def test_the_partner_reads_its_own_decisions(applied, as_user):
    shown = page(as_user(applied["sam"]).get(LIST))
    member = page(as_user(applied["mia"]).get(LIST))

    assert "Governance decisions" in shown and "Promote" in shown and "Gold" in shown
    assert "Because the findings say so." in shown
    assert f'href="{detail(applied["promote"])}"' in shown
    assert "You may appeal until" in shown
    assert "Your administrator may appeal until" in member and "You may appeal until" not in member
    # Carevia's suspension and Finamed's keep are not Medisol's.
    assert "Repeated failures." not in shown and "Suspend" not in shown and "Keep" not in shown


def test_the_list_shows_the_appeal_and_its_state(applied, as_user):
    decisions.appeal_file(actor=applied["sam"], decision=applied["promote"], reason="We deserve better.")

    shown = page(as_user(applied["sam"]).get(LIST))

    assert "Appeal: Open" in shown and "You may appeal until" not in shown


def test_the_list_reads_in_a_fixed_number_of_queries(applied, as_user, django_assert_max_num_queries):
    client = as_user(applied["sam"])
    client.get(LIST)  # the session, the tenant and its settings now cached
    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST).status_code == 200
    medisol = applied["medisol"]
    for weeks, kind in enumerate(("warn", "keep", "warn", "warn")):
        decision = closed_review_about(
            applied["reviewer"], medisol, kind, dt.date(2025, 1, 1) + dt.timedelta(weeks=4 * weeks)
        )
        if kind == "warn" and weeks == 0:
            decisions.appeal_file(actor=applied["sam"], decision=decision, reason="Not us.")

    with django_assert_max_num_queries(len(one)):
        listed = client.get(LIST)
    assert len(listed.context["rows"]) == 5


def test_the_appeal_check_uses_the_appeal_read_along(applied, django_assert_num_queries):
    decisions.appeal_file(actor=applied["sam"], decision=applied["promote"], reason="x")
    [decision] = portal_decisions(applied["sam"])
    decisions.appeal_deadline(decision)  # the tenant's settings now cached

    with django_assert_num_queries(0):
        assert decisions.appeal_can_file(user=applied["sam"], decision=decision) is False


def test_only_partner_users_signed_in_read_the_portal_pages(applied, as_user, alpha_client):
    for who in ("manager", "reviewer", "admin"):
        for url in (LIST, detail(applied["promote"]), RULES):
            assert as_user(applied[who]).get(url).status_code == 403
    for url in (LIST, detail(applied["promote"]), RULES):
        answer = alpha_client.get(url)
        assert (answer.status_code, answer.url) == (302, f"/accounts/login/?next={url}")


# --- one decision -----------------------------------------------------------------------------


def test_the_decision_page_tells_the_rationale_and_the_findings(applied, as_user):
    shown = page(as_user(applied["sam"]).get(detail(applied["promote"])))

    assert "Decision: Promote" in shown and "new tier: Gold" in shown
    assert "Because the findings say so." in shown
    assert "Minimum" in shown and '<span aria-hidden="true">✓</span> Pass' in shown
    assert "150.00 validated in the period; at least 100.00 required." in shown
    assert f'<label for="id_reason">{FORM_LABEL}</label>' in shown and f">{BUTTON}</button>" in shown
    assert 'name="csrfmiddlewaretoken"' in shown


def test_the_partner_admin_appeals_from_the_portal(applied, as_user):
    client = as_user(applied["sam"])

    answer = client.post(detail(applied["promote"]), {"reason": "  The gold tier came too early.  "})

    assert (answer.status_code, answer.url) == (302, detail(applied["promote"]))
    assert flash_messages(answer) == [FILED]
    appeal = Appeal.objects.get(decision=applied["promote"])
    assert (appeal.author, appeal.reason, appeal.state) == (applied["sam"], "The gold tier came too early.", "open")
    assert audit_actions()[-1] == "governance.appeal_filed"
    shown = page(client.get(detail(applied["promote"])))
    assert "Our appeal" in shown and "The gold tier came too early." in shown and BUTTON not in shown
    assert "A reviewer has not answered yet." in shown


def test_the_answer_shows_on_the_decision_page(applied, as_user):
    appeal = decisions.appeal_file(actor=applied["sam"], decision=applied["promote"], reason="x")
    decisions.appeal_answer(actor=applied["reviewer"], appeal=appeal, state="upheld", answer="It stands.")

    shown = page(as_user(applied["sam"]).get(detail(applied["promote"])))

    assert "Upheld" in shown and "It stands." in shown


@pytest.mark.parametrize("grounds", ["", "   ", "x" * 4001])
def test_bad_grounds_re_render_the_form_with_the_services_error(applied, as_user, grounds):
    answer = as_user(applied["sam"]).post(detail(applied["promote"]), {"reason": grounds})

    assert answer.status_code == 400
    error = "Give the grounds of the appeal." if len(grounds) < 10 else "At most 4000 characters."
    assert f'<p class="error" id="id_reason_error">{error}</p>' in page(answer)
    assert 'aria-describedby="id_reason_helptext id_reason_error"' in page(answer)
    assert not Appeal.objects.exists()


def test_a_member_reads_the_decision_but_cannot_appeal(applied, as_user):
    client = as_user(applied["mia"])
    shown = page(client.get(detail(applied["promote"])))
    refused = client.post(detail(applied["promote"]), {"reason": "Members too."})

    assert "Because the findings say so." in shown and BUTTON not in shown
    assert "Only an administrator of our organisation can appeal this decision." in shown
    assert refused.status_code == 403
    assert not Appeal.objects.exists()


def test_another_partners_decision_is_not_found(applied, as_user, alpha):
    finamed_admin = make_user(alpha, "partner_admin", partner=applied["finamed"])
    sam = as_user(applied["sam"])

    assert sam.get(detail(applied["suspend"])).status_code == 404
    assert sam.post(detail(applied["suspend"]), {"reason": "Theirs."}).status_code == 404
    assert sam.get("/portal/governance/decisions/999999/").status_code == 404
    assert as_user(finamed_admin).get(detail(applied["promote"])).status_code == 404
    assert as_user(finamed_admin).post(detail(applied["promote"]), {"reason": "x"}).status_code == 404
    assert not Appeal.objects.exists()


def test_a_decision_of_an_open_review_is_not_shown(board, as_user):
    from tests.governance.test_decisions import record

    decision = record(board, "medisol", "warn")

    assert as_user(board["sam"]).get(detail(decision)).status_code == 404
    assert "warn" not in page(as_user(board["sam"]).get(LIST)).lower().split("<main")[1]


def test_a_keep_has_nothing_to_appeal(applied, as_user, alpha):
    finamed_admin = make_user(alpha, "partner_admin", partner=applied["finamed"])
    client = as_user(finamed_admin)

    shown = page(client.get(detail(applied["keep"])))
    refused = client.post(detail(applied["keep"]), {"reason": "Why keep?"})

    assert "Nothing to appeal" in shown and BUTTON not in shown
    assert refused.status_code == 409
    assert "Nothing changed for the partner: there is nothing to appeal." in page(refused)
    assert not Appeal.objects.exists()


def test_an_appeal_after_the_window_is_refused_with_a_clear_message(late, as_user):
    client = as_user(late["sam"])

    shown = page(client.get(detail(late["decision"])))
    refused = client.post(detail(late["decision"]), {"reason": "Late."})

    assert "The time to appeal ended on" in shown and BUTTON not in shown
    assert "Late deliveries." in shown
    assert refused.status_code == 409
    assert "The time to appeal this decision ended on" in page(refused)
    assert not Appeal.objects.exists()


def test_a_second_appeal_is_refused_and_the_first_shown(applied, as_user):
    client = as_user(applied["sam"])
    shown = client.get(detail(applied["promote"]))  # the form, read before the appeal below
    decisions.appeal_file(actor=applied["sam"], decision=applied["promote"], reason="First.")

    again = client.post(detail(applied["promote"]), {"reason": "Second."})

    assert BUTTON in page(shown)
    assert again.status_code == 409
    assert "This decision has been appealed already." in page(again) and "First." in page(again)
    assert Appeal.objects.get().reason == "First."


# --- the rule book ----------------------------------------------------------------------------


def test_the_partner_reads_the_current_rule_book_in_words(applied, as_user):
    rule = Rule.objects.get(name="Minimum")
    services.rule_update(actor=applied["reviewer"], rule=rule, data={"params": {"min_value": "250"}})
    services.rule_create(actor=applied["reviewer"], data={"name": "Active", "kind": "recent_activity",
                                                          "params": {"days": 30}, "severity": "warn"})  # fmt: skip

    shown = page(as_user(applied["mia"]).get(RULES))

    assert "Rule book" in shown and "version 3" in shown
    assert "At least 250.00 of validated value over the review&#x27;s period." in shown
    assert "100.00" not in shown  # the former version's threshold
    assert "A validated contribution in the last 30 days before the period&#x27;s end." in shown
    assert '<span aria-hidden="true">!</span> Warning' in shown and "Every active partner" in shown


def test_the_rule_book_names_tiers_and_reads_in_a_fixed_number_of_queries(
    applied, as_user, django_assert_max_num_queries
):
    services.rule_create(actor=applied["reviewer"], data={
        "name": "Gold minimum", "kind": "min_contribution", "severity": "fail", "tiers": [applied["gold"].pk],
        "params": {"min_value": "10", "per_tier": {str(applied["gold"].pk): "500"}},
    })  # fmt: skip
    client = as_user(applied["sam"])
    client.get(RULES)

    with django_assert_max_num_queries(6):
        shown = page(client.get(RULES))
    assert "In tier Gold: at least 500.00." in shown and "Tiers: Gold" in shown


# --- the personal link ------------------------------------------------------------------------


def test_the_link_shows_the_decision_and_files_the_appeal_without_a_session(applied):
    link = link_of(applied["suspend"], applied["clara"])
    client = Client(HTTP_HOST=host("alpha"), enforce_csrf_checks=True)

    shown = client.get(link)
    empty = client.post(link, {"reason": "", "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    filed = client.post(link, {"reason": "Customs strike.", "csrfmiddlewaretoken": client.cookies["csrftoken"].value})

    assert shown.status_code == 200
    assert "Repeated failures." in page(shown) and FORM_LABEL in page(shown) and BUTTON in page(shown)
    assert empty.status_code == 400 and "Give the grounds of the appeal." in page(empty)
    assert (filed.status_code, filed.url) == (302, link)
    assert flash_messages(filed) == [FILED]
    appeal = Appeal.objects.get()
    assert (appeal.decision, appeal.author, appeal.reason) == (applied["suspend"], applied["clara"], "Customs strike.")
    assert "_auth_user_id" not in client.session  # nobody was signed in
    assert "no-store" in shown["Cache-Control"]
    after = page(client.get(link))
    assert FILED in after and "Customs strike." in after and BUTTON not in after


def test_the_link_needs_the_csrf_token(applied):
    link = link_of(applied["suspend"], applied["clara"])
    client = Client(HTTP_HOST=host("alpha"), enforce_csrf_checks=True)

    assert client.post(link, {"reason": "No token."}).status_code == 403
    assert not Appeal.objects.exists()


def test_a_members_link_shows_the_decision_without_the_form(applied, alpha):
    member = make_user(alpha, "partner_member", partner=applied["carevia"])
    link = link_of(applied["suspend"], member)
    client = Client(HTTP_HOST=host("alpha"))

    shown = page(client.get(link))

    assert "Repeated failures." in shown and BUTTON not in shown
    assert client.post(link, {"reason": "Me too."}).status_code == 403
    assert not Appeal.objects.exists()


def test_forged_links_are_refused_with_their_message(applied):
    token = link_of(applied["suspend"], applied["clara"]).split("/")[-2]
    not_theirs = link_of(applied["promote"], applied["clara"]).split("/")[-2]  # Medisol's decision
    client = Client(HTTP_HOST=host("alpha"))

    for bad in (token[:-2] + "xx", "garbage", not_theirs):
        answer = client.get(f"/portal/appeal/{bad}/")
        assert answer.status_code == 403
        assert "This appeal link is not valid." in page(answer)
    assert client.post(f"/portal/appeal/{token[:-2]}xx/", {"reason": "x"}).status_code == 403
    assert not Appeal.objects.exists()


def test_an_expired_link_says_so(late):
    link = link_of(late["decision"], late["sam"])

    answer = Client(HTTP_HOST=host("alpha")).post(link, {"reason": "Late."})

    assert answer.status_code == 400
    assert "This appeal link has expired: the time to appeal has ended." in page(answer)
    assert not Appeal.objects.exists()


def beta_decision(beta) -> tuple[Decision, User]:
    """In beta: a closed review with a warning for its partner Betamed, and Betamed's admin."""
    reviewer = make_user(beta, "reviewer")
    with schema_context("beta"):
        partner = Partner.objects.create(name="Betamed", role="supplier", status="active")
        admin = User.objects.create_user(email="admin@betamed.test", password="x" * 12, role="partner_admin",
                                         partner=partner)  # fmt: skip
        decision = closed_with_a_warning(reviewer, partner, "Beta's.")
    return decision, admin


def test_a_link_made_in_another_tenant_is_refused(alpha, beta):
    decision, admin = beta_decision(beta)
    with schema_context("beta"):
        own = link_of(decision, admin)
    # What alpha would sign for the same ids (ids repeat from schema to schema): not beta's to honour.
    with schema_context("alpha"):
        from_alpha = link_of(decision, admin)
    client = Client(HTTP_HOST=host("beta"))

    refused = client.get(from_alpha)
    accepted = client.get(own)

    assert refused.status_code == 403 and "This appeal link is not valid." in page(refused)
    assert accepted.status_code == 200 and "Beta&#x27;s." in page(accepted)
    assert client.post(from_alpha, {"reason": "Across."}).status_code == 403
    with schema_context("beta"):
        assert not Appeal.objects.exists()
        with pytest.raises(decisions.NotAllowed):
            decisions.appeal_from_link(from_alpha.split("/")[-2])


def test_an_alpha_decision_is_not_found_from_beta(applied, beta):
    with schema_context("beta"):
        beta_admin = make_user(beta, "partner_admin", partner=Partner.objects.create(name="Betamed", role="supplier"))
    client = login(Client(HTTP_HOST=host("beta")), beta, beta_admin)

    assert client.get(detail(applied["promote"])).status_code == 404
    assert applied["medisol"].name not in page(client.get(LIST))


# --- the portal's home, its navigation, the old address, French --------------------------------


def test_the_portal_home_has_the_governance_panel(applied, as_user):
    client = as_user(applied["sam"])
    home = client.get("/portal/")

    assert "Governance decisions" in page(home)
    assert f'href="{detail(applied["promote"])}"' in page(home)
    assert "You may appeal a decision until" in page(home)
    assert {LIST, RULES} <= {item["url"] for item in home.context["nav_items"]}
    assert "You may appeal a decision until" not in page(as_user(applied["mia"]).get("/portal/"))


def test_the_panel_reads_in_one_query_whatever_the_number_of_decisions(applied, as_user):
    client = as_user(applied["sam"])
    client.get("/portal/")
    with CaptureQueriesContext(connection) as one:
        client.get("/portal/")
    for weeks in range(4):
        closed_review_about(applied["reviewer"], applied["medisol"], "warn",
                            dt.date(2025, 1, 1) + dt.timedelta(weeks=4 * weeks))  # fmt: skip

    with CaptureQueriesContext(connection) as five:
        home = page(client.get("/portal/"))

    assert len(five) == len(one)
    assert home.count('href="/portal/governance/decisions/') == 3 + 2  # the latest three, the list, the navigation


def test_the_answer_mails_address_leads_to_the_list(applied, as_user):
    answer = as_user(applied["sam"]).get("/portal/decisions/")

    assert (answer.status_code, answer.url) == (301, LIST)


def test_the_pages_read_in_french(applied, as_user):
    client = as_user(applied["sam"])

    listed = page(client.get(LIST, HTTP_ACCEPT_LANGUAGE="fr"))
    shown = page(client.get(detail(applied["promote"]), HTTP_ACCEPT_LANGUAGE="fr"))
    refused = page(client.post(detail(applied["promote"]), {"reason": ""}, HTTP_ACCEPT_LANGUAGE="fr"))
    rules = page(client.get(RULES, HTTP_ACCEPT_LANGUAGE="fr"))

    assert "Décisions de gouvernance" in listed and "Promouvoir" in listed
    assert "Motifs du recours" in shown and "Faire appel de cette décision" in shown
    assert "Donnez les motifs du recours." in refused
    assert french("Au moins 100,00 de valeur validée sur la période de la revue.") in rules.replace("&#x27;", "'")
