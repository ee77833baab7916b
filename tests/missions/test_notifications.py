"""The missions' mails, word for word in English and in French (each recipient's own
language), sent only once their transaction commits, and through a real worker;
their link opens the right portal page for the recipient."""

import time
from urllib.parse import urlsplit

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from ecosystem.accounts.models import User
from ecosystem.missions import services
from ecosystem.missions.models import Contribution, Mission, Participation
from partners.models import Partner
from tests.conftest import login, make_user

from .conftest import declare, open_mission


@pytest.fixture
def people(alpha, world):
    """Medisol's admin and Finamed's member, both in `language`; Medisol is "Medisol & Fils" (no HTML escaping in mails)."""
    Partner.objects.filter(pk=world["medisol"].pk).update(name="Medisol & Fils")
    world["medisol"].refresh_from_db()
    fina = make_user(alpha, "partner_member", email="fina@finamed.test", partner=world["finamed"])
    User.objects.filter(pk=world["mia"].pk).update(is_active=False)  # one recipient per partner: the mail is read once
    return {**world, "fina": fina}


def speaking(user, language):
    User.objects.filter(pk=user.pk).update(language=language)
    user.refresh_from_db()
    return user


def opens(alpha_client, alpha, user, link):
    """The page the mail's link leads to, as the recipient sees it."""
    assert link.startswith("http://alpha.localhost/")
    return login(alpha_client, alpha, user).get(urlsplit(link).path)


INVITED = {
    "en": (
        "You are invited into the mission “Train 200 nurses”",
        "Alpha Medical Commons invites Medisol & Fils to take part in the mission “Train 200 nurses” as Lead.\n\n"
        "Why we do it.\n\n"
        "The commitment proposed: Train 50 nurses in 2026\n\n"
        "Open this link to see the mission and accept or decline:\n{link}\n",
    ),
    "fr": (
        "Vous êtes invité dans la mission « Train 200 nurses »",
        "Alpha Medical Commons invite Medisol & Fils à participer à la mission « Train 200 nurses » "
        "en tant que Chef de file.\n\n"
        "Why we do it.\n\n"
        "L'engagement proposé : Train 50 nurses in 2026\n\n"
        "Ouvrez ce lien pour voir la mission et accepter ou décliner :\n{link}\n",
    ),
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_invitation_mail(alpha, alpha_client, people, mailoutbox, django_capture_on_commit_callbacks, language):
    sam = speaking(people["sam"], language)
    mission = open_mission(people["manager"], title="Train 200 nurses")

    with django_capture_on_commit_callbacks(execute=True):
        participation = services.participation_invite(
            actor=people["manager"], mission=mission, partner=people["medisol"],
            data={"role": "lead", "commitment": "Train 50 nurses in 2026"},
        )  # fmt: skip

    [mail] = mailoutbox
    link = f"http://alpha.localhost/portal/missions/{mission.pk}/"
    subject, body = INVITED[language]
    assert (mail.to, mail.subject, mail.body) == ([sam.email], subject, body.format(link=link))
    response = opens(alpha_client, alpha, sam, link)
    assert response.status_code == 200
    assert response.context["participation"] == participation and response.context["can_answer"] is True


SHARE_AWAITING = {
    "en": (
        "Medisol & Fils declared a joint contribution with you: please confirm your share",
        "Medisol & Fils declared a joint contribution to the mission “Equip 500 rural clinics” and names your "
        "organisation as a co-contributor.\n\n"
        "Kind: In kind\n"
        "Date: 2 Mar 2026\n"
        "Value: 1200.50\n"
        "Quantity: 12\n"
        "Your share: 25 %\n\n"
        "Beds & mattresses for 12 clinics\n\n"
        "The orchestrator can validate it only once every co-contributor has confirmed. "
        "Open this link to confirm or decline your share:\n{link}\n",
    ),
    "fr": (
        "Medisol & Fils a déclaré une contribution conjointe avec vous : merci de confirmer votre part",
        "Medisol & Fils a déclaré une contribution conjointe à la mission « Equip 500 rural clinics » et cite votre "
        "organisation comme co-contributeur.\n\n"
        "Type : En nature\n"
        "Date : 02/03/2026\n"
        "Valeur : 1200,50\n"
        "Quantité : 12\n"
        "Votre part : 25 %\n\n"
        "Beds & mattresses for 12 clinics\n\n"
        "L'orchestrateur ne peut la valider qu'une fois que chaque co-contributeur a confirmé. "
        "Ouvrez ce lien pour confirmer ou refuser votre part :\n{link}\n",
    ),
}


def _joint(people, **extra):
    return declare(
        people["sam"], people["mission"], kind="in_kind", value="1200.50", quantity="12", date="2026-03-02",
        objective=people["clinics"].pk, description="Beds & mattresses for 12 clinics",
        contributors=[{"partner": people["medisol"].pk, "weight": "0.75"}, {"partner": people["finamed"].pk, "weight": "0.25"}],
        **extra,
    )  # fmt: skip


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_share_awaiting_confirmation_mail(
    alpha, alpha_client, people, mailoutbox, django_capture_on_commit_callbacks, language
):
    fina = speaking(people["fina"], language)

    with django_capture_on_commit_callbacks(execute=True):
        contribution = _joint(people)

    [mail] = mailoutbox
    link = f"http://alpha.localhost/portal/missions/contributions/{contribution.pk}/"
    subject, body = SHARE_AWAITING[language]
    assert (mail.to, mail.subject, mail.body) == ([fina.email], subject, body.format(link=link))
    response = opens(alpha_client, alpha, fina, link)
    assert response.status_code == 200 and response.context["can_answer"] is True


SHARE_DECLINED = {
    "en": (
        "A co-contributor declined its share of your contribution",
        "Finamed declined its share of your contribution of 2 Mar 2026 to the mission “Equip 500 rural clinics”.\n\n"
        "Their reason: We financed 10 beds, not 12 & the mattresses.\n\n"
        "Change the contributors or their weights, or withdraw the contribution:\n{link}\n",
    ),
    "fr": (
        "Un co-contributeur a refusé sa part de votre contribution",
        "Finamed a refusé sa part de votre contribution du 02/03/2026 à la mission « Equip 500 rural clinics ».\n\n"
        "Son motif : We financed 10 beds, not 12 & the mattresses.\n\n"
        "Modifiez les contributeurs ou leurs poids, ou retirez la contribution :\n{link}\n",
    ),
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_share_declined_mail(
    alpha, alpha_client, people, mailoutbox, django_capture_on_commit_callbacks, language
):
    sam = speaking(people["sam"], language)
    contribution = _joint(people)

    with django_capture_on_commit_callbacks(execute=True):
        services.share_decline(
            actor=people["fina"], contribution=contribution, reason="We financed 10 beds, not 12 & the mattresses."
        )

    [mail] = mailoutbox
    link = f"http://alpha.localhost/portal/missions/contributions/{contribution.pk}/"
    subject, body = SHARE_DECLINED[language]
    assert (mail.to, mail.subject, mail.body) == ([sam.email], subject, body.format(link=link))
    response = opens(alpha_client, alpha, sam, link)
    assert response.status_code == 200 and response.context["can_edit"] is True
    assert [s.state for s in response.context["shares"]] == ["confirmed", "declined"]


REVIEWED = {
    ("validated", "en"): (
        "Your contributions were reviewed",
        "The orchestrator reviewed these contributions of your organisation:\n\n"
        "- Equip 500 rural clinics, 1 Mar 2026, Sourced revenue, 100.00: validated\n\n"
        "{link}\n",
    ),
    ("validated", "fr"): (
        "Vos contributions ont été examinées",
        "L'orchestrateur a examiné ces contributions de votre organisation :\n\n"
        "- Equip 500 rural clinics, 01/03/2026, Chiffre d'affaires apporté, 100,00 : validée\n\n"
        "{link}\n",
    ),
    ("rejected", "en"): (
        "Your contributions were reviewed",
        "The orchestrator reviewed these contributions of your organisation:\n\n"
        "- Equip 500 rural clinics, 4 Mar 2026, Referral, 35.00: rejected (No signed order: attach it & resubmit.)\n\n"
        "{link}\n",
    ),
    ("rejected", "fr"): (
        "Vos contributions ont été examinées",
        "L'orchestrateur a examiné ces contributions de votre organisation :\n\n"
        "- Equip 500 rural clinics, 04/03/2026, Recommandation, 35,00 : rejetée (No signed order: attach it & resubmit.)\n\n"
        "{link}\n",
    ),
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_validated_mail(alpha, alpha_client, people, mailoutbox, django_capture_on_commit_callbacks, language):
    sam, manager, mission = speaking(people["sam"], language), people["manager"], people["mission"]
    contribution = declare(sam, mission, date="2026-03-01")

    with django_capture_on_commit_callbacks(execute=True):
        services.contribution_validate(actor=manager, contribution=contribution)

    [mail] = mailoutbox
    link = f"http://alpha.localhost/portal/missions/{mission.pk}/"
    subject, body = REVIEWED["validated", language]
    assert (mail.to, mail.subject, mail.body) == ([sam.email], subject, body.format(link=link))
    response = opens(alpha_client, alpha, sam, link)
    assert response.status_code == 200
    assert [c.status for c in response.context["ours"].object_list] == ["validated"]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_rejected_mail_gives_the_reason(
    alpha, alpha_client, people, mailoutbox, django_capture_on_commit_callbacks, language
):
    sam, manager, mission = speaking(people["sam"], language), people["manager"], people["mission"]
    contribution = declare(sam, mission, kind="referral", value="35", date="2026-03-04")

    with django_capture_on_commit_callbacks(execute=True):
        services.contribution_reject(
            actor=manager, contribution=contribution, reason="No signed order: attach it & resubmit."
        )

    [mail] = mailoutbox
    link = f"http://alpha.localhost/portal/missions/{mission.pk}/"
    subject, body = REVIEWED["rejected", language]
    assert (mail.to, mail.subject, mail.body) == ([sam.email], subject, body.format(link=link))
    response = opens(alpha_client, alpha, sam, link)
    assert response.status_code == 200
    assert "No signed order: attach it &amp; resubmit." in response.content.decode()


def test_a_batch_review_sends_one_mail_per_recipient_listing_them_all(
    alpha, people, mailoutbox, django_capture_on_commit_callbacks
):
    sam, manager, mission = people["sam"], people["manager"], people["mission"]
    first = declare(sam, mission, date="2026-03-01")
    second = declare(sam, mission, date="2026-03-04", value="35", kind="referral")
    theirs = declare(people["fina"], mission, date="2026-03-05")

    with django_capture_on_commit_callbacks(execute=True):
        services.contributions_review_many(
            actor=manager, contributions=Contribution.objects.filter(pk__in=[first.pk, second.pk, theirs.pk])
        )

    assert sorted(m.to[0] for m in mailoutbox) == ["fina@finamed.test", "sam@medisol.test"]
    [to_sam] = [m for m in mailoutbox if m.to == ["sam@medisol.test"]]
    assert (
        "1 Mar 2026, Sourced revenue, 100.00: validated\n- Equip 500 rural clinics, 4 Mar 2026, Referral"
        in to_sam.body
    )


def test_a_rolled_back_transaction_sends_nothing(alpha, people, mailoutbox, django_capture_on_commit_callbacks):
    mission = open_mission(people["manager"], title="Train 200 nurses")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.participation_invite(actor=people["manager"], mission=mission, partner=people["medisol"])
        _joint(people)
        raise RuntimeError("the request failed after the writes")

    assert callbacks == []
    assert mailoutbox == []
    assert not Participation.objects.filter(mission=mission).exists()
    assert not Contribution.objects.exists()


# --- through the real worker ------------------------------------------------------------


def _wait_for(folder, text, timeout=20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in folder.iterdir():
            content = path.read_text()
            if text in content:
                return content
        time.sleep(0.1)
    raise AssertionError(f"no mail with {text!r} within {timeout}s")


def _forget(tenant, *, users, partner):
    with schema_context(tenant.schema_name):
        Participation.objects.filter(partner=partner).delete()
        Mission.objects.filter(owner_id__in=users).delete()
        User.objects.filter(pk__in=users).delete()
        partner.delete()
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE core_auditevent")  # the trail refuses DELETE


@pytest.mark.worker
def test_the_invitation_mail_goes_through_the_worker_once_committed(tenants, committed, worker):
    alpha = tenants["alpha"]
    connection.set_tenant(alpha)
    partner = Partner.objects.create(name="Worker Medisol", role="supplier", status="active")
    user = make_user(alpha, "partner_admin", email="sam@worker-medisol.test", partner=partner, language="fr")
    manager = make_user(alpha, "manager")
    committed(lambda: _forget(alpha, users=[user.pk, manager.pk], partner=partner))
    connection.set_tenant(alpha)
    mission = open_mission(manager, title="Worker mission")
    rolled_back = open_mission(manager, title="Never told")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.participation_invite(actor=manager, mission=rolled_back, partner=partner)
        raise RuntimeError("the request failed")

    services.participation_invite(actor=manager, mission=mission, partner=partner)

    content = _wait_for(worker["mail_dir"], "To: sam@worker-medisol.test")
    assert f"http://alpha.localhost/portal/missions/{mission.pk}/" in content
    assert "Worker Medisol" in content and "Worker mission" in content
    assert "Ouvrez ce lien pour voir la mission et accepter ou" in content  # in French, the recipient's language
    time.sleep(0.5)  # a mail for the rolled-back invitation would have landed by now
    mails = " ".join(p.read_text() for p in worker["mail_dir"].iterdir())
    assert "Never told" not in mails
