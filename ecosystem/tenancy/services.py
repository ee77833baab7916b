"""Creating, suspending and reactivating orchestrators (tenants)."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_context

from ecosystem.accounts.models import User
from ecosystem.accounts.services import sign_in_handover_issue
from ecosystem.core.audit import audit_record
from ecosystem.core.errors import Conflict, FieldErrors
from ecosystem.core.roles import Role
from ecosystem.core.throttling import RateLimited, parse_rate, within_rate

from .middleware import forget_tenants
from .models import Domain, Orchestrator
from .tasks import send_ecosystem_list

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
SLUG_MIN, SLUG_MAX = 3, 40
# Subdomains that would shadow the platform itself or confuse people.
RESERVED_SLUGS = frozenset(
    {
        "www", "public", "api", "admin", "static", "media", "mail", "email", "smtp",
        "imap", "pop", "ftp", "app", "apps", "dashboard", "help", "support", "status",
        "docs", "blog", "billing", "signup", "login", "auth", "account", "accounts",
        "root", "system", "symbiose", "test", "dev", "staging", "assets", "cdn",
        "healthz", "information_schema", "postgres", "template", "localhost",
    }
)  # fmt: skip


def orchestrator_signup_errors(*, name: str, slug: str, email: str, password: str) -> dict[str, list[str]]:
    """Every reason the sign-up input is refused, per field (empty: acceptable)."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not name.strip():
        add("name", _("Give the name of your company."))
    elif len(name.strip()) > 120:
        add("name", _("The name can have at most 120 characters."))

    if not SLUG_MIN <= len(slug) <= SLUG_MAX:
        add("slug", _("The address must have 3 to 40 characters."))
    elif not SLUG_PATTERN.match(slug):
        add(
            "slug",
            _("Use lowercase letters, digits and hyphens only, starting and ending with a letter or a digit."),
        )
    elif slug in RESERVED_SLUGS or slug.startswith("pg-"):
        add("slug", _("“%(slug)s” is reserved. Choose another address.") % {"slug": slug})
    elif Orchestrator.objects.filter(slug=slug).exists():
        add("slug", _("“%(slug)s” is already taken. Choose another address.") % {"slug": slug})

    try:
        validate_email(email)
    except ValidationError:
        add("email", _("Enter a valid email address."))

    try:
        validate_password(password, user=User(email=email, full_name=name))
    except ValidationError as error:
        for message in error.messages:
            add("password", message)
    return errors


def signup_attempt(*, client: str | None) -> None:
    """Count one sign-up attempt of `client` (an address), from the page or the
    API alike: each sign-up creates a schema. Refused (429) beyond SIGNUP_RATE."""
    if not within_rate(scope="signup", client=client, rate=settings.SIGNUP_RATE):
        _limit, window = parse_rate(settings.SIGNUP_RATE)
        raise RateLimited(_("Too many sign-ups from your address. Try again later."), retry_after=window)


def tenant_domain(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


@transaction.atomic
def orchestrator_signup(
    *, name: str, slug: str, email: str, password: str, full_name: str = "", ip: str | None = None
) -> Orchestrator:
    """Create the tenant, its schema, its domain and its first admin, or nothing.

    One transaction: PostgreSQL DDL is transactional, so a failure at any step
    (including while migrating the new schema) rolls the schema back too.
    Must be called from the public schema.
    """
    name, slug, email = name.strip(), slug.strip(), email.strip().lower()
    errors = orchestrator_signup_errors(name=name, slug=slug, email=email, password=password)
    if errors:
        raise FieldErrors(errors)
    try:
        with schema_context(get_public_schema_name()), transaction.atomic():
            orchestrator = Orchestrator(schema_name=slug, slug=slug, name=name)
            orchestrator.save(verbosity=0)
            Domain.objects.create(domain=tenant_domain(slug), tenant=orchestrator, is_primary=True)
    except IntegrityError:
        # A concurrent sign-up took the slug, or the address is someone's domain.
        taken = _("“%(slug)s” is already taken. Choose another address.") % {"slug": slug}
        raise FieldErrors({"slug": [taken]}) from None
    with schema_context(orchestrator.schema_name):
        admin = User.objects.create_user(email=email, password=password, full_name=full_name, role=Role.ADMIN)
        audit_record(
            actor=admin,
            action="orchestrator.created",
            target=orchestrator,
            after={"name": name, "slug": slug, "admin": email},
            ip=ip,
        )
    return orchestrator


def orchestrator_admin_handover(*, orchestrator: Orchestrator, email: str) -> str:
    """A single-use, short-lived token that signs the admin who just signed
    `orchestrator` up in on its own host (`accounts:sign_in_handover`)."""
    with schema_context(orchestrator.schema_name):
        admin = User.objects.get(email=email.strip().lower(), role=Role.ADMIN)
    return sign_in_handover_issue(schema_name=orchestrator.schema_name, user=admin)


def _status_change(*, orchestrator: Orchestrator, status: str, reason: str, operator_email: str) -> Orchestrator:
    if orchestrator.schema_name == get_public_schema_name():
        raise Conflict(_("The public schema is not an orchestrator."))
    before = {"status": orchestrator.status, "reason": orchestrator.suspended_reason}
    orchestrator.status = status
    orchestrator.suspended_reason = reason
    orchestrator.save(update_fields=["status", "suspended_reason"])
    with schema_context(orchestrator.schema_name):
        audit_record(
            actor=None,
            actor_label=f"platform operator {operator_email}",
            action=f"orchestrator.{status}",
            target=orchestrator,
            before=before,
            after={"status": status, "reason": reason},
        )
    # Now for this connection's later requests, and again once committed, so
    # that a request racing the commit cannot keep the old state cached.
    forget_tenants()
    transaction.on_commit(forget_tenants)
    return orchestrator


@transaction.atomic
def orchestrator_suspend(*, orchestrator: Orchestrator, reason: str, operator_email: str) -> Orchestrator:
    """Suspend a tenant: its site shows a notice and its API answers 403."""
    if not reason.strip():
        raise FieldErrors({"reason": [_("Say why the ecosystem is suspended.")]})
    if orchestrator.is_suspended:
        raise Conflict(_("This ecosystem is already suspended."))
    return _status_change(
        orchestrator=orchestrator,
        status=Orchestrator.Status.SUSPENDED,
        reason=reason.strip(),
        operator_email=operator_email,
    )


@transaction.atomic
def orchestrator_reactivate(*, orchestrator: Orchestrator, operator_email: str) -> Orchestrator:
    if not orchestrator.is_suspended:
        raise Conflict(_("This ecosystem is not suspended."))
    return _status_change(
        orchestrator=orchestrator,
        status=Orchestrator.Status.ACTIVE,
        reason="",
        operator_email=operator_email,
    )


def public_tenant_ensure() -> Orchestrator:
    """The public schema's row and its domain (BASE_DOMAIN); idempotent."""
    public, _created = Orchestrator.objects.get_or_create(
        schema_name=get_public_schema_name(),
        defaults={"name": "Symbiose", "slug": "public"},
    )
    # django-tenants makes a tenant's only domain its primary one.
    Domain.objects.get_or_create(domain=settings.BASE_DOMAIN, defaults={"tenant": public})
    return public


def ecosystem_list_request(*, email: str, language: str, ip: str | None = None) -> None:
    """Someone asks which ecosystems `email` has an account in: a worker mails
    the list to that address (nothing if there is none), in `language`.

    The caller learns nothing either way: the lookup runs after the answer, in
    a Celery task, so neither the answer nor its timing depends on it.
    Throttled per client address and per email (ECOSYSTEM_FINDER_RATES), so
    the form can neither probe addresses in bulk nor flood one mailbox.
    """
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise FieldErrors({"email": [_("Enter a valid email address.")]}) from None
    rates = settings.ECOSYSTEM_FINDER_RATES
    by_ip = within_rate(scope="finder-ip", client=ip, rate=rates["ip"])
    if not (by_ip and within_rate(scope="finder-email", client=email, rate=rates["email"])):
        retry_after = max(parse_rate(rates["ip"])[1], parse_rate(rates["email"])[1])
        raise RateLimited(_("Too many requests. Try again in an hour."), retry_after=retry_after)
    transaction.on_commit(lambda: send_ecosystem_list.delay(email, language))
