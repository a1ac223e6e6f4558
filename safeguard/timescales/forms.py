"""Forms for the work queues' filters, the admin's parameters and term dates, and the breach reason
that any page stopping a late clock adds to its own form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from safeguard.parameters import Parameter
from safeguard.web.forms import GovukDateField, GovukForm

from .models import BreachReason
from .rules import RULES

STATUSES = [("", "Any status"), ("overdue", "Overdue"), ("due_soon", "Due soon"), ("on_time", "On time")]


class BreachFields(forms.Form):
    """Added to a page's form when its work is late: the coded reason and the explanation. The
    service, not this form, enforces them; these fields only ask."""

    breach_reason = forms.ChoiceField(
        label="Why is this late?",
        choices=BreachReason.choices,
        widget=forms.RadioSelect(attrs={"class": "govuk-radios__input"}),
        required=False,
    )
    breach_detail = forms.CharField(
        label="Explain what happened",
        help_text="This is kept with the record of the missed timescale and shown to leaders.",
        widget=forms.Textarea(attrs={"rows": 3, "class": "govuk-textarea"}),
        max_length=2000,
        required=False,
    )


class BreachForm(GovukForm, BreachFields):
    """The breach questions on their own, for a page whose action has no other form."""


def add_breach_fields(form: forms.Form) -> None:
    form.fields.update(BreachFields().fields)


class TeamFilterForm(GovukForm):
    person = forms.ChoiceField(label="Owner", required=False)
    rule = forms.ChoiceField(label="Rule", required=False)
    status = forms.ChoiceField(label="Status", choices=STATUSES, required=False)

    def __init__(self, *args: Any, people: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "Anyone"), ("unassigned", "Unassigned"), *people]  # type: ignore[attr-defined]
        self.fields["rule"].choices = [("", "Any rule"), *[(r.code, r.title) for r in RULES.values()]]  # type: ignore[attr-defined]


class ParameterForm(GovukForm):
    value = forms.CharField(label="New value", max_length=10, error_messages={"required": "Enter the new value"})
    reason = forms.CharField(
        label="Why is it changing?",
        help_text="For example, the partnership's agreement that changed it. This is kept and audited.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Say why the value is changing"},
    )

    def __init__(self, *args: Any, parameter: Parameter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parameter = parameter

    def clean_value(self) -> str:
        """Checked here as well as by the service, so every error shows at once."""
        text: str = self.cleaned_data["value"]
        try:
            self.parameter.parse(text)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["value"]) from exc
        return text


class TermForm(GovukForm):
    local_authority = forms.CharField(
        label="Local authority", max_length=100, error_messages={"required": "Enter the local authority"}
    )
    name = forms.CharField(
        label="Term",
        help_text="For example, Autumn 2026",
        max_length=60,
        error_messages={"required": "Enter the term's name, for example Autumn 2026"},
    )
    first_day = GovukDateField(label="First day of term", past_only=False)
    last_day = GovukDateField(label="Last day of term", past_only=False)
