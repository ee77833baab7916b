import factory
import pytest
from rest_framework.authtoken.models import Token

from partners.models import Partner
from tests.conftest import admin_of, make_user


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n:05d}")
    role = "supplier"
    status = Partner.Status.ACTIVE
    country = "FR"
    website = factory.LazyAttribute(lambda p: f"https://{p.name.lower().replace(' ', '-')}.example")
    external_id = factory.Sequence(lambda n: f"EXT-{n:05d}")
    contact_email = "contact@partner.example"
    notes = "private orchestrator note"


@pytest.fixture
def partner_factory(alpha):
    return PartnerFactory


def api(client, user):
    """The client, authenticated with the user's API token."""
    token, _ = Token.objects.get_or_create(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


@pytest.fixture
def cast(alpha):
    """Two competing suppliers with an admin user each, a financer, staff."""
    medisol = PartnerFactory(name="Medisol", external_id="MED")
    carevia = PartnerFactory(name="Carevia", external_id="CAR", country="DE")
    finamed = PartnerFactory(name="Finamed", role="partner", external_id="FIN")
    medisol.competitors.add(carevia)
    return {
        "medisol": medisol,
        "carevia": carevia,
        "finamed": finamed,
        "admin": admin_of(alpha),
        "manager": make_user(alpha, "manager"),
        "reviewer": make_user(alpha, "reviewer"),
        "sam": make_user(alpha, "partner_admin", email="sam@medisol.test", partner=medisol),
        "mia": make_user(alpha, "partner_member", email="mia@medisol.test", partner=medisol),
        "clara": make_user(alpha, "partner_admin", email="clara@carevia.test", partner=carevia),
    }
