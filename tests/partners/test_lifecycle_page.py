"""The partner page's lifecycle panel: one form per action, errors under their
fields, a confirmed exit, reactivation, and an exited partner's read-only page."""

import datetime as dt

import pytest
from django.utils import translation

from ecosystem.accounts import services as accounts_services
from ecosystem.accounts.models import Invitation
from ecosystem.core.errors import Conflict, FieldErrors
from partners import services
from partners.forms import LIFECYCLE_FORMS
from partners.models import Agreement, Partner
from tests.conftest import audit_actions, flash_messages, french, login
from tests.partners.conftest import api

REASON_REQUIRED = "Give a reason: the partner and the audit trail keep it."


@pytest.fixture
def manager(alpha, alpha_client, cast):
    return login(alpha_client, alpha, cast["manager"])


def _forms(response) -> dict:
    return {form.action: form for form in response.context["lifecycle_forms"]}


def _set_status(partner: Partner, status: str, reason: str = "") -> Partner:
    Partner.objects.filter(pk=partner.pk).update(status=status, status_reason=reason)
    partner.refresh_from_db()
    return partner


def test_every_lifecycle_action_has_its_form():
    assert set(LIFECYCLE_FORMS) == set(services.LIFECYCLE_ACTIONS)


@pytest.mark.parametrize(
    ("status", "actions", "buttons"),
    [
        ("invited", ["activate", "exit"], ["Activate", "Exit the ecosystem"]),
        ("onboarding", ["activate", "exit"], ["Activate", "Exit the ecosystem"]),
        ("active", ["suspend", "exit"], ["Suspend", "Exit the ecosystem"]),
        ("suspended", ["activate", "exit"], ["Reactivate", "Exit the ecosystem"]),
    ],
)
def test_the_panel_offers_one_form_per_action_open_to_the_partner(manager, cast, status, actions, buttons):
    carevia = _set_status(cast["carevia"], status)

    response = manager.get(f"/partners/{carevia.pk}/")

    assert response.status_code == 200
    assert list(_forms(response)) == actions
    page = response.content.decode()
    for action, button in zip(actions, buttons, strict=True):
        assert f'action="/partners/{carevia.pk}/{action}/#lifecycle-{action}" id="lifecycle-{action}"' in page
        assert f'aria-describedby="{action}-explanation">{button}</button>' in page
    if "exit" in actions:
        assert 'name="confirm"' in page and 'id="exit-confirm"' in page
        assert 'id="exit-reason"' in page


def test_a_manager_suspends_with_a_reason(manager, cast):
    carevia = cast["carevia"]

    response = manager.post(f"/partners/{carevia.pk}/suspend/", {"reason": "  Quality issue "})

    assert response.status_code == 302 and response.url == f"/partners/{carevia.pk}/"
    assert flash_messages(response) == ["Carevia is now suspended."]
    carevia.refresh_from_db()
    assert (carevia.status, carevia.status_reason) == ("suspended", "Quality issue")
    assert audit_actions()[-1] == "partner.suspended"


def test_suspending_without_a_reason_shows_the_error_under_the_field(manager, cast):
    carevia = cast["carevia"]
    before = audit_actions()

    response = manager.post(f"/partners/{carevia.pk}/suspend/", {"reason": "   "})

    assert response.status_code == 400
    assert _forms(response)["suspend"].errors == {"reason": [REASON_REQUIRED]}
    assert _forms(response)["exit"].errors == {}  # the other action's form stays clean
    page = response.content.decode()
    assert 'aria-describedby="suspend-reason_error"' in page
    assert f'<p class="error" id="suspend-reason_error">{REASON_REQUIRED}</p>' in page
    assert 'class="messages"' not in page  # under the field, not in a banner
    carevia.refresh_from_db()
    assert (carevia.status, carevia.status_reason) == ("active", "")
    assert audit_actions() == before


def test_exit_needs_its_confirmation_and_keeps_what_was_typed(manager, cast):
    carevia = cast["carevia"]
    before = audit_actions()

    unconfirmed = manager.post(f"/partners/{carevia.pk}/exit/", {"reason": "Left the market"})
    empty = manager.post(f"/partners/{carevia.pk}/exit/", {})

    assert unconfirmed.status_code == 400
    assert _forms(unconfirmed)["exit"].errors == {"confirm": ["Tick the box to confirm the exit."]}
    page = unconfirmed.content.decode()
    assert 'id="exit-reason">\nLeft the market</textarea>' in page
    assert '<p class="error" id="exit-confirm_error">Tick the box' in page
    assert empty.status_code == 400
    assert _forms(empty)["exit"].errors == {
        "reason": [REASON_REQUIRED],
        "confirm": ["Tick the box to confirm the exit."],
    }
    assert Partner.objects.get(pk=carevia.pk).status == "active"
    assert audit_actions() == before


def test_a_confirmed_exit_leaves_a_read_only_page(manager, cast, alpha):
    carevia = cast["carevia"]
    Agreement.objects.create(partner=carevia, kind="nda", reference="N-1", signed_on=dt.date(2026, 1, 5))

    response = manager.post(f"/partners/{carevia.pk}/exit/", {"reason": "Left the market", "confirm": "on"})
    page = manager.get(f"/partners/{carevia.pk}/")

    assert response.status_code == 302
    assert flash_messages(response) == ["Carevia has left the ecosystem."]
    carevia.refresh_from_db()
    assert (carevia.status, carevia.status_reason) == ("exited", "Left the market")
    html = page.content.decode()
    assert page.status_code == 200
    assert "This partner has left the ecosystem: its page is read-only." in html
    assert "N-1" in html  # what it had stays readable
    for absent in (
        f'href="/partners/{carevia.pk}/edit/"',
        f'action="/partners/{carevia.pk}/agreements/"',
        f'action="/partners/{carevia.pk}/invitations/"',
        'id="lifecycle-',
        '<form method="post" action="/accounts/invitations/',
    ):
        assert absent not in html
    assert page.context["lifecycle_forms"] == []


def test_a_suspended_partner_is_reactivated(manager, cast):
    carevia = _set_status(cast["carevia"], "suspended", "Quality issue")

    response = manager.post(f"/partners/{carevia.pk}/activate/", {})

    assert response.status_code == 302
    assert flash_messages(response) == ["Carevia is active again."]
    carevia.refresh_from_db()
    assert (carevia.status, carevia.status_reason) == ("active", "")


def test_a_form_older_than_the_partners_status_is_refused_with_the_reason(manager, cast):
    carevia = _set_status(cast["carevia"], "suspended", "Quality issue")
    before = audit_actions()

    response = manager.post(f"/partners/{carevia.pk}/suspend/", {"reason": ""})

    assert response.status_code == 302
    assert flash_messages(response) == ["A partner cannot go from suspended to suspended."]
    carevia.refresh_from_db()
    assert (carevia.status, carevia.status_reason) == ("suspended", "Quality issue")
    assert audit_actions() == before


@pytest.mark.parametrize("who", ["reviewer", "sam", "clara"])
def test_only_managers_change_the_lifecycle_on_the_page(alpha, alpha_client, cast, who):
    client = login(alpha_client, alpha, cast[who])
    carevia = cast["carevia"]
    before = audit_actions()

    suspend = client.post(f"/partners/{carevia.pk}/suspend/", {"reason": "x"})
    exit_ = client.post(f"/partners/{carevia.pk}/exit/", {"reason": "x", "confirm": "on"})

    assert (suspend.status_code, exit_.status_code) == (403, 403)
    assert Partner.objects.get(pk=carevia.pk).status == "active"
    assert audit_actions() == before


def test_a_partner_out_of_sight_is_a_404(manager, cast):
    missing = Partner.objects.order_by("-pk").first().pk + 1000

    assert manager.post(f"/partners/{missing}/suspend/", {"reason": "x"}).status_code == 404
    assert manager.post(f"/partners/{cast['carevia'].pk}/archive/", {}).status_code == 404


def test_a_reviewer_reads_the_page_without_any_form(alpha, alpha_client, cast):
    response = login(alpha_client, alpha, cast["reviewer"]).get(f"/partners/{cast['carevia'].pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="lifecycle-' not in html and f'action="/partners/{cast["carevia"].pk}/agreements/"' not in html


# --- an exited partner: the services refuse agreements and invitations ----------------------


AGREEMENT = {"kind": "nda", "reference": "N-2", "signed_on": "2026-02-01"}


def test_the_service_refuses_an_agreement_with_an_exited_partner(cast):
    carevia = _set_status(cast["carevia"], "exited", "Left")
    before = audit_actions()

    with pytest.raises(Conflict) as refused:
        services.agreement_create(actor=cast["manager"], partner=carevia, data=AGREEMENT)
    with translation.override("fr"), pytest.raises(Conflict) as in_french:
        services.agreement_create(actor=cast["manager"], partner=carevia, data=AGREEMENT)

    assert refused.value.message == "Carevia has left the ecosystem: it cannot receive new agreements."
    assert refused.value.code == "partner_exited"
    assert in_french.value.message == french(
        "Carevia a quitté l'écosystème : ce partenaire ne peut plus recevoir de nouveaux accords."
    )
    assert not Agreement.objects.exists()
    assert audit_actions() == before


def test_the_service_refuses_an_invitation_into_an_exited_partner(cast):
    carevia = _set_status(cast["carevia"], "exited", "Left")

    with pytest.raises(Conflict) as refused:
        accounts_services.invitation_create(
            actor=cast["manager"], email="new@carevia.test", role="partner_member", partner=carevia
        )
    with translation.override("fr"), pytest.raises(Conflict) as in_french:
        accounts_services.invitation_create(
            actor=cast["clara"], email="new@carevia.test", role="partner_member", partner=carevia
        )

    assert refused.value.message == "Carevia has left the ecosystem: it cannot receive invitations."
    assert refused.value.code == "partner_exited"
    assert in_french.value.message == french(
        "Carevia a quitté l'écosystème : ce partenaire ne peut plus recevoir d'invitations."
    )
    assert not Invitation.objects.exists()


def test_a_suspended_partner_keeps_its_own_refusal_and_still_signs_agreements(cast):
    carevia = _set_status(cast["carevia"], "suspended", "Audit")

    with pytest.raises(Conflict) as refused:
        accounts_services.invitation_create(
            actor=cast["manager"], email="new@carevia.test", role="partner_member", partner=carevia
        )
    agreement = services.agreement_create(actor=cast["manager"], partner=carevia, data=AGREEMENT)

    assert refused.value.message == "Carevia is suspended: it cannot receive invitations."
    assert agreement.partner_id == carevia.pk


def test_the_api_refuses_the_same(alpha_client, cast):
    carevia = _set_status(cast["carevia"], "exited", "Left")
    client = api(alpha_client, cast["manager"])

    agreement = client.post("/api/agreements/", {**AGREEMENT, "partner": carevia.pk}, content_type="application/json")
    invitation = client.post(
        "/api/invitations/",
        {"email": "new@carevia.test", "role": "partner_member", "partner": carevia.pk},
        content_type="application/json",
    )

    assert (agreement.status_code, agreement.json()) == (
        409,
        {"detail": "Carevia has left the ecosystem: it cannot receive new agreements.", "code": "partner_exited"},
    )
    assert (invitation.status_code, invitation.json()) == (
        409,
        {"detail": "Carevia has left the ecosystem: it cannot receive invitations.", "code": "partner_exited"},
    )
    assert not Agreement.objects.exists() and not Invitation.objects.exists()


def test_the_page_refuses_the_same_when_posted_anyway(manager, cast):
    carevia = _set_status(cast["carevia"], "exited", "Left")

    agreement = manager.post(f"/partners/{carevia.pk}/agreements/", AGREEMENT, follow=True)
    invitation = manager.post(
        f"/partners/{carevia.pk}/invitations/", {"email": "new@carevia.test", "role": "partner_member"}, follow=True
    )

    assert agreement.redirect_chain == invitation.redirect_chain == [(f"/partners/{carevia.pk}/", 302)]
    assert [str(m) for m in agreement.context["messages"]] == [
        "Carevia has left the ecosystem: it cannot receive new agreements."
    ]
    assert [str(m) for m in invitation.context["messages"]] == [
        "Carevia has left the ecosystem: it cannot receive invitations."
    ]
    assert not Agreement.objects.exists() and not Invitation.objects.exists()


def test_the_panel_speaks_french(manager, cast):
    manager.cookies["django_language"] = "fr"
    carevia = _set_status(cast["carevia"], "suspended", "Audit")

    response = manager.post(f"/partners/{carevia.pk}/exit/", {"reason": "Rachat"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "Cochez la case pour confirmer la sortie.</p>" in page
    assert ">Réactiver</button>" in page and ">Sortir de l&#x27;écosystème</button>" in page
    assert "Je confirme que ce partenaire quitte définitivement l&#x27;écosystème." in page


def test_the_check_refuses_an_unknown_action_and_a_move_the_status_forbids(cast):
    exited = _set_status(cast["carevia"], "exited", "Left")

    with pytest.raises(FieldErrors) as unknown:
        services.partner_lifecycle_check(partner=cast["medisol"], action="archive")
    with pytest.raises(Conflict) as forbidden:
        services.partner_lifecycle_check(partner=exited, action="activate")

    assert unknown.value.errors == {"action": ["Unknown action."]}
    assert forbidden.value.message == "A partner cannot go from exited to active."
    assert services.partner_lifecycle_actions(exited) == []
