"""partners.validation.clean_partner_fields: every field's rule, on its boundary, with its exact message."""

import pytest

from partners.models import Tier
from partners.validation import MAX_LENGTHS, STAFF_EDITABLE, clean_partner_fields, tiers_index

GOLD = Tier(pk=7, name="Gold", rank=1)


def clean(raw, *, required=False, by="id"):
    return clean_partner_fields(
        raw, fields=STAFF_EDITABLE, tiers_by_key=tiers_index([GOLD], by_name=by == "name"), required=required
    )


def test_name_and_role_are_required_on_creation_only():
    assert clean({}, required=True) == ({}, {"name": ["This field is required."], "role": ["This field is required."]})
    assert clean({}, required=False) == ({}, {})
    assert clean({"name": "  ", "role": "supplier"})[1] == {"name": ["This field is required."]}


@pytest.mark.parametrize("field", sorted(MAX_LENGTHS))
def test_each_text_field_takes_its_maximum_length_and_not_one_more(field):
    limit = MAX_LENGTHS[field]
    long_host = ("a" * 60 + ".") * 3 + "aaaaa.com"  # 192 characters: DNS labels of at most 63
    fitting = {"website": "https://" + long_host, "contact_email": "a" * 64 + "@" + ("b" * 60 + ".") * 3 + "dd.com"}
    at_limit = fitting.get(field, "a" * limit)
    over = at_limit + "a"

    assert field not in clean({field: at_limit})[1]
    assert clean({field: over})[1] == {field: [f"At most {limit} characters (it has {limit + 1})."]}


def test_every_invalid_field_is_reported_not_only_the_first():
    cleaned, errors = clean(
        {"name": "N\x00", "notes": "x" * 5001, "role": "robot", "tier": "9", "country": "France",
         "website": "not a url", "contact_email": "nobody", "tags": ["t"] * 0 + [f"t{i}" for i in range(21)]},
    )  # fmt: skip

    assert errors == {
        "name": ["This value contains a character that is not allowed."],
        "notes": ["At most 5000 characters (it has 5001)."],
        "role": [
            "“robot” is not a role. Use one of: partner, supplier, complementary, institution, association, "
            "client_community, content_creator."
        ],
        "tier": ["There is no tier “9”."],
        "country": ["Use the two-letter ISO code of the country, e.g. FR."],
        "website": ["Enter a valid web address."],
        "contact_email": ["Enter a valid email address."],
        "tags": ["At most 20 tags."],
    }
    assert "name" not in cleaned and "notes" not in cleaned


def test_a_nul_character_in_a_tag_is_refused():
    assert clean({"tags": ["ok", "b\x00d"]})[1] == {"tags": ["This value contains a character that is not allowed."]}


def test_values_are_normalised():
    cleaned, errors = clean(
        {"name": " Medisol ", "role": "supplier", "tier": "7", "country": "fr", "website": "medisol.example",
         "contact_email": "Contact@Medisol.Example", "tags": "Imaging, imaging | Monitoring", "external_id": " ",
         "description": " text "},
    )  # fmt: skip

    assert errors == {}
    assert cleaned == {
        "name": "Medisol", "role": "supplier", "tier": GOLD, "country": "FR", "website": "https://medisol.example",
        "contact_email": "contact@medisol.example", "tags": ["imaging", "monitoring"], "external_id": None,
        "description": "text",
    }  # fmt: skip


def test_tiers_are_found_by_id_or_by_name_and_a_blank_tier_clears_it():
    assert clean({"tier": ""})[0] == {"tier": None}
    assert clean({"tier": "GOLD"}, by="name")[0] == {"tier": GOLD}
    assert clean({"tier": "Gold"})[1] == {"tier": ["There is no tier “Gold”."]}
    assert tiers_index([GOLD]) == {"7": GOLD}
    assert tiers_index([GOLD], by_name=True) == {"gold": GOLD}


def test_tags_have_a_length_limit_and_a_count_limit():
    assert clean({"tags": ["a" * 40] * 1 + [f"t{i}" for i in range(19)]})[1] == {}
    assert clean({"tags": ["a" * 41]})[1] == {"tags": ["A tag has at most 40 characters."]}


def test_a_website_completed_with_its_scheme_may_not_outgrow_the_limit():
    host = "a" * 193 + ".com"  # 197 characters, 205 with https://
    assert clean({"website": host})[1] == {"website": ["At most 200 characters."]}
