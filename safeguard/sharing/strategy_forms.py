"""Forms of the strategy discussion pages (strategy.py). They only ask: the services decide what is a
valid discussion (who took part, a decision, actions due within a year, a police action's owner), and
their errors are put back on these fields, row by row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet

from safeguard.accounts.models import OrganisationKind, User
from safeguard.concerns.forms import TEXT_LIMIT, london
from safeguard.web.forms import GovukDateField, GovukForm

from .models import Share, StrategyDecision

TIME_FORMATS = ["%H:%M", "%H.%M", "%H%M"]
NAME_LIMIT = 200
ACTION_LIMIT = 2000
AGENCIES = [("", "Choose the agency"), *OrganisationKind.choices]


def _time(label: str, what: str) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        input_formats=TIME_FORMATS,
        help_text="Use the 24-hour clock, for example 14:30",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5"}),
        error_messages={"invalid": "Enter a time like 14:30", "required": f"Enter the time {what}"},
    )


def _text(label: str, *, missing: str = "", help_text: str = "", rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        max_length=TEXT_LIMIT,
        required=bool(missing),
        error_messages={"required": missing} if missing else {},
    )


def answers(form: forms.Form) -> dict[str, Any]:
    """What was typed into a submitted form, as initial values for the same form shown again unchecked
    (the person asked for another row, not to save, so nothing is marked wrong yet)."""
    return {name: form[name].value() for name in form.fields}


class ShareChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, Share)
        sent = f", sent {obj.sent_at:%-d %b %Y}" if obj.sent_at else ""
        return f"{obj.reference}: {obj.get_kind_display()} to {obj.organisation}{sent}"


class OwnerChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, User)
        return f"{obj.display_name}, {obj.unit}" if obj.unit_id else obj.display_name


class PlanForm(GovukForm):
    """The decision to hold a strategy discussion: why, when it was made, and what it follows."""

    reason = _text(
        "Why is a strategy discussion needed?",
        help_text="What gives reasonable cause to suspect the child is suffering, or likely to suffer, "
        "significant harm",
        missing="Say why a strategy discussion is needed",
    )
    day = GovukDateField(label="Date it was decided", help_text="For example, 27 3 2026")
    time = _time("Time it was decided", "it was decided")

    def __init__(self, *args: Any, shares: QuerySet[Share], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        share = ShareChoiceField(
            label="Which referral does it follow? (optional)",
            queryset=shares,
            required=False,
            empty_label="None of these",
            help_text="The share to the partner that led to it, if there was one",
            error_messages={"invalid_choice": "Choose a share of this concern from the list"},
        )
        share.widget.attrs["class"] = "govuk-select"
        self.fields["share"] = share

    def decided_at(self) -> datetime:
        return london(self.cleaned_data["day"], self.cleaned_data["time"])


class RecordForm(GovukForm):
    """The discussion as held: when, what was shared, the decision and why. Who took part and the
    actions are rows of their own (AttendeeForm, ActionForm)."""

    day = GovukDateField(label="Date it was held", help_text="For example, 27 3 2026")
    time = _time("Time it started", "it started")
    information_shared = _text(
        "What information was shared?",
        help_text="By each agency: what they knew of the child and the family",
        missing="Record what information was shared",
        rows=6,
    )
    decision = forms.ChoiceField(
        label="What was decided?",
        choices=StrategyDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the decision"},
    )
    rationale = _text(
        "Why was this decided?", help_text="The reasons the agencies gave", missing="Record why this was decided"
    )

    def held_at(self) -> datetime:
        return london(self.cleaned_data["day"], self.cleaned_data["time"])


class AttendeeForm(GovukForm):
    """One person who took part, named ``attendee-<row>-<field>``. A row left wholly blank is nobody."""

    agency = forms.ChoiceField(
        label="Agency", choices=AGENCIES, required=False, error_messages={"invalid_choice": "Choose an agency"}
    )
    name = forms.CharField(label="Name", max_length=NAME_LIMIT, required=False)
    role = forms.CharField(
        label="Role (optional)", max_length=NAME_LIMIT, required=False, help_text="For example, duty social worker"
    )

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("agency") or data.get("name", "").strip() or data.get("role", "").strip())


class ActionForm(GovukForm):
    """One agreed action, named ``action-<row>-<field>``. A police action needs the officer who owns it
    (its clock is theirs); another agency's is tracked by the hub. A row left wholly blank is no action."""

    description = forms.CharField(
        label="What is to be done",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=ACTION_LIMIT,
        required=False,
    )
    agency = forms.ChoiceField(
        label="Which agency does it",
        choices=AGENCIES,
        required=False,
        error_messages={"invalid_choice": "Choose an agency"},
    )
    due_on = GovukDateField(label="Due by", past_only=False, required=False, help_text="For example, 27 3 2026")

    def __init__(self, *args: Any, owners: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = OwnerChoiceField(
            label="Police officer who does it",
            queryset=owners,
            required=False,
            empty_label="Choose an officer",
            help_text="Only for a police action",
            error_messages={"invalid_choice": "Choose a police officer from the list"},
        )
        owner.widget.attrs["class"] = "govuk-select"
        self.fields = {
            "description": self.fields["description"],
            "agency": self.fields["agency"],
            "owner": owner,
            "due_on": self.fields["due_on"],
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        agency = data.get("agency")
        if data.get("owner") is not None and agency and agency != OrganisationKind.POLICE_UNIT:
            self.add_error("owner", "Only a police action has a police officer: leave the officer empty")
        return data

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (
            data.get("description", "").strip() or data.get("agency") or data.get("owner") or data.get("due_on")
        )


class ConferenceForm(GovukForm):
    day = GovukDateField(label="Date the conference was held", help_text="For example, 27 3 2026")
    time = _time("Time it started", "it started")

    def held_at(self) -> datetime:
        return london(self.cleaned_data["day"], self.cleaned_data["time"])


class CompleteForm(GovukForm):
    note = forms.CharField(
        label="What was done?",
        help_text="What was done and what it found. This is kept with the strategy discussion.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_LIMIT,
        error_messages={"required": "Say what was done"},
    )
