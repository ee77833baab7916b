import datetime as dt

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from ecosystem.accounts.models import User
from ecosystem.core.roles import Role
from ecosystem.tenancy.models import Domain, Orchestrator
from ecosystem.tenancy.services import orchestrator_signup, public_tenant_ensure, tenant_domain
from partners import services as partner_services
from partners.models import Agreement, Partner, Tier

DEMO_SLUG = "demo"
DEMO_PASSWORD = "symbiose-demo-2026"
OPERATOR = "operator@symbiose.test"
# Named personas, used by the demo and the tests alike: (email, name, role, partner external id).
PERSONAS = [
    ("alice.admin@demo.test", "Alice Martin", Role.ADMIN, None),
    ("marc.manager@demo.test", "Marc Dubois", Role.MANAGER, None),
    ("rita.reviewer@demo.test", "Rita Moreau", Role.REVIEWER, None),
    ("sam@medisol.test", "Samir Haddad", Role.PARTNER_ADMIN, "MED-001"),
    ("clara@carevia.test", "Clara Weber", Role.PARTNER_ADMIN, "CAR-002"),
    ("paul@finamed.test", "Paul Lefèvre", Role.PARTNER_MEMBER, "FIN-003"),
]
MISSION = (
    "Equip 500 rural clinics with reliable medical equipment by 2027: new and refurbished devices, "
    "financing that fits small budgets, and staff trained to use and maintain them."
)
PROPOSITIONS = {
    "supplier": ("Qualified demand from rural clinics, shared logistics and co-marketing.",
                 "Fair prices, delivery within 30 days and spare parts for 7 years."),
    "partner": ("Deal flow from vetted clinics and shared risk data.",
                "Leasing offers adapted to small clinics' cash flow."),
    "complementary": ("A steady supply of returned devices and a label recognised by clinics.",
                      "Certified refurbishing with a 2-year warranty."),
    "association": ("A voice in the roadmap and pooled purchasing for members.",
                    "Field feedback from member hospitals and pilot sites."),
    "institution": ("Transparent figures on equipment coverage in the region.",
                    "Co-funding and help reaching remote clinics."),
    "content_creator": ("Learners, content hosting and certification.",
                        "Training courses on using and maintaining the devices."),
}  # fmt: skip
TIERS = [("Strategic", "Co-builds the ecosystem's missions"), ("Core", "Contributes every quarter"),
         ("Associate", "Takes part in some missions")]  # fmt: skip
# external id, name, role, tier, country, website, tags, status
CAST = [
    ("MED-001", "Medisol Devices", "supplier", "Strategic", "FR", "https://medisol.example", ["imaging", "monitoring"], "active"),
    ("CAR-002", "Carevia Equipment", "supplier", "Core", "DE", "https://carevia.example", ["monitoring", "ventilation"], "active"),
    ("FIN-003", "Finamed Leasing", "partner", "Core", "FR", "https://finamed.example", ["financing", "leasing"], "active"),
    ("REF-004", "Second Souffle Refurbishing", "complementary", "Core", "FR", "https://secondsouffle.example", ["refurbishing"], "active"),
    ("AHR-005", "Association des Hôpitaux Ruraux", "association", "Associate", "FR", "https://ahr.example", ["hospitals"], "active"),
    ("IFB-006", "Institut de Formation Biomédicale", "content_creator", "Associate", "FR", "https://ifb.example", ["training"], "onboarding"),
    ("ARS-007", "Agence Régionale de Santé Occitanie", "institution", None, "FR", "https://ars.example", ["public health"], "invited"),
]  # fmt: skip


class Command(BaseCommand):
    help = "Create (or complete) the demo ecosystem and the platform operator. Idempotent."

    @transaction.atomic
    def handle(self, *args, **options):
        public_tenant_ensure()
        if not User.objects.filter(email=OPERATOR).exists():
            User.objects.create_superuser(OPERATOR, DEMO_PASSWORD, full_name="Platform operator")
        demo = Orchestrator.objects.filter(slug=DEMO_SLUG).first()
        if demo is None:
            email, full_name, _role, _partner = PERSONAS[0]
            demo = orchestrator_signup(
                name="MedEquip Commons", slug=DEMO_SLUG, email=email, password=DEMO_PASSWORD, full_name=full_name
            )
        # BASE_DOMAIN may have changed since the demo was created.
        Domain.objects.get_or_create(domain=tenant_domain(DEMO_SLUG), defaults={"tenant": demo, "is_primary": False})
        with schema_context(demo.schema_name):
            self.seed_ecosystem()
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        self.stdout.write(f"  platform operator  {OPERATOR}  (public site /admin/)")
        for email, _name, role, external_id in PERSONAS:
            where = f"  ({external_id})" if external_id else ""
            self.stdout.write(f"  {role:<17}  {email}{where}")

    def seed_ecosystem(self) -> None:
        admin = User.objects.get(email=PERSONAS[0][0])
        profile = partner_services.ecosystem_profile()
        if not profile.mission:
            partner_services.ecosystem_profile_update(actor=admin, mission=MISSION, propositions=PROPOSITIONS)
        for name, description in TIERS:
            if not Tier.objects.filter(name=name).exists():
                partner_services.tier_create(actor=admin, name=name, description=description)
        tiers = {t.name: t.pk for t in Tier.objects.all()}
        today = timezone.localdate()
        for external_id, name, role, tier, country, website, tags, status in CAST:
            if Partner.objects.filter(external_id=external_id).exists():
                continue
            partner = partner_services.partner_create(actor=admin, data={
                "external_id": external_id, "name": name, "role": role, "tier": tiers.get(tier),
                "country": country, "website": website, "tags": tags,
                "contact_email": f"contact@{website.split('//')[1]}",
                "description": f"{name}: {', '.join(tags)}.",
            })  # fmt: skip
            if status in ("active", "onboarding"):
                partner_services.partner_start_onboarding(actor=admin, partner=partner)
                if status == "active":
                    partner_services.partner_activate(actor=admin, partner=partner)
            if status == "active":
                expires = today + dt.timedelta(days=20 if external_id == "CAR-002" else 540)
                partner_services.agreement_create(actor=admin, partner=partner, data={
                    "kind": Agreement.Kind.PARTNERSHIP, "reference": f"AGR-{external_id}",
                    "signed_on": today - dt.timedelta(days=345), "expires_on": expires,
                })  # fmt: skip
        medisol, carevia = Partner.objects.get(external_id="MED-001"), Partner.objects.get(external_id="CAR-002")
        if not medisol.competitors.filter(pk=carevia.pk).exists():
            partner_services.partner_update(actor=admin, partner=medisol, data={"competitors": [carevia.pk]})
        for email, full_name, role, external_id in PERSONAS[1:]:
            if not User.objects.filter(email=email).exists():
                partner = Partner.objects.get(external_id=external_id) if external_id else None
                User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name, role=role, partner=partner)
