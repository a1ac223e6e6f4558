"""One question per page (GOV.UK pattern): each form asks one thing about the concern."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings

from safeguard.voice.models import Demeanour, ReasonNotSpoken, SeenAlone, VoiceRecord
from safeguard.voice.services import VoiceAnswers
from safeguard.web.forms import GovukDateField, GovukForm

from .models import ConcernType, InvolvementRole, RiskGrade

TEXT_LIMIT = 20_000
YES_NO = [("yes", "Yes"), ("no", "No")]


def london(day: Any, time: Any) -> datetime:
    return datetime.combine(day, time).replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


class WhenForm(GovukForm):
    day = GovukDateField(label="Date it happened", help_text="For example, 27 3 2026")
    time = forms.TimeField(
        label="Time it happened",
        input_formats=["%H:%M", "%H.%M", "%H%M"],
        help_text="Use the 24-hour clock, for example 21:30",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5"}),
        error_messages={"invalid": "Enter a time like 21:30", "required": "Enter the time it happened"},
    )

    def occurred_at(self) -> datetime:
        return london(self.cleaned_data["day"], self.cleaned_data["time"])


class WhereForm(GovukForm):
    location = forms.CharField(label="Address or place", max_length=300)
    postcode = forms.CharField(label="Postcode (if known)", max_length=10, required=False)


class TypesForm(GovukForm):
    types = forms.MultipleChoiceField(
        label="Type of concern",
        choices=[c for c in ConcernType.choices if c[0] != ConcernType.MISSING],
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply",
        error_messages={"required": "Choose at least one type of concern"},
    )


class SummaryForm(GovukForm):
    summary = forms.CharField(
        label="Describe what happened",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=TEXT_LIMIT,
        help_text="What you saw and were told, by whom. Record each child's own words on their voice page.",
    )


class RiskForm(GovukForm):
    grade = forms.ChoiceField(
        label="Risk grade",
        choices=RiskGrade.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose standard, medium or high"},
    )
    rationale = forms.CharField(
        label="Why this grade?",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=TEXT_LIMIT,
        help_text="What makes the risk what it is: history, vulnerability, what the children said and showed",
    )


class AgeQuestionForm(GovukForm):
    """A person's part in a case, asking whether they are under 18 only when their date of birth is not
    known (otherwise it is worked out from it). Subclasses add the part itself."""

    is_child = forms.ChoiceField(
        label="Are they under 18?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
        help_text="Only asked because their date of birth is not known",
    )

    def __init__(self, *args: Any, needs_age: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.needs_age = needs_age
        if not needs_age:
            del self.fields["is_child"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.needs_age and not data.get("is_child"):
            self.add_error("is_child", "Say whether they are under 18")
        return data

    def under_18(self) -> bool | None:
        """The answer to the age question: None when it was not asked."""
        answer = self.cleaned_data.get("is_child")
        return None if not answer else answer == "yes"


class InvolveForm(AgeQuestionForm):
    field_order = ["roles", "is_child"]

    roles = forms.MultipleChoiceField(
        label="What is their part in this concern?",
        choices=InvolvementRole.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply",
        error_messages={"required": "Choose their part in this concern"},
    )


class VoiceForm(GovukForm):
    """The child's voice (DOMAIN.md). The service validates the rules between fields."""

    seen = forms.ChoiceField(
        label="Did you see the child?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you saw the child"},
    )
    seen_alone = forms.ChoiceField(
        label="Did you see them alone?", choices=SeenAlone.choices, widget=forms.RadioSelect, required=False
    )
    seen_alone_reason = forms.CharField(
        label="If not alone, why not?", max_length=TEXT_LIMIT, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    spoken_to = forms.ChoiceField(
        label="Did you speak to the child?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you spoke to the child"},
    )
    reason_not_spoken = forms.ChoiceField(
        label="If not, why not?",
        choices=ReasonNotSpoken.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    reason_detail = forms.CharField(
        label="More about why they were not spoken to",
        max_length=TEXT_LIMIT,
        required=False,
        help_text="Required for 'asleep' (why they were not woken) and 'other'",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    childs_words = forms.CharField(
        label="The child's own words",
        max_length=TEXT_LIMIT,
        required=False,
        strip=False,
        help_text="Exactly what they said, as they said it. Do not paraphrase.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    demeanour = forms.MultipleChoiceField(
        label="Behaviour and demeanour",
        choices=Demeanour.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Select all you saw",
    )
    demeanour_narrative = forms.CharField(
        label="Describe their behaviour and demeanour",
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    wishes_and_feelings = forms.CharField(
        label="Their wishes and feelings",
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    others_present = forms.CharField(
        label="Who else was present?", max_length=TEXT_LIMIT, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    informed_decision = forms.CharField(
        label="How did what you saw and heard inform your decision?",
        max_length=TEXT_LIMIT,
        required=False,
        help_text="Required if you saw or spoke to the child",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    correction_reason = forms.CharField(
        label="Why are you correcting this record?",
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    TEXT = (
        "seen_alone",
        "seen_alone_reason",
        "reason_not_spoken",
        "reason_detail",
        "childs_words",
        "demeanour_narrative",
        "wishes_and_feelings",
        "others_present",
        "informed_decision",
    )

    def __init__(self, *args: Any, correcting: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not correcting:
            del self.fields["correction_reason"]

    @classmethod
    def initial_from(cls, voice: VoiceRecord | None) -> dict[str, Any]:
        """The form's answers as ``voice`` recorded them (nothing for a first record)."""
        if voice is None:
            return {}
        return {
            "seen": "yes" if voice.seen else "no",
            "spoken_to": "yes" if voice.spoken_to else "no",
            "demeanour": voice.demeanour_codes,
            **{name: getattr(voice, name) for name in cls.TEXT},
        }

    def answers(self) -> VoiceAnswers:
        """The cleaned answers, as the voice services take them."""
        data = self.cleaned_data
        return VoiceAnswers(
            seen=data["seen"] == "yes",
            spoken_to=data["spoken_to"] == "yes",
            demeanour=list(data["demeanour"]),
            **{name: data[name] for name in self.TEXT},
        )


class DecisionForm(GovukForm):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("endorse", "Endorse"), ("return", "Return to the officer")],
        widget=forms.RadioSelect,
    )
    rationale = forms.CharField(
        label="Your rationale",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=TEXT_LIMIT,
        help_text="If you return it, say what the officer needs to do",
    )
    quality_override = forms.CharField(
        label="Why endorse although the child's voice fails quality checks?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_LIMIT,
        required=False,
    )


class ReviewOutcomeForm(GovukForm):
    outcome = forms.CharField(
        label="What did the review of the child's history find, and what happens next?",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=TEXT_LIMIT,
    )
