import getpass

from django.core.management.base import BaseCommand, CommandError

from ecosystem.core.errors import FieldErrors
from ecosystem.core.links import tenant_url
from ecosystem.tenancy.services import orchestrator_signup


class Command(BaseCommand):
    help = "Provision an orchestrator: schema, domain and first administrator."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", help="Asked for when omitted.")
        parser.add_argument("--full-name", default="")

    def handle(self, *args, name, slug, email, password, full_name, **options):
        password = password or getpass.getpass("Password of the first administrator: ")
        try:
            orchestrator = orchestrator_signup(
                name=name, slug=slug, email=email, password=password, full_name=full_name
            )
        except FieldErrors as error:
            lines = [f"{field}: {m}" for field, msgs in error.errors.items() for m in msgs]
            raise CommandError("\n".join(lines)) from None
        self.stdout.write(self.style.SUCCESS(f"Created {orchestrator.name}: {tenant_url(orchestrator)}"))
