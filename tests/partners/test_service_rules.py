"""Every refusal of the partner services, with its exact message, and nothing written."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from ecosystem.core.errors import FieldErrors, NotAllowed
from ecosystem.core.models import AuditEvent
from partners import services
from partners.models import Agreement, EcosystemProfile, Partner, Tier, ValueProposition

NEW = {"name": "Orthomed", "role": "supplier"}


@pytest.mark.parametrize(
    ("competitors", "errors"),
    [
        (["x"], ["Give partner ids."]),
        ([987654], ["No partner with id 987654."]),
    ],
)
def test_competitors_must_be_existing_partner_ids(cast, competitors, errors):
    with pytest.raises(FieldErrors) as refused:
        services.partner_create(actor=cast["manager"], data={**NEW, "competitors": competitors})

    assert refused.value.errors == {"competitors": errors}
    assert not Partner.objects.filter(name="Orthomed").exists()


def test_a_partner_cannot_compete_with_itself_nor_take_another_ones_external_id(cast):
    medisol = cast["medisol"]

    with pytest.raises(FieldErrors) as refused:
        services.partner_update(
            actor=cast["manager"], partner=medisol, data={"competitors": [medisol.pk], "external_id": "CAR"}
        )

    assert refused.value.errors == {
        "competitors": ["A partner cannot compete with itself."],
        "external_id": ["Another partner has this external id."],
    }
    assert Partner.objects.get(pk=medisol.pk).external_id == "MED"
    assert list(medisol.competitors.all()) == [cast["carevia"]]


def test_an_update_that_changes_nothing_writes_no_audit_event(cast):
    before = AuditEvent.objects.count()

    services.partner_update(actor=cast["manager"], partner=cast["finamed"], data={"name": "Finamed"})

    assert AuditEvent.objects.count() == before


def test_a_partner_admin_changes_only_its_own_allowed_fields(cast):
    with pytest.raises(FieldErrors) as refused:
        services.partner_update(actor=cast["sam"], partner=cast["medisol"], data={"notes": "x", "name": "Y"})
    with pytest.raises(FieldErrors) as competitors:
        services.partner_update(actor=cast["sam"], partner=cast["medisol"], data={"competitors": []})
    with pytest.raises(NotAllowed):
        services.partner_update(actor=cast["sam"], partner=cast["carevia"], data={"website": "https://x.example"})

    assert refused.value.errors == {
        "name": ["You cannot change this field."],
        "notes": ["You cannot change this field."],
    }
    assert competitors.value.errors == {"competitors": ["You cannot change this field."]}
    medisol, carevia = Partner.objects.get(pk=cast["medisol"].pk), Partner.objects.get(pk=cast["carevia"].pk)
    assert (medisol.name, medisol.notes, carevia.website) == (
        "Medisol",
        "private orchestrator note",
        cast["carevia"].website,
    )


def test_an_unknown_lifecycle_action_is_refused(cast):
    with pytest.raises(FieldErrors) as refused:
        services.partner_lifecycle_change(actor=cast["manager"], partner=cast["medisol"], action="delete", reason="")

    assert refused.value.errors == {"action": ["Unknown action."]}
    assert Partner.objects.get(pk=cast["medisol"].pk).status == "active"


def test_onboarding_starts_only_from_invited(cast):
    services.partner_start_onboarding(actor=cast["manager"], partner=cast["medisol"])  # active: unchanged

    assert Partner.objects.get(pk=cast["medisol"].pk).status == "active"
    assert not AuditEvent.objects.filter(action="partner.onboarding").exists()


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"kind": "lease", "reference": "R", "signed_on": "2026-01-01"}, {"kind": ["Choose a kind of agreement."]}),
        ({"kind": "nda", "reference": " ", "signed_on": "2026-01-01"}, {"reference": ["This field is required."]}),
        (
            {"kind": "nda", "reference": "R" * 101, "signed_on": "2026-01-01"},
            {"reference": ["At most 100 characters."]},
        ),
        ({"kind": "nda", "reference": "R", "signed_on": "2026-02-30"}, {"signed_on": ["Enter a date as YYYY-MM-DD."]}),
        ({"kind": "nda", "reference": "R", "signed_on": "soon"}, {"signed_on": ["Enter a date as YYYY-MM-DD."]}),
        ({"kind": "nda", "reference": "R"}, {"signed_on": ["This field is required."]}),
        (
            {"kind": "nda", "reference": "R", "signed_on": "2026-05-01", "expires_on": "2026-04-01"},
            {"expires_on": ["An agreement cannot expire before it is signed."]},
        ),
    ],
)
def test_agreement_input_is_checked_field_by_field(cast, data, errors):
    with pytest.raises(FieldErrors) as refused:
        services.agreement_create(actor=cast["manager"], partner=cast["medisol"], data=data)

    assert refused.value.errors == errors
    assert not Agreement.objects.exists()
    assert Partner.objects.get(pk=cast["medisol"].pk).agreement_horizon is None


def test_an_oversized_agreement_document_is_refused(cast, settings):
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = 1_048_576
    big = SimpleUploadedFile("a.pdf", b"%PDF" + b"0" * 1_300_000)

    with pytest.raises(FieldErrors) as refused:
        services.agreement_create(
            actor=cast["manager"], partner=cast["medisol"],
            data={"kind": "nda", "reference": "R", "signed_on": dt.date(2026, 1, 1)}, document=big,
        )  # fmt: skip

    assert refused.value.errors == {"document": ["The file is 1.2\xa0MB; the limit is 1.0\xa0MB."]}
    assert not Agreement.objects.exists()
    with translation.override("fr"), pytest.raises(FieldErrors) as refused_fr:
        services.agreement_create(
            actor=cast["manager"], partner=cast["medisol"],
            data={"kind": "nda", "reference": "R", "signed_on": dt.date(2026, 1, 1)}, document=big,
        )  # fmt: skip
    assert refused_fr.value.errors == {"document": ["Le fichier fait 1,2\xa0Mio ; la limite est de 1,0\xa0Mio."]}


@pytest.mark.parametrize("name", ["", "x" * 61])
def test_a_tier_needs_a_short_name(cast, name):
    with pytest.raises(FieldErrors) as refused:
        services.tier_create(actor=cast["manager"], name=name)

    assert refused.value.errors == {"name": ["Give the tier a name of at most 60 characters."]}
    assert not Tier.objects.exists()


def test_a_tier_description_over_200_characters_is_refused_not_cut(cast):
    with pytest.raises(FieldErrors) as refused:
        services.tier_create(actor=cast["manager"], name="Gold", description="d" * 201)
    services.tier_create(actor=cast["manager"], name="Silver", description="d" * 200)

    assert refused.value.errors == {"description": ["At most 200 characters."]}
    assert list(Tier.objects.values_list("name", "description")) == [("Silver", "d" * 200)]


def test_at_most_200_competitors(cast):
    rivals = Partner.objects.bulk_create([Partner(name=f"Rival {i:03d}", role="supplier") for i in range(201)])
    ids = [p.pk for p in rivals]

    with pytest.raises(FieldErrors) as refused:
        services.partner_update(actor=cast["manager"], partner=cast["finamed"], data={"competitors": ids})
    services.partner_update(actor=cast["manager"], partner=cast["finamed"], data={"competitors": ids[:200]})

    assert refused.value.errors == {"competitors": ["At most 200 competitors."]}
    assert cast["finamed"].competitors.count() == 200


def test_a_reason_has_at_most_1000_characters(cast):
    with pytest.raises(FieldErrors) as refused:
        services.partner_suspend(actor=cast["manager"], partner=cast["finamed"], reason="r" * 1001)
    kept = services.partner_suspend(actor=cast["manager"], partner=cast["carevia"], reason=" " + "r" * 1000 + " ")

    assert refused.value.errors == {"reason": ["At most 1000 characters."]}
    assert Partner.objects.get(pk=cast["finamed"].pk).status == "active"
    assert (kept.status, kept.status_reason) == ("suspended", "r" * 1000)


def test_the_profile_refuses_long_texts_and_unknown_roles_and_keeps_what_was_there(cast):
    services.ecosystem_profile_update(actor=cast["admin"], mission="Equip", propositions={"supplier": ("a", "b")})

    with pytest.raises(FieldErrors) as refused:
        services.ecosystem_profile_update(
            actor=cast["admin"], mission="m" * 2001, propositions={"supplier": ("x" * 1001, ""), "robot": ("", "")}
        )

    assert refused.value.errors == {
        "mission": ["At most 2000 characters."],
        "propositions": ["At most 1000 characters per text.", "Unknown role: robot."],
    }
    assert EcosystemProfile.objects.get().mission == "Equip"
    assert ValueProposition.objects.get(role="supplier").offers == "a"


def test_an_unchanged_profile_writes_no_audit_event(cast):
    services.ecosystem_profile_update(actor=cast["admin"], mission="Equip", propositions={"supplier": ("a", "b")})
    before = AuditEvent.objects.count()

    services.ecosystem_profile_update(actor=cast["admin"], mission="Equip", propositions={"supplier": ("a", "b")})

    assert AuditEvent.objects.count() == before


PDF_BYTES = b"%PDF-1.4\n%minimal\n"


@pytest.mark.parametrize(
    ("name", "content", "errors"),
    [
        ("contract", PDF_BYTES, ["Attach a PDF, PNG, JPEG or DOCX file."]),
        ("contract.exe", b"MZ", ["Attach a PDF, PNG, JPEG or DOCX file."]),
        ("contract.pdf", b"MZ not a pdf", ["The file's content does not match its .pdf name."]),
        ("scan.PNG", b"%PDF", ["The file's content does not match its .png name."]),
    ],
)
def test_agreement_documents_are_checked_by_extension_and_content(cast, name, content, errors):
    with pytest.raises(FieldErrors) as refused:
        services.agreement_create(
            actor=cast["manager"], partner=cast["medisol"],
            data={"kind": "nda", "reference": "R", "signed_on": "2026-01-01"},
            document=SimpleUploadedFile(name, content),
        )  # fmt: skip

    assert refused.value.errors == {"document": errors}
    assert not Agreement.objects.exists()


def test_a_document_exactly_at_the_size_limit_with_dots_in_its_name_is_kept_whole(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = 2048
    content = PDF_BYTES + b"0" * (2048 - len(PDF_BYTES))

    agreement = services.agreement_create(
        actor=cast["manager"], partner=cast["medisol"],
        data={"kind": "nda", "reference": "R", "signed_on": "2026-01-01"},
        document=SimpleUploadedFile("contract.v2.final.pdf", content),
    )  # fmt: skip

    with agreement.document.open("rb") as stored:
        assert stored.read() == content
    assert agreement.document.name.endswith(".pdf")


@pytest.mark.parametrize(
    ("action", "reason", "status"),
    [("suspend", "Late deliveries", "suspended"), ("exit", "Left the market", "exited")],
)
def test_a_lifecycle_action_by_name_keeps_its_reason_and_address(cast, action, reason, status):
    partner = services.partner_lifecycle_change(
        actor=cast["manager"], partner=cast["finamed"], action=action, reason=reason, ip="192.0.2.44"
    )

    event = AuditEvent.objects.get(action=f"partner.{status}")
    assert (partner.status, partner.status_reason) == (status, reason)
    assert (event.ip, event.actor, event.after) == (
        "192.0.2.44",
        cast["manager"],
        {"status": status, "reason": reason},
    )


def test_activation_by_name_needs_no_reason(cast):
    suspended = services.partner_suspend(actor=cast["manager"], partner=cast["finamed"], reason="Audit")

    partner = services.partner_lifecycle_change(
        actor=cast["manager"], partner=suspended, action="activate", reason="", ip="192.0.2.45"
    )

    event = AuditEvent.objects.get(action="partner.active")
    assert (partner.status, partner.status_reason, event.ip) == ("active", "", "192.0.2.45")
