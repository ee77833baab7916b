"""The forms of the review pages: they render the page and shape input; the rules (period length, known
roles and tiers) are `services.clean_review`'s."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.models import ParticipantRole

from .decisions import MAX_TEXT
from .models import Appeal, Decision, Rule

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReviewForm(forms.Form):
    period_start = forms.DateField(label=_("From"), widget=DATE_INPUT)
    period_end = forms.DateField(label=_("To"), widget=DATE_INPUT)
    roles = forms.MultipleChoiceField(
        label=_("Partner roles"), required=False, choices=ParticipantRole.choices,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: every role."),
    )  # fmt: skip
    tiers = forms.TypedMultipleChoiceField(
        label=_("Tiers"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every tier."),
    )  # fmt: skip

    def __init__(self, *args: Any, tier_choices: list[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tiers"].choices = list(tier_choices)

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


OUTCOME_CHOICES = [
    ("", _("Any outcome")),
    ("fail", _("With a failure")),
    ("warn", _("With a warning")),
    ("pass", _("Passing every rule")),
]


class MatrixFilterForm(forms.Form):
    """The matrix's filters (GET): rule choices are the review's rule book version's, by rule id (`key`)."""

    outcome = forms.ChoiceField(label=_("Outcome"), required=False, choices=OUTCOME_CHOICES)
    rule = forms.TypedChoiceField(label=_("Rule"), required=False, coerce=int, empty_value=None)
    q = forms.CharField(label=_("Partner name"), required=False, max_length=100, strip=True)
    role = forms.ChoiceField(label=_("Role"), required=False)
    tier = forms.TypedChoiceField(label=_("Tier"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, rules: list[Rule] = (), tier_choices: list[tuple[int, str]] = (),
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", _("Every rule")), *((r.key, r.name) for r in rules)]
        self.fields["role"].choices = [("", _("Every role")), *ParticipantRole.choices]
        self.fields["tier"].choices = [("", _("Every tier")), *tier_choices]


class DecisionForm(forms.Form):
    """A decision about one partner of a review. The rules (tier direction, a rationale given) are
    `decisions.decision_record`'s, whose messages the page shows; the form only shapes input."""

    kind = forms.ChoiceField(
        label=_("Decision"), choices=[("", _("Choose…")), *Decision.Kind.choices],
        error_messages={"required": _("Choose a decision.")},
    )  # fmt: skip
    tier = forms.TypedChoiceField(
        label=_("New tier"), required=False, coerce=int, empty_value=None,
        help_text=_("Only for a promotion or a demotion."),
    )  # fmt: skip
    rationale = forms.CharField(
        label=_("Rationale"), required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The partner reads it, with the findings behind the decision."),
    )  # fmt: skip

    def __init__(self, *args: Any, tier_choices: list[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [("", "—"), *tier_choices]


class ApplyForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I confirm: apply every decision of this review to the partners; the review is then closed for good."),
        error_messages={"required": _("Tick the confirmation to apply the decisions.")},
    )


class AppealAnswerForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Answer"), widget=forms.RadioSelect,
        choices=[
            (Appeal.State.UPHELD, _("Uphold the decision")),
            (Appeal.State.OVERTURNED, _("Overturn the decision: the partner's status or tier is restored")),
        ],
        error_messages={"required": _("Choose upheld or overturned.")},
    )  # fmt: skip
    answer = forms.CharField(
        label=_("Answer text"), required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The partner's users receive it by mail."),
    )  # fmt: skip


class AppealForm(forms.Form):
    # Not required in the browser: the service says what is missing, in the page's words (and in its language).
    reason = forms.CharField(label=_("Grounds of the appeal"), required=False,
                             widget=forms.Textarea(attrs={"rows": 6}),
                             help_text=_("Say why the decision should change; a reviewer answers."))  # fmt: skip
