"""The admin's pages for partner organisations: how Safeguard reaches each (alert emails, a signed
webhook and its secret, a school's URN) and who their contacts are. Admins see no case content, and
these pages show none: only the organisations and their staff, whose opening is audited."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from safeguard.accounts.models import Organisation, OrganisationKind
from safeguard.web.access import administrator, audit_consult
from safeguard.web.forms import errors_to_form

from . import partner_services
from .models import PartnerContact, PartnerProfile
from .partner_forms import ContactForm, ProfileForm


def _partner(pk: int) -> Organisation:
    """A partner organisation (not the force itself), with its sharing profile if it has one."""
    organisation = (
        Organisation.objects.exclude(kind=OrganisationKind.POLICE_UNIT)
        .select_related("sharing_profile")
        .filter(pk=pk)
        .first()
    )
    if organisation is None:
        raise Http404
    return organisation


def _profile(organisation: Organisation) -> PartnerProfile | None:
    try:
        return organisation.sharing_profile
    except PartnerProfile.DoesNotExist:
        return None


@require_http_methods(["GET"])
def partners(request: HttpRequest) -> HttpResponse:
    """Every partner organisation with how it is reached: no contact's details, so nothing to audit."""
    administrator(request)
    organisations = (
        Organisation.objects.exclude(kind=OrganisationKind.POLICE_UNIT)
        .select_related("sharing_profile")
        .annotate(
            alert_contacts=Count("contacts", filter=Q(contacts__is_active=True, contacts__receives_alerts=True)),
            escalation_contacts=Count(
                "contacts", filter=Q(contacts__is_active=True, contacts__escalation_contact=True)
            ),
        )
        .order_by("name")
    )
    rows = [(org, _profile(org)) for org in organisations]
    return render(request, "sharing/partners.html", {"title": "Partner organisations", "rows": rows})


@require_http_methods(["GET", "POST"])
def partner(request: HttpRequest, pk: int) -> HttpResponse:
    """One partner's sharing profile and its contacts. "Generate a new webhook secret" shows the secret
    on this response only: it is never shown again (like an API token)."""
    admin = administrator(request)
    organisation = _partner(pk)
    profile = _profile(organisation)
    secret = ""
    initial = {
        "school_urn": profile.school_urn if profile else "",
        "local_authority": profile.local_authority if profile else "",
        "email_alerts": profile.email_alerts if profile else True,
        "webhook_url": profile.webhook_url if profile else "",
    }
    form = ProfileForm(initial=initial)
    if request.method == "POST" and "new_secret" in request.POST:
        secret = partner_services.new_webhook_secret(organisation=organisation, by=admin)
        profile = PartnerProfile.objects.get(organisation=organisation)
    elif request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = partner_services.save_partner_profile(
                    organisation=organisation,
                    school_urn=data["school_urn"],
                    local_authority=data["local_authority"],
                    email_alerts=data["email_alerts"],
                    webhook_url=data["webhook_url"],
                    by=admin,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, f"How Safeguard reaches {organisation.name} is saved.")
                if saved.webhook_url and not saved.webhook_secret:
                    messages.warning(
                        request, "Generate a webhook secret: alerts cannot be sent to the webhook until it has one."
                    )
                return redirect("sharing:partner", pk=organisation.pk)
    contacts = list(PartnerContact.objects.filter(organisation=organisation).order_by("-is_active", "name", "pk"))
    if contacts:
        audit_consult(request, partner_services.CONTACT, [str(c.pk) for c in contacts])
    return render(
        request,
        "sharing/partner.html",
        {
            "title": organisation.name,
            "organisation": organisation,
            "profile": profile,
            "form": form,
            "secret": secret,
            "contacts": contacts,
        },
    )


@require_http_methods(["GET", "POST"])
def add_contact(request: HttpRequest, pk: int) -> HttpResponse:
    admin = administrator(request)
    organisation = _partner(pk)
    form = ContactForm(request.POST if request.method == "POST" else None, initial={"receives_alerts": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contact = partner_services.add_contact(
                organisation=organisation,
                name=data["name"],
                job_title=data["job_title"],
                email=data["email"],
                receives_alerts=data["receives_alerts"],
                escalation_contact=data["escalation_contact"],
                by=admin,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"{contact.name} added as a contact at {organisation.name}.")
            return redirect("sharing:partner", pk=organisation.pk)
    return render(
        request,
        "sharing/partner_contact.html",
        {"title": f"Add a contact at {organisation.name}", "organisation": organisation, "form": form},
    )


@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, pk: int, contact: int) -> HttpResponse:
    """Correct a contact, or deactivate them."""
    admin = administrator(request)
    organisation = _partner(pk)
    person = PartnerContact.objects.filter(pk=contact, organisation=organisation).first()
    if person is None:
        raise Http404
    initial = {
        "name": person.name,
        "job_title": person.job_title,
        "email": person.email,
        "receives_alerts": person.receives_alerts,
        "escalation_contact": person.escalation_contact,
        "is_active": person.is_active,
    }
    form = ContactForm(request.POST if request.method == "POST" else None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            partner_services.change_contact(
                contact=person,
                name=data["name"],
                job_title=data["job_title"],
                email=data["email"],
                receives_alerts=data["receives_alerts"],
                escalation_contact=data["escalation_contact"],
                is_active=data["is_active"],
                by=admin,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"{person.name}'s details are saved.")
            return redirect("sharing:partner", pk=organisation.pk)
    if request.method == "GET":
        audit_consult(request, partner_services.CONTACT, [str(person.pk)])
    return render(
        request,
        "sharing/partner_contact.html",
        {"title": f"Contact at {organisation.name}", "organisation": organisation, "form": form, "contact": person},
    )
