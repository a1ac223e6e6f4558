"""The forms of the investigation pages: opening, acceptance, allocation, supervisory review with its
directions, and closure. They only ask; the services decide (cadence, gates, who may do what)."""

from __future__ import annotations

from typing import Any

from django import forms

from safeguard.accounts.models import User
from safeguard.concerns.models import Concern, RiskGrade
from safeguard.web.forms import GovukDateField, GovukForm

from .models import REVIEW_CHECKS, Check, ClosureDecision, Outcome

TEXT_LIMIT = 20_000
MAX_DIRECTIONS = 10
NON_CRIME = "nc_"


class OfficerChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        return f"{obj.display_name}, {obj.unit}" if obj.unit_id else obj.display_name


def _officer_field(queryset: Any, label: str, *, required: bool = True) -> OfficerChoiceField:
    return OfficerChoiceField(
        label=label,
        queryset=queryset,
        required=required,
        empty_label="Choose an officer",
        error_messages={
            "required": "Choose the officer",
            "invalid_choice": "Choose an officer from the list",
        },
    )


def _text(label: str, *, rows: int = 4, missing: str = "", help_text: str = "") -> forms.CharField:
    """A narrative field; required when ``missing`` says what to do if it is left empty."""
    return forms.CharField(
        label=label,
        widget=forms.Textarea(attrs={"rows": rows}),
        max_length=TEXT_LIMIT,
        required=bool(missing),
        help_text=help_text,
        error_messages={"required": missing} if missing else {},
    )


class OpenForm(GovukForm):
    concerns = forms.MultipleChoiceField(
        label="Concerns to investigate",
        widget=forms.CheckboxSelectMultiple,
        help_text="Untick any that this investigation will not cover",
        error_messages={"required": "Choose at least one concern to investigate"},
    )
    summary = _text(
        "What is being investigated?",
        help_text="In a few sentences: the allegation, against whom, and the harm to the children",
        missing="Say what is being investigated",
    )
    risk_grade = forms.ChoiceField(
        label="Risk grade",
        choices=RiskGrade.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose standard, medium or high"},
    )
    risk_rationale = _text("Why this grade?", rows=3, missing="Explain the risk grade")
    first_review_on = GovukDateField(label="Date of the first supervisory review", past_only=False)

    def __init__(self, *args: Any, concerns: list[Concern], officers: Any, latest_review: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["concerns"].choices = [(str(c.pk), f"{c.reference or c}") for c in concerns]  # type: ignore[attr-defined]
        officer = _officer_field(officers, "Officer in the case")
        officer.help_text = "They will be asked to accept it"
        officer.widget.attrs["class"] = "govuk-select"
        self.fields = {
            "concerns": self.fields["concerns"],
            "officer": officer,
            **{k: v for k, v in self.fields.items() if k != "concerns"},
        }
        self.fields["first_review_on"].help_text = f"No later than {latest_review}. For example, 27 3 2026"


class AcceptForm(GovukForm):
    decision = forms.ChoiceField(
        label="Will you take this investigation?",
        choices=[("accept", "Yes, I accept it"), ("decline", "No, I cannot take it")],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you accept or decline the investigation"},
    )
    reason = _text(
        "If you cannot take it, why not?",
        rows=3,
        help_text="For example, a conflict of interest or planned leave. Your supervisor is told.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "decline" and not data.get("reason", "").strip():
            self.add_error("reason", "Say why you cannot take it")
        return data


class AllocateForm(GovukForm):
    reason = _text("Why is it being allocated to this officer?", rows=3, missing="Say why")

    def __init__(self, *args: Any, officers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        officer = _officer_field(officers, "New officer in the case")
        officer.help_text = "They will be asked to accept it; the open plan and its clocks move with it"
        officer.widget.attrs["class"] = "govuk-select"
        self.fields = {"officer": officer, "reason": self.fields["reason"]}


class ReviewForm(GovukForm):
    """The review itself. The four checks are added from REVIEW_CHECKS, named as the service names them."""

    rationale = _text(
        "Your rationale",
        rows=5,
        help_text="What you reviewed, what you think of the progress and the plan, and why",
        missing="Record your rationale",
    )
    check_notes = _text("Notes on the checks", rows=3, help_text="Anything the answers need explained")
    risk_grade = forms.ChoiceField(
        label="Risk grade",
        choices=RiskGrade.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose standard, medium or high"},
    )
    risk_rationale = _text("If you change the grade, why?", rows=3)
    next_review_on = GovukDateField(label="Date of the next review", past_only=False)

    def __init__(self, *args: Any, next_review_hint: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        checks = {
            name: forms.ChoiceField(
                label=label,
                choices=Check.choices,
                widget=forms.RadioSelect,
                error_messages={"required": f"Answer: {label.lower()}?"},
            )
            for name, label in REVIEW_CHECKS.items()
        }
        for field in checks.values():
            field.widget.attrs["class"] = "govuk-radios__input"
        self.fields = {"rationale": self.fields.pop("rationale"), **checks, **self.fields}
        self.fields["next_review_on"].help_text = next_review_hint


class DirectionForm(GovukForm):
    """One SMART direction (what, who, by when), named ``direction-<row>-<field>`` as the service keys
    its errors. A row left wholly blank is no direction."""

    title = forms.CharField(label="What is to be done", max_length=200, required=False)
    detail = _text("How, and what it should establish", rows=2)
    due_on = GovukDateField(label="Due by", past_only=False, required=False, help_text="For example, 27 3 2026")

    def __init__(self, *args: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = _officer_field(owners, "Who must do it", required=False)
        owner.widget.attrs["class"] = "govuk-select"
        self.fields = {
            "title": self.fields["title"],
            "detail": self.fields["detail"],
            "owner": owner,
            "due_on": self.fields["due_on"],
        }

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (
            data.get("title", "").strip() or data.get("detail", "").strip() or data.get("owner") or data.get("due_on")
        )


def outcome_choices() -> list[Any]:
    """Home Office crime outcomes and the non-crime outcomes, grouped."""
    crime = [(o.value, o.label) for o in Outcome if not o.value.startswith(NON_CRIME)]
    non_crime = [(o.value, o.label) for o in Outcome if o.value.startswith(NON_CRIME)]
    return [
        ("", "Choose the outcome"),
        ("Crime outcomes (Home Office codes)", crime),
        ("Non-crime outcomes", non_crime),
    ]


class ClosureForm(GovukForm):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=outcome_choices,
        error_messages={"required": "Choose the outcome", "invalid_choice": "Choose the outcome from the list"},
    )
    rationale = _text(
        "Why is the investigation ready to close?",
        rows=5,
        help_text="What was found, what was done to keep the children safe, and why this outcome",
        missing="Explain it",
    )


class SignOffForm(GovukForm):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[
            (ClosureDecision.SIGNED_OFF.value, "Sign off the closure"),
            (ClosureDecision.REFUSED.value, "Refuse: return it to the officer"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you sign off or refuse the closure"},
    )
    rationale = _text(
        "Your rationale",
        rows=4,
        help_text="If you refuse, say what is still to be done",
        missing="Record your rationale",
    )
