"""The staff's review pages: the list and its request form, a review's page (progress while it runs, then the
partner x rule matrix with its filters), the htmx progress fragment, cancel; who may do what."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation
from django_tenants.utils import schema_context

from governance.explain import finding_text
from governance.models import Finding, Review, Rule
from partners.models import Tier
from tests.conftest import admin_of, audit_actions, flash_messages, login
from tests.core.test_form_markup import _check_ties
from tests.governance.conftest import PERIOD, PartnerFactory, rule, validated
from tests.value.test_pages import as_user as as_user  # the fixture: a signed-in client on alpha
from tests.value.test_pages import page


@pytest.fixture
def rules(world):
    """Minimum (suppliers only, fail), Share (warn), Activity (warn)."""
    reviewer = world["reviewer"]
    validated(world["manager"], world["mission"], partner=world["medisol"].pk, value="150.00", date="2026-02-01")
    return {
        "minimum": rule(reviewer, "min_contribution", {"min_value": "100"}, name="Minimum", roles=["supplier"]),
        "share": rule(reviewer, "max_share", {"max_percent": "100"}, name="Share", severity="warn"),
        "activity": rule(reviewer, "recent_activity", {"days": 200}, name="Activity", severity="warn"),
    }


@pytest.fixture
def done(world, rules, run):
    """A finished review: Medisol passes every rule; Carevia fails Minimum and is warned on Activity;
    Finamed (a `partner`, out of Minimum's scope) is warned on Activity."""
    core = Tier.objects.create(name="Core", rank=1)
    world["carevia"].tier = core
    world["carevia"].save(update_fields=["tier"])
    review = run(world["reviewer"])
    assert review.status == "done"
    return review


def matrix(response) -> dict[str, list[tuple[str, str]]]:
    """partner name -> [(outcome or "", explanation)] per rule column shown."""
    return {
        row["partner"].name: [(c["finding"].outcome if c["finding"] else "", c["text"]) for c in row["cells"]]
        for row in response.context["rows"]
    }


# --- the list and the request form ------------------------------------------------


def test_a_reviewer_starts_a_review_from_the_list_and_the_same_request_leads_to_it(as_user, world, rules):
    client = as_user(world["reviewer"])
    form = client.get("/governance/reviews/")
    body = {**PERIOD, "roles": ["supplier", "partner"]}

    first = client.post("/governance/reviews/", body)
    again = client.post("/governance/reviews/", body)

    review = Review.objects.get()
    assert form.status_code == 200 and 'name="period_start"' in page(form) and 'value="supplier"' in page(form)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"/governance/reviews/{review.pk}/"
    assert (review.roles, review.tiers, review.status, review.book.number) == (
        ["partner", "supplier"],
        [],
        "queued",
        3,
    )
    assert flash_messages(again) == ["The review was started; it is being run.",
                                     "The same review is already being run: here it is."]  # fmt: skip
    assert audit_actions().count("governance.review_requested") == 1
    listed = page(client.get("/governance/reviews/"))
    assert f'href="/governance/reviews/{review.pk}/"' in listed and "1 review" in listed
    assert "Partner, Supplier" in listed and "version 3" in listed
    assert f'action="/governance/reviews/{review.pk}/cancel/"' in listed


def test_a_review_of_some_tiers_keeps_them(as_user, world, rules):
    core = Tier.objects.create(name="Core", rank=1)

    response = as_user(world["admin"]).post("/governance/reviews/", {**PERIOD, "tiers": [str(core.pk)]})

    assert response.status_code == 302
    assert Review.objects.get().tiers == [core.pk]
    assert "tiers Core" in page(as_user(world["admin"]).get("/governance/reviews/"))


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"period_start": "2026-06-30", "period_end": "2026-01-01"}, "period_end",
         "The period must not end before it starts."),
        ({"period_start": "", "period_end": "2026-01-01"}, "period_start", "This field is required."),
        ({**PERIOD, "roles": ["overlord"]}, "roles", "Select a valid choice. overlord is not one of the available choices."),
        ({**PERIOD, "tiers": ["999999"]}, "tiers", "Select a valid choice. 999999 is not one of the available choices."),
        ({"period_start": "2019-01-01", "period_end": "2026-01-01"}, "period_end", "A review covers at most five years."),
    ],
)  # fmt: skip
def test_a_bad_request_shows_the_form_with_its_errors_and_input_and_queues_nothing(as_user, world, rules, body,
                                                                                   field, message):  # fmt: skip
    response = as_user(world["reviewer"]).post(
        "/governance/reviews/", {**body, "roles": body.get("roles", ["partner"])}
    )

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert f'id="id_{field}_error"' in page(response)
    if body["period_end"]:
        assert f'value="{body["period_end"]}"' in page(response)  # nothing typed is lost
    if field != "roles":
        assert 'value="partner" id="id_roles_0" checked' in page(response)
    assert Review.objects.count() == 0


def test_without_a_rule_the_form_says_so(as_user, world):
    response = as_user(world["reviewer"]).post("/governance/reviews/", PERIOD)

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "The rule book has no rule yet: write one before running a review."
    ]
    assert Review.objects.count() == 0


def test_a_manager_reads_reviews_without_the_form_and_cannot_start_or_cancel(as_user, world, rules):
    pending = as_user(world["reviewer"]).post("/governance/reviews/", PERIOD)
    review = Review.objects.get()
    client = as_user(world["manager"])

    listed = client.get("/governance/reviews/")
    shown = client.get(pending["Location"])
    posted = client.post("/governance/reviews/", {**PERIOD, "period_end": "2026-05-31"})
    cancelled = client.post(f"/governance/reviews/{review.pk}/cancel/")

    assert listed.status_code == shown.status_code == 200
    assert 'name="period_start"' not in page(listed) and "/cancel/" not in page(listed) + page(shown)
    assert (posted.status_code, cancelled.status_code) == (403, 403)
    review.refresh_from_db()
    assert review.status == "queued" and Review.objects.count() == 1
    assert "governance.review_cancelled" not in audit_actions()


def test_partner_users_are_refused_every_review_page(as_user, world, done):
    for user in (world["sam"], world["mia"]):
        client = as_user(user)
        for path in ("/governance/reviews/", f"/governance/reviews/{done.pk}/",
                     f"/governance/reviews/{done.pk}/progress/"):  # fmt: skip
            assert client.get(path).status_code == 403, path
        assert client.post("/governance/reviews/", PERIOD).status_code == 403
        assert client.post(f"/governance/reviews/{done.pk}/cancel/").status_code == 403
    assert Review.objects.count() == 1


def test_another_tenants_review_is_not_found_and_its_session_is_anonymous_here(alpha, beta, as_user, done):
    with schema_context("beta"):
        beta_admin = admin_of(beta)
    beta_client = login(Client(HTTP_HOST="beta.localhost"), beta, beta_admin)

    on_beta = beta_client.get(f"/governance/reviews/{done.pk}/")
    cancel_on_beta = beta_client.post(f"/governance/reviews/{done.pk}/cancel/")
    crossing = beta_client.get(f"/governance/reviews/{done.pk}/", HTTP_HOST="alpha.localhost")

    assert (on_beta.status_code, cancel_on_beta.status_code) == (404, 404)
    assert crossing.status_code == 302 and crossing["Location"].startswith("/accounts/login/")


def test_the_list_reads_in_a_fixed_number_of_queries(as_user, world, done, run, django_assert_max_num_queries):
    for month in range(1, 6):
        run(world["reviewer"], period_end=f"2026-0{month}-28")
    client = as_user(world["reviewer"])

    with django_assert_max_num_queries(12):
        response = client.get("/governance/reviews/")

    assert len(response.context["rows"]) == 6


# --- a review's page ---------------------------------------------------------------


def test_a_pending_review_shows_its_progress_and_the_fragment_polls(as_user, world, rules):
    client = as_user(world["reviewer"])
    url = client.post("/governance/reviews/", PERIOD)["Location"]
    review = Review.objects.get()

    shown = client.get(url)
    polling = client.get(f"{url}progress/")
    Review.objects.filter(pk=review.pk).update(status="done", progress=100)
    finished = client.get(f"{url}progress/")

    assert shown.status_code == 200
    assert f'hx-get="/governance/reviews/{review.pk}/progress/"' in page(shown) and "htmx" in page(shown)
    assert "Cancel the review" in page(shown)
    assert polling.status_code == 200 and "HX-Refresh" not in polling and "hx-trigger" in page(polling)
    assert finished["HX-Refresh"] == "true" and "hx-trigger" not in page(finished)


def test_a_reviewer_cancels_a_pending_review_once(as_user, world, rules):
    client = as_user(world["reviewer"])
    client.post("/governance/reviews/", PERIOD)
    review = Review.objects.get()

    first = client.post(f"/governance/reviews/{review.pk}/cancel/", {"back": "list"})
    second = client.post(f"/governance/reviews/{review.pk}/cancel/")
    fetched = client.get(f"/governance/reviews/{review.pk}/cancel/")

    review.refresh_from_db()
    assert first["Location"] == "/governance/reviews/" and second["Location"] == f"/governance/reviews/{review.pk}/"
    assert review.status == "cancelled"
    assert flash_messages(second) == [
        "The review was started; it is being run.",
        "The review was cancelled.",
        "This review is Cancelled: only a queued or running review can be cancelled.",
    ]
    assert fetched.status_code == 405
    assert audit_actions().count("governance.review_cancelled") == 1
    assert "This review was cancelled before it finished." in page(client.get(f"/governance/reviews/{review.pk}/"))


def test_a_failed_review_shows_its_reason(as_user, world, rules):
    client = as_user(world["manager"])
    as_user(world["reviewer"]).post("/governance/reviews/", PERIOD)
    Review.objects.update(status="failed", failure_reason="The worker ran out of time. Run it again.")

    response = client.get(f"/governance/reviews/{Review.objects.get().pk}/")

    assert response.status_code == 200
    assert 'role="alert"' in page(response) and "The worker ran out of time. Run it again." in page(response)
    assert "rows" not in response.context


def test_a_finished_review_shows_its_summary_and_every_finding_explained(as_user, world, done):
    response = as_user(world["manager"]).get(f"/governance/reviews/{done.pk}/")

    html = page(response)
    assert response.status_code == 200
    assert done.summary == {"partners": 3, "pass": 5, "warn": 2, "fail": 1, "partners_failing": 1, "rules": 3,
                            "version": 3}  # fmt: skip
    assert "3 partners · " in html and "1 failure" in html and "2 warnings" in html and "5 passes" in html
    assert [r.name for r in response.context["rules"]] == ["Minimum", "Share", "Activity"]
    no_activity = "No validated contribution by the end of the period"
    assert matrix(response) == {
        "Carevia": [
            ("fail", "0.00 validated in the period; at least 100.00 required."),
            ("pass", "0 % of the ecosystem's value; at most 100 % allowed."),
            ("warn", no_activity),
        ],
        "Finamed": [
            ("", ""),
            ("pass", "0 % of the ecosystem's value; at most 100 % allowed."),
            ("warn", no_activity),
        ],
        "Medisol": [
            ("pass", "150.00 validated in the period; at least 100.00 required."),
            ("pass", "100 % of the ecosystem's value; at most 100 % allowed."),
            ("pass", "Last validated contribution 149 days before the period's end; less than 200 required."),
        ],
    }
    # Not by colour alone: a sign and a word, and the explanation as text.
    assert '<span class="outcome fail"><span aria-hidden="true">✗</span> Failure</span>' in html
    assert '<span class="outcome warn"><span aria-hidden="true">!</span> Warning</span>' in html
    assert "Not in this rule's scope" in html
    assert "Core" in html  # Carevia's tier
    assert f'<a href="/partners/{world["carevia"].pk}/">Carevia</a>' in html


@pytest.mark.parametrize(
    ("query", "partners"),
    [
        ({"outcome": "fail"}, ["Carevia"]),
        ({"outcome": "warn"}, ["Carevia", "Finamed"]),
        ({"outcome": "pass"}, ["Medisol"]),
        ({"q": "MED"}, ["Finamed", "Medisol"]),
        ({"role": "partner"}, ["Finamed"]),
        ({"q": "nobody"}, []),
    ],
)
def test_the_matrix_filters_partners(as_user, world, done, query, partners):
    response = as_user(world["reviewer"]).get(f"/governance/reviews/{done.pk}/", query)

    assert response.status_code == 200
    assert list(matrix(response)) == partners


def test_the_matrix_filters_by_rule_and_tier(as_user, world, done, rules):
    client = as_user(world["reviewer"])
    core = Tier.objects.get(name="Core")

    minimum = client.get(f"/governance/reviews/{done.pk}/", {"rule": rules["minimum"].key})
    passing = client.get(f"/governance/reviews/{done.pk}/", {"rule": rules["activity"].key, "outcome": "pass"})
    tiered = client.get(f"/governance/reviews/{done.pk}/", {"tier": core.pk})

    assert [r.name for r in minimum.context["rules"]] == ["Minimum"]
    assert {name: [o for o, _t in cells] for name, cells in matrix(minimum).items()} == {
        "Carevia": ["fail"], "Medisol": ["pass"]}  # fmt: skip
    assert list(matrix(passing)) == ["Medisol"]
    assert list(matrix(tiered)) == ["Carevia"]


@pytest.mark.parametrize(
    "query", [{"outcome": "awful"}, {"rule": "999"}, {"rule": "x"}, {"tier": "abc"}, {"role": "overlord"},
              {"q": "x" * 101}],
)  # fmt: skip
def test_bad_filters_are_a_400_with_the_error_tied_to_its_field(as_user, world, done, query):
    response = as_user(world["reviewer"]).get(f"/governance/reviews/{done.pk}/", query)

    field = next(iter(query))
    assert response.status_code == 400
    assert response.context["filters"].errors[field]
    assert f'id="id_{field}_error"' in page(response) and 'aria-invalid="true"' in page(response)
    assert "Some filters are not valid: see the message under each." in page(response)
    assert response.context["rows"] == []


def test_the_matrix_pages_by_partners_and_keeps_its_filters(as_user, world, done, run, rules, monkeypatch):
    monkeypatch.setattr("governance.views.MATRIX_PAGE_SIZE", 2)
    client = as_user(world["reviewer"])

    first = client.get(f"/governance/reviews/{done.pk}/", {"q": "i"})
    second = client.get(f"/governance/reviews/{done.pk}/", {"q": "i", "page": 2})

    assert list(matrix(first)) == ["Carevia", "Finamed"] and list(matrix(second)) == ["Medisol"]
    assert "?q=i&amp;page=2" in page(first)


def test_the_matrix_reads_in_a_fixed_number_of_queries(as_user, world, rules, run, django_assert_max_num_queries):
    PartnerFactory.create_batch(30)
    rule(world["reviewer"], "commitment_met", name="Commitments")
    rule(world["reviewer"], "pending_confirmations", {"days": 30}, name="Waiting")
    rule(world["reviewer"], "agreement_valid", {"warn_days": 30}, name="Agreement")
    review = run(world["reviewer"])
    client = as_user(world["reviewer"])

    # the host's tenant (3), session, user, review, tiers, rules, count, page, findings, decisions
    with django_assert_max_num_queries(12):
        everything = client.get(f"/governance/reviews/{review.pk}/")
    with django_assert_max_num_queries(12):
        filtered = client.get(f"/governance/reviews/{review.pk}/", {"outcome": "fail", "q": "partner", "rule": 1})

    assert len(everything.context["rows"]) == 33 and len(everything.context["rules"]) == 6
    assert len(filtered.context["rows"]) == 30


def test_the_review_pages_read_in_french(as_user, world, done):
    client = as_user(world["reviewer"])
    client.cookies["django_language"] = "fr"

    listed = client.get("/governance/reviews/")
    shown = client.get(f"/governance/reviews/{done.pk}/")

    assert "Revues de gouvernance" in page(listed) and "Lancer la revue" in page(listed)
    assert "150,00 validés sur la période ; au moins 100,00 requis." in page(shown).replace("\xa0", " ")
    assert "Échec" in page(shown)


def test_the_staff_navigation_leads_to_the_rule_book_and_the_reviews(as_user, world):
    def links(user):
        return [item["url"] for item in as_user(user).get("/governance/reviews/").context["nav_items"]]

    assert {"/governance/reviews/", "/governance/rules/", "/governance/audit/"} <= set(links(world["reviewer"]))
    assert {"/governance/reviews/", "/governance/rules/"} <= set(links(world["manager"]))
    assert "/governance/audit/" not in links(world["manager"])
    portal = as_user(world["sam"]).get("/portal/").context["nav_items"]
    assert not any(item["url"].startswith("/governance/") for item in portal)


def test_refused_pages_tie_every_error_to_its_field(as_user, world, done):
    client = as_user(world["reviewer"])

    form = client.post("/governance/reviews/", {"period_start": "2026-06-30", "period_end": "2026-01-01"})
    filters = client.get(f"/governance/reviews/{done.pk}/", {"outcome": "awful", "tier": "x"})

    assert (form.status_code, filters.status_code) == (400, 400)
    assert _check_ties(page(form)).fields["id_period_end"]["aria-invalid"] == "true"
    tied = _check_ties(page(filters)).fields
    assert (tied["id_outcome"]["aria-describedby"], tied["id_tier"]["aria-describedby"]) == (
        "id_outcome_error", "id_tier_error")  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "measured", "threshold", "note", "text"),
    [
        ("min_contribution", "1234.5", "1000", "", "1,234.50 validated in the period; at least 1,000.00 required."),
        ("max_share", "41.2500", "40", "", "41.25 % of the ecosystem's value; at most 40 % allowed."),
        ("agreement_valid", "12", "30", "", "The agreement ends 12 days after the period's end; a warning within 30 days."),
        ("agreement_valid", "1", "30", "", "The agreement ends 1 day after the period's end; a warning within 30 days."),
        ("agreement_valid", "-3", "30", "", "The agreement ended 3 days before the period's end."),
        ("agreement_valid", None, "30", "never_expires", "An agreement without an end date"),
        ("agreement_valid", None, "30", "no_agreement", "No agreement signed by the end of the period"),
        ("recent_activity", "45", "30", "", "Last validated contribution 45 days before the period's end; less than 30 required."),
        ("commitment_met", "1", "2", "", "1 of 2 commitments met."),
        ("commitment_met", "0", "0", "no_commitment", "No numeric commitment"),
        ("pending_confirmations", "20", "14", "", "A share has waited 20 days for its confirmation; at most 14 allowed."),
        ("pending_confirmations", None, "14", "no_pending", "No share awaiting confirmation"),
    ],
)  # fmt: skip
def test_each_kind_of_finding_explains_itself(kind, measured, threshold, note, text):
    finding = Finding(outcome="fail", note=note, measured=measured and Decimal(measured),
                      threshold=Decimal(threshold))  # fmt: skip

    assert finding_text(finding, Rule(kind=kind)) == text


def test_a_finding_explains_itself_in_french():
    finding = Finding(outcome="fail", measured=Decimal("1234.5"), threshold=Decimal("1000"))

    with translation.override("fr"):
        text = finding_text(finding, Rule(kind="min_contribution"))

    assert (
        text.replace("\xa0", " ").replace("\u202f", " ")
        == "1 234,50 validés sur la période ; au moins 1 000,00 requis."
    )
