"""The invitation mail, word for word, in English and French: it names the
partner organisation when there is one, dates follow the language, and no
sentence ends with a double full stop."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from ecosystem.accounts.models import Invitation, User
from ecosystem.accounts.services import invitation_create
from ecosystem.accounts.tasks import send_invitation_email
from tests.partners.conftest import PartnerFactory

EXPIRES = dt.datetime(2027, 1, 5, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))


def mail_for(mailoutbox, *, actor, email, role, partner=None, language):
    issued = invitation_create(actor=actor, email=email, role=role, partner=partner)
    Invitation.objects.filter(pk=issued.invitation.pk).update(expires_at=EXPIRES)
    send_invitation_email(issued.invitation.pk, issued.token, language)
    [mail] = mailoutbox
    return mail, f"http://alpha.localhost/accounts/invitations/{issued.token}/"


@pytest.fixture
def inviter(alpha, alpha_admin):
    User.objects.filter(pk=alpha_admin.pk).update(full_name="Alice M. Admin")
    return User.objects.get(pk=alpha_admin.pk)


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        (
            "en",
            "You are invited to join Alpha Medical Commons on Symbiose",
            "Alice M. Admin invites you to join the Alpha Medical Commons ecosystem as Manager.\n\n"
            "Open this link to choose your password:\n{link}\n\n"
            "The link works once, until 5 Jan 2027, 09:30.\n",
        ),
        (
            "fr",
            "Vous êtes invité à rejoindre Alpha Medical Commons sur Symbiose",
            "Alice M. Admin vous invite à rejoindre l'écosystème Alpha Medical Commons en tant que Responsable.\n\n"
            "Ouvrez ce lien pour choisir votre mot de passe :\n{link}\n\n"
            "Le lien fonctionne une seule fois, jusqu'au 05/01/2027 09:30.\n",
        ),
    ],
)
def test_a_staff_invitation_mail(alpha, inviter, mailoutbox, language, subject, body):
    mail, link = mail_for(mailoutbox, actor=inviter, email="new@alpha.test", role="manager", language=language)

    assert (mail.to, mail.subject) == (["new@alpha.test"], subject)
    assert mail.body == body.format(link=link)


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        (
            "en",
            "You are invited to join Alpha Medical Commons on Symbiose",
            "Alice M. Admin invites you to join Medisol Devices Inc. in the Alpha Medical Commons ecosystem "
            "as Partner administrator.\n\n"
            "Open this link to choose your password:\n{link}\n\n"
            "The link works once, until 5 Jan 2027, 09:30.\n",
        ),
        (
            "fr",
            "Vous êtes invité à rejoindre Alpha Medical Commons sur Symbiose",
            "Alice M. Admin vous invite à rejoindre Medisol Devices Inc. dans l'écosystème Alpha Medical Commons"
            ", avec le rôle Administrateur partenaire.\n\n"
            "Ouvrez ce lien pour choisir votre mot de passe :\n{link}\n\n"
            "Le lien fonctionne une seule fois, jusqu'au 05/01/2027 09:30.\n",
        ),
    ],
)
def test_a_partner_invitation_mail_names_the_partner(alpha, inviter, mailoutbox, language, subject, body):
    medisol = PartnerFactory(name="Medisol Devices Inc.")

    mail, link = mail_for(
        mailoutbox, actor=inviter, email="sam@medisol.test", role="partner_admin", partner=medisol, language=language
    )

    assert (mail.to, mail.subject) == (["sam@medisol.test"], subject)
    assert mail.body == body.format(link=link)
    assert ".." not in mail.body
