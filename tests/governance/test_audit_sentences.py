"""Governance's audit events read as sentences, in English and in French."""

from django.utils import translation

from ecosystem.core.audit import audit_events_visible_to
from ecosystem.core.audit_text import describe_events
from governance import services
from governance.models import Rule
from tests.conftest import make_user


def test_rule_book_and_review_events(alpha, alpha_admin, cast):
    rita = make_user(alpha, "reviewer", full_name="Rita Reviewer")
    rule = services.rule_create(actor=rita, data={"name": "Activity", "kind": "recent_activity",
                                                  "params": {"days": 30}, "severity": "warn"})  # fmt: skip
    rule = services.rule_update(actor=rita, rule=rule, data={"severity": "fail"})
    services.rule_delete(actor=rita, rule=Rule.objects.get(pk=rule.pk))
    services.rule_create(actor=rita, data={"name": "Commitments", "kind": "commitment_met"})
    services.review_request(actor=rita, data={"period_start": "2026-01-01", "period_end": "2026-06-30"})

    events = list(audit_events_visible_to(alpha_admin)[:5])[::-1]
    english = [(t.sentence, t.details) for t in describe_events(events)]
    with translation.override("fr"):
        in_french = [t.sentence for t in describe_events(events)]

    assert english[0][0] == "Rita Reviewer added the rule Activity to the rule book."
    assert "Kind: Recent activity" in english[0][1] and "Severity: Warning" in english[0][1]
    assert english[1] == ("Rita Reviewer changed the rule Activity of the rule book.",
                          ["Severity: Warning → Failure", "Rule book version: 2"])  # fmt: skip
    assert english[2][0] == "Rita Reviewer removed the rule Activity from the rule book."
    assert english[4][0] == "Rita Reviewer started the governance review of 1 Jan 2026 to 30 Jun 2026."
    assert in_french[0] == "Rita Reviewer a ajouté la règle Activity au règlement."
    assert in_french[4].startswith("Rita Reviewer a lancé la revue de gouvernance du ")
