import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from ecosystem.accounts.models import Invitation, User
from ecosystem.accounts.services import invitation_create
from ecosystem.core.models import AuditEvent
from tests.conftest import PASSWORD, admin_of, audit_actions, login, make_user


@pytest.fixture
def admin_client(alpha, alpha_client):
    return login(alpha_client, alpha, admin_of(alpha))


def link_path(mail) -> str:
    return re.search(r"http://alpha\.localhost(/accounts/invitations/\S+/)", mail.body).group(1)


def test_admin_invites_a_manager_who_accepts_and_lands_on_the_dashboard(
    alpha, admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/accounts/team/", {"email": "New@Alpha.test", "role": "manager"})
    mail = mailoutbox[0]
    from django.test import Client

    newcomer = Client(HTTP_HOST="alpha.localhost")
    form = newcomer.get(link_path(mail))
    accepted = newcomer.post(
        link_path(mail),
        {"full_name": "Nina New", "password": PASSWORD, "password_confirm": PASSWORD},
        follow=True,
    )

    assert response.status_code == 302
    assert (mail.to, mail.subject) == (
        ["new@alpha.test"],
        "You are invited to join Alpha Medical Commons on Symbiose",
    )
    assert b"You were invited as Manager" in form.content
    assert accepted.redirect_chain == [("/", 302)]
    with schema_context("alpha"):
        user = User.objects.get(email="new@alpha.test")
        assert (user.role, user.full_name) == ("manager", "Nina New")
        assert Invitation.objects.get().state == "accepted"
        actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
        assert actions[-2:] == ["invitation.created", "invitation.accepted"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "nope", "role": "manager"}, "email", "Enter a valid email address."),
        (
            {"email": "admin@alpha.test", "role": "manager"},
            "email",
            "admin@alpha.test already has an account here.",
        ),
        ({"email": "x@alpha.test", "role": "partner_admin"}, "role", "Select a valid choice."),
    ],
)
def test_invitation_form_refuses_bad_input_and_creates_nothing(
    admin_client, mailoutbox, django_capture_on_commit_callbacks, data, field, message
):
    with schema_context("alpha"):
        trail = audit_actions()

    # The mail leaves on commit: run the callbacks, or an empty outbox proves nothing.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post("/accounts/team/", data)

    assert response.status_code == 400
    assert any(str(e).startswith(message) for e in response.context["form"].errors[field])
    with schema_context("alpha"):
        assert Invitation.objects.count() == 0
        assert audit_actions() == trail
    assert (callbacks, mailoutbox) == ([], [])


def test_a_second_pending_invitation_for_the_same_email_is_refused(alpha, alpha_admin):
    from ecosystem.core.errors import FieldErrors

    invitation_create(actor=alpha_admin, email="dup@alpha.test", role="manager")
    with pytest.raises(FieldErrors) as error:
        invitation_create(actor=alpha_admin, email="dup@alpha.test", role="reviewer")

    assert error.value.errors == {"email": ["This email already has a pending invitation: resend it instead."]}
    assert list(Invitation.objects.values_list("email", "role")) == [("dup@alpha.test", "manager")]


def test_a_new_invitation_replaces_an_expired_one_for_the_same_email(alpha, alpha_admin):
    first = invitation_create(actor=alpha_admin, email="late@alpha.test", role="manager").invitation
    Invitation.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    second = invitation_create(actor=alpha_admin, email="late@alpha.test", role="reviewer").invitation

    states = {i.pk: i.state for i in Invitation.objects.all()}
    assert states == {first.pk: "revoked", second.pk: "pending"}
    event = AuditEvent.objects.filter(action="invitation.created").order_by("id").last()
    assert event.after == {
        "invitation": second.pk,
        "email": "late@alpha.test",
        "role": "reviewer",
        "replaces": [first.pk],
    }


@pytest.mark.parametrize("role", ["manager", "reviewer"])
def test_only_admins_reach_the_team_page(alpha, alpha_client, role):
    login(alpha_client, alpha, make_user(alpha, role))

    page = alpha_client.get("/accounts/team/")
    post = alpha_client.post("/accounts/team/", {"email": "x@alpha.test", "role": "admin"})

    assert (page.status_code, post.status_code) == (403, 403)
    with schema_context("alpha"):
        assert Invitation.objects.count() == 0


def test_anonymous_visitors_are_sent_to_login(alpha_client):
    response = alpha_client.get("/accounts/team/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/team/"


def test_an_admin_of_another_tenant_cannot_act_here(alpha, beta, beta_client, alpha_admin):
    issued = invitation_create(actor=alpha_admin, email="x@alpha.test", role="manager")
    login(beta_client, beta, admin_of(beta))

    response = beta_client.post(
        f"/accounts/team/invitations/{issued.invitation.pk}/revoke/", HTTP_HOST="alpha.localhost"
    )

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    with schema_context("alpha"):
        assert Invitation.objects.get().state == "pending"


def test_resend_kills_the_old_link_and_the_new_one_works(
    alpha, alpha_admin, admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    from django.test import Client

    issued = invitation_create(actor=alpha_admin, email="r@alpha.test", role="reviewer")
    old_path = f"/accounts/invitations/{issued.token}/"

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/accounts/team/invitations/{issued.invitation.pk}/resend/")
    visitor = Client(HTTP_HOST="alpha.localhost")
    old = visitor.post(old_path, {"password": PASSWORD, "password_confirm": PASSWORD})
    new = visitor.post(link_path(mailoutbox[-1]), {"password": PASSWORD, "password_confirm": PASSWORD})

    assert old.status_code == 404
    assert new.status_code == 302
    with schema_context("alpha"):
        assert User.objects.filter(email="r@alpha.test").count() == 1


@pytest.mark.parametrize("state", ["revoked", "expired", "accepted"])
def test_unusable_links_show_a_clear_page_and_create_nothing(alpha, alpha_admin, alpha_client, state):
    issued = invitation_create(actor=alpha_admin, email="u@alpha.test", role="manager")
    invitation = issued.invitation
    if state == "revoked":
        invitation.revoked_at = timezone.now()
    elif state == "expired":
        invitation.expires_at = timezone.now() - timedelta(minutes=1)
    else:
        invitation.accepted_at = timezone.now()
    invitation.save()

    response = alpha_client.post(
        f"/accounts/invitations/{issued.token}/", {"password": PASSWORD, "password_confirm": PASSWORD}
    )

    assert response.status_code == 410
    expected = {"revoked": "It was revoked", "expired": "It has expired", "accepted": "It was already used"}
    assert expected[state] in response.content.decode()
    with schema_context("alpha"):
        assert not User.objects.filter(email="u@alpha.test").exists()


def test_accepting_with_a_weak_password_shows_the_error_and_keeps_the_link(alpha, alpha_admin, alpha_client):
    issued = invitation_create(actor=alpha_admin, email="w@alpha.test", role="manager")

    response = alpha_client.post(
        f"/accounts/invitations/{issued.token}/", {"password": "123", "password_confirm": "123"}
    )

    assert response.status_code == 400
    assert "This password is too short" in str(response.context["form"].errors["password"])
    with schema_context("alpha"):
        assert Invitation.objects.get().state == "pending"
        assert not User.objects.filter(email="w@alpha.test").exists()


def test_an_invitation_link_of_one_tenant_is_unknown_on_another(alpha, alpha_admin, beta_client):
    issued = invitation_create(actor=alpha_admin, email="v@alpha.test", role="manager")

    response = beta_client.get(f"/accounts/invitations/{issued.token}/")

    assert response.status_code == 404


def test_admin_changes_a_role_and_the_audit_trail_keeps_before_and_after(alpha, admin_client):
    manager = make_user(alpha, "manager")

    response = admin_client.post(f"/accounts/team/users/{manager.pk}/role/", {"role": "reviewer"})

    assert response.status_code == 302
    with schema_context("alpha"):
        assert User.objects.get(pk=manager.pk).role == "reviewer"
        event = AuditEvent.objects.get(action="user.role_changed")
        assert (event.before, event.after, event.actor_label) == (
            {"role": "manager"}, {"role": "reviewer"}, "admin@alpha.test",
        )  # fmt: skip


def test_role_change_refuses_a_bad_role_and_self_demotion(alpha, alpha_admin, admin_client):
    manager = make_user(alpha, "manager")

    bad = admin_client.post(f"/accounts/team/users/{manager.pk}/role/", {"role": "superhero"}, follow=True)
    own = admin_client.post(f"/accounts/team/users/{alpha_admin.pk}/role/", {"role": "manager"}, follow=True)

    assert "Choose a valid role." in bad.content.decode()
    assert "You cannot change your own role" in own.content.decode()
    with schema_context("alpha"):
        assert User.objects.get(pk=manager.pk).role == "manager"
        assert User.objects.get(pk=alpha_admin.pk).role == "admin"


def test_a_manager_cannot_change_roles(alpha, alpha_client):
    reviewer = make_user(alpha, "reviewer")
    login(alpha_client, alpha, make_user(alpha, "manager"))
    trail = audit_actions()

    response = alpha_client.post(f"/accounts/team/users/{reviewer.pk}/role/", {"role": "admin"})

    assert response.status_code == 403
    with schema_context("alpha"):
        assert User.objects.get(pk=reviewer.pk).role == "reviewer"
        assert audit_actions() == trail


def test_deactivate_and_reactivate_from_the_team_page(alpha, admin_client):
    manager = make_user(alpha, "manager")

    off = admin_client.post(f"/accounts/team/users/{manager.pk}/deactivate/", follow=True)
    with schema_context("alpha"):
        assert User.objects.get(pk=manager.pk).is_active is False
    on = admin_client.post(f"/accounts/team/users/{manager.pk}/reactivate/", follow=True)

    assert "was deactivated and signed out" in off.content.decode()
    assert "can sign in again" in on.content.decode()
    with schema_context("alpha"):
        assert User.objects.get(pk=manager.pk).is_active is True


def test_the_last_admin_cannot_be_removed(alpha, alpha_admin):
    from ecosystem.accounts.services import user_deactivate
    from ecosystem.core.errors import Conflict

    other_admin = make_user(alpha, "admin")
    user_deactivate(actor=other_admin, user=alpha_admin)
    trail = audit_actions()

    with pytest.raises(Conflict, match="at least one active administrator"):
        user_deactivate(actor=alpha_admin, user=other_admin)

    assert User.objects.get(pk=other_admin.pk).is_active is True
    assert audit_actions() == trail


def test_team_page_lists_members_and_invitations_in_constant_queries(
    alpha, alpha_admin, admin_client, django_assert_max_num_queries
):
    for i in range(30):
        make_user(alpha, "manager", email=f"m{i}@alpha.test")
        invitation_create(actor=alpha_admin, email=f"i{i}@alpha.test", role="reviewer")

    with django_assert_max_num_queries(8):
        response = admin_client.get("/accounts/team/")

    assert response.status_code == 200
    assert response.content.decode().count("@alpha.test</td>") == 61
