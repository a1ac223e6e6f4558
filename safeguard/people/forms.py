from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from safeguard.web.forms import GovukDateField, GovukForm

from . import identity
from .models import DobQuality, FlagKind, Gender, IdentifierKind, NameKind, RelationshipKind, Source
from .search import Query

NAME_MAX = 100


class SearchForm(GovukForm):
    """'Have we seen this child before?' Any one of these is enough; more gives better matches."""

    given_name = forms.CharField(label="First name", required=False, max_length=NAME_MAX)
    family_name = forms.CharField(label="Last name", required=False, max_length=NAME_MAX)
    date_of_birth = GovukDateField(label="Date of birth", required=False, help_text="For example, 27 3 2015")
    birth_year = forms.IntegerField(
        label="Or the year they were born, if that is all you know",
        required=False,
        min_value=1900,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
    )
    age = forms.IntegerField(
        label="Or their age",
        required=False,
        min_value=0,
        max_value=120,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    postcode = forms.CharField(
        label="Postcode",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
    )
    identifier = forms.CharField(label="NHS number, school URN or police reference", required=False, max_length=40)

    def clean_birth_year(self) -> int | None:
        year = self.cleaned_data.get("birth_year")
        if year and year > timezone.localdate().year:
            raise forms.ValidationError("Year born must be this year or earlier")
        return year

    def clean_postcode(self) -> str:
        value = self.cleaned_data.get("postcode", "").strip()
        if value and not identity.normalise_postcode(value):
            raise forms.ValidationError("Enter a real postcode, like NS1 4AB")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and self.query().is_empty:
            raise forms.ValidationError("Enter a name, date of birth, age, postcode or identifier to search")
        return data

    def query(self) -> Query:
        data = self.cleaned_data
        return Query(
            given_name=data.get("given_name") or "",
            family_name=data.get("family_name") or "",
            date_of_birth=data.get("date_of_birth"),
            birth_year=data.get("birth_year"),
            age=data.get("age"),
            postcode=data.get("postcode") or "",
            identifier=data.get("identifier") or "",
        )


class PersonForm(GovukForm):
    given_name = forms.CharField(label="First name", max_length=NAME_MAX, help_text="Or 'Unknown'")
    family_name = forms.CharField(label="Last name", max_length=NAME_MAX, help_text="Or 'Unknown'")
    date_of_birth = GovukDateField(label="Date of birth", required=False, help_text="For example, 27 3 2015")
    dob_quality = forms.ChoiceField(
        label="How do you know the date of birth?",
        choices=DobQuality.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text="If you only know their age, enter an estimated date and choose 'Estimated'",
    )
    gender = forms.ChoiceField(choices=Gender.choices, widget=forms.RadioSelect, initial=Gender.UNKNOWN)
    address_line1 = forms.CharField(label="Address line 1", max_length=200, required=False)
    town = forms.CharField(label="Town", max_length=100, required=False)
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    nhs_number = forms.CharField(label="NHS number", max_length=14, required=False, help_text="10 digits, if known")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_of_birth") and not data.get("dob_quality"):
            self.add_error("dob_quality", "Say whether the date of birth is verified, stated or estimated")
        postcode = (data.get("postcode") or "").strip()
        if postcode and not identity.normalise_postcode(postcode):
            self.add_error("postcode", "Enter a real postcode, like NS1 4AB")
        nhs = (data.get("nhs_number") or "").strip()
        if nhs and not identity.nhs_number_is_valid(nhs):
            self.add_error("nhs_number", "Enter a valid 10-digit NHS number, like 999 123 4560")
        return data


class NameForm(GovukForm):
    given_name = forms.CharField(label="First name", max_length=NAME_MAX)
    family_name = forms.CharField(label="Last name", max_length=NAME_MAX)
    kind = forms.ChoiceField(
        label="What kind of name is it?",
        choices=[c for c in NameKind.choices if c[0] not in (NameKind.PRIMARY, NameKind.PART)],
        widget=forms.RadioSelect,
    )
    source = forms.ChoiceField(label="Where did it come from?", choices=Source.choices, widget=forms.RadioSelect)


class IdentifierForm(GovukForm):
    kind = forms.ChoiceField(label="Identifier", choices=IdentifierKind.choices, widget=forms.RadioSelect)
    value = forms.CharField(label="Number or reference", max_length=40)
    source = forms.ChoiceField(label="Where did it come from?", choices=Source.choices, widget=forms.RadioSelect)


class AddressForm(GovukForm):
    line1 = forms.CharField(label="Address line 1", max_length=200)
    town = forms.CharField(label="Town", max_length=100, required=False)
    postcode = forms.CharField(label="Postcode", max_length=10)
    source = forms.ChoiceField(label="Where did it come from?", choices=Source.choices, widget=forms.RadioSelect)


class FlagForm(GovukForm):
    kind = forms.ChoiceField(label="Flag", choices=FlagKind.choices, widget=forms.RadioSelect)
    note = forms.CharField(label="Note", max_length=500, required=False)
    source = forms.ChoiceField(label="Where did it come from?", choices=Source.choices, widget=forms.RadioSelect)


class RelationshipForm(GovukForm):
    kind = forms.ChoiceField(label="This person is…", choices=RelationshipKind.choices, widget=forms.RadioSelect)
    other = forms.IntegerField(
        label="…of person number", min_value=1, help_text="The number shown on the other person's page"
    )
    source = forms.ChoiceField(label="Where did it come from?", choices=Source.choices, widget=forms.RadioSelect)


class DateOfBirthForm(GovukForm):
    date_of_birth = GovukDateField(label="Date of birth")
    dob_quality = forms.ChoiceField(
        label="How do you know the date of birth?", choices=DobQuality.choices, widget=forms.RadioSelect
    )


class MergeForm(GovukForm):
    reason = forms.CharField(
        label="Why are these the same person?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text="For example: same NHS number; mother confirmed the child's previous surname",
    )


class ChooseDuplicateForm(GovukForm):
    other = forms.IntegerField(label="Person number of the duplicate", min_value=1)


DETAIL_FORMS: dict[str, tuple[type[GovukForm], str]] = {
    "name": (NameForm, "Add a name"),
    "identifier": (IdentifierForm, "Add an identifier"),
    "address": (AddressForm, "Add an address"),
    "flag": (FlagForm, "Add a flag"),
    "relationship": (RelationshipForm, "Add a relationship"),
    "date-of-birth": (DateOfBirthForm, "Change the date of birth"),
}
