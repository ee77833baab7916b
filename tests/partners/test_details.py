"""Details of the partner rules the broader tests pass over: exact messages,
ties in ordering, what a service leaves on the caller's object, query shapes."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ecosystem.accounts import services as accounts_services
from ecosystem.accounts.models import Invitation, User
from ecosystem.core.audit import audit_events_for, audit_events_visible_to, audit_record
from ecosystem.core.errors import FieldErrors
from partners import services
from partners.models import Agreement, Partner, Tier
from partners.selectors import partner_detail, partner_invitations, partner_users, partners_visible_to_partner
from tests.conftest import PASSWORD, make_user
from tests.partners.conftest import PartnerFactory


def test_every_unknown_competitor_id_is_named(cast):
    with pytest.raises(FieldErrors) as refused:
        services.partner_create(
            actor=cast["manager"], data={"name": "Orthomed", "role": "supplier", "competitors": [999_998, 999_999]}
        )

    assert refused.value.errors == {"competitors": ["No partner with id 999998, 999999."]}


def test_an_empty_competitor_list_clears_the_competitors(cast):
    medisol = services.partner_update(actor=cast["manager"], partner=cast["medisol"], data={"competitors": ""})

    assert list(medisol.competitors.all()) == []


def test_a_partner_keeps_its_own_external_id_on_update(cast):
    updated = services.partner_update(
        actor=cast["manager"], partner=cast["medisol"], data={"external_id": "MED", "country": "BE"}
    )

    assert (updated.external_id, Partner.objects.get(pk=updated.pk).country) == ("MED", "BE")


def test_a_new_agreement_comes_back_with_its_partners_new_horizon(cast):
    medisol, ends = cast["medisol"], timezone.localdate() + dt.timedelta(days=40)

    agreement = services.agreement_create(
        actor=cast["manager"], partner=medisol,
        data={"kind": "nda", "reference": "H", "signed_on": timezone.localdate(), "expires_on": ends},
    )  # fmt: skip

    assert agreement.partner.agreement_horizon == ends


def test_the_first_user_to_join_is_recorded_as_starting_the_onboarding(cast):
    newcomer = PartnerFactory(name="Newcomer", status=Partner.Status.INVITED)
    issued = accounts_services.invitation_create(
        actor=cast["manager"], email="first@newcomer.test", role="partner_admin", partner=newcomer
    )

    user = services.invitation_accept(token=issued.token, password=PASSWORD)

    event = audit_events_for(newcomer).get(action="partner.onboarding")
    assert event.actor_id == user.pk
    assert Partner.objects.get(pk=newcomer.pk).status == "onboarding"


def test_partners_of_the_same_name_are_listed_in_creation_order(cast):
    first = PartnerFactory(name="Twin")
    second = PartnerFactory(name="twin")
    Partner.objects.filter(pk=first.pk).update(country="BE")  # its row now lies after the second's

    names = [p.pk for p in partners_visible_to_partner(cast["medisol"].pk) if p.name.lower() == "twin"]

    assert names == [first.pk, second.pk]


def test_a_partners_invitations_are_its_own_only(cast):
    mine = accounts_services.invitation_create(
        actor=cast["manager"], email="new@medisol.test", role="partner_member", partner=cast["medisol"]
    )
    accounts_services.invitation_create(
        actor=cast["manager"], email="new@carevia.test", role="partner_member", partner=cast["carevia"]
    )
    accounts_services.invitation_create(actor=cast["admin"], email="staff@alpha.test", role="manager")

    assert list(partner_invitations(cast["medisol"], viewer=cast["manager"])) == [mine.invitation]
    assert list(partner_invitations(cast["medisol"], viewer=cast["sam"])) == [mine.invitation]
    assert Invitation.objects.count() == 3


def test_a_partners_page_reads_its_relations_in_a_fixed_number_of_queries(cast, django_assert_num_queries):
    medisol = cast["medisol"]
    medisol.tier = Tier.objects.create(name="Gold", rank=1)
    medisol.save()
    medisol.competitors.add(cast["finamed"])
    for reference in ("A", "B", "C"):
        Agreement.objects.create(partner=medisol, kind="nda", reference=reference, signed_on=timezone.localdate())

    with django_assert_num_queries(3):  # the partner with its tier, its competitors, its agreements
        partner = partner_detail(medisol.pk, viewer=cast["manager"])
        for _ in range(2):  # a page reads them more than once
            assert partner.tier.name == "Gold"
            assert sorted(c.name for c in partner.competitors.all()) == ["Carevia", "Finamed"]
            assert [a.reference for a in partner.agreements.all()] == ["C", "B", "A"]


def test_audit_lists_read_their_actors_in_the_same_query(cast, django_assert_num_queries):
    medisol = cast["medisol"]
    for actor in (cast["admin"], cast["manager"], cast["reviewer"]):
        audit_record(actor=actor, action="partner.updated", target=medisol)

    with django_assert_num_queries(2):
        history = [e.actor.email for e in audit_events_for(medisol)]
        trail = [e.actor.email for e in audit_events_visible_to(cast["reviewer"])[:3]]

    assert len(history) == 3
    assert trail == [cast["reviewer"].email, cast["manager"].email, cast["admin"].email]


def test_a_partners_users_are_listed_active_first_then_by_email(alpha, cast):
    make_user(alpha, "partner_member", email="abe@medisol.test", partner=cast["medisol"])
    make_user(alpha, "partner_member", email="aaron@medisol.test", partner=cast["medisol"], is_active=False)
    User.objects.filter(pk=cast["mia"].pk).update(is_active=False)

    listed = [u.email for u in partner_users(cast["medisol"])]

    assert listed == ["abe@medisol.test", "sam@medisol.test", "aaron@medisol.test", "mia@medisol.test"]


def test_a_partner_user_reads_its_own_page_in_a_fixed_number_of_queries(cast, django_assert_num_queries):
    cast["medisol"].competitors.add(cast["finamed"])

    with django_assert_num_queries(3):
        partner = partner_detail(cast["medisol"].pk, viewer=cast["sam"])
        for _ in range(2):
            assert sorted(c.name for c in partner.competitors.all()) == ["Carevia", "Finamed"]
            assert list(partner.agreements.all()) == []


def test_an_agreement_document_is_stored_byte_for_byte(cast):
    content = b"%PDF-1.7\n" + bytes(range(256)) * 4
    agreement = services.agreement_create(
        actor=cast["manager"], partner=cast["medisol"],
        data={"kind": "nda", "reference": "DOC", "signed_on": timezone.localdate()},
        document=SimpleUploadedFile("contract.pdf", content, content_type="application/pdf"),
    )  # fmt: skip

    with Agreement.objects.get(pk=agreement.pk).document.open("rb") as stored:
        assert stored.read() == content


def test_another_participants_page_shows_a_partner_user_none_of_its_agreements(cast):
    Agreement.objects.create(partner=cast["finamed"], kind="nda", reference="SECRET", signed_on=timezone.localdate())

    seen = partner_detail(cast["finamed"].pk, viewer=cast["sam"])

    assert list(seen.agreements.all()) == []
    assert [a.reference for a in partner_detail(cast["finamed"].pk, viewer=cast["manager"]).agreements.all()] == [
        "SECRET"
    ]


def test_the_agreement_state_is_read_on_the_given_day():
    from partners.selectors import horizon_state

    assert horizon_state(dt.date(2020, 1, 10), window=30, today=dt.date(2020, 1, 1)) == "expiring"
    assert horizon_state(dt.date(2020, 1, 10), window=30, today=dt.date(2020, 1, 11)) == "expired"


@pytest.mark.parametrize(
    "first",
    [{"name": "Bad\x00name"}, {"name": "N" * 201}, {}],
    ids=["not-allowed-character", "too-long", "missing-required"],
)
def test_every_field_is_checked_after_a_refused_one(first):
    from partners.validation import STAFF_EDITABLE, clean_partner_fields

    _cleaned, errors = clean_partner_fields(
        {"role": "wizard", "country": "France", **first}, fields=STAFF_EDITABLE, tiers_by_key={}, required=True
    )

    assert set(errors) == {"name", "role", "country"}


def test_an_exited_partners_profile_is_read_only_for_the_services_the_api_and_the_import(alpha_client, cast):
    from ecosystem.core.errors import Conflict
    from tests.partners.conftest import api

    gone = cast["finamed"]
    Partner.objects.filter(pk=gone.pk).update(status=Partner.Status.EXITED)

    with pytest.raises(Conflict) as refused:
        services.partner_update(actor=cast["manager"], partner=gone, data={"country": "BE"})
    patched = api(alpha_client, cast["manager"]).patch(
        f"/api/partners/{gone.pk}/", {"country": "BE"}, content_type="application/json"
    )
    csv = "external_id,name,role,country\nFIN,Finamed,partner,BE\nNEW-1,Newcomer,supplier,FR\n"
    imported = api(alpha_client, cast["manager"]).post(
        "/api/partners/import/", {"file": SimpleUploadedFile("p.csv", csv.encode())}
    )
    unchanged = api(alpha_client, cast["manager"]).post(
        "/api/partners/import/",
        {
            "file": SimpleUploadedFile(
                "p.csv", f"external_id,name,role,country\nFIN,Finamed,partner,{gone.country}\n".encode()
            )
        },
    )

    message = "Finamed has left the ecosystem: its profile can no longer change."
    assert (refused.value.code, str(refused.value)) == ("partner_exited", message)
    assert patched.status_code == 409 and patched.json()["detail"] == message
    assert imported.json()["errors"] == [{"line": 2, "column": "external_id", "message": message}]
    assert unchanged.json() == {"created": 0, "updated": 0}  # the same values: nothing to refuse
    assert Partner.objects.get(pk=gone.pk).country == gone.country
    assert not Partner.objects.filter(external_id="NEW-1").exists()
