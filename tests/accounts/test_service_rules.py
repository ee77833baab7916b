"""Every conflict of the account services, with its exact message, and nothing changed."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from ecosystem.accounts import services
from ecosystem.accounts.models import Invitation, User
from ecosystem.accounts.selectors import staff_invitations_open_first
from ecosystem.core.errors import Conflict, FieldErrors
from ecosystem.core.models import AuditEvent
from tests.conftest import PASSWORD, make_user


def conflict(call) -> str:
    """The message of the Conflict that `call` raises."""
    with pytest.raises(Conflict) as refused:
        call()
    return refused.value.message


@pytest.fixture
def staff_invitation(alpha, alpha_admin):
    return services.invitation_create(actor=alpha_admin, email="new@alpha.test", role="manager")


def test_a_used_or_revoked_invitation_is_neither_resent_nor_revoked_again(alpha, alpha_admin, staff_invitation):
    services.invitation_revoke(actor=alpha_admin, invitation=staff_invitation.invitation)
    other = services.invitation_create(actor=alpha_admin, email="joined@alpha.test", role="reviewer")
    services.invitation_accept(token=other.token, password=PASSWORD)
    events = AuditEvent.objects.count()

    assert (
        conflict(lambda: services.invitation_resend(actor=alpha_admin, invitation=staff_invitation.invitation))
        == "This invitation is revoked: it cannot be resent."
    )
    assert (
        conflict(lambda: services.invitation_revoke(actor=alpha_admin, invitation=staff_invitation.invitation))
        == "This invitation was already revoked."
    )
    assert (
        conflict(lambda: services.invitation_revoke(actor=alpha_admin, invitation=other.invitation))
        == "This invitation was already accepted."
    )

    assert AuditEvent.objects.count() == events
    assert Invitation.objects.get(pk=other.invitation.pk).revoked_at is None


def test_an_empty_or_unknown_token_points_to_no_invitation(alpha):
    assert services.invitation_for_token("") is None
    assert services.invitation_for_token("nope") is None


def test_accepting_for_an_email_that_already_has_an_account_creates_nothing(alpha, alpha_admin, staff_invitation):
    make_user(alpha, "reviewer", email="new@alpha.test")

    with pytest.raises(Conflict) as refused:
        services.invitation_accept(token=staff_invitation.token, password=PASSWORD)

    assert refused.value.code == "user_exists"
    assert User.objects.filter(email="new@alpha.test").count() == 1
    assert Invitation.objects.get(pk=staff_invitation.invitation.pk).accepted_at is None


def test_roles_change_between_staff_roles_only_and_the_last_admin_stays(alpha, alpha_admin):
    partner_user = make_user(alpha, "partner_member")
    manager = make_user(alpha, "manager")
    other_admin = make_user(alpha, "admin")

    with pytest.raises(FieldErrors) as not_staff:
        services.user_change_role(actor=alpha_admin, user=partner_user, role="manager")
    unchanged = services.user_change_role(actor=alpha_admin, user=manager, role="manager")
    services.user_deactivate(actor=alpha_admin, user=other_admin)
    assert (
        conflict(lambda: services.user_change_role(actor=other_admin, user=alpha_admin, role="manager"))
        == "The ecosystem needs at least one active administrator."
    )

    assert not_staff.value.errors == {"role": ["Staff roles are administrator, manager and reviewer."]}
    assert unchanged.role == "manager"
    assert not AuditEvent.objects.filter(action="user.role_changed").exists()
    assert User.objects.get(pk=partner_user.pk).role == "partner_member"
    assert User.objects.get(pk=alpha_admin.pk).role == "admin"


def test_deactivation_and_reactivation_conflicts(alpha, alpha_admin):
    manager = make_user(alpha, "manager")
    services.user_deactivate(actor=alpha_admin, user=manager)

    assert (
        conflict(lambda: services.user_deactivate(actor=alpha_admin, user=alpha_admin))
        == "You cannot deactivate yourself."
    )
    assert (
        conflict(lambda: services.user_deactivate(actor=alpha_admin, user=manager))
        == "This user is already deactivated."
    )
    services.user_reactivate(actor=alpha_admin, user=manager)
    assert (
        conflict(lambda: services.user_reactivate(actor=alpha_admin, user=manager)) == "This user is already active."
    )

    assert User.objects.get(pk=alpha_admin.pk).is_active
    assert User.objects.get(pk=manager.pk).is_active
    assert list(
        AuditEvent.objects.filter(object_id=str(manager.pk), object_type="accounts.user").values_list(
            "action", flat=True
        )
    ) == ["user.reactivated", "user.deactivated"]


def test_the_team_page_lists_pending_staff_invitations_first_then_the_newest(alpha, alpha_admin):
    now = timezone.now()

    def invitation(email, *, days_ago, **state):
        created = Invitation.objects.create(
            email=email, role="manager", token_hash=email, expires_at=now + timedelta(days=5), **state
        )
        Invitation.objects.filter(pk=created.pk).update(created_at=now - timedelta(days=days_ago))
        return email

    old_pending = invitation("old-pending@alpha.test", days_ago=3)
    revoked = invitation("revoked@alpha.test", days_ago=1, revoked_at=now)
    new_pending = invitation("new-pending@alpha.test", days_ago=2)
    expired = invitation("expired@alpha.test", days_ago=0)
    Invitation.objects.filter(email=expired).update(expires_at=now - timedelta(minutes=1))
    accepted = invitation("accepted@alpha.test", days_ago=4, accepted_at=now)
    Invitation.objects.create(
        email="p@x.test", role="partner_member", token_hash="p", expires_at=now + timedelta(days=1)
    )

    listed = [i.email for i in staff_invitations_open_first(alpha_admin)]

    assert listed == [new_pending, old_pending, expired, revoked, accepted]


@pytest.mark.parametrize(
    ("language", "subject"),
    [("fr", "Vous êtes invité à rejoindre Alpha Medical Commons sur Symbiose"),
     ("en", "You are invited to join Alpha Medical Commons on Symbiose")],
)  # fmt: skip
def test_the_invitation_mail_is_in_the_inviters_language(
    alpha, alpha_admin, mailoutbox, django_capture_on_commit_callbacks, language, subject
):
    with translation.override(language), django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(actor=alpha_admin, email="new@alpha.test", role="reviewer")

    assert [m.subject for m in mailoutbox] == [subject]
    assert mailoutbox[0].to == ["new@alpha.test"]
