from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import schema_context

from ecosystem.accounts.models import Role, User
from ecosystem.tenancy.models import Domain, Orchestrator
from ecosystem.tenancy.services import orchestrator_signup, public_tenant_ensure, tenant_domain

DEMO_SLUG = "demo"
DEMO_PASSWORD = "symbiose-demo-2026"
OPERATOR = "operator@symbiose.test"
# Named personas, used by the demo and the tests alike.
PERSONAS = [
    ("alice.admin@demo.test", "Alice Martin", Role.ADMIN),
    ("marc.manager@demo.test", "Marc Dubois", Role.MANAGER),
    ("rita.reviewer@demo.test", "Rita Moreau", Role.REVIEWER),
]


class Command(BaseCommand):
    help = "Create (or complete) the demo ecosystem and the platform operator. Idempotent."

    @transaction.atomic
    def handle(self, *args, **options):
        public_tenant_ensure()
        if not User.objects.filter(email=OPERATOR).exists():
            User.objects.create_superuser(OPERATOR, DEMO_PASSWORD, full_name="Platform operator")
        demo = Orchestrator.objects.filter(slug=DEMO_SLUG).first()
        if demo is None:
            email, full_name, _role = PERSONAS[0]
            demo = orchestrator_signup(
                name="MedEquip Commons", slug=DEMO_SLUG, email=email,
                password=DEMO_PASSWORD, full_name=full_name,
            )  # fmt: skip
        # BASE_DOMAIN may have changed since the demo was created.
        Domain.objects.get_or_create(
            domain=tenant_domain(DEMO_SLUG), defaults={"tenant": demo, "is_primary": False}
        )
        with schema_context(demo.schema_name):
            for email, full_name, role in PERSONAS:
                if not User.objects.filter(email=email).exists():
                    User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name, role=role)
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        self.stdout.write(f"  platform operator  {OPERATOR}  (public site /admin/)")
        for email, _name, role in PERSONAS:
            self.stdout.write(f"  {role:<17}  {email}")
