"""Forms of the admin's partner pages (partners.py). They only ask: partner_services checks the answers
(https webhooks, a school's URN, one contact per email address) and its errors come back on these fields."""

from __future__ import annotations

from typing import Any

from django import forms

from safeguard.web.forms import GovukForm


class ProfileForm(GovukForm):
    school_urn = forms.CharField(
        label="School URN (schools only)",
        help_text="The school's 6-digit unique reference number from Get Information about Schools",
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "numeric"}),
    )
    local_authority = forms.CharField(
        label="Local authority (schools only)",
        help_text="Whose term dates decide the next school day for an Operation Encompass notice",
        max_length=100,
        required=False,
    )
    email_alerts = forms.BooleanField(
        label="Email an alert to each alert contact when something is shared",
        help_text="Alerts say only that there is something to read in the partner portal: no case details",
        required=False,
    )
    webhook_url = forms.CharField(
        label="Webhook address (optional)",
        help_text="The partner's own system, if it takes alerts: an https:// address. Each alert is signed with "
        "the partner's secret.",
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )


class ContactForm(GovukForm):
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter the contact's name"})
    job_title = forms.CharField(
        label="Job title (optional)",
        help_text="For example, designated safeguarding lead",
        max_length=200,
        required=False,
    )
    email = forms.CharField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
        error_messages={"required": "Enter the contact's email address"},
    )
    receives_alerts = forms.BooleanField(label="Send them alerts when something is shared", required=False)
    escalation_contact = forms.BooleanField(
        label="Named escalation contact",
        help_text="Told (without case details) when a share to this organisation is not acknowledged in time",
        required=False,
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["is_active"] = forms.BooleanField(
                label="Active",
                help_text="Untick to deactivate: they get no more alerts or escalations",
                required=False,
                widget=forms.CheckboxInput(attrs={"class": "govuk-checkboxes__input"}),
            )
