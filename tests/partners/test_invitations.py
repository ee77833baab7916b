import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ecosystem.accounts.models import Invitation, User
from ecosystem.core.models import AuditEvent, TenantSettings
from partners.models import Partner
from tests.conftest import PASSWORD, audit_actions, login
from tests.partners.conftest import api


def token_from(mail) -> str:
    return re.search(r"/accounts/invitations/(\S+)/", mail.body).group(1)


def test_staff_invite_a_partner_user_who_accepts_through_the_api(
    alpha_client, cast, mailoutbox, django_capture_on_commit_callbacks
):
    cast["finamed"].status = Partner.Status.INVITED
    cast["finamed"].save()
    with django_capture_on_commit_callbacks(execute=True):
        created = api(alpha_client, cast["manager"]).post(
            "/api/invitations/", {"email": "Lea@Finamed.test", "role": "partner_admin", "partner": cast["finamed"].pk},
            content_type="application/json",
        )  # fmt: skip
    alpha_client.defaults.pop("HTTP_AUTHORIZATION")
    accepted = alpha_client.post(
        "/api/invitations/accept/", {"token": token_from(mailoutbox[0]), "password": PASSWORD, "full_name": "Léa"},
        content_type="application/json",
    )  # fmt: skip
    again = alpha_client.post(
        "/api/invitations/accept/",
        {"token": token_from(mailoutbox[0]), "password": PASSWORD},
        content_type="application/json",
    )

    assert created.status_code == 201
    assert {k: created.json()[k] for k in ("email", "partner", "role", "state")} == {
        "email": "lea@finamed.test", "partner": cast["finamed"].pk, "role": "partner_admin", "state": "pending",
    }  # fmt: skip
    assert accepted.status_code == 201
    assert accepted.json()["me"] == {
        "id": accepted.json()["me"]["id"], "email": "lea@finamed.test", "full_name": "Léa", "role": "partner_admin",
        "partner": cast["finamed"].pk,
    }  # fmt: skip
    assert again.status_code == 409 and again.json()["detail"] == "This invitation was already used."
    assert Partner.objects.get(pk=cast["finamed"].pk).status == "onboarding"
    actions = list(
        AuditEvent.objects.filter(object_id=str(cast["finamed"].pk)).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["invitation.created", "invitation.accepted", "partner.onboarding"]


def test_expiry_comes_from_the_tenant_setting(alpha_client, cast):
    TenantSettings.objects.create(invitation_ttl_days=3)

    response = api(alpha_client, cast["manager"]).post(
        "/api/invitations/", {"email": "x@medisol.test", "role": "partner_member", "partner": cast["medisol"].pk},
        content_type="application/json",
    )  # fmt: skip

    invitation = Invitation.objects.get(pk=response.json()["id"])
    assert timedelta(days=2, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=3)


@pytest.mark.parametrize(
    ("who", "payload", "status", "body"),
    [
        (
            "sam",
            {"email": "x@carevia.test", "role": "partner_member", "partner": "carevia"},
            403,
            {"detail": "You can invite colleagues into your own organisation only.", "code": "permission_denied"},
        ),
        ("mia", {"email": "x@medisol.test", "role": "partner_member", "partner": "medisol"}, 403, None),
        ("reviewer", {"email": "x@medisol.test", "role": "partner_member", "partner": "medisol"}, 403, None),
        ("manager", {"email": "x@alpha.test", "role": "admin"}, 403, None),
        (
            "manager",
            {"email": "x@medisol.test", "role": "partner_member"},
            400,
            {"partner": ["Choose the partner this person joins."]},
        ),
        (
            "manager",
            {"email": "nope", "role": "partner_member", "partner": "medisol"},
            400,
            {"email": ["Enter a valid email address."]},
        ),
        (
            "manager",
            {"email": "sam@medisol.test", "role": "partner_member", "partner": "medisol"},
            400,
            {"email": ["sam@medisol.test already has an account here."]},
        ),
        (
            "manager",
            {"email": "x@medisol.test", "role": "boss", "partner": "medisol"},
            400,
            {"role": ["Choose a role."]},
        ),
        (
            "admin",
            {"email": "x@medisol.test", "role": "manager", "partner": "medisol"},
            400,
            {"partner": ["Staff invitations are not tied to a partner."]},
        ),
    ],
)
def test_who_may_invite_whom(alpha_client, cast, who, payload, status, body):
    if "partner" in payload:
        payload = {**payload, "partner": cast[payload["partner"]].pk}

    response = api(alpha_client, cast[who]).post("/api/invitations/", payload, content_type="application/json")

    assert response.status_code == status
    if body is not None:
        assert response.json() == body
    assert not Invitation.objects.exists()


def test_a_partner_admin_invites_a_colleague_and_sees_only_its_partners_invitations(alpha_client, cast):
    api(alpha_client, cast["manager"]).post(
        "/api/invitations/", {"email": "y@carevia.test", "role": "partner_member", "partner": cast["carevia"].pk},
        content_type="application/json",
    )  # fmt: skip
    own = api(alpha_client, cast["sam"]).post(
        "/api/invitations/", {"email": "z@medisol.test", "role": "partner_member", "partner": cast["medisol"].pk},
        content_type="application/json",
    )  # fmt: skip
    listing = alpha_client.get("/api/invitations/")
    other_id = Invitation.objects.get(email="y@carevia.test").pk
    revoke_other = alpha_client.post(f"/api/invitations/{other_id}/revoke/")

    assert own.status_code == 201
    assert [i["email"] for i in listing.json()["results"]] == ["z@medisol.test"]
    assert revoke_other.status_code == 404
    assert Invitation.objects.get(pk=other_id).state == "pending"


def test_resend_and_revoke_through_the_api(alpha_client, cast, mailoutbox, django_capture_on_commit_callbacks):
    client = api(alpha_client, cast["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/invitations/", {"email": "r@medisol.test", "role": "partner_member", "partner": cast["medisol"].pk},
            content_type="application/json",
        )  # fmt: skip
        client.post(f"/api/invitations/{created.json()['id']}/resend/")
    revoked = client.post(f"/api/invitations/{created.json()['id']}/revoke/")
    client.defaults.pop("HTTP_AUTHORIZATION")
    old = alpha_client.post(
        "/api/invitations/accept/",
        {"token": token_from(mailoutbox[0]), "password": PASSWORD},
        content_type="application/json",
    )
    new = alpha_client.post(
        "/api/invitations/accept/",
        {"token": token_from(mailoutbox[1]), "password": PASSWORD},
        content_type="application/json",
    )

    assert revoked.json()["state"] == "revoked"
    assert old.status_code == 409 and old.json()["code"] == "invitation_invalid"
    assert new.status_code == 409 and new.json()["detail"] == "This invitation was revoked."
    assert not User.objects.filter(email="r@medisol.test").exists()


def test_a_suspended_partner_receives_no_invitation_and_pending_links_stop_working(
    alpha_client, cast, mailoutbox, django_capture_on_commit_callbacks
):
    client = api(alpha_client, cast["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/api/invitations/", {"email": "s@carevia.test", "role": "partner_member", "partner": cast["carevia"].pk},
            content_type="application/json",
        )  # fmt: skip
    client.post(f"/api/partners/{cast['carevia'].pk}/suspend/", {"reason": "Audit"}, content_type="application/json")

    refused = client.post(
        "/api/invitations/", {"email": "t@carevia.test", "role": "partner_member", "partner": cast["carevia"].pk},
        content_type="application/json",
    )  # fmt: skip
    client.defaults.pop("HTTP_AUTHORIZATION")
    pending = alpha_client.post(
        "/api/invitations/accept/",
        {"token": token_from(mailoutbox[0]), "password": PASSWORD},
        content_type="application/json",
    )

    assert refused.status_code == 409
    assert refused.json()["detail"] == "Carevia is suspended: it cannot receive invitations."
    assert not Invitation.objects.filter(email="t@carevia.test").exists()
    assert pending.status_code == 409 and pending.json()["detail"] == "This invitation is no longer valid."
    assert not User.objects.filter(email="s@carevia.test").exists()


def test_accept_with_bad_input(alpha_client, cast):
    users, trail = User.objects.count(), audit_actions()

    missing = alpha_client.post("/api/invitations/accept/", {}, content_type="application/json")
    unknown = alpha_client.post(
        "/api/invitations/accept/", {"token": "nope", "password": PASSWORD}, content_type="application/json"
    )

    assert missing.status_code == 400 and set(missing.json()) == {"token", "password"}
    assert unknown.status_code == 409 and unknown.json()["detail"] == "This invitation link is not valid."
    assert User.objects.count() == users
    assert audit_actions() == trail


def test_staff_invite_from_the_partner_page(alpha, alpha_client, cast, mailoutbox, django_capture_on_commit_callbacks):
    login(alpha_client, alpha, cast["manager"])

    with django_capture_on_commit_callbacks(execute=True):
        response = alpha_client.post(
            f"/partners/{cast['finamed'].pk}/invitations/",
            {"email": "p@finamed.test", "role": "partner_admin"},
            follow=True,
        )
    bad = alpha_client.post(
        f"/partners/{cast['finamed'].pk}/invitations/", {"email": "bad", "role": "partner_admin"}, follow=True
    )

    assert "Invitation sent to p@finamed.test." in response.content.decode()
    assert "http://alpha.localhost/accounts/invitations/" in mailoutbox[0].body
    assert "Enter a valid email address." in bad.content.decode()
    assert Invitation.objects.count() == 1


def invite(client, email: str, partner: Partner, role: str = "partner_member"):
    return client.post(
        "/api/invitations/", {"email": email, "role": role, "partner": partner.pk}, content_type="application/json"
    )


def test_a_partner_admin_cannot_tell_whether_someone_elsewhere_has_an_account_or_an_invitation(alpha_client, cast):
    """Clara has an account at Carevia, a staff invitation is pending for
    future@alpha.test: for Sam (Medisol) both addresses answer like a stranger's."""
    admin = api(Client(HTTP_HOST="alpha.localhost"), cast["admin"])
    staff_invitation = {"email": "future@alpha.test", "role": "manager"}
    assert admin.post("/api/invitations/", staff_invitation, content_type="application/json").status_code == 201
    sam = api(alpha_client, cast["sam"])

    answers = {
        email: invite(sam, email, cast["medisol"])
        for email in ("clara@carevia.test", "future@alpha.test", "stranger@x.test")
    }
    listing = sam.get("/api/invitations/")

    shapes = {(a.status_code, tuple(sorted(a.json())), a.json()["state"]) for a in answers.values()}
    assert shapes == {(201, ("created_at", "email", "expires_at", "id", "partner", "role", "state"), "pending")}
    assert sorted(i["email"] for i in listing.json()["results"]) == [
        "clara@carevia.test",
        "future@alpha.test",
        "stranger@x.test",
    ]


def test_an_invitation_to_someone_with_an_account_elsewhere_is_refused_to_that_person_only(
    alpha_client, cast, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(api(alpha_client, cast["sam"]), "clara@carevia.test", cast["medisol"])
    alpha_client.defaults.pop("HTTP_AUTHORIZATION")

    accepted = alpha_client.post(
        "/api/invitations/accept/", {"token": token_from(mailoutbox[0]), "password": PASSWORD},
        content_type="application/json",
    )  # fmt: skip

    assert mailoutbox[0].to == ["clara@carevia.test"]
    assert (accepted.status_code, accepted.json()) == (
        409, {"detail": "An account with this email already exists.", "code": "user_exists"},
    )  # fmt: skip
    assert User.objects.get(email="clara@carevia.test").partner_id == cast["carevia"].pk


def test_a_partner_admin_is_told_about_its_own_colleagues_and_invitations(alpha_client, cast):
    sam = api(alpha_client, cast["sam"])
    invite(sam, "new@medisol.test", cast["medisol"])

    colleague = invite(sam, "Mia@Medisol.test", cast["medisol"])
    invited = invite(sam, "new@medisol.test", cast["medisol"])

    assert (colleague.status_code, colleague.json()) == (
        400,
        {"email": ["mia@medisol.test already has an account here."]},
    )
    assert (invited.status_code, invited.json()) == (
        400, {"email": ["This email already has a pending invitation: resend it instead."]},
    )  # fmt: skip
    assert list(Invitation.objects.values_list("email", flat=True)) == ["new@medisol.test"]


def test_staff_are_told_precisely_about_anyone(alpha_client, cast):
    manager = api(alpha_client, cast["manager"])

    answer = invite(manager, "clara@carevia.test", cast["medisol"])

    assert (answer.status_code, answer.json()) == (400, {"email": ["clara@carevia.test already has an account here."]})
    assert not Invitation.objects.exists()


def test_the_portal_team_page_answers_alike_for_a_stranger_and_someone_elsewhere(alpha, alpha_client, cast):
    login(alpha_client, alpha, cast["sam"])

    elsewhere = alpha_client.post(
        "/portal/team/", {"email": "clara@carevia.test", "role": "partner_member"}, follow=True
    )
    stranger = alpha_client.post("/portal/team/", {"email": "stranger@x.test", "role": "partner_member"}, follow=True)
    colleague = alpha_client.post("/portal/team/", {"email": "mia@medisol.test", "role": "partner_member"})

    assert elsewhere.redirect_chain == stranger.redirect_chain == [("/portal/team/", 302)]
    assert "Invitation sent to clara@carevia.test." in elsewhere.content.decode()
    assert "Invitation sent to stranger@x.test." in stranger.content.decode()
    assert colleague.status_code == 400
    assert colleague.context["form"].errors["email"] == ["mia@medisol.test already has an account here."]
    assert sorted(Invitation.objects.values_list("email", flat=True)) == ["clara@carevia.test", "stranger@x.test"]
