"""`manage.py seed_demo`: the demo ecosystem every newcomer sees, created once, completed after."""

import time
from decimal import ROUND_HALF_UP, Decimal

from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import schema_context

from ecosystem.accounts.models import User
from ecosystem.core.models import AuditEvent
from ecosystem.missions import selectors
from ecosystem.missions.models import Contribution, Mission, Objective, Participation, Share
from ecosystem.tenancy.models import Orchestrator
from ecosystem.value.models import Report
from partners.models import Agreement, Partner, Tier

MISSIONS = ["Equip 500 rural clinics by 2027", "Circular medical equipment", "Train 2,000 rural caregivers"]


def test_seed_demo_creates_the_demo_ecosystem_once(tenants, db, capsys):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: a second run keeps what exists

    out = capsys.readouterr().out
    demo = Orchestrator.objects.get(slug="demo")
    assert User.objects.filter(email="operator@symbiose.test", is_staff=True).count() == 1
    with schema_context(demo.schema_name):
        assert Partner.objects.count() == 8
        assert dict(Partner.objects.values_list("external_id", "status")) == {
            "MED-001": "active", "CAR-002": "active", "FIN-003": "active", "REF-004": "active",
            "AHR-005": "suspended", "IFB-006": "onboarding", "ARS-007": "invited", "IRF-008": "active",
        }  # fmt: skip
        assert list(Tier.objects.values_list("name", flat=True)) == ["Strategic", "Core", "Associate"]
        assert Agreement.objects.count() == 6
        assert Agreement.objects.get(reference="AGR-CAR-002").state == "expiring"
        medisol = Partner.objects.get(external_id="MED-001")
        assert list(medisol.competitors.values_list("external_id", flat=True)) == ["CAR-002"]
        assert User.objects.filter(email__endswith="@demo.test").count() == 3
        assert User.objects.get(email="sam@medisol.test").partner == medisol
    assert out.count("alice.admin@demo.test") == 2


def _counts() -> dict[str, int]:
    models = (Mission, Objective, Participation, Contribution, Share, AuditEvent, Report)
    return {model.__name__: model.objects.count() for model in models}


def test_seed_demo_tells_three_missions_with_a_year_of_contributions(tenants, db):
    started = time.perf_counter()
    call_command("seed_demo")
    seconds = time.perf_counter() - started
    demo = Orchestrator.objects.get(slug="demo")
    with schema_context(demo.schema_name):
        first = _counts()
    call_command("seed_demo")  # a second run creates nothing new

    with schema_context(demo.schema_name):
        assert _counts() == first
        assert seconds < 20
        missions = {m.title: m for m in Mission.objects.all()}
        assert sorted(missions) == sorted(MISSIONS)
        clinics, circular, training = (missions[title] for title in MISSIONS)
        assert {(m.status, m.confidentiality) for m in (clinics, training)} == {("active", "open")}
        assert (circular.status, circular.confidentiality) == ("active", "coopetition")
        assert list(clinics.objectives.values_list("title", "metric", "target", "unit")) == [
            ("Clinics equipped", "quantity", Decimal(500), "clinics"),
            ("Equipment financed", "value", Decimal(2_000_000), "EUR"),
        ]
        assert list(circular.objectives.values_list("title", "metric", "unit")) == [
            ("Refurbished devices", "quantity", "devices"), ("tCO2e avoided", "quantity", "tCO2e"),
        ]  # fmt: skip
        assert list(training.objectives.values_list("title", "metric", "unit")) == [
            ("Caregivers trained", "quantity", "learners")
        ]
        # The two competing suppliers take part in the coopetition mission; the training institute leads its mission.
        assert set(circular.participations.values_list("partner__external_id", flat=True)) >= {"MED-001", "CAR-002"}
        assert Partner.objects.get(external_id="MED-001").competitors.filter(external_id="CAR-002").exists()
        lead = training.participations.get(role="lead")
        assert (lead.partner.role, lead.partner.external_id, lead.state) == ("institution", "IRF-008", "active")
        medisol = clinics.participations.get(partner__external_id="MED-001")
        assert (medisol.role, medisol.commitment_target, medisol.commitment_objective.title) == (
            "lead", Decimal(200), "Clinics equipped",
        )  # fmt: skip
        assert clinics.participations.filter(state="active").count() == 5

        # About a year of contributions, up to today, within each mission's dates.
        today = timezone.localdate()
        contributions = Contribution.objects.all()
        assert 100 <= contributions.count() <= 250
        assert contributions.filter(date__gt=today).count() == 0
        for mission in missions.values():
            dates = mission.contributions.values_list("date", flat=True)
            assert mission.start <= min(dates) <= today - timezone.timedelta(days=300)
            assert max(dates) <= today
        by_status = {s: contributions.filter(status=s).count() for s in Contribution.Status.values}
        assert by_status["validated"] > contributions.count() / 2
        assert by_status["submitted"] >= 3  # the staff's queue
        assert by_status["awaiting_confirmation"] == 1
        assert by_status["rejected"] == 3
        assert Contribution.objects.filter(status="rejected").exclude(rejection_reason="").count() == 3
        assert Contribution.objects.filter(corrects__isnull=False, value__lt=0).count() == 3
        assert Share.objects.filter(weight__lt=1).values("contribution").distinct().count() >= 10  # joint, weighted

        # Some progress on every objective; Sam (Medisol) has a share to confirm; Marc has a queue.
        for objective in selectors.objectives_with_progress(Objective.objects.all()):
            assert 0 < selectors.achieved(objective) < objective.target
        sam = User.objects.get(email="sam@medisol.test")
        (pending,) = selectors.shares_awaiting(sam)
        assert (pending.contribution.mission, pending.contribution.partner.external_id) == (clinics, "FIN-003")
        marc = User.objects.get(email="marc.manager@demo.test")
        assert selectors.validation_queue(marc).count() == by_status["submitted"]
        # The trail tells it through the services.
        assert AuditEvent.objects.filter(action="contribution.validated").count() == by_status["validated"]
        assert AuditEvent.objects.filter(action="participation.accepted", actor=sam).exists()


def test_seed_demo_ships_one_finished_value_report_over_the_last_twelve_months(tenants, db):
    call_command("seed_demo")
    call_command("seed_demo")  # a second run computes no second report

    demo = Orchestrator.objects.get(slug="demo")
    with schema_context(demo.schema_name):
        (report,) = Report.objects.all()
        today = timezone.localdate()
        assert (report.status, report.progress, report.attempts) == ("done", 100, 1)
        assert (report.period_start, report.period_end) == (today - timezone.timedelta(days=364), today)
        assert (report.missions, report.roles, report.requested_by.email) == ([], [], "marc.manager@demo.test")
        # Its figures are those of the validated contributions of the period, partner by partner.
        validated = Share.objects.filter(contribution__status="validated", contribution__date__gte=report.period_start)
        expected: dict[int, Decimal] = {}
        for partner_id, weight, value in validated.values_list("partner_id", "weight", "contribution__value"):
            expected[partner_id] = expected.get(partner_id, Decimal(0)) + weight * value
        rows = {row.partner_id: row.linear for row in report.rows.all()}
        assert rows == {p: v.quantize(Decimal("0.01"), ROUND_HALF_UP) for p, v in expected.items()}
        assert Decimal(report.summary["total_value"]) == sum(expected.values()).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
        assert report.summary["joint_value"] != "0.00" and report.pairs.exists()  # the demo has joint work
        assert report.summary["objectives"]  # fair shares of the money and quantity objectives
        assert report.series.filter(dimension="role").exists()
        assert all(row.monthly for row in report.rows.all())  # each partner's trend


def test_seed_demo_governs_the_ecosystem_a_closed_review_with_four_eyes_and_an_appeal(tenants, db):
    from governance.models import Appeal, Decision, Review, RuleBook

    call_command("seed_demo")
    demo = Orchestrator.objects.get(slug="demo")
    with schema_context(demo.schema_name):
        versions = RuleBook.objects.count()
        call_command("seed_demo")  # a second run adds no review, decision, appeal nor version
        assert RuleBook.objects.count() == versions >= 2
        review = Review.objects.get()
        assert review.status == "done" and review.closed_at is not None
        assert review.book.number < RuleBook.objects.order_by("-number").first().number  # the book moved on
        assert review.book.rules.count() == 6
        assert review.findings.filter(partner__external_id="MED-001").count() == 6
        decisions = {d.partner.external_id: d for d in Decision.objects.select_related("partner", "tier")}
        assert {k: d.kind for k, d in decisions.items()} == {
            "MED-001": "keep", "FIN-003": "promote", "CAR-002": "warn", "AHR-005": "suspend",
        }  # fmt: skip
        suspension = decisions["AHR-005"]
        assert suspension.approved_by.email == "alice.admin@demo.test"
        assert suspension.author.email == "rita.reviewer@demo.test"
        assert all(d.applied_at is not None for d in decisions.values())
        assert Partner.objects.get(external_id="AHR-005").status == "suspended"
        assert Partner.objects.get(external_id="FIN-003").tier.name == "Strategic"
        appeal = Appeal.objects.get()
        assert (appeal.decision.partner.external_id, appeal.state) == ("CAR-002", "open")
        assert appeal.author.email == "clara@carevia.test"
