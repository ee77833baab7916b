"""The rule book's pages: administrators and reviewers add a rule (its kind first, then its parameters), edit
and delete the current version's rules, each change a new version through the services; bad input comes back
with its errors next to the fields and nothing lost; managers and partner users are refused; a change made
from a page shown before someone else's is refused with a clear 409."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from governance.models import Rule, RuleBook
from partners.models import Tier
from tests.conftest import audit_actions, flash_messages, host, in_parallel, login, make_user
from tests.governance.conftest import rule
from tests.value.test_pages import as_user as as_user  # the fixture: a signed-in client on alpha
from tests.value.test_pages import page

RULES = "/governance/rules/"
ADD = "/governance/rules/add/"


def edit_url(r: Rule) -> str:
    return f"/governance/rules/{r.pk}/edit/"


def delete_url(r: Rule) -> str:
    return f"/governance/rules/{r.pk}/delete/"


def current() -> list[tuple[int, str, str, dict, str]]:
    """The current version's number and its rules (key, name, kind, params, severity)."""
    book = RuleBook.objects.order_by("-number").first()
    return [(book.number, r.name, r.kind, r.params, r.severity) for r in book.rules.order_by("key")]


def field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="id_{field}_error">(.*?)</p>', html, re.S)
    return found.group(1).strip() if found else ""


@pytest.fixture
def minimum(cast):
    return rule(cast["reviewer"], "min_contribution", {"min_value": "100"}, name="Minimum")


# --- the happy paths --------------------------------------------------------------------------


def test_a_reviewer_adds_a_rule_choosing_its_kind_first(as_user, cast):
    gold = Tier.objects.create(name="Gold", rank=1)
    client = as_user(cast["reviewer"])

    listed = page(client.get(RULES))
    chooser = client.get(ADD)
    form = client.get(ADD, {"kind": "min_contribution"})
    done = client.post(ADD, {"kind": "min_contribution", "name": "Minimum", "min_value": "1000",
                             f"per_tier_{gold.pk}": "2500", "severity": "warn", "roles": ["supplier"]})  # fmt: skip

    assert f'href="{ADD}">Add a rule</a>' in listed
    assert chooser.status_code == 200 and 'type="radio" name="kind" value="max_share"' in page(chooser)
    shown = page(form)
    assert form.status_code == 200 and '<label for="id_min_value">Minimum validated value</label>' in shown
    assert f'<label for="id_per_tier_{gold.pk}">Minimum for the tier Gold</label>' in shown
    assert 'name="kind" value="min_contribution"' in shown and "id_max_percent" not in shown
    assert done.status_code == 302 and done["Location"] == RULES
    assert flash_messages(done) == ["The rule Minimum was added: version 1 of the rule book."]
    added = Rule.objects.get()
    assert (added.book.number, added.kind, added.params, added.severity, added.roles) == (
        1, "min_contribution", {"min_value": "1000.00", "per_tier": {str(gold.pk): "2500.00"}}, "warn", ["supplier"]
    )  # fmt: skip
    assert audit_actions()[-1] == "governance.rule_created"


def test_a_rule_without_parameters_is_added_too(as_user, cast):
    done = as_user(cast["admin"]).post(ADD, {"kind": "commitment_met", "name": "Commitments", "severity": "fail"})

    assert done.status_code == 302
    assert current() == [(1, "Commitments", "commitment_met", {}, "fail")]


def test_a_reviewer_edits_a_rule_of_the_current_version_into_a_new_version(as_user, cast, minimum):
    rule(cast["reviewer"], "recent_activity", {"days": 30}, name="Activity")
    minimum = Rule.objects.get(book__number=2, key=minimum.key)
    client = as_user(cast["reviewer"])

    listed = page(client.get(RULES))
    form = page(client.get(edit_url(minimum)))
    done = client.post(edit_url(minimum), {"name": "Minimum value", "min_value": "250.5", "severity": "fail"})

    assert f'href="{edit_url(minimum)}">Edit<span class="sr-only"> — Minimum</span>' in listed
    assert 'value="100.00"' in form and 'value="Minimum"' in form and "Minimum contribution" in form
    assert done.status_code == 302
    assert flash_messages(done) == ["The rule Minimum value was changed: version 3 of the rule book."]
    assert current() == [
        (3, "Minimum value", "min_contribution", {"min_value": "250.50"}, "fail"),
        (3, "Activity", "recent_activity", {"days": 30}, "fail"),
    ]
    assert list(Rule.objects.filter(book__number=2).values_list("name", flat=True)) == ["Minimum", "Activity"]
    assert audit_actions()[-1] == "governance.rule_updated"


def test_a_reviewer_deletes_a_rule_after_confirming(as_user, cast, minimum):
    rule(cast["reviewer"], "max_share", {"max_percent": 40}, name="Share")
    minimum = Rule.objects.get(book__number=2, key=minimum.key)
    client = as_user(cast["reviewer"])

    confirm = client.get(delete_url(minimum))
    done = client.post(delete_url(minimum))

    assert confirm.status_code == 200 and "A new version of the rule book is written without this rule" in page(
        confirm
    )
    assert RuleBook.objects.count() == 3  # the confirmation page changed nothing
    assert done.status_code == 302
    assert flash_messages(done) == ["The rule Minimum was deleted: version 3 of the rule book."]
    assert current() == [(3, "Share", "max_share", {"max_percent": "40.00"}, "fail")]
    assert audit_actions()[-1] == "governance.rule_deleted"


def test_an_older_version_offers_no_edit_and_its_rules_cannot_be_changed(as_user, cast, minimum):
    rule(cast["reviewer"], "recent_activity", {"days": 30}, name="Activity")
    client = as_user(cast["reviewer"])

    older = page(client.get(RULES, {"version": 1}))
    edit = client.get(edit_url(minimum))
    posted = client.post(edit_url(minimum), {"name": "Renamed", "min_value": "5", "severity": "fail"})
    deleted = client.post(delete_url(minimum))

    assert "/edit/" not in older and "This is an older version" in older
    assert edit.status_code == 409 and "This rule belongs to an older version of the rule book" in page(edit)
    now = Rule.objects.get(book__number=2, key=minimum.key)
    assert f'href="{edit_url(now)}">Open the rule Minimum as it is now</a>' in page(edit)
    assert posted.status_code == 409 and 'value="Renamed"' in page(posted)  # what was typed is kept
    assert deleted.status_code == 409
    assert RuleBook.objects.count() == 2


# --- bad input --------------------------------------------------------------------------------

BAD = [
    ("min_contribution", {}, "min_value", "This parameter is required."),
    ("min_contribution", {"min_value": "-5"}, "min_value", "Give a number of 0 or more."),
    ("min_contribution", {"min_value": "lots"}, "min_value", "Give a number."),
    ("max_share", {}, "max_percent", "This parameter is required."),
    ("max_share", {"max_percent": "120"}, "max_percent", "Give a number of at most 100."),
    ("max_share", {"max_percent": "-1"}, "max_percent", "Give a number of 0 or more."),
    ("agreement_valid", {}, "warn_days", "This parameter is required."),
    ("agreement_valid", {"warn_days": "-3"}, "warn_days", "Give a whole number of days, 1 or more."),
    ("recent_activity", {"days": "0"}, "days", "Give a whole number of days between 1 and 3660."),
    ("recent_activity", {}, "days", "This parameter is required."),
    ("pending_confirmations", {"days": "2.5"}, "days", "Give a whole number of days, 1 or more."),
    ("pending_confirmations", {"days": "99999"}, "days", "Give a whole number of days between 1 and 3660."),
    ("commitment_met", {"name": ""}, "name", "Give the rule a name."),
]


@pytest.mark.parametrize(("kind", "params", "field", "message"), BAD)
def test_bad_parameters_come_back_next_to_their_field_with_nothing_lost(as_user, cast, kind, params, field, message):
    body = {"kind": kind, "name": "My rule", "severity": "warn", "roles": ["partner"], **params}

    answer = as_user(cast["reviewer"]).post(ADD, body)

    html = page(answer)
    assert answer.status_code == 400
    assert field_error(html, field) == message
    assert '<div class="error-summary" role="alert"' in html and f'href="#id_{field}"' in html
    if field != "name":
        assert 'value="My rule"' in html
    assert re.search(r'name="severity" value="warn"[^>]*checked', html)
    assert re.search(r'name="roles" value="partner"[^>]*checked', html)
    for value in filter(None, params.values()):
        assert f'value="{value}"' in html
    assert RuleBook.objects.count() == 0


def test_a_bad_minimum_for_a_tier_is_told_and_the_rest_kept(as_user, cast):
    gold = Tier.objects.create(name="Gold", rank=1)
    body = {"kind": "min_contribution", "name": "Minimum", "min_value": "10", f"per_tier_{gold.pk}": "-2",
            "severity": "fail"}  # fmt: skip

    answer = as_user(cast["reviewer"]).post(ADD, body)

    assert answer.status_code == 400
    assert "Give a number of 0 or more." in page(answer) and 'value="-2"' in page(answer)
    assert RuleBook.objects.count() == 0


def test_a_bad_edit_keeps_the_rule_as_it_was(as_user, cast, minimum):
    answer = as_user(cast["reviewer"]).post(edit_url(minimum), {"name": "Minimum", "min_value": "-1",
                                                                 "severity": "fail"})  # fmt: skip

    assert answer.status_code == 400 and field_error(page(answer), "min_value") == "Give a number of 0 or more."
    assert current() == [(1, "Minimum", "min_contribution", {"min_value": "100.00"}, "fail")]


def test_a_name_taken_by_another_rule_is_refused(as_user, cast, minimum):
    answer = as_user(cast["reviewer"]).post(ADD, {"kind": "recent_activity", "name": "minimum", "days": "30",
                                                   "severity": "fail"})  # fmt: skip

    assert answer.status_code == 400
    assert field_error(page(answer), "name") == "Another rule of the rule book has this name."
    assert RuleBook.objects.count() == 1


def test_an_unknown_kind_is_asked_again_keeping_what_was_typed(as_user, cast):
    client = as_user(cast["reviewer"])

    chooser = client.get(ADD, {"kind": "bogus"})
    posted = client.post(ADD, {"kind": "bogus", "name": "My rule", "severity": "warn"})

    assert (
        chooser.status_code == 400 and field_error(page(chooser), "kind") == "Choose one of the kinds of rule listed."
    )
    assert posted.status_code == 400
    assert field_error(page(posted), "kind").startswith("Select a valid choice.")
    assert '<select name="kind"' in page(posted) and 'value="My rule"' in page(posted)
    assert RuleBook.objects.count() == 0


def test_editing_or_deleting_a_rule_that_does_not_exist_is_404(as_user, cast):
    client = as_user(cast["reviewer"])

    assert client.get("/governance/rules/999999/edit/").status_code == 404
    assert client.post("/governance/rules/999999/delete/").status_code == 404


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "sam", "mia"])
def test_managers_and_partner_users_are_refused_and_nothing_changes(as_user, cast, minimum, who):
    client = as_user(cast[who])

    answers = [
        client.get(ADD),
        client.post(ADD, {"kind": "recent_activity", "name": "Sneaky", "days": "3", "severity": "fail"}),
        client.get(edit_url(minimum)),
        client.post(edit_url(minimum), {"name": "Renamed", "min_value": "1", "severity": "fail"}),
        client.get(delete_url(minimum)),
        client.post(delete_url(minimum)),
    ]

    assert [a.status_code for a in answers] == [403] * 6
    assert current() == [(1, "Minimum", "min_contribution", {"min_value": "100.00"}, "fail")]


def test_a_manager_reads_the_rule_book_without_the_editing_links(as_user, cast, minimum):
    html = page(as_user(cast["manager"]).get(RULES))

    assert "Minimum" in html
    assert ADD not in html and "/edit/" not in html and "/delete/" not in html


def test_another_tenants_reviewer_cannot_reach_the_rules(beta, cast, minimum):
    stranger = login(Client(HTTP_HOST="beta.localhost"), beta, make_user(beta, "reviewer"))

    assert stranger.get(edit_url(minimum)).status_code == 404
    assert stranger.post(delete_url(minimum)).status_code == 404
    assert "Minimum" not in page(stranger.get(RULES))


# --- two people at once -----------------------------------------------------------------------


def test_the_second_edit_from_the_same_version_is_refused_with_a_clear_message(as_user, cast, minimum):
    rita, admin = as_user(cast["reviewer"]), as_user(cast["admin"])
    rita.get(edit_url(minimum)), admin.get(edit_url(minimum))  # both see version 1

    first = rita.post(edit_url(minimum), {"name": "Minimum", "min_value": "200", "severity": "fail"})
    second = admin.post(edit_url(minimum), {"name": "Minimum", "min_value": "300", "severity": "warn"})

    assert first.status_code == 302
    html = page(second)
    assert second.status_code == 409
    assert "The rule book has changed" in html
    assert "Someone else saved version 2 of the rule book after this page was shown" in html
    now = Rule.objects.get(book__number=2)
    assert f'href="{edit_url(now)}">Open the rule Minimum as it is now</a>' in html
    assert 'value="300"' in html  # what the second person typed, to copy over
    assert current() == [(2, "Minimum", "min_contribution", {"min_value": "200.00"}, "fail")]


@pytest.mark.django_db(transaction=True)
def test_edits_posted_at_the_same_moment_never_share_a_version(race):
    """Four reviewers save the same rule at once from the same page: one change wins, the others get the 409
    page; never two versions of one number, never a 500."""
    reviewers = [make_user(race, "reviewer") for _ in range(4)]
    shown = rule(reviewers[0], "recent_activity", {"days": 30}, name="Activity")
    clients = [login(Client(HTTP_HOST=host(race.slug), raise_request_exception=False), race, r) for r in reviewers]

    def save(i: int):
        return clients[i].post(edit_url(shown), {"name": "Activity", "days": str(10 + i), "severity": "fail"})

    answers = in_parallel(4, save)

    assert sorted(a.status_code for a in answers) == [302, 409, 409, 409]
    for answer in answers:
        if answer.status_code == 409:
            assert "The rule book has changed" in page(answer)
    assert list(RuleBook.objects.order_by("number").values_list("number", flat=True)) == [1, 2]
