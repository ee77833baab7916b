"""The report request form of the staff's report pages: it renders the page and shapes input; the rules
(period length, known missions and roles) are `services.clean_parameters`'s."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.models import ParticipantRole


class ReportForm(forms.Form):
    period_start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    missions = forms.TypedMultipleChoiceField(
        label=_("Missions"), required=False, coerce=int, widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_("None chosen: every mission."),
    )  # fmt: skip
    roles = forms.MultipleChoiceField(
        label=_("Partner roles"), required=False, choices=ParticipantRole.choices,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: every role."),
    )  # fmt: skip

    def __init__(self, *args: Any, mission_choices: list[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["missions"].choices = list(mission_choices)

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
