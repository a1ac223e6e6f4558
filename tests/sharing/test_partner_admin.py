"""The admin's partner pages: how Safeguard reaches each partner organisation (alert emails, a signed
https webhook and its secret, shown once) and their contacts. Admin only; every write audited; bad input
refused with nothing changed; and nothing of a case on any of these pages."""

from __future__ import annotations

import html as entities
import re

import pytest
from django.test import Client
from django.urls import reverse

from safeguard.accounts.models import Organisation, OrganisationKind, User
from safeguard.audit.models import AuditEvent, Operation
from safeguard.sharing import partner_services, services
from safeguard.sharing.models import OutboxMessage, PartnerContact, PartnerProfile
from tests.conftest import ROLES, Force, events_since, last_seq, sign_in
from tests.sharing.helpers import add_contacts, make_school, send, submitted_concern

XSS = "<script>alert(1)</script>"
PROFILE = "sharing.partnerprofile"
CONTACT = "sharing.partnercontact"
NOT_ADMIN = [role for role in ROLES if role != "admin"]


def text(response: object) -> str:
    content = response.content.decode()  # type: ignore[attr-defined]
    return re.sub(r"\s+", " ", entities.unescape(re.sub(r"<[^>]+>", " ", content)))


def refused(response: object, message: str) -> None:
    assert response.status_code == 200, response.status_code  # type: ignore[attr-defined]
    content = response.content.decode()  # type: ignore[attr-defined]
    assert "There is a problem" in content, text(response)[:2000]
    assert entities.escape(message) in content or message in content, re.findall(
        r"govuk-error-message\">(.*?)</p>", content, re.S
    )
    assert XSS not in content


@pytest.fixture
def admin(force: Force) -> Client:
    return sign_in(Client(), force.user("admin"))


@pytest.fixture
def school(force: Force) -> Organisation:
    return make_school()


def profile_form(**changes: str) -> dict[str, str]:
    return {
        "school_urn": "",
        "local_authority": "",
        "email_alerts": "on",
        "webhook_url": "https://care.partner.example/safeguard/alerts",
        **changes,
    }


def contact_form(**changes: str) -> dict[str, str]:
    return {
        "name": "Jo O'Neill-Smith",
        "job_title": "Duty team manager",
        "email": "jo.oneill@partner.example",
        "receives_alerts": "on",
        **changes,
    }


def writes(seq: int, record_type: str) -> list[AuditEvent]:
    return [e for e in events_since(seq) if e.record_type == record_type and e.operation != Operation.CONSULT]


# --- Who may use the pages --------------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_ADMIN)
def test_only_an_admin_may_use_the_partner_pages(force: Force, role: str) -> None:
    add_contacts(force.partner_org)
    contact = PartnerContact.objects.filter(organisation=force.partner_org).first()
    assert contact is not None
    client = sign_in(Client(), force.user(role))
    org = force.partner_org.pk
    urls = [
        reverse("sharing:partners"),
        reverse("sharing:partner", args=[org]),
        reverse("sharing:add_contact", args=[org]),
        reverse("sharing:contact", args=[org, contact.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    for url in urls[1:]:
        assert client.post(url, {**profile_form(), **contact_form(), "new_secret": "1"}).status_code == 403, url
    assert not PartnerProfile.objects.filter(organisation=force.partner_org).exists()
    assert PartnerContact.objects.filter(organisation=force.partner_org).count() == 2


def test_the_force_itself_and_unknown_records_are_not_partners(
    force: Force, admin: Client, school: Organisation
) -> None:
    police = force.police.pk
    assert admin.get(reverse("sharing:partner", args=[police])).status_code == 404
    assert admin.post(reverse("sharing:partner", args=[police]), {"new_secret": "1"}).status_code == 404
    assert admin.get(reverse("sharing:add_contact", args=[police])).status_code == 404
    assert admin.get(reverse("sharing:partner", args=[999_999])).status_code == 404
    school_contact = PartnerContact.objects.get(organisation=school)
    # A contact is reached only through its own organisation.
    assert admin.get(reverse("sharing:contact", args=[force.partner_org.pk, school_contact.pk])).status_code == 404
    assert admin.get(reverse("sharing:contact", args=[school.pk, 999_999])).status_code == 404
    assert not PartnerProfile.objects.filter(organisation=force.police).exists()


def test_the_list_shows_each_partner_and_how_it_is_reached_but_not_the_force(
    force: Force, admin: Client, school: Organisation
) -> None:
    add_contacts(force.partner_org)
    page = text(admin.get(reverse("sharing:partners")))
    assert "Testshire Social Care" in page and "Testshire Primary School" in page and "URN 100001" in page
    assert "Testshire Police" not in page
    assert "1 for alerts, 1 for escalation" in page


def test_no_case_content_reaches_the_partner_pages(force: Force, admin: Client) -> None:
    """Admins see no case content: a share to the partner leaves no trace on its admin pages."""
    hub = force.user("hub")
    share = send(hub, submitted_concern(force), force.partner_org)
    add_contacts(force.partner_org)
    for url in (reverse("sharing:partners"), reverse("sharing:partner", args=[force.partner_org.pk])):
        content = admin.get(url).content.decode()
        assert share.reference not in content  # type: ignore[operator]
        assert "Neighbours heard shouting" not in content and "Amy" not in content


# --- The profile ----------------------------------------------------------------------------------


def test_saving_a_school_profile_is_audited_with_what_changed(admin: Client, school: Organisation) -> None:
    seq = last_seq()
    response = admin.post(
        reverse("sharing:partner", args=[school.pk]),
        profile_form(school_urn="123456", local_authority="North Testshire", email_alerts=""),
    )
    assert response.status_code == 302
    profile = PartnerProfile.objects.get(organisation=school)
    assert (profile.school_urn, profile.local_authority, profile.email_alerts) == ("123456", "North Testshire", False)
    assert profile.webhook_url == "https://care.partner.example/safeguard/alerts"
    [event] = writes(seq, PROFILE)
    assert event.operation == Operation.ALTER and event.record_ids == [str(profile.pk)]
    assert event.reason == "changed: school_urn, local_authority, email_alerts, webhook_url"
    page = text(admin.get(reverse("sharing:partner", args=[school.pk])))
    assert "No secret is set" in page


def test_a_first_profile_is_collected_and_a_webhook_without_a_secret_is_warned_of(force: Force, admin: Client) -> None:
    seq = last_seq()
    response = admin.post(reverse("sharing:partner", args=[force.partner_org.pk]), profile_form(), follow=True)
    assert "Generate a webhook secret" in text(response)
    [event] = writes(seq, PROFILE)
    assert event.operation == Operation.COLLECT


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"webhook_url": "http://care.partner.example/alerts"}, "must start https://"),
        ({"webhook_url": "ftp://care.partner.example/alerts"}, "must start https://"),
        ({"webhook_url": "javascript:alert(1)"}, "must start https://"),
        ({"webhook_url": "https://"}, "starting https://"),
        ({"webhook_url": "https://not a host/"}, "starting https://"),
        ({"webhook_url": "https://user:secret@care.partner.example/"}, "Leave the user name and password out"),
        ({"webhook_url": "https://care.partner.example/#top"}, "cannot contain '#'"),
        ({"webhook_url": "https://care.partner.example/" + "a" * 500}, "500 characters or fewer"),
        ({"webhook_url": f"https://care.partner.example/{XSS}"}, "cannot contain '<' followed by a letter"),
        ({"webhook_url": "https://care.partner.example/a b"}, "starting https://"),
        ({"webhook_url": 'https://care.partner.example/"onmouseover=x'}, "starting https://"),
        ({"school_urn": "100001"}, "Only a school has a URN"),
        ({"local_authority": XSS}, "cannot contain '<' followed by a letter"),
        ({"local_authority": "=cmd|' /C calc'!A0"}, "cannot start with =, + or @"),
        ({"local_authority": "x" * 101}, "100 characters or fewer"),
    ],
)
def test_bad_profile_answers_are_refused_and_change_nothing(
    force: Force, admin: Client, changes: dict[str, str], message: str
) -> None:
    seq = last_seq()
    refused(admin.post(reverse("sharing:partner", args=[force.partner_org.pk]), profile_form(**changes)), message)
    assert not PartnerProfile.objects.filter(organisation=force.partner_org).exists()
    assert writes(seq, PROFILE) == []


@pytest.mark.parametrize(
    ("urn", "message"), [("12ab56", "6-digit URN"), ("12345", "6-digit URN"), ("1" * 11, "10 characters or fewer")]
)
def test_a_schools_urn_must_be_six_digits(admin: Client, school: Organisation, urn: str, message: str) -> None:
    refused(admin.post(reverse("sharing:partner", args=[school.pk]), profile_form(school_urn=urn)), message)
    assert PartnerProfile.objects.get(organisation=school).school_urn == "100001"


def test_a_new_webhook_secret_is_shown_once_and_never_audited_in_clear(force: Force, admin: Client) -> None:
    url = reverse("sharing:partner", args=[force.partner_org.pk])
    seq = last_seq()
    first = admin.post(url, {"new_secret": "1"})
    assert first.status_code == 200
    shown = re.search(r'data-testid="webhook-secret">([^<]+)<', first.content.decode())
    assert shown is not None
    secret = shown.group(1)
    assert PartnerProfile.objects.get(organisation=force.partner_org).webhook_secret == secret and len(secret) >= 40
    assert first["Cache-Control"].startswith("no-store")
    [event] = writes(seq, PROFILE)
    assert event.reason == "webhook signing secret replaced"
    assert not AuditEvent.objects.filter(reason__contains=secret).exists()
    again = admin.get(url).content.decode()
    assert secret not in again and "A secret is set" in again
    second = admin.post(url, {"new_secret": "1"}).content.decode()
    assert secret not in second
    assert PartnerProfile.objects.get(organisation=force.partner_org).webhook_secret != secret


# --- Contacts -------------------------------------------------------------------------------------


def test_adding_a_contact_is_audited_and_they_get_the_next_alert(force: Force, admin: Client) -> None:
    seq = last_seq()
    response = admin.post(reverse("sharing:add_contact", args=[force.partner_org.pk]), contact_form())
    assert response.status_code == 302
    contact = PartnerContact.objects.get(organisation=force.partner_org)
    assert (contact.name, contact.email, contact.receives_alerts) == (
        "Jo O'Neill-Smith",
        "jo.oneill@partner.example",
        True,
    )
    [event] = writes(seq, CONTACT)
    assert event.operation == Operation.COLLECT and event.record_ids == [str(contact.pk)]
    share = send(force.user("hub"), submitted_concern(force), force.partner_org)
    assert list(OutboxMessage.objects.filter(share=share).values_list("recipient", flat=True)) == [contact.email]


def test_changing_and_deactivating_a_contact_is_audited_and_stops_their_alerts(force: Force, admin: Client) -> None:
    add_contacts(force.partner_org)
    contact = PartnerContact.objects.get(organisation=force.partner_org, email="duty@partner.example")
    url = reverse("sharing:contact", args=[force.partner_org.pk, contact.pk])
    seq = last_seq()
    page = admin.get(url)
    assert page.status_code == 200 and 'value="duty@partner.example"' in page.content.decode()
    consulted = [e for e in events_since(seq) if e.record_type == CONTACT and e.operation == Operation.CONSULT]
    assert [e.record_ids for e in consulted] == [[str(contact.pk)]]
    edited = admin.post(
        url, contact_form(name="Duty Desk", email="duty@partner.example", is_active="on", job_title="Duty desk")
    )
    assert edited.status_code == 302
    deactivated = admin.post(url, contact_form(name="Duty Desk", email="duty@partner.example", job_title="Duty desk"))
    assert deactivated.status_code == 302
    contact.refresh_from_db()
    assert contact.job_title == "Duty desk" and not contact.is_active
    reasons = [e.reason for e in writes(seq, CONTACT)]
    assert reasons == ["changed: job_title", "changed: is_active; deactivated"]
    share = send(force.user("hub"), submitted_concern(force), force.partner_org)
    assert not OutboxMessage.objects.filter(share=share, recipient="duty@partner.example").exists()
    assert "Deactivated" in text(admin.get(reverse("sharing:partner", args=[force.partner_org.pk])))


def test_saving_a_contact_unchanged_writes_nothing(force: Force, admin: Client) -> None:
    add_contacts(force.partner_org)
    contact = PartnerContact.objects.get(organisation=force.partner_org, email="duty@partner.example")
    seq = last_seq()
    response = admin.post(
        reverse("sharing:contact", args=[force.partner_org.pk, contact.pk]),
        {
            "name": "Duty Desk",
            "job_title": "",
            "email": "duty@partner.example",
            "receives_alerts": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302 and writes(seq, CONTACT) == []


def test_the_partner_page_audits_the_contacts_it_lists(force: Force, admin: Client) -> None:
    add_contacts(force.partner_org)
    seq = last_seq()
    page = admin.get(reverse("sharing:partner", args=[force.partner_org.pk]))
    assert "Erin Escalate" in text(page)
    [event] = [e for e in events_since(seq) if e.record_type == CONTACT]
    ids = sorted(
        str(pk) for pk in PartnerContact.objects.filter(organisation=force.partner_org).values_list("pk", flat=True)
    )
    assert event.operation == Operation.CONSULT and sorted(event.record_ids) == ids


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Enter the contact's name"),
        ({"email": ""}, "Enter the contact's email address"),
        ({"email": "not-an-email"}, "Enter an email address like name@example.org"),
        ({"email": "DUTY@partner.example"}, "Another contact at this organisation has this email address"),
        ({"email": "a" * 250 + "@x.example"}, "254 characters or fewer"),
        ({"name": XSS}, "can only include letters"),
        ({"name": "Agent 007"}, "can only include letters"),
        ({"name": "n" * 201}, "200 characters or fewer"),
        ({"job_title": XSS}, "cannot contain '<' followed by a letter"),
        ({"job_title": "@SUM(1+1)"}, "cannot start with =, + or @"),
        ({"job_title": "Lead\x1b[31m"}, "characters that cannot be stored"),
    ],
)
def test_bad_contact_answers_are_refused_and_change_nothing(
    force: Force, admin: Client, changes: dict[str, str], message: str
) -> None:
    add_contacts(force.partner_org)
    seq = last_seq()
    refused(admin.post(reverse("sharing:add_contact", args=[force.partner_org.pk]), contact_form(**changes)), message)
    assert PartnerContact.objects.filter(organisation=force.partner_org).count() == 2
    contact = PartnerContact.objects.get(email="manager@partner.example")
    refused(
        admin.post(reverse("sharing:contact", args=[force.partner_org.pk, contact.pk]), contact_form(**changes)),
        message,
    )
    contact.refresh_from_db()
    assert contact.name == "Erin Escalate" and contact.email == "manager@partner.example"
    assert writes(seq, CONTACT) == []


def test_the_services_refuse_anyone_but_an_admin(force: Force) -> None:
    hub: User = force.user("hub")
    with pytest.raises(PermissionError):
        partner_services.new_webhook_secret(organisation=force.partner_org, by=hub)
    with pytest.raises(PermissionError):
        partner_services.add_contact(
            organisation=force.partner_org,
            name="Jo Smith",
            job_title="",
            email="jo@partner.example",
            receives_alerts=True,
            escalation_contact=False,
            by=hub,
        )
    assert not PartnerContact.objects.exists() and not PartnerProfile.objects.exists()


def test_a_new_contacts_details_need_a_partner_not_the_force(force: Force) -> None:
    with pytest.raises(services.ValidationError):
        partner_services.add_contact(
            organisation=force.police,
            name="Jo Smith",
            job_title="",
            email="jo@police.example",
            receives_alerts=True,
            escalation_contact=False,
            by=force.user("admin"),
        )
    assert force.police.kind == OrganisationKind.POLICE_UNIT and not PartnerContact.objects.exists()
