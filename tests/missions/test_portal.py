"""The partner portal's mission pages: what a partner's users see of their missions, declaring,
confirming shares, answering invitations, and the walls between partners and tenants."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ecosystem.core import services as core_services
from ecosystem.missions import services
from ecosystem.missions.models import Contribution, Participation, Share
from partners.models import Partner
from tests.conftest import admin_of, audit_actions, flash_messages, login, make_user

from .conftest import declare, join, open_mission

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture
def as_user(alpha, alpha_client):
    def sign_in(user):
        return login(alpha_client, alpha, user)

    return sign_in


@pytest.fixture
def fina(alpha, world):
    """Finamed's partner member."""
    return make_user(alpha, "partner_member", email="fina@finamed.test", partner=world["finamed"])


def page(response) -> str:
    return response.content.decode()


def declare_form(world, **fields):
    data = {"kind": "revenue_sourced", "value": "120.50", "date": "2026-03-02", "description": "Two clinics"}
    data.update(fields)
    return data


# --- the list and the mission page --------------------------------------------------


def test_the_list_shows_each_mission_with_our_state_and_pending_items(as_user, world, django_assert_max_num_queries):
    manager = world["manager"]
    invited = open_mission(manager, title="Train 200 nurses")
    services.participation_invite(actor=manager, mission=invited, partner=world["medisol"])
    left = open_mission(manager, title="Old pilot")
    [participation] = join(manager, left, world["medisol"])
    services.participation_leave(actor=world["sam"], participation=participation, reason="Done with it.")
    declare(world["sam"], world["mission"])  # awaiting validation
    open_mission(manager, title="Not ours")
    client = as_user(world["mia"])

    with django_assert_max_num_queries(10):
        response = client.get("/portal/missions/")

    assert response.status_code == 200
    items = {i["row"].mission.title: i for i in response.context["items"]}
    assert sorted(items) == ["Circular medical equipment", "Equip 500 rural clinics", "Old pilot", "Train 200 nurses"]
    assert {t: i["participation"].state for t, i in items.items()} == {
        "Circular medical equipment": "active", "Equip 500 rural clinics": "active",
        "Old pilot": "left", "Train 200 nurses": "invited",
    }  # fmt: skip
    assert items["Equip 500 rural clinics"]["row"].pending == 1
    html = page(response)
    assert "invitation to answer" in html and "1 contribution in progress" in html
    assert '<a href="/portal/missions/" aria-current="page">Missions</a>' in html


def test_the_mission_page_shows_progress_our_commitment_and_contributions(as_user, world, fina):
    manager, sam, mission = world["manager"], world["sam"], world["mission"]
    ours = Participation.objects.get(mission=mission, partner=world["medisol"])
    services.participation_update(
        actor=manager, participation=ours,
        data={"commitment": "Sell 500 units", "commitment_objective": world["value"].pk, "commitment_target": "400"},
    )  # fmt: skip
    validated = declare(sam, mission, objective=world["value"].pk, value="250")
    rejected = declare(sam, mission, value="80", date="2026-02-01")
    services.contribution_validate(actor=manager, contribution=validated)
    services.contribution_reject(actor=manager, contribution=rejected, reason="No invoice attached.")
    theirs = declare(fina, mission, objective=world["value"].pk, value="150", date="2026-04-01")
    hidden = declare(fina, mission, value="999", date="2026-04-02")  # Finamed's, not validated: not for Medisol
    services.contribution_validate(actor=manager, contribution=theirs)
    joint = declare(
        fina, mission, value="60", date="2026-05-01",
        contributors=[{"partner": world["finamed"].pk}, {"partner": world["medisol"].pk}],
    )  # fmt: skip

    response = as_user(world["mia"]).get(f"/portal/missions/{mission.pk}/")

    assert response.status_code == 200
    objectives = {o.title: p for o, p in response.context["objectives"]}
    assert (objectives["Revenue"].achieved, objectives["Revenue"].percent) == (Decimal("400.00"), 40)
    assert response.context["commitment"].achieved == Decimal("250.00")
    assert response.context["commitment"].percent == 62
    assert [c.pk for c in response.context["ours"].object_list] == [joint.pk, validated.pk, rejected.pk]
    assert [c.pk for c in response.context["others"].object_list] == [theirs.pk]
    assert [s.contribution_id for s in response.context["awaiting"]] == [joint.pk]
    html = page(response)
    assert "Reason: No invoice attached." in html
    assert f'<a class="button" href="/portal/missions/{mission.pk}/declare/">Declare a contribution</a>' in html
    assert "999" not in html and hidden.pk not in [c.pk for c in response.context["ours"].object_list]
    assert "Sell 500 units" in html and "Finamed" in html


def test_a_suspended_partners_user_can_no_longer_open_or_declare(as_user, world):
    # The participation is frozen; the partner's users are signed out before any page could say so.
    client = as_user(world["sam"])
    Partner.objects.filter(pk=world["medisol"].pk).update(status=Partner.Status.SUSPENDED)

    shown = client.get(f"/portal/missions/{world['mission'].pk}/")
    posted = client.post(f"/portal/missions/{world['mission'].pk}/declare/", declare_form(world))

    assert shown.status_code == posted.status_code == 302
    assert shown["Location"].startswith("/accounts/login/")
    assert not Contribution.objects.exists()


def test_the_mission_page_reads_in_a_constant_number_of_queries(as_user, world, fina, django_assert_max_num_queries):
    manager, mission = world["manager"], world["mission"]
    for day in range(1, 41):
        mine = declare(
            world["sam"], mission, objective=world["value"].pk, value="10", date=f"2026-03-{day % 28 + 1:02d}"
        )
        theirs = declare(fina, mission, objective=world["value"].pk, value="5", date=f"2026-04-{day % 28 + 1:02d}")
        declare(
            fina, mission, value="7", date=f"2026-05-{day % 28 + 1:02d}",
            contributors=[{"partner": world["finamed"].pk}, {"partner": world["medisol"].pk}],
        )  # fmt: skip
        if day % 2:
            services.contribution_validate(actor=manager, contribution=mine)
            services.contribution_validate(actor=manager, contribution=theirs)
    client = as_user(world["sam"])

    with django_assert_max_num_queries(15):
        response = client.get(f"/portal/missions/{mission.pk}/")
    with django_assert_max_num_queries(15):
        second_page = client.get(f"/portal/missions/{mission.pk}/?page=2&others=2")

    assert response.status_code == second_page.status_code == 200
    assert response.context["ours"].paginator.count == 80
    assert len(response.context["ours"].object_list) == 25
    assert len(response.context["others"].object_list) == 20 and not response.context["others"].has_next
    assert second_page.context["others"].object_list == [] and second_page.context["others"].has_previous
    assert len(response.context["awaiting"]) == 40


# --- declaring ----------------------------------------------------------------------


def test_a_partner_declares_for_its_own_organisation_only(as_user, world):
    client = as_user(world["mia"])

    response = client.post(
        f"/portal/missions/{world['mission'].pk}/declare/",
        declare_form(
            world, partner=world["finamed"].pk, objective=world["value"].pk, value="1 200,50".replace(" ", "")
        ),
    )

    contribution = Contribution.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portal/missions/contributions/{contribution.pk}/"
    assert (contribution.partner, contribution.declared_by, contribution.value) == (
        world["medisol"], world["mia"], Decimal("1200.50"),
    )  # fmt: skip
    assert contribution.status == Contribution.Status.SUBMITTED
    assert list(contribution.shares.values_list("partner__name", "weight", "state")) == [
        ("Medisol", Decimal("1.000000"), "confirmed")
    ]
    assert flash_messages(response) == ["Contribution declared: it awaits the orchestrator's validation."]


def test_a_joint_declaration_with_blank_weights_splits_equally(as_user, world):
    response = as_user(world["sam"]).post(
        f"/portal/missions/{world['mission'].pk}/declare/",
        declare_form(
            world, contributors=[str(world["finamed"].pk)], own_weight="", **{f"weight_{world['finamed'].pk}": ""}
        ),
    )

    contribution = Contribution.objects.get()
    assert response.status_code == 302
    assert contribution.status == Contribution.Status.AWAITING_CONFIRMATION
    assert list(contribution.shares.order_by("partner__name").values_list("partner__name", "weight", "state")) == [
        ("Finamed", Decimal("0.500000"), "pending"),
        ("Medisol", Decimal("0.500000"), "confirmed"),
    ]


def test_a_joint_declaration_with_weights_and_an_evidence_file(as_user, world, fina, alpha_client, alpha):
    client = as_user(world["sam"])
    response = client.post(
        f"/portal/missions/{world['mission'].pk}/declare/",
        {
            **declare_form(world, contributors=[str(world["finamed"].pk)], own_weight="0.7"),
            f"weight_{world['finamed'].pk}": "0,3",
            "evidence_file": SimpleUploadedFile("invoice.pdf", PDF, content_type="application/pdf"),
            "evidence_url": "https://crm.example/deals/42",
        },
    )
    contribution = Contribution.objects.get()
    assert response.status_code == 302
    assert dict(contribution.shares.values_list("partner__name", "weight")) == {
        "Medisol": Decimal("0.700000"), "Finamed": Decimal("0.300000"),
    }  # fmt: skip

    shown = client.get(f"/portal/missions/contributions/{contribution.pk}/")
    downloaded = client.get(f"/missions/contributions/{contribution.pk}/evidence/")

    assert f'<a href="/missions/contributions/{contribution.pk}/evidence/">' in page(shown)
    assert "https://crm.example/deals/42" in page(shown)
    assert downloaded.status_code == 200 and b"".join(downloaded.streaming_content) == PDF
    clara = login(alpha_client, alpha, world["clara"])
    assert clara.get(f"/missions/contributions/{contribution.pk}/evidence/").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            lambda w: {
                "contributors": [str(w["finamed"].pk)],
                "own_weight": "0.5",
                f"weight_{w['finamed'].pk}": "0.4",
            },
            "contributors",
            "The weights add up to 0.9; they must add up to exactly 1.",
        ),
        (
            lambda w: {"contributors": [str(w["carevia"].pk)]},
            "contributors",
            "Partner {carevia} does not take part in this mission.",
        ),
        (
            lambda w: {"date": "2027-01-15"},
            "date",
            "The date must be within the mission, from 2026-01-01 to 2026-12-31.",
        ),
        (
            lambda w: {"value": "-5"},
            "value",
            "A value cannot be negative; to lower a validated contribution, correct it.",
        ),
        (lambda w: {"objective": str(w["co2"].pk)}, "objective", "Choose an objective of this mission."),
        (
            lambda w: {"evidence_file": SimpleUploadedFile("huge.pdf", PDF + b"0" * 2048)},
            "evidence_file",
            "The file is 2.0\N{NO-BREAK SPACE}KB; the limit is 1.0\N{NO-BREAK SPACE}KB.",
        ),
        (
            lambda w: {"evidence_file": SimpleUploadedFile("notes.txt", b"just text")},
            "evidence_file",
            "Attach a PDF, PNG, JPEG or DOCX file.",
        ),
    ],
    ids=["weights", "non-participant", "date", "negative", "other-mission-objective", "oversize", "wrong-type"],
)
def test_a_refused_declaration_shows_the_field_error_and_keeps_what_was_typed(
    as_user, world, settings, fields, field, message
):
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = 1024
    data = declare_form(world, description="Typed by hand", **fields(world))
    before = audit_actions()

    response = as_user(world["sam"]).post(f"/portal/missions/{world['mission'].pk}/declare/", data)

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message.format(carevia=world["carevia"].pk)]
    assert "Typed by hand" in page(response)
    assert f'id="id_{field}_error"' in page(response)
    assert not Contribution.objects.exists() and not Share.objects.exists()
    assert audit_actions() == before


def test_the_declare_page_says_why_when_the_mission_takes_no_contributions(as_user, world):
    services.mission_move(actor=world["manager"], mission=world["mission"], to="completed")
    client = as_user(world["sam"])

    shown = client.get(f"/portal/missions/{world['mission'].pk}/declare/")
    posted = client.post(f"/portal/missions/{world['mission'].pk}/declare/", declare_form(world))

    assert "The mission is Completed: it takes no contributions." in page(shown)
    assert '<form method="post" enctype' not in page(shown)
    assert posted.status_code == 400
    assert posted.context["form"].non_field_errors() == ["The mission is Completed: it takes no contributions."]
    assert not Contribution.objects.exists()


# --- one contribution -----------------------------------------------------------------


def test_a_co_contributor_confirms_its_share_and_the_contribution_goes_to_validation(as_user, world, fina):
    joint = declare(
        world["sam"], world["mission"],
        contributors=[{"partner": world["medisol"].pk, "weight": "0.6"}, {"partner": world["finamed"].pk, "weight": "0.4"}],
    )  # fmt: skip
    client = as_user(fina)

    shown = client.get(f"/portal/missions/contributions/{joint.pk}/")
    confirmed = client.post(f"/portal/missions/contributions/{joint.pk}/", {"action": "confirm"})

    assert "Confirm our share" in page(shown) and "Decline (reason)" in page(shown)
    assert "Edit" not in page(shown)
    assert confirmed.status_code == 302
    joint.refresh_from_db()
    assert joint.status == Contribution.Status.SUBMITTED
    assert Share.objects.get(contribution=joint, partner=world["finamed"]).state == "confirmed"


def test_a_co_contributor_declines_its_share_with_a_reason(as_user, world, fina, mailoutbox):
    joint = declare(
        world["sam"],
        world["mission"],
        contributors=[{"partner": world["medisol"].pk}, {"partner": world["finamed"].pk}],
    )

    too_long = as_user(fina).post(
        f"/portal/missions/contributions/{joint.pk}/", {"action": "decline", "reason": "x" * 1001}
    )
    declined = as_user(fina).post(
        f"/portal/missions/contributions/{joint.pk}/", {"action": "decline", "reason": "We only financed half."}
    )

    assert too_long.status_code == 400
    assert too_long.context["decline_form"].errors["reason"] == [
        "Ensure this value has at most 1000 characters (it has 1001)."
    ]
    assert declined.status_code == 302
    joint.refresh_from_db()
    assert joint.status == Contribution.Status.DECLINED
    assert Share.objects.get(contribution=joint, partner=world["finamed"]).state == "declined"


def test_a_partner_cannot_confirm_another_partners_share(as_user, world, alpha, fina):
    joint = declare(
        world["sam"],
        world["mission"],
        contributors=[{"partner": world["medisol"].pk}, {"partner": world["finamed"].pk}],
    )
    before = audit_actions()

    # Carevia does not take part: the contribution is not there for it.
    outsider = as_user(world["clara"]).post(f"/portal/missions/contributions/{joint.pk}/", {"action": "confirm"})
    # Medisol's own share is confirmed already; it cannot answer for Finamed's.
    declarer = as_user(world["mia"]).post(f"/portal/missions/contributions/{joint.pk}/", {"action": "confirm"})

    assert outsider.status_code == 404
    assert declarer.status_code == 302
    assert flash_messages(declarer) == ["Your organisation's share was answered already (Confirmed)."]
    assert Share.objects.get(contribution=joint, partner=world["finamed"]).state == "pending"
    assert Contribution.objects.get(pk=joint.pk).status == Contribution.Status.AWAITING_CONFIRMATION
    assert audit_actions() == before


def test_the_declarer_edits_then_deletes_a_contribution_not_yet_validated(as_user, world):
    contribution = declare(world["sam"], world["mission"], value="100")
    client = as_user(world["mia"])

    shown = client.get(f"/portal/missions/contributions/{contribution.pk}/edit/")
    refused = client.post(
        f"/portal/missions/contributions/{contribution.pk}/edit/", declare_form(world, value="-1", date="2026-03-01")
    )
    edited = client.post(f"/portal/missions/contributions/{contribution.pk}/edit/", declare_form(world, value="175"))

    assert shown.status_code == 200 and 'value="100.00"' in page(shown)
    assert refused.status_code == 400 and refused.context["form"].errors["value"]
    assert edited.status_code == 302
    assert Contribution.objects.get(pk=contribution.pk).value == Decimal("175.00")

    deleted = client.post(f"/portal/missions/contributions/{contribution.pk}/", {"action": "delete"})

    assert deleted.status_code == 302 and deleted["Location"] == f"/portal/missions/{world['mission'].pk}/"
    assert not Contribution.objects.exists()


def test_a_validated_contribution_offers_no_edit_and_refuses_deletion(as_user, world):
    contribution = declare(world["sam"], world["mission"])
    services.contribution_validate(actor=world["manager"], contribution=contribution)
    client = as_user(world["sam"])

    shown = client.get(f"/portal/missions/contributions/{contribution.pk}/")
    deleted = client.post(f"/portal/missions/contributions/{contribution.pk}/", {"action": "delete"})

    assert "Delete" not in page(shown)
    assert flash_messages(deleted) == ["A validated contribution cannot change; declare a correction instead."]
    assert Contribution.objects.filter(pk=contribution.pk).exists()


def test_a_co_contributor_cannot_edit_the_declarers_contribution(as_user, world, fina):
    joint = declare(
        world["sam"],
        world["mission"],
        contributors=[{"partner": world["medisol"].pk}, {"partner": world["finamed"].pk}],
    )

    response = as_user(fina).post(f"/portal/missions/contributions/{joint.pk}/edit/", declare_form(world, value="1"))

    assert response.status_code == 403
    assert Contribution.objects.get(pk=joint.pk).value == Decimal("100.00")


# --- invitations and leaving --------------------------------------------------------


@pytest.fixture
def invitation(world):
    mission = open_mission(world["manager"], title="Train 200 nurses")
    return services.participation_invite(
        actor=world["manager"], mission=mission, partner=world["medisol"], data={"commitment": "Train 50 nurses"}
    )


def test_the_partner_admin_accepts_an_invitation(as_user, world, invitation):
    client = as_user(world["sam"])

    shown = client.get(f"/portal/missions/{invitation.mission_id}/")
    response = client.post(f"/portal/missions/participations/{invitation.pk}/answer/", {"answer": "accept"})

    assert "Train 50 nurses" in page(shown) and 'value="accept"' in page(shown)
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert (invitation.state, invitation.answered_by, invitation.answered_on_behalf) == ("active", world["sam"], False)


def test_the_partner_admin_declines_an_invitation_with_a_reason(as_user, world, invitation):
    response = as_user(world["sam"]).post(
        f"/portal/missions/participations/{invitation.pk}/answer/", {"answer": "decline", "reason": "No capacity."}
    )

    assert response.status_code == 302 and response["Location"] == "/portal/missions/"
    invitation.refresh_from_db()
    assert (invitation.state, invitation.reason) == ("declined", "No capacity.")


def test_a_partner_member_cannot_answer_an_invitation(as_user, world, invitation):
    client = as_user(world["mia"])
    before = audit_actions()

    shown = client.get(f"/portal/missions/{invitation.mission_id}/")
    response = client.post(f"/portal/missions/participations/{invitation.pk}/answer/", {"answer": "accept"})

    assert 'value="accept"' not in page(shown)
    assert response.status_code == 403
    assert Participation.objects.get(pk=invitation.pk).state == "invited"
    assert audit_actions() == before


def test_another_partner_cannot_answer_for_medisol(as_user, world, invitation):
    response = as_user(world["clara"]).post(
        f"/portal/missions/participations/{invitation.pk}/answer/", {"answer": "decline"}
    )

    assert response.status_code == 404
    assert Participation.objects.get(pk=invitation.pk).state == "invited"


def test_leaving_takes_a_reason(as_user, world):
    participation = Participation.objects.get(mission=world["mission"], partner=world["medisol"])
    client = as_user(world["sam"])

    refused = client.post(f"/portal/missions/participations/{participation.pk}/leave/", {"reason": ""})
    left = client.post(f"/portal/missions/participations/{participation.pk}/leave/", {"reason": "Budget cut."})

    assert refused.status_code == 400
    assert refused.context["leave_form"].errors["reason"] == ["This field is required."]
    assert 'id="leave-reason_error"' in page(refused)
    assert left.status_code == 302
    participation.refresh_from_db()
    assert (participation.state, participation.reason) == ("left", "Budget cut.")
    after = client.get(f"/portal/missions/{world['mission'].pk}/")
    assert after.status_code == 200 and "Declare a contribution" not in page(after)


# --- walls --------------------------------------------------------------------------


def test_a_partner_not_in_the_mission_gets_404s(as_user, world, fina):
    mission = world["mission"]
    validated = declare(world["sam"], mission)
    services.contribution_validate(actor=world["manager"], contribution=validated)
    client = as_user(world["clara"])

    for path in (
        f"/portal/missions/{mission.pk}/",
        f"/portal/missions/{mission.pk}/declare/",
        f"/portal/missions/contributions/{validated.pk}/",
        f"/portal/missions/contributions/{validated.pk}/edit/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/portal/missions/{mission.pk}/declare/", declare_form(world)).status_code == 404
    assert Contribution.objects.count() == 1
    assert "Equip 500 rural clinics" not in page(client.get("/portal/missions/"))


def test_a_draft_mission_is_not_shown_even_to_its_invited_partner(as_user, world):
    draft = open_mission(world["manager"], title="Secret plan", status="draft")
    services.participation_invite(actor=world["manager"], mission=draft, partner=world["medisol"])

    assert as_user(world["sam"]).get(f"/portal/missions/{draft.pk}/").status_code == 404


def test_in_a_coopetition_mission_a_competitor_sees_none_of_the_others_contributions(as_user, world):
    circular, co2 = world["circular"], world["co2"]
    mine = declare(world["sam"], circular, objective=co2.pk, kind="other", quantity="10")
    theirs = declare(world["clara"], circular, objective=co2.pk, kind="other", quantity="20", value="777")
    services.contributions_review_many(actor=world["manager"], contributions=Contribution.objects.all())
    client = as_user(world["sam"])

    response = client.get(f"/portal/missions/{circular.pk}/")

    assert [c.pk for c in response.context["ours"].object_list] == [mine.pk]
    assert list(response.context["others"].object_list) == []
    assert response.context["participants"] == []
    assert "Carevia" not in page(response) and "777" not in page(response)
    assert client.get(f"/portal/missions/contributions/{theirs.pk}/").status_code == 404
    assert client.get(f"/missions/contributions/{theirs.pk}/evidence/").status_code == 404


def test_coopetition_totals_are_hidden_below_k_and_shown_at_k(as_user, world, alpha):
    circular, co2 = world["circular"], world["co2"]
    core_services.tenant_settings_update(actor=admin_of(alpha), data={"coopetition_threshold": 2})
    mine = declare(world["sam"], circular, objective=co2.pk, kind="other", quantity="10")
    services.contribution_validate(actor=world["manager"], contribution=mine)
    client = as_user(world["sam"])

    below_k = client.get(f"/portal/missions/{circular.pk}/")  # one partner behind the total: k - 1
    theirs = declare(world["clara"], circular, objective=co2.pk, kind="other", quantity="23")
    services.contribution_validate(actor=world["manager"], contribution=theirs)
    at_k = client.get(f"/portal/missions/{circular.pk}/")  # two partners: k

    [(_objective, hidden)] = below_k.context["objectives"]
    assert hidden.suppressed and hidden.achieved is None
    assert "Not enough participants to show" in page(below_k)
    assert "<progress" not in page(below_k).split("Shared objectives")[1].split("Our participation")[0]
    assert ">10<" not in page(below_k) and "10 / 100" not in page(below_k)
    [(_objective, shown)] = at_k.context["objectives"]
    assert shown.achieved == Decimal("33.0000")
    assert "33 / 100 tCO2e · 33 %" in page(at_k)
    assert "Not enough participants to show" not in page(at_k)


@pytest.mark.parametrize("who", ["admin", "manager", "reviewer"])
def test_staff_get_403_on_portal_pages(as_user, world, who):
    contribution = declare(world["sam"], world["mission"])
    participation = Participation.objects.get(mission=world["mission"], partner=world["medisol"])
    client = as_user(world[who])

    for path in (
        "/portal/missions/",
        f"/portal/missions/{world['mission'].pk}/",
        f"/portal/missions/{world['mission'].pk}/declare/",
        f"/portal/missions/contributions/{contribution.pk}/",
    ):
        assert client.get(path).status_code == 403, path
    assert (
        client.post(f"/portal/missions/participations/{participation.pk}/leave/", {"reason": "x"}).status_code == 403
    )
    assert Participation.objects.get(pk=participation.pk).state == "active"


def test_another_tenants_partner_user_is_sent_to_login(beta, beta_client, world):
    partner = Partner.objects.create(name="Beta supplier", role="supplier", status="active")  # in alpha's schema
    outsider = make_user(beta, "partner_admin", email="x@beta.test")
    login(beta_client, beta, outsider)

    response = beta_client.get(f"/portal/missions/{world['mission'].pk}/", HTTP_HOST="alpha.localhost")
    listed = beta_client.get("/portal/missions/", HTTP_HOST="alpha.localhost")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert listed.status_code == 302
    assert partner.pk  # alpha's data stays untouched


def test_anonymous_visitors_are_sent_to_login(alpha_client, world):
    response = alpha_client.get(f"/portal/missions/{world['mission'].pk}/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- the portal home ------------------------------------------------------------------


def test_the_portal_home_lists_what_awaits_the_user(as_user, world, fina, invitation, django_assert_max_num_queries):
    joint = declare(
        fina, world["mission"], date="2026-06-01",
        contributors=[{"partner": world["finamed"].pk}, {"partner": world["medisol"].pk}],
    )  # fmt: skip
    for day in range(2, 12):  # more than the panel shows: it still reads in two queries
        declare(
            fina, world["mission"], date=f"2026-06-{day:02d}",
            contributors=[{"partner": world["finamed"].pk}, {"partner": world["medisol"].pk}],
        )  # fmt: skip
    client = as_user(world["sam"])

    with django_assert_max_num_queries(15):  # 13, the value reports' panel and the governance panel (1 query each)
        response = client.get("/portal/")
    member_view = as_user(world["mia"]).get("/portal/")

    html = page(response)
    assert "To do" in html
    assert (
        f'<a href="/portal/missions/contributions/{joint.pk}/">Confirm or decline our share of Finamed'
        f"'s contribution of 1 Jun 2026 to “Equip 500 rural clinics”</a>"
    ) in html
    assert (
        f'<a href="/portal/missions/{invitation.mission_id}/">Answer the invitation into the mission “Train 200 nurses”</a>'
        in html
    )
    assert "your partner administrators answer it" in page(member_view)
    assert html.count("Confirm or decline our share") == 8
    assert '<a href="/portal/missions/">See all our missions</a>' in html


def test_the_portal_home_says_when_nothing_awaits(as_user, world):
    response = as_user(world["clara"]).get("/portal/")

    assert "Nothing awaits you." in page(response)


def test_a_french_user_reads_the_mission_page_in_french(as_user, world):
    client = as_user(world["sam"])
    client.cookies["django_language"] = "fr"
    circular = world["circular"]

    response = client.get(f"/portal/missions/{circular.pk}/", HTTP_ACCEPT_LANGUAGE="fr")

    assert "Objectifs partagés" in page(response)


def test_the_contributions_of_one_mission_are_those_the_walls_let_through(as_user, world):
    """`mission_contributions_for` is `contributions_visible_to` written for one mission."""
    from ecosystem.missions.selectors import contributions_visible_to, mission_contributions_for

    manager = world["manager"]
    for mission in (world["mission"], world["circular"]):
        for partner in {world["medisol"], world["finamed"], world["carevia"]} & {
            p.partner for p in mission.participations.all()
        }:
            for validate in (True, False):
                contribution = declare(manager, mission, partner=partner.pk)
                if validate:
                    services.contribution_validate(actor=manager, contribution=contribution)
        declare(manager, mission, partner=world["medisol"].pk, contributors=[
            {"partner": p.partner_id} for p in mission.participations.all()
        ])  # fmt: skip
    from ecosystem.missions.selectors import missions_visible_to

    for user in (world["sam"], world["clara"]):
        for mission in missions_visible_to(user):
            ours, others = mission_contributions_for(mission, user)
            walls = set(contributions_visible_to(user).filter(mission=mission).values_list("pk", flat=True))
            assert set(ours.values_list("pk", flat=True)) | set(others.values_list("pk", flat=True)) == walls
            assert not set(ours.values_list("pk", flat=True)) & set(others.values_list("pk", flat=True))
