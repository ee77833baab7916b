import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from ecosystem.accounts.models import User
from ecosystem.core.jobs import Job
from ecosystem.core.roles import Role
from ecosystem.missions import services as mission_services
from ecosystem.missions.models import Contribution, Mission, Objective
from ecosystem.tenancy.models import Domain, Orchestrator
from ecosystem.tenancy.services import orchestrator_signup, public_tenant_ensure, tenant_domain
from ecosystem.value import services as value_services
from ecosystem.value import tasks as value_tasks
from ecosystem.value.models import Report
from governance import decisions as governance_decisions
from governance import services as governance_services
from governance import tasks as governance_tasks
from governance.models import Review, Rule
from governance.selectors import rule_book_current
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
    ("IRF-008", "Institut Régional de Formation des Soignants", "institution", "Associate", "FR", "https://irfs.example", ["training", "caregivers"], "active"),
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
            # The deferred checks (a contribution's weights add up to 1) run now, in the demo's schema,
            # rather than at the commit, once the schema context is gone.
            connection.check_constraints()
            seed_report(timezone.localdate())
            seed_governance(timezone.localdate())
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
        seed_missions(today)


# --- value report --------------------------------------------------------------
REPORT_DAYS = 365  # the demo's report covers the last twelve months, up to today


def seed_report(today: dt.date) -> None:
    """One finished value report over the last twelve months, computed here, in-process (no worker
    needed); none when the demo has a finished report already."""
    if Report.objects.filter(status=Report.Status.DONE).exists():
        return
    marc = User.objects.get(email=PERSONAS[1][0])
    period = {"period_start": today - dt.timedelta(days=REPORT_DAYS - 1), "period_end": today}
    run_in_process(value_services.report_request(actor=marc, data=period)[0], value_tasks.compute_report)


def run_in_process(job: Job, task: Callable[[int], str]) -> Job:
    """Run a job's task now, in this process (no worker needed); the message its request sends at
    commit then finds it done and does nothing."""
    outcome = task(job.pk)
    job.refresh_from_db()
    if job.status != Job.Status.DONE:
        raise RuntimeError(f"the demo's {job._meta.verbose_name} was not computed ({outcome}): {job.failure_reason}")
    return job


# --- governance ---------------------------------------------------------------
# The rule book written by Rita, the reviewer, one change (one version) at a time; a
# review of the last quarter run in-process; her decisions, Alice's second approval of
# a suspension, the decisions applied (the review closed), an appeal by Carevia's
# administrator left open for a reviewer to answer; then one more change of the rule
# book, so that the closed review shows the older version it used.
RULES = [
    ("Minimum contribution", "min_contribution", {"min_value": "5000", "per_tier": {"Strategic": "20000"}}, "fail"),
    ("No dominant partner", "max_share", {"max_percent": "40"}, "warn"),
    ("Valid agreement", "agreement_valid", {"warn_days": 30}, "fail"),
    ("Recent activity", "recent_activity", {"days": 90}, "fail"),
    ("Commitments met", "commitment_met", {}, "warn"),
    ("Shares confirmed", "pending_confirmations", {"days": 14}, "warn"),
]  # fmt: skip
REVIEW_DAYS = 91
# external id, decision, new tier, rationale
DECISIONS = [
    ("MED-001", "keep", None, "Meets every rule: leads the clinics mission and keeps its commitments."),
    ("FIN-003", "promote", "Strategic", "Financing is now part of every mission; Finamed co-builds them."),
    ("CAR-002", "warn", None, "The partnership agreement ends within 30 days and no renewal has been signed."),
    ("AHR-005", "suspend", None, "No validated contribution this quarter and no answer to two reminders; "
                                 "suspended until the association names a new contact."),
]  # fmt: skip
APPEAL = (
    "CAR-002",
    "The renewal was agreed at our steering committee; the signed agreement will be uploaded this week.",
)


def seed_governance(today: dt.date) -> None:
    """The rule book and one closed review with its decisions; nothing when a closed review exists."""
    if Review.objects.filter(closed_at__isnull=False).exists():
        return
    alice, rita = (User.objects.get(email=PERSONAS[i][0]) for i in (0, 2))
    tiers = {t.name: t.pk for t in Tier.objects.all()}
    if not Rule.objects.exists():
        for name, kind, params, severity in RULES:
            if "per_tier" in params:
                params = {**params, "per_tier": {str(tiers[t]): v for t, v in params["per_tier"].items()}}
            governance_services.rule_create(actor=rita, data={
                "name": name, "kind": kind, "params": params, "severity": severity,
            })  # fmt: skip
    period = {"period_start": today - dt.timedelta(days=REVIEW_DAYS - 1), "period_end": today}
    review = run_in_process(
        governance_services.review_request(actor=rita, data=period)[0], governance_tasks.run_review
    )
    partners = {p.external_id: p for p in Partner.objects.filter(external_id__in=[d[0] for d in DECISIONS])}
    for external_id, kind, tier, rationale in DECISIONS:
        decision = governance_decisions.decision_record(actor=rita, review=review, data={
            "partner": partners[external_id].pk, "kind": kind, "tier": tiers.get(tier), "rationale": rationale,
        })  # fmt: skip
        if decision.needs_approval:
            governance_decisions.decision_approve(actor=alice, decision=decision)  # four eyes
    review = governance_decisions.review_apply(actor=rita, review=review)
    external_id, reason = APPEAL
    clara = User.objects.get(partner__external_id=external_id, role=Role.PARTNER_ADMIN)
    decision = review.decisions.get(partner__external_id=external_id)
    governance_decisions.appeal_file(actor=clara, decision=decision, reason=reason)
    # The rule book moves on after the review: the review keeps the version it used.
    recent = Rule.objects.get(book=review.book, name="Recent activity")
    current = rule_book_current().rules.get(key=recent.key)
    governance_services.rule_update(actor=rita, rule=current, data={"params": {"days": 60}})


# --- missions -----------------------------------------------------------------
# Three missions created through the missions services, so that their audit trail
# reads as if people had done it, with about a year of contributions up to today.
# Each is seeded once (found again by its title); the figures come from a seeded
# random generator, so every demo shows the same story, shifted to its own today.
#
# A mission: title, purpose, confidentiality, objectives (title, metric, kind, target,
# unit), participants (external id, role, commitment, objective index and target of a
# numeric commitment), and its contributors: (external id, objective index or None,
# kind, value range, quantity range or None, contributions a month).
MISSIONS = [
    {
        "title": "Equip 500 rural clinics by 2027",
        "purpose": "Give 500 rural clinics reliable equipment: new and refurbished devices, financing that fits "
                   "small budgets and staff trained to use them.",
        "confidentiality": "open",
        "objectives": [("Clinics equipped", "quantity", "", 500, "clinics"),
                       ("Equipment financed", "value", "", 2_000_000, "EUR")],
        "participants": [
            ("MED-001", "lead", "Equip 200 clinics with monitoring and imaging devices.", 0, 200),
            ("CAR-002", "contributor", "Ventilation and monitoring devices for 100 clinics.", None, None),
            ("FIN-003", "sponsor", "Leasing offers for clinics with small budgets.", None, None),
            ("REF-004", "contributor", "Refurbished devices with a 2-year warranty.", None, None),
            ("AHR-005", "observer", "Pilot sites and field feedback.", None, None),
        ],
        "contributors": [
            ("MED-001", 0, "in_kind", (12_000, 45_000), (1, 4), 2),
            ("CAR-002", 0, "in_kind", (10_000, 35_000), (1, 3), 1),
            ("FIN-003", 1, "revenue_influenced", (20_000, 90_000), None, 1),
            ("REF-004", 0, "in_kind", (4_000, 12_000), (1, 2), 1),
            ("AHR-005", None, "referral", (0, 0), None, 1),
        ],
        # Joint work: (declaring partner, co-contributor, its weight).
        "joint": [("MED-001", "FIN-003", "0.4"), ("REF-004", "CAR-002", "0.3")],
        "pending": ("FIN-003", "MED-001", "0.5"),
    },
    {
        "title": "Circular medical equipment",
        "purpose": "Refurbish returned devices instead of scrapping them: fewer emissions, cheaper equipment.",
        "confidentiality": "coopetition",
        "objectives": [("Refurbished devices", "quantity", "", 1_000, "devices"),
                       ("tCO2e avoided", "quantity", "", 300, "tCO2e")],
        "participants": [
            ("REF-004", "lead", "Refurbish every device returned by the suppliers.", 0, 600),
            ("MED-001", "contributor", "Take back imaging and monitoring devices.", None, None),
            ("CAR-002", "contributor", "Take back ventilation devices.", None, None),
        ],
        "contributors": [
            ("REF-004", 0, "co_development", (2_000, 9_000), (10, 40), 1),
            ("MED-001", 1, "in_kind", (0, 0), (2, 9), 1),
            ("CAR-002", 1, "in_kind", (0, 0), (1, 7), 1),
        ],
        "joint": [("REF-004", "MED-001", "0.5"), ("REF-004", "CAR-002", "0.5")],
    },
    {
        "title": "Train 2,000 rural caregivers",
        "purpose": "Train the caregivers of rural clinics to use and maintain their equipment.",
        "confidentiality": "open",
        "objectives": [("Caregivers trained", "quantity", "training", 2_000, "learners")],
        "participants": [
            ("IRF-008", "lead", "Run the courses in every department of the region.", 0, 1_500),
            ("AHR-005", "contributor", "Bring the caregivers of member hospitals.", None, None),
            ("MED-001", "contributor", "Train on its devices.", None, None),
        ],
        "contributors": [
            ("IRF-008", 0, "training", (3_000, 12_000), (20, 80), 1),
            ("AHR-005", 0, "training", (0, 2_000), (5, 25), 1),
            ("MED-001", 0, "training", (1_000, 4_000), (5, 20), 1),
        ],
        "joint": [("IRF-008", "MED-001", "0.25")],
    },
]  # fmt: skip
DAYS_OF_CONTRIBUTIONS = 365
STILL_TO_VALIDATE = 21  # contributions of the last three weeks await validation


def seed_missions(today: dt.date) -> None:
    marc = User.objects.get(email=PERSONAS[1][0])
    partners = {p.external_id: p for p in Partner.objects.filter(external_id__in=[c[0] for c in CAST])}
    # Who declares and answers for each partner: its demo user, else staff on its behalf.
    speakers = {u.partner.external_id: u for u in User.objects.filter(email__in=[p[0] for p in PERSONAS[3:]])}
    for number, spec in enumerate(MISSIONS):
        if not Mission.objects.filter(title=spec["title"]).exists():
            _seed_mission(spec, random.Random(2027 + number), today, marc, partners, speakers)


def _seed_mission(spec: dict, rng: random.Random, today: dt.date, marc: User, partners, speakers) -> None:
    start = today - dt.timedelta(days=DAYS_OF_CONTRIBUTIONS + 30)
    end = max(dt.date(2027, 12, 31), today + dt.timedelta(days=180))
    mission = mission_services.mission_create(actor=marc, data={
        "title": spec["title"], "purpose": spec["purpose"], "start": start, "end": end,
        "confidentiality": spec["confidentiality"],
    })  # fmt: skip
    objectives: list[Objective] = [
        mission_services.objective_create(
            actor=marc,
            mission=mission,
            data={
                "title": title,
                "metric": metric,
                "kind": kind,
                "target": target,
                "unit": unit,
                "due": end,
            },
        )
        for title, metric, kind, target, unit in spec["objectives"]
    ]
    for step in ("open", "active"):
        mission = mission_services.mission_move(actor=marc, mission=mission, to=step)
    for external_id, role, commitment, objective, target in spec["participants"]:
        data = {"role": role, "commitment": commitment}
        if target is not None:
            data.update(commitment_objective=objectives[objective].pk, commitment_target=target)
        participation = mission_services.participation_invite(
            actor=marc, mission=mission, partner=partners[external_id], data=data
        )
        speaker = speakers.get(external_id)
        answerer = speaker if speaker is not None and speaker.role == Role.PARTNER_ADMIN else marc
        mission_services.participation_answer(actor=answerer, participation=participation, accept=True)

    def declare(external_id: str, day: dt.date, objective: int | None, kind: str, values, quantities, **extra):
        data = {
            "partner": partners[external_id].pk, "kind": kind, "date": day, "value": rng.randrange(*values, 50)
            if values[1] else 0, "objective": objectives[objective].pk if objective is not None else None,
            "quantity": rng.randint(*quantities) if quantities else None, **extra,
        }  # fmt: skip
        return mission_services.contribution_declare(actor=speakers.get(external_id, marc), mission=mission, data=data)

    first = today - dt.timedelta(days=DAYS_OF_CONTRIBUTIONS)
    declared: list[Contribution] = []
    for month in range(12, -1, -1):
        for external_id, objective, kind, values, quantities, per_month in spec["contributors"]:
            for _ in range(per_month):
                day = max(first, today - dt.timedelta(days=30 * month + rng.randrange(30)))
                declared.append(declare(external_id, day, objective, kind, values, quantities))
    # Joint work every quarter, each share confirmed by the co-contributor's user.
    for months_ago in (10, 7, 4, 1):
        for declarer, other, weight in spec["joint"]:
            joint = _declare_joint(
                declare, spec, partners, declarer, other, weight, today - dt.timedelta(days=30 * months_ago + 3)
            )
            mission_services.share_confirm(actor=speakers[other], contribution=joint)
    if "pending" in spec:  # one still awaits its co-contributor: it shows in that partner's to-do
        declarer, other, weight = spec["pending"]
        _declare_joint(declare, spec, partners, declarer, other, weight, today - dt.timedelta(days=5))
    rejected = next(c for c in declared if c.date < today - dt.timedelta(days=60) and c.value > 0)
    mission_services.contribution_reject(
        actor=marc, contribution=rejected, reason="No delivery note: attach it and declare the contribution again."
    )
    settled = Contribution.objects.filter(
        mission=mission, status=Contribution.Status.SUBMITTED, date__lte=today - dt.timedelta(days=STILL_TO_VALIDATE)
    )
    mission_services.contributions_review_many(actor=marc, contributions=settled)
    original = Contribution.objects.filter(
        mission=mission, status=Contribution.Status.VALIDATED, value__gt=0
    ).earliest("date", "pk")
    correction = mission_services.contribution_correct(actor=marc, original=original, data={
        "value": str(-(original.value / 10).quantize(Decimal("0.01"))), "date": original.date + dt.timedelta(days=20),
        "description": "Credit note: 10% discount agreed after delivery.",
    })  # fmt: skip
    mission_services.contribution_validate(actor=marc, contribution=correction)


def _declare_joint(
    declare, spec: dict, partners, declarer: str, other: str, weight: str, day: dt.date
) -> Contribution:
    _id, objective, kind, values, quantities, _n = next(c for c in spec["contributors"] if c[0] == declarer)
    contributors = [{"partner": partners[declarer].pk, "weight": str(1 - Decimal(weight))},
                    {"partner": partners[other].pk, "weight": weight}]  # fmt: skip
    return declare(declarer, day, objective, kind, values, quantities, contributors=contributors,
                   description="Joint work")  # fmt: skip
