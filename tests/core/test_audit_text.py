"""The audit trail as sentences: each app's actions, the generic fallback, names
for ids in one query per kind, dates in the reader's format, French."""

from django.utils import timezone, translation
from django.utils.formats import date_format

from ecosystem.accounts import services as accounts_services
from ecosystem.core.audit import audit_events_for, audit_events_visible_to, audit_record
from ecosystem.core.audit_text import describe_events
from ecosystem.core.services import tenant_settings_update
from ecosystem.tenancy.services import orchestrator_reactivate, orchestrator_suspend
from partners import services as partner_services
from tests.conftest import french, make_user
from tests.partners.conftest import PartnerFactory


def _told(events) -> list[tuple[str, str, list[str]]]:
    return [(text.actor, text.sentence, text.details) for text in describe_events(events)]


def _latest(user, count: int = 1):
    return audit_events_visible_to(user)[:count]


def test_an_action_nobody_registered_reads_as_a_generic_sentence(alpha, alpha_admin):
    partner = PartnerFactory(name="Medisol")
    audit_record(
        actor=None, action="robot.calibrated", target=partner,
        before={"dose_limit": 1, "gone": "x", "same": 3}, after={"dose_limit": 2, "checked": True, "same": 3},
    )  # fmt: skip
    audit_record(actor=None, actor_label="cron", action="robot.slept", after={"hours": 8})

    told = _told(_latest(alpha_admin, 2))
    with translation.override("fr"):
        in_french = _told(_latest(alpha_admin, 2))

    assert told == [
        ("cron", "cron recorded “robot.slept”.", ["Hours: 8"]),
        (
            "The system",
            "The system recorded “robot.calibrated” on Medisol.",
            ["Checked: yes", "Dose limit: 1 → 2", "Gone: x → —"],
        ),
    ]
    assert in_french[1][1:] == (
        french("Le système a enregistré « robot.calibrated » sur Medisol."),
        [french("Checked : oui"), french("Dose limit : 1 → 2"), french("Gone : x → —")],
    )


def test_names_are_read_once_per_kind_whatever_the_number_of_events(alpha, alpha_admin, django_assert_num_queries):
    partners = PartnerFactory.create_batch(6)
    for partner in partners:
        audit_record(
            actor=alpha_admin, action="partner.updated", target=partner,
            before={"competitors": [p.pk for p in partners[:3]]}, after={"competitors": [p.pk for p in partners[3:]]},
        )  # fmt: skip
    events = list(audit_events_visible_to(alpha_admin).filter(action="partner.updated"))

    with django_assert_num_queries(1):  # the partners' names; no tier named, no tier query
        told = describe_events(events)

    names = ", ".join(p.name for p in partners[:3]), ", ".join(p.name for p in partners[3:])
    assert {tuple(text.details) for text in told} == {(f"Competitors: {names[0]} → {names[1]}",)}


def test_an_id_that_names_nothing_reads_as_its_number(alpha, alpha_admin):
    partner = PartnerFactory(name="Medisol")
    audit_record(
        actor=alpha_admin, action="partner.updated", target=partner, before={"tier": None}, after={"tier": 999}
    )

    assert _told(audit_events_for(partner)) == [
        ("admin@alpha.test", "admin@alpha.test edited Medisol.", ["Tier: — → #999"])
    ]


def test_team_and_sign_in_events_read_as_sentences(alpha, alpha_admin):
    user = make_user(alpha, "manager", email="nina@alpha.test", full_name="Nina Noor")
    accounts_services.user_change_role(actor=alpha_admin, user=user, role="reviewer")
    accounts_services.user_deactivate(actor=alpha_admin, user=user)
    accounts_services.user_reactivate(actor=alpha_admin, user=user)
    issued = accounts_services.invitation_create(actor=alpha_admin, email="rita@alpha.test", role="reviewer")
    accounts_services.invitation_revoke(actor=alpha_admin, invitation=issued.invitation)
    audit_record(actor=None, actor_label="x@y.test", action="auth.login_failed", after={"email": "x@y.test"})

    assert [sentence for _actor, sentence, _details in _told(_latest(alpha_admin, 6))] == [
        "Failed sign-in as x@y.test.",
        "admin@alpha.test revoked the invitation of rita@alpha.test.",
        "admin@alpha.test invited rita@alpha.test.",
        "admin@alpha.test reactivated Nina Noor.",
        "admin@alpha.test deactivated Nina Noor.",
        "admin@alpha.test changed the role of Nina Noor.",
    ]
    assert _told(_latest(alpha_admin, 6))[-1][2] == ["Role: Manager → Governance reviewer"]


def test_a_resent_invitation_shows_its_new_expiry_in_the_readers_format(alpha, alpha_admin):
    issued = accounts_services.invitation_create(actor=alpha_admin, email="rita@alpha.test", role="reviewer")
    before = timezone.localtime(issued.invitation.expires_at)
    resent = accounts_services.invitation_resend(actor=alpha_admin, invitation=issued.invitation)
    after = timezone.localtime(resent.invitation.expires_at)

    told = _told(_latest(alpha_admin))
    with translation.override("fr"):
        in_french = _told(_latest(alpha_admin))

    short = "SHORT_DATETIME_FORMAT"
    assert told[0][1:] == (
        "admin@alpha.test sent an invitation again.",
        [f"Link valid until: {date_format(before, short)} → {date_format(after, short)}"],
    )
    assert in_french[0][2] == [
        french(f"Lien valable jusqu'au : {before:%d/%m/%Y %H:%M} → {after:%d/%m/%Y %H:%M}")  # day first, 24 h
    ]


def test_settings_profile_tier_and_ecosystem_events_read_as_sentences(alpha, alpha_admin):
    tenant_settings_update(actor=alpha_admin, data={"invitation_ttl_days": 14, "currency": "CHF"})
    partner_services.tier_create(actor=alpha_admin, name="Gold")
    partner_services.ecosystem_profile_update(
        actor=alpha_admin, mission="Equip clinics", propositions={"supplier": ("Demand", "Prices")}
    )
    orchestrator_suspend(orchestrator=alpha, reason="Unpaid", operator_email="op@symbiose.test")
    orchestrator_reactivate(orchestrator=alpha, operator_email="op@symbiose.test")

    assert _told(_latest(alpha_admin, 5)) == [
        ("platform operator op@symbiose.test", "platform operator op@symbiose.test reactivated the ecosystem.", []),
        (
            "platform operator op@symbiose.test",
            "platform operator op@symbiose.test suspended the ecosystem.",
            ["Reason: Unpaid"],
        ),
        (
            "admin@alpha.test",
            "admin@alpha.test updated the ecosystem profile.",
            ["Mission of the ecosystem: — → Equip clinics", "Value propositions: Supplier"],
        ),
        ("admin@alpha.test", "admin@alpha.test added the tier Gold.", ["Rank: 1"]),
        (
            "admin@alpha.test",
            "admin@alpha.test changed the ecosystem's settings.",
            ["Invitation links work for (days): 7 → 14", "Currency: Euro (EUR) → Swiss franc (CHF)"],
        ),
    ]


def test_long_texts_are_shortened(alpha, alpha_admin):
    partner = PartnerFactory(name="Medisol")
    audit_record(actor=alpha_admin, action="partner.updated", target=partner, after={"description": "x" * 200})

    (detail,) = describe_events(audit_events_for(partner))[0].details

    assert detail == "Description: " + "x" * 79 + "…"


def test_a_word_the_event_lacks_reads_as_a_dash(alpha, alpha_admin):
    audit_record(actor=alpha_admin, action="invitation.created", after={"role": "reviewer"})

    assert _told(_latest(alpha_admin)) == [
        ("admin@alpha.test", "admin@alpha.test invited —.", ["Role: Governance reviewer"])
    ]
