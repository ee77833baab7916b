"""`manage.py seed_demo`: the demo ecosystem every newcomer sees, created once, completed after."""

from django.core.management import call_command
from django_tenants.utils import schema_context

from ecosystem.accounts.models import User
from ecosystem.tenancy.models import Orchestrator
from partners.models import Agreement, Partner, Tier


def test_seed_demo_creates_the_demo_ecosystem_once(tenants, db, capsys):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: a second run keeps what exists

    out = capsys.readouterr().out
    demo = Orchestrator.objects.get(slug="demo")
    assert User.objects.filter(email="operator@symbiose.test", is_staff=True).count() == 1
    with schema_context(demo.schema_name):
        assert Partner.objects.count() == 7
        assert dict(Partner.objects.values_list("external_id", "status")) == {
            "MED-001": "active", "CAR-002": "active", "FIN-003": "active", "REF-004": "active",
            "AHR-005": "active", "IFB-006": "onboarding", "ARS-007": "invited",
        }  # fmt: skip
        assert list(Tier.objects.values_list("name", flat=True)) == ["Strategic", "Core", "Associate"]
        assert Agreement.objects.count() == 5
        assert Agreement.objects.get(reference="AGR-CAR-002").state == "expiring"
        medisol = Partner.objects.get(external_id="MED-001")
        assert list(medisol.competitors.values_list("external_id", flat=True)) == ["CAR-002"]
        assert User.objects.filter(email__endswith="@demo.test").count() == 3
        assert User.objects.get(email="sam@medisol.test").partner == medisol
    assert out.count("alice.admin@demo.test") == 2
