"""The forms of the police sharing pages. They only ask and check the shape of an answer (a choice from
the list, a length); the services decide the rest (who may share what, what a template allows, the
lawful basis, late work) and their errors are placed back on these forms."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from safeguard.accounts.models import Organisation
from safeguard.people.models import Person
from safeguard.timescales.calendars import LONDON
from safeguard.web.forms import GovukDateField, GovukForm, govuk_class

from .kinds import FieldSpec, KindSpec, spec
from .models import LawfulBasis, Share, ShareKind
from .selectors import BOARD_STATES

REASON_LIMIT = 4000
VALUE_PREFIX = "value_"


def _govuk(form: forms.Form) -> None:
    """GOV.UK classes and length messages for fields a form adds after GovukForm has styled its own."""
    for field in form.fields.values():
        limit = getattr(field, "max_length", None)
        if limit:
            field.error_messages["max_length"] = f"{field.label or 'This'} must be {limit:,} characters or fewer"
        if not isinstance(field.widget, forms.MultiWidget) and "class" not in field.widget.attrs:
            field.widget.attrs["class"] = govuk_class(field.widget)


def kind_label(kind: str) -> str:
    return str(ShareKind(kind).label)


class OrganisationChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def __init__(self, *args: Any, first: Sequence[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.first = set(first)

    def label_from_instance(self, obj: Organisation) -> str:  # type: ignore[override]
        return f"{obj.name} (the child's school)" if obj.pk in self.first else obj.name


class ChildChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A child by name and date of birth; a restricted child the viewer has not opened by number only."""

    def __init__(self, *args: Any, locked: Collection[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locked = set(locked)

    def label_from_instance(self, obj: Person) -> str:  # type: ignore[override]
        if obj.pk in self.locked:
            return f"Restricted person {obj.pk}"
        born = f", born {obj.date_of_birth:%-d %B %Y}" if obj.date_of_birth else ""
        return f"{obj.full_name}{born}"


def _text(label: str, *, rows: int = 4, missing: str = "", help_text: str = "", limit: int = REASON_LIMIT) -> Any:
    return forms.CharField(
        label=label,
        widget=forms.Textarea(attrs={"rows": rows}),
        max_length=limit,
        required=bool(missing),
        help_text=help_text,
        error_messages={"required": missing} if missing else {},
    )


def _kind_field(kinds: Sequence[str], label: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=[(kind, kind_label(kind)) for kind in kinds],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what kind of share this is",
            "invalid_choice": "Choose a kind of share from the list",
        },
    )


def _child_field(children: Sequence[Person], *, required: bool, locked: Collection[int]) -> ChildChoiceField:
    return ChildChoiceField(
        locked=locked,
        label="Which child is it about?",
        queryset=Person.objects.filter(pk__in=[c.pk for c in children]).order_by("family_name", "given_name", "pk"),
        widget=forms.RadioSelect,
        required=required,
        empty_label=None,
        error_messages={
            "required": "Choose which child this is about",
            "invalid_choice": "Choose a child from the list",
        },
    )


class KindForm(GovukForm):
    """The first question when no kind is given: what kind of share (the kinds this person may send)."""

    def __init__(self, *args: Any, kinds: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"] = _kind_field(kinds, "What do you want to share?")
        _govuk(self)


class DraftForm(GovukForm):
    """Who a share of a given kind goes to, and (for a notice about one child) which child."""

    def __init__(
        self,
        *args: Any,
        template: KindSpec,
        organisations: QuerySet[Organisation],
        first: Sequence[int],
        children: Sequence[Person],
        locked: Collection[int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if template.per_child:
            self.fields["child"] = _child_field(children, required=True, locked=locked)
        organisation = OrganisationChoiceField(
            label="Who is it going to?",
            queryset=organisations,
            first=first,
            empty_label="Choose an organisation",
            help_text="Only organisations that can receive this kind of share are listed",
            error_messages={
                "required": "Choose who to share with",
                "invalid_choice": "Choose an organisation from the list",
            },
        )
        organisation.widget.attrs["class"] = "govuk-select"
        self.fields["organisation"] = organisation
        _govuk(self)


class EditForm(GovukForm):
    """The draft: which of the template's fields are shared (``included``; required ones always are), the
    text of the editable ones (``value_<field>``), and the lawful basis. Nothing outside the template can
    be posted: an unknown or fixed field is refused, not ignored, so a tampered form is noticed."""

    lawful_basis = forms.ChoiceField(
        label="Lawful basis for sharing",
        choices=LawfulBasis.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the lawful basis for sharing",
            "invalid_choice": "Choose a lawful basis from the list",
        },
    )
    lawful_basis_detail = _text(
        "Why this basis applies (optional)",
        rows=3,
        limit=2000,
        help_text="For example, the risk to the child that makes sharing necessary",
    )

    def __init__(self, *args: Any, share: Share, **kwargs: Any) -> None:
        self.template = spec(share.kind)
        self.entries = [e for e in share.content if self.template.field(e["field"]) is not None]
        ticked = [e["field"] for e in self.entries if e.get("included")]
        initial = {
            "included": ticked,
            "lawful_basis": share.lawful_basis,
            "lawful_basis_detail": share.lawful_basis_detail,
            **{VALUE_PREFIX + e["field"]: e["value"] for e in self.entries},
        }
        super().__init__(*args, initial=initial, **kwargs)
        fields: dict[str, forms.Field] = {
            "included": forms.MultipleChoiceField(
                label="Fields to share",
                choices=[(f.code, f.label) for f in self.specs if not f.required],
                widget=forms.CheckboxSelectMultiple,
                required=False,
                error_messages={"invalid_choice": "That field cannot be shared with this kind of share"},
            )
        }
        for field in self.specs:
            if field.editable:
                fields[VALUE_PREFIX + field.code] = _value_field(field)
        basis = {name: self.fields[name] for name in ("lawful_basis", "lawful_basis_detail")}
        self.fields = {**fields, **basis}
        _govuk(self)

    @property
    def specs(self) -> list[FieldSpec]:
        return [f for e in self.entries if (f := self.template.field(e["field"])) is not None]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        editable = {VALUE_PREFIX + f.code for f in self.specs if f.editable}
        for key in self.data:
            if key.startswith(VALUE_PREFIX) and key not in editable:
                code = key.removeprefix(VALUE_PREFIX)
                field = self.template.field(code)
                if field is None:
                    raise ValidationError("The form asked to change a field this kind of share does not have")
                raise ValidationError(f"'{field.label}' is taken from the record and cannot be changed here")
        return data

    def values(self) -> dict[str, str]:
        return {
            name.removeprefix(VALUE_PREFIX): value
            for name, value in self.cleaned_data.items()
            if name.startswith(VALUE_PREFIX)
        }

    def rows(self) -> list[dict[str, Any]]:
        """One row per template field as the page lays it out: its tick box (unless always shared), its
        editable answer or its fixed value."""
        posted = self["included"].value() or []
        rows, optional = [], 0
        for entry, field in zip(self.entries, self.specs, strict=True):
            row: dict[str, Any] = {"code": field.code, "label": field.label, "required": field.required}
            if not field.required:
                row["checkbox_id"] = f"id_included_{optional}"
                row["checked"] = field.code in posted
                optional += 1
            if field.editable:
                row["field"] = self[VALUE_PREFIX + field.code]
            else:
                row["value"] = entry["value"]
            rows.append(row)
        return rows


def _value_field(field: FieldSpec) -> forms.Field:
    if field.choices:
        return forms.ChoiceField(
            label=f"{field.label}: answer to share",
            choices=field.choices,
            widget=forms.RadioSelect,
            error_messages={
                "required": f"Choose an answer for '{field.label}'",
                "invalid_choice": f"Choose an answer for '{field.label}' from the list",
            },
        )
    return forms.CharField(
        label=f"{field.label}: text to share",
        widget=forms.Textarea(attrs={"rows": 6 if field.limit > 1000 else 3}),
        max_length=field.limit,
        required=False,
        strip=False,
        help_text="Remove anything the partner does not need to know",
    )


class SendForm(GovukForm):
    """Sending asks nothing more, unless it is late (the breach questions are added then)."""


class NotSharedForm(GovukForm):
    def __init__(
        self,
        *args: Any,
        kinds: Sequence[str],
        children: Sequence[Person],
        locked: Collection[int],
        organisations: QuerySet[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"] = _kind_field(kinds, "What is not being shared?")
        if any(spec(k).per_child for k in kinds) and children:
            child = _child_field(children, required=False, locked=locked)
            child.help_text = "For a notice about one child, such as an Operation Encompass notice"
            self.fields["child"] = child
        organisation = OrganisationChoiceField(
            label="Which organisation would it have gone to? (optional)",
            queryset=organisations,
            required=False,
            empty_label="Not decided",
            error_messages={"invalid_choice": "Choose an organisation from the list"},
        )
        organisation.widget.attrs["class"] = "govuk-select"
        self.fields["organisation"] = organisation
        self.fields["reason"] = _text(
            "Why is it not being shared?",
            rows=5,
            missing="Say why the information is not shared",
            help_text="A supervisor reviews this decision",
        )
        _govuk(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, organisation = data.get("kind"), data.get("organisation")
        if kind and organisation is not None and organisation.kind not in spec(kind).recipients:
            self.add_error("organisation", "That organisation cannot receive this kind of share")
        return data


class ReviewForm(GovukForm):
    agree = forms.ChoiceField(
        label="Do you agree with the decision not to share?",
        choices=[("yes", "Yes, I agree"), ("no", "No, it should be shared")],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you agree", "invalid_choice": "Choose yes or no"},
    )
    note = _text(
        "Your review",
        help_text="If you disagree, say what should be shared and with whom: the person who decided is told",
    )


class RevokeForm(GovukForm):
    reason = _text("Why is it being withdrawn?", rows=4, missing="Say why it is withdrawn")


class RespondForm(GovukForm):
    """The partner's response, recorded by the hub on their behalf (told by phone or at a meeting)."""

    day = GovukDateField(label="Date they did it", help_text="For example, 27 3 2026")
    time = forms.TimeField(
        label="Time they did it",
        input_formats=["%H:%M", "%H.%M", "%H%M"],
        help_text="Use the 24-hour clock, for example 14:30",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5"}),
        error_messages={"invalid": "Enter a time like 14:30", "required": "Enter the time they did it"},
    )
    detail = _text("What they told you", help_text="Required when you choose 'Something else'")

    def __init__(self, *args: Any, kinds: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = forms.ChoiceField(
            label="What did the partner do?",
            choices=list(kinds),
            widget=forms.RadioSelect,
            error_messages={"required": "Choose what was done", "invalid_choice": "Choose what was done from the list"},
        )
        self.fields = {"kind": kind, **self.fields}
        _govuk(self)

    def occurred_at(self) -> datetime:
        return datetime.combine(self.cleaned_data["day"], self.cleaned_data["time"], tzinfo=LONDON)


class BoardFilterForm(GovukForm):
    status = forms.ChoiceField(
        label="State",
        required=False,
        choices=[("", "Any state"), *[(s.value, s.label) for s in BOARD_STATES]],
        error_messages={"invalid_choice": "Choose a state from the list"},
    )
    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[("", "Any kind"), *ShareKind.choices],
        error_messages={"invalid_choice": "Choose a kind from the list"},
    )
    overdue = forms.BooleanField(label="Only those overdue at any step", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("status", "kind"):
            self.fields[name].widget.attrs["class"] = "govuk-select"


class LedgerFilterForm(GovukForm):
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="Any organisation",
        error_messages={"invalid_choice": "Choose an organisation from the list"},
    )
    since = GovukDateField(label="From", past_only=False, required=False, help_text="For example, 1 4 2026")
    until = GovukDateField(label="To", past_only=False, required=False, help_text="Includes the whole of that day")

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations
        field.widget.attrs["class"] = "govuk-select"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "'To' must be the same as or after 'From'")
        return data
