from __future__ import annotations

from typing import Any

from django import forms

from safeguard.web.forms import GovukForm, GovukModelForm

from .models import Organisation, Role, Unit, User


class OneTimeCodeInput(forms.TextInput):
    """A security code is never echoed back into the page, whatever happened to the attempt."""

    def format_value(self, value: Any) -> str | None:
        return None


class LoginForm(GovukForm):
    username = forms.CharField(
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        max_length=200, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    code = forms.CharField(
        label="Security code",
        required=False,
        max_length=12,
        help_text="The 6-digit code from your authenticator app. Leave empty if you have not set one up yet.",
        widget=OneTimeCodeInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "govuk-input--width-10"}
        ),
    )


class TotpConfirmForm(GovukForm):
    code = forms.CharField(
        label="Security code",
        max_length=12,
        help_text="Enter the 6-digit code your authenticator app shows for Safeguard",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "govuk-input--width-10"}
        ),
    )


class ApiTokenForm(GovukForm):
    name = forms.CharField(max_length=100, help_text="What the token is for, for example 'Analyst export script'")
    days = forms.IntegerField(
        label="Days until it expires",
        min_value=1,
        max_value=365,
        initial=90,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
    )


class BreakGlassForm(GovukForm):
    reason = forms.CharField(
        label="Why do you need to open this record?",
        help_text="Your reason is logged and the record's owner is told that you opened it.",
        min_length=10,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class UserForm(GovukForm):
    username = forms.RegexField(
        regex=r"^[A-Za-z0-9._-]{3,150}$", max_length=150, help_text="Letters, numbers, dots, dashes and underscores"
    )
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(max_length=254)
    collar_number = forms.CharField(max_length=20, required=False)
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.filter(is_active=True))
    unit = forms.ModelChoiceField(queryset=Unit.objects.filter(is_active=True), required=False)
    roles = forms.ModelMultipleChoiceField(
        queryset=Role.objects.all(), to_field_name="code", widget=forms.CheckboxSelectMultiple
    )
    password = forms.CharField(
        label="Temporary password",
        strip=False,
        max_length=200,
        help_text="At least 12 characters. The user sets up two-factor authentication when they first sign in.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, editing: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing is not None:
            del self.fields["password"]
            del self.fields["username"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unit, organisation = data.get("unit"), data.get("organisation")
        if unit and organisation and unit.organisation_id != organisation.pk:
            self.add_error("unit", "Choose a unit that belongs to the chosen organisation")
        return data


class DisableUserForm(GovukForm):
    reason = forms.CharField(max_length=300, help_text="For example: left the force, suspected compromise")


class OrganisationForm(GovukModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "kind", "is_active"]


class UnitForm(GovukModelForm):
    class Meta:
        model = Unit
        fields = ["name", "code", "organisation", "supervisor", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(kind="police")  # type: ignore[attr-defined]
        self.fields["supervisor"].queryset = User.objects.filter(roles__code="supervisor", is_active=True)  # type: ignore[attr-defined]
