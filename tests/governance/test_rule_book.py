"""The rule book: typed rules with checked parameters, a new version for every change, who may change it."""

from __future__ import annotations

import pytest
from django.test import Client

from governance.models import Rule, RuleBook
from partners.models import Tier
from tests.conftest import audit_actions, host, in_parallel, login, make_user
from tests.governance.conftest import api, rule

RULES = "/api/governance/rules/"


def post(client, **body):
    return client.post(RULES, body, content_type="application/json")


def test_every_change_makes_a_new_version_and_the_old_ones_stay_readable(alpha_client, cast):
    client = api(alpha_client, cast["reviewer"])

    created = post(client, name="Minimum", kind="min_contribution", params={"min_value": 1000}, severity="warn")
    post(client, name="Activity", kind="recent_activity", params={"days": "90"})
    edited = client.patch(f"{RULES}{created.json()['id']}/", {"params": {"min_value": "2000.5"}},
                          content_type="application/json")  # fmt: skip
    activity = client.get(RULES).json()["results"][1]
    deleted = client.delete(f"{RULES}{activity['id']}/")
    current = client.get(RULES).json()
    first = client.get(RULES, {"version": 1}).json()
    third = client.get(RULES, {"version": 3}).json()

    assert created.status_code == 201
    assert created.json() | {"id": 0} == {
        "id": 0, "version": 1, "name": "Minimum", "kind": "min_contribution",
        "params": {"min_value": "1000.00"}, "severity": "warn", "roles": [], "tiers": [],
    }  # fmt: skip
    assert edited.status_code == 200
    assert (edited.json()["version"], edited.json()["id"], edited.json()["params"]) == (3, 1, {"min_value": "2000.50"})
    assert deleted.status_code == 204
    assert [(r["version"], r["name"], r["params"]) for r in current["results"]] == [
        (4, "Minimum", {"min_value": "2000.50"})
    ]
    assert [(r["version"], r["name"], r["params"]) for r in first["results"]] == [
        (1, "Minimum", {"min_value": "1000.00"})
    ]
    assert [(r["id"], r["name"]) for r in third["results"]] == [(1, "Minimum"), (2, "Activity")]
    assert list(RuleBook.objects.order_by("number").values_list("number", flat=True)) == [1, 2, 3, 4]
    assert audit_actions()[-4:] == [
        "governance.rule_created", "governance.rule_created", "governance.rule_updated", "governance.rule_deleted",
    ]  # fmt: skip


def test_a_rule_of_an_older_version_cannot_be_changed(alpha_client, cast):
    client = api(alpha_client, cast["reviewer"])
    share = post(client, name="Share", kind="max_share", params={"max_percent": 40}).json()
    client.delete(f"{RULES}{share['id']}/")

    answer = client.patch(f"{RULES}{share['id']}/?version=1", {"name": "Renamed"}, content_type="application/json")
    gone = client.get(f"{RULES}{share['id']}/")
    seen = client.get(f"{RULES}{share['id']}/", {"version": 1})

    assert (answer.status_code, answer.json()["code"]) == (409, "rule_outdated")
    assert gone.status_code == 404
    assert seen.status_code == 200 and seen.json()["name"] == "Share"
    assert RuleBook.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"kind": "min_contribution", "params": {}}, {"params.min_value": ["This parameter is required."]}),
        ({"kind": "min_contribution", "params": {"min_value": -1}}, {"params.min_value": ["Give a number of 0 or more."]}),
        ({"kind": "min_contribution", "params": {"min_value": "lots"}}, {"params.min_value": ["Give a number."]}),
        (
            {"kind": "min_contribution", "params": {"min_value": 1, "per_tier": {"999999": 5}}},
            {"params.per_tier": ["No such tier: 999999."]},
        ),
        (
            {"kind": "min_contribution", "params": {"min_value": 1, "per_tier": ["gold"]}},
            {"params.per_tier": ['Give an object of tier ids and amounts, e.g. {"3": "500.00"}.']},
        ),
        ({"kind": "max_share", "params": {"max_percent": 101}}, {"params.max_percent": ["Give a number of at most 100."]}),
        ({"kind": "max_share", "params": {"max_percent": True}}, {"params.max_percent": ["Give a number."]}),
        ({"kind": "agreement_valid", "params": {"warn_days": 0}},
         {"params.warn_days": ["Give a whole number of days between 1 and 3660."]}),
        ({"kind": "recent_activity", "params": {"days": 1.5}},
         {"params.days": ["Give a whole number of days, 1 or more."]}),
        ({"kind": "pending_confirmations", "params": {"days": -3}},
         {"params.days": ["Give a whole number of days, 1 or more."]}),
        (
            {"kind": "commitment_met", "params": {"days": 3}},
            {"params.days": ["A commitment_met rule takes no parameter of this name; it takes: none."]},
        ),
        ({"kind": "commitment_met", "params": "all"}, {"params": ["Give the parameters as an object."]}),
        ({"kind": "quorum"}, {"kind": ["Choose among: min_contribution, max_share, agreement_valid, recent_activity, "
                                       "commitment_met, pending_confirmations."]}),
        ({"kind": "commitment_met", "severity": "mild"}, {"severity": ['"mild" is not a valid choice.']}),
        ({"kind": "commitment_met", "tiers": [999999]}, {"tiers": ["No such tier: 999999."]}),
        ({"kind": "commitment_met", "name": " "}, {"name": ["This field may not be blank."]}),
    ],
)  # fmt: skip
def test_bad_rules_are_refused_field_by_field_and_change_nothing(alpha_client, cast, body, errors):
    answer = post(api(alpha_client, cast["reviewer"]), **{"name": "A rule", **body})

    assert (answer.status_code, answer.json()) == (400, errors)
    assert not RuleBook.objects.exists()


def test_per_tier_thresholds_name_existing_tiers(alpha_client, cast):
    gold = Tier.objects.create(name="Gold", rank=1)

    answer = post(api(alpha_client, cast["admin"]), name="Min", kind="min_contribution",
                  params={"min_value": 5, "per_tier": {str(gold.pk): "12.5"}}, tiers=[gold.pk], roles=["supplier"])  # fmt: skip

    assert answer.status_code == 201
    assert answer.json()["params"] == {"min_value": "5.00", "per_tier": {str(gold.pk): "12.50"}}
    assert (answer.json()["tiers"], answer.json()["roles"]) == ([gold.pk], ["supplier"])


def test_two_rules_of_one_name_in_a_version_are_refused(alpha_client, cast):
    client = api(alpha_client, cast["reviewer"])
    post(client, name="Activity", kind="recent_activity", params={"days": 30})

    answer = post(client, name="ACTIVITY", kind="recent_activity", params={"days": 60})

    assert (answer.status_code, answer.json()) == (400, {"name": ["Another rule of the rule book has this name."]})
    assert RuleBook.objects.count() == 1


def test_managers_and_partner_users_read_the_current_rule_book_but_cannot_change_it(alpha_client, cast, beta):
    reviewer_rule = rule(cast["reviewer"], "recent_activity", {"days": 30}, name="Activity")
    manager = api(Client(HTTP_HOST=host("alpha")), cast["manager"])
    sam = api(Client(HTTP_HOST=host("alpha")), cast["sam"])
    before = audit_actions()

    for client in (manager, sam):
        assert [r["name"] for r in client.get(RULES).json()["results"]] == ["Activity"]
        assert post(client, name="Mine", kind="commitment_met").status_code == 403
        assert (
            client.patch(f"{RULES}{reviewer_rule.pk}/", {"name": "X"}, content_type="application/json").status_code
            == 403
        )
        assert client.delete(f"{RULES}{reviewer_rule.pk}/").status_code == 403
    assert RuleBook.objects.count() == 1 and Rule.objects.get().name == "Activity"
    assert audit_actions() == before
    rule(cast["reviewer"], "commitment_met", name="Commitments")
    assert manager.get(RULES, {"version": 1}).json()["count"] == 1  # the staff read every version
    assert sam.get(RULES, {"version": 1}).json()["count"] == 0  # a partner, the current one only
    assert sam.get(RULES).json()["count"] == 2
    token = api(Client(), cast["reviewer"]).defaults["HTTP_AUTHORIZATION"]
    assert Client(HTTP_HOST=host("beta"), HTTP_AUTHORIZATION=token).get(RULES).status_code == 401


def test_the_rule_list_reads_a_bounded_number_of_queries(alpha_client, cast, django_assert_max_num_queries):
    for number in range(12):
        rule(cast["reviewer"], "recent_activity", {"days": number + 1}, name=f"Rule {number}")
    client = api(alpha_client, cast["sam"])

    with django_assert_max_num_queries(8):
        answer = client.get(RULES)

    assert answer.json()["count"] == 12


@pytest.mark.django_db(transaction=True)
def test_changes_made_at_the_same_moment_never_share_a_version(race):
    """Six reviewers add a rule at once, all from the same version: each change is a version of its own or a
    clean 409; never two versions of one number, never a 500."""
    reviewers = [make_user(race, "reviewer") for _ in range(6)]
    tokens = [api(Client(), r).defaults["HTTP_AUTHORIZATION"] for r in reviewers]

    def add(i: int):
        client = Client(HTTP_HOST=host(race.slug), HTTP_AUTHORIZATION=tokens[i], raise_request_exception=False)
        return post(client, name=f"Rule {i}", kind="recent_activity", params={"days": 30})

    answers = in_parallel(6, add)

    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {201, 409} and 201 in statuses
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["code"] == "rule_book_changed"
    numbers = list(RuleBook.objects.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, statuses.count(201) + 1))
    last = RuleBook.objects.order_by("-number").first()
    assert last.rules.count() == statuses.count(201)  # every accepted rule is in the current version


def test_refusals_read_in_french(alpha_client, cast):
    client = api(alpha_client, cast["reviewer"])

    answer = client.post(RULES, {"name": "Règle", "kind": "max_share", "params": {"max_percent": 101}},
                         content_type="application/json", HTTP_ACCEPT_LANGUAGE="fr")  # fmt: skip

    assert answer.json() == {"params.max_percent": ["Donnez un nombre d\N{RIGHT SINGLE QUOTATION MARK}au plus 100."]}


# --- the staff page -------------------------------------------------------------------------


def test_the_staff_read_the_rule_book_page_and_its_older_versions(alpha, alpha_client, cast,
                                                                  django_assert_max_num_queries):  # fmt: skip
    rule(cast["reviewer"], "recent_activity", {"days": 30}, name="Activity")
    rule(cast["reviewer"], "max_share", {"max_percent": "40"}, name="Concentration", roles=["supplier"])
    client = login(alpha_client, alpha, cast["manager"])

    with django_assert_max_num_queries(12):
        current = client.get("/governance/rules/")
    first = client.get("/governance/rules/", {"version": 1})

    assert current.status_code == 200
    assert [r.name for r in current.context["rules"]] == ["Activity", "Concentration"]
    assert current.context["versions"] == [2, 1]
    assert "max_percent" in current.content.decode() and "40.00" in current.content.decode()
    assert [r.name for r in first.context["rules"]] == ["Activity"]


def test_a_bad_or_unknown_version_is_refused(alpha, alpha_client, cast):
    rule(cast["reviewer"], "recent_activity", {"days": 30}, name="Activity")
    client = login(alpha_client, alpha, cast["reviewer"])

    bad = client.get("/governance/rules/", {"version": "two"})
    unknown = client.get("/governance/rules/", {"version": "99"})

    assert bad.status_code == 400 and "Give a version number, e.g. 3." in bad.content.decode()
    assert unknown.status_code == 404


def test_partner_users_and_other_tenants_do_not_reach_the_rule_book_page(alpha, alpha_client, cast, beta):
    rule(cast["reviewer"], "recent_activity", {"days": 30}, name="Activity")

    as_partner = login(alpha_client, alpha, cast["sam"]).get("/governance/rules/")
    # Alpha's manager's session means nothing on beta's host: sent to sign in there.
    other_tenant = login(Client(HTTP_HOST=host("beta")), alpha, cast["manager"]).get("/governance/rules/")

    assert as_partner.status_code == 403
    assert other_tenant.status_code == 302 and "/accounts/login/" in other_tenant["Location"]
