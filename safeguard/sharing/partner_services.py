"""The admin's writes to partner organisations' sharing set-up: how Safeguard reaches them (alert emails,
a signed webhook to their own system, its signing secret) and who their contacts are. Each write is one
transaction with its audit event, like every other admin write (accounts.services): a partner's staff
are personal data, and where alerts go decides who learns that something was shared."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction

from safeguard.accounts import policy
from safeguard.accounts.models import Organisation, OrganisationKind, User
from safeguard.audit import services as audit
from safeguard.audit.models import Operation
from safeguard.validation import check_name, check_text, gather

from .models import PartnerContact, PartnerProfile

PROFILE = "sharing.partnerprofile"
CONTACT = "sharing.partnercontact"
URN = re.compile(r"^\d{6}$")
UNSAFE_IN_URL = re.compile(r"[\s<>\"'`\\{}|^]")
WEBHOOK_LIMIT = 500
EMAIL_LIMIT = 254
TITLE_LIMIT = 200
SECRET_BYTES = 32


def _require_admin(by: User) -> None:
    if not policy.can(by, policy.Action.ADMINISTER):
        raise PermissionError("Only an administrator can manage partner organisations")


def _require_partner(organisation: Organisation) -> None:
    if organisation.kind == OrganisationKind.POLICE_UNIT:
        raise ValidationError("The force is not a partner organisation: it has no sharing profile or contacts")


def check_webhook_url(url: str) -> str:
    """A partner's webhook address: https only (the relay refuses anything else), a real host, and no
    user name or password in it (a secret in an address ends up in logs)."""
    url = url.strip()
    if not url:
        return ""
    wrong = {"webhook_url": "Enter the address of the partner's system, starting https://"}
    if len(url) > WEBHOOK_LIMIT:
        raise ValidationError({"webhook_url": f"The webhook address must be {WEBHOOK_LIMIT} characters or fewer"})
    check_text(url, field="webhook_url", label="The webhook address", limit=WEBHOOK_LIMIT)
    if UNSAFE_IN_URL.search(url):
        raise ValidationError(wrong)
    if not url.lower().startswith("https://"):
        raise ValidationError({"webhook_url": "The webhook address must start https:// so alerts are encrypted"})
    try:
        URLValidator(schemes=["https"])(url)
        parts = urlsplit(url)
    except (ValidationError, ValueError) as exc:
        raise ValidationError(wrong) from exc
    if parts.username or parts.password:
        raise ValidationError({"webhook_url": "Leave the user name and password out of the webhook address"})
    if parts.fragment:
        raise ValidationError({"webhook_url": "The webhook address cannot contain '#'"})
    return url


def _profile_of(organisation: Organisation) -> tuple[PartnerProfile, bool]:
    profile = PartnerProfile.objects.select_for_update().filter(organisation=organisation).first()
    if profile is None:
        return PartnerProfile(organisation=organisation), True
    return profile, False


@transaction.atomic
def save_partner_profile(
    *,
    organisation: Organisation,
    school_urn: str,
    local_authority: str,
    email_alerts: bool,
    webhook_url: str,
    by: User,
) -> PartnerProfile:
    """How Safeguard reaches the partner. A school's URN finds the school for an Operation Encompass
    notice, and its local authority whose term dates apply."""
    _require_admin(by)
    _require_partner(organisation)
    errors: dict[str, str] = {}
    urn = school_urn.strip()
    if urn and organisation.kind != OrganisationKind.SCHOOL:
        errors["school_urn"] = "Only a school has a URN: leave it empty"
    elif urn and not URN.match(urn):
        errors["school_urn"] = "Enter the school's 6-digit URN, for example 100001"
    gather(
        errors,
        lambda: check_text(local_authority, field="local_authority", label="The local authority", limit=100),
        lambda: check_webhook_url(webhook_url),
    )
    if errors:
        raise ValidationError(errors)
    profile, created = _profile_of(organisation)
    values = {
        "school_urn": urn,
        "local_authority": local_authority.strip(),
        "email_alerts": bool(email_alerts),
        "webhook_url": webhook_url.strip(),
    }
    changed = [name for name, value in values.items() if getattr(profile, name) != value]
    for name, value in values.items():
        setattr(profile, name, value)
    profile.save()
    audit.record(
        actor=by,
        operation=Operation.COLLECT if created else Operation.ALTER,
        record_type=PROFILE,
        records=[profile],
        reason=f"changed: {', '.join(changed)}" if changed and not created else "",
    )
    return profile


@transaction.atomic
def new_webhook_secret(*, organisation: Organisation, by: User) -> str:
    """Replace the partner's webhook signing secret and return it, to be shown to the admin once and
    given to the partner: signatures made with the old one stop matching at once."""
    _require_admin(by)
    _require_partner(organisation)
    profile, created = _profile_of(organisation)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    profile.webhook_secret = secret
    profile.save()
    audit.record(
        actor=by,
        operation=Operation.COLLECT if created else Operation.ALTER,
        record_type=PROFILE,
        records=[profile],
        reason="webhook signing secret replaced",
    )
    return secret


def _check_contact(
    organisation: Organisation, name: str, job_title: str, email: str, contact: PartnerContact | None = None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Enter the contact's name"
    gather(
        errors,
        lambda: check_name(name, field="name", label="The name"),
        lambda: check_text(job_title, field="job_title", label="The job title", limit=TITLE_LIMIT),
    )
    address = email.strip()
    if not address:
        errors["email"] = "Enter the contact's email address"
    elif len(address) > EMAIL_LIMIT:
        errors["email"] = f"The email address must be {EMAIL_LIMIT} characters or fewer"
    else:
        try:
            validate_email(address)
        except ValidationError:
            errors["email"] = "Enter an email address like name@example.org"
    if "email" not in errors:
        others = PartnerContact.objects.filter(organisation=organisation, email__iexact=address)
        if contact is not None:
            others = others.exclude(pk=contact.pk)
        if others.exists():
            errors["email"] = "Another contact at this organisation has this email address"
    return errors


@transaction.atomic
def add_contact(
    *,
    organisation: Organisation,
    name: str,
    job_title: str,
    email: str,
    receives_alerts: bool,
    escalation_contact: bool,
    by: User,
) -> PartnerContact:
    """A person at the partner: alerts go to them (when ``receives_alerts``), and an unacknowledged
    share is escalated to them by name (when ``escalation_contact``)."""
    _require_admin(by)
    _require_partner(organisation)
    errors = _check_contact(organisation, name, job_title, email)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            contact = PartnerContact.objects.create(
                organisation=organisation,
                name=name.strip(),
                job_title=job_title.strip(),
                email=email.strip(),
                receives_alerts=receives_alerts,
                escalation_contact=escalation_contact,
            )
    except IntegrityError as exc:  # the same address added at the same moment by another admin
        raise ValidationError({"email": "Another contact at this organisation has this email address"}) from exc
    audit.record(actor=by, operation=Operation.COLLECT, record_type=CONTACT, records=[contact])
    return contact


@transaction.atomic
def change_contact(
    *,
    contact: PartnerContact,
    name: str,
    job_title: str,
    email: str,
    receives_alerts: bool,
    escalation_contact: bool,
    is_active: bool,
    by: User,
) -> PartnerContact:
    """Correct a contact, or deactivate them (they get no more alerts or escalations; the record stays,
    because past alerts name them)."""
    _require_admin(by)
    errors = _check_contact(contact.organisation, name, job_title, email, contact)
    if errors:
        raise ValidationError(errors)
    locked = PartnerContact.objects.select_for_update().get(pk=contact.pk)
    values = {
        "name": name.strip(),
        "job_title": job_title.strip(),
        "email": email.strip(),
        "receives_alerts": receives_alerts,
        "escalation_contact": escalation_contact,
        "is_active": is_active,
    }
    changed = [field for field, value in values.items() if getattr(locked, field) != value]
    if not changed:
        return contact
    for field, value in values.items():
        setattr(contact, field, value)
    contact.save(update_fields=changed)
    reason = f"changed: {', '.join(changed)}"
    if "is_active" in changed:
        reason += "; deactivated" if not is_active else "; reactivated"
    audit.record(actor=by, operation=Operation.ALTER, record_type=CONTACT, records=[contact], reason=reason)
    return contact
