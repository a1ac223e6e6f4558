"""Forms for the plan pages (plan.py). They ask; the services decide (an owner of the right team, a due
date within the horizon, an event time in the past), and their errors are placed back on these fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms

from safeguard.accounts.models import User
from safeguard.concerns.forms import TEXT_LIMIT, AgeQuestionForm, london
from safeguard.concerns.models import InvolvementRole
from safeguard.web.forms import GovukDateField, GovukForm

from .models import ActionStatus, Agency, EntryKind, Investigation, LineOfEnquiry
from .services import assignable_owners

TIME_FORMATS = ["%H:%M", "%H.%M", "%H%M"]


def _time(label: str, what: str) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        input_formats=TIME_FORMATS,
        help_text="Use the 24-hour clock, for example 21:30",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5"}),
        error_messages={"invalid": "Enter a time like 21:30", "required": f"Enter the time {what}"},
    )


def _version() -> forms.IntegerField:
    """The version of the action the page was opened on: a save from an older one is a conflict."""
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": "This page was out of date: open it again",
            "invalid": "This page was out of date: open it again",
            "min_value": "This page was out of date: open it again",
        },
    )


class OwnerField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, User)
        return obj.display_name


class ActionForm(GovukForm):
    """A line of enquiry: what, who, by when. A supervisor's direction keeps its kind."""

    kind = forms.ChoiceField(
        label="Line of enquiry",
        choices=[c for c in LineOfEnquiry.choices if c[0] != LineOfEnquiry.DIRECTION],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the line of enquiry"},
    )
    title = forms.CharField(
        label="What is to be done",
        max_length=200,
        help_text="For example, ABE interview of Amy by a trained interviewer",
        error_messages={"required": "Say what is to be done"},
    )
    detail = forms.CharField(
        label="Detail (optional)",
        help_text="How it is to be done, and what it should establish",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_LIMIT,
        required=False,
    )
    owner = OwnerField(
        label="Who will do it",
        queryset=User.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Choose who will do it",
            "invalid_choice": "Choose an officer of the team running this investigation",
        },
    )
    due_on = GovukDateField(label="Due date", past_only=False, help_text="For example, 27 3 2026")

    def __init__(
        self, *args: Any, investigation: Investigation, direction: bool = False, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = assignable_owners(investigation)  # type: ignore[attr-defined]
        if direction:
            del self.fields["kind"]
        if editing:
            self.fields["version"] = _version()


class FinishForm(GovukForm):
    status = forms.ChoiceField(
        label="Was it completed?",
        choices=[
            (ActionStatus.DONE.value, "Yes, it was completed"),
            (ActionStatus.CLOSED.value, "No, close it without completing it"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether it was completed or closed without being completed"},
    )
    result = forms.CharField(
        label="What did it find, or why is it being closed?",
        help_text="If it is closed without being done, the reason is what the supervisor will review",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=TEXT_LIMIT,
        error_messages={"required": "Say what it found, or why it is being closed without being done"},
    )
    version = _version()


class EventForm(GovukForm):
    """What happened and when (event time); the recording time is the moment it is saved."""

    text = forms.CharField(
        label="What happened",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=TEXT_LIMIT,
        error_messages={"required": "Say what happened"},
    )
    day = GovukDateField(label="Date it happened", help_text="For example, 27 3 2026")
    time = _time("Time it happened", "it happened")

    def occurred_at(self) -> datetime:
        return london(self.cleaned_data["day"], self.cleaned_data["time"])


class EntryForm(EventForm):
    kind = forms.ChoiceField(
        label="What are you recording?",
        choices=EntryKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose progress, evidence or decision"},
    )
    field_order = ["kind", "text", "day", "time"]


class CorrectionForm(EventForm):
    reason = forms.CharField(
        label="Why are you correcting it?",
        help_text="The earlier version is kept and shown as corrected, with this reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_LIMIT,
        error_messages={"required": "Say why it is being corrected"},
    )


class PersonRoleForm(AgeQuestionForm):
    field_order = ["role", "is_child"]

    role = forms.ChoiceField(
        label="What is their part in this investigation?",
        choices=InvolvementRole.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose their part in this investigation"},
    )


class NotificationForm(GovukForm):
    agency = forms.ChoiceField(
        label="Which partner must be told?",
        choices=Agency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the partner agency"},
    )
    purpose = forms.CharField(
        label="What must they be told, and why?",
        help_text="The investigation cannot close until this is recorded as sent",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_LIMIT,
        error_messages={"required": "Say what the partner must be told, and why"},
    )


class SentForm(GovukForm):
    day = GovukDateField(label="Date it was sent", help_text="For example, 27 3 2026")
    time = _time("Time it was sent", "it was sent")
    detail = forms.CharField(
        label="To whom, how, and any reference",
        help_text="For example, emailed to the duty social worker, J Patel; MASH reference 12345",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_LIMIT,
        error_messages={"required": "Say who it was sent to, how, and any reference"},
    )

    def sent_at(self) -> datetime:
        return london(self.cleaned_data["day"], self.cleaned_data["time"])
