"""The organisations, units and one demo user per role of a fictional force, "Northshire Police", and
the safeguarding partners it shares with: how each is reached (its sharing profile and contacts) and,
for a few of them, a demo user who signs in to the partner portal.

Idempotent: running it again finds what exists and creates only what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from safeguard.accounts.models import Organisation, OrganisationKind, Role, RoleCode, Unit, User
from safeguard.audit import services as audit
from safeguard.audit.models import Operation
from safeguard.sharing.models import PartnerContact, PartnerProfile

FORCE = "Northshire Police"
LOCAL_AUTHORITY = "Northshire"  # whose school term dates apply to the demo schools


@dataclass(frozen=True)
class Contact:
    name: str
    job_title: str
    mailbox: str  # the part before the partner's domain
    receives_alerts: bool = True
    escalation_contact: bool = False


@dataclass(frozen=True)
class Partner:
    """A partner organisation. Emails are at ``domain`` (always an ``.example`` domain); a school has a
    URN from a fake range (99xxxx: the DfE has issued none there) and the local authority's term dates.
    No webhooks in the demo: alerts go by email."""

    name: str
    kind: str
    domain: str
    contacts: tuple[Contact, ...]
    school_urn: str = ""


def _duty(title: str, mailbox: str) -> Contact:
    """A shared duty inbox: the alerts go there, and nobody is named."""
    return Contact(title, title, mailbox)


def _escalation(name: str, job_title: str, mailbox: str) -> Contact:
    """The named person told when a share goes unacknowledged (DOMAIN.md); not sent routine alerts."""
    return Contact(name, job_title, mailbox, receives_alerts=False, escalation_contact=True)


PARTNERS = [
    Partner(
        "Northshire Children's Social Care",
        OrganisationKind.CHILDRENS_SOCIAL_CARE,
        "northshire-childrens.example",
        (
            _duty("MASH duty social work team", "mash.duty"),
            _escalation("Marcus Oyelaran", "MASH team manager", "marcus.oyelaran"),
        ),
    ),
    Partner(
        "Northshire Community Health",
        OrganisationKind.HEALTH,
        "northshire-health.example",
        (
            _duty("Safeguarding children duty nurse", "safeguarding.duty"),
            _escalation("Joanne Tremlett", "Named nurse for safeguarding children", "joanne.tremlett"),
        ),
    ),
    Partner(
        "Meadowbank Primary School",
        OrganisationKind.SCHOOL,
        "meadowbank-primary.example",
        (
            Contact("Sadie Fenwick", "Designated safeguarding lead", "sadie.fenwick"),
            Contact("Tom Ashcroft", "Deputy designated safeguarding lead", "tom.ashcroft"),
            _escalation("Linda Pryor", "Headteacher", "head"),
        ),
        school_urn="990101",
    ),
    Partner(
        "Riverside Academy",
        OrganisationKind.SCHOOL,
        "riverside-academy.example",
        (
            Contact("Kwame Ansah", "Designated safeguarding lead", "kwame.ansah"),
            _escalation("Rebecca Holloway", "Principal", "principal"),
        ),
        school_urn="990102",
    ),
    Partner(
        "Northshire Youth Justice Service",
        OrganisationKind.OTHER,
        "northshire-yjs.example",
        (
            _duty("Youth justice duty officer", "duty"),
            _escalation("Graham Seddon", "Youth justice service manager", "graham.seddon"),
        ),
    ),
]
PARTNER_BY_NAME = {p.name: p for p in PARTNERS}

UNITS = [
    ("PPU-NORTH", "Public Protection Unit North"),
    ("PPU-SOUTH", "Public Protection Unit South"),
    ("CAIT", "Child Abuse Investigation Team"),
    ("MASH", "Multi-Agency Safeguarding Hub"),
    ("FORCE-HQ", "Force Headquarters"),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    roles: tuple[str, ...]
    unit: str | None
    organisation: str = FORCE
    supervises: str | None = None

    @property
    def email(self) -> str:
        partner = PARTNER_BY_NAME.get(self.organisation)
        if partner is None:
            return f"{self.username}@northshire.example"
        return f"{self.first_name}.{self.last_name}@{partner.domain}".lower()


SOCIAL_CARE, HEALTH, MEADOWBANK = PARTNERS[0].name, PARTNERS[1].name, PARTNERS[2].name

DEMO_USERS = [
    DemoUser("officer", "Olivia", "Marsh", (RoleCode.OFFICER,), "PPU-NORTH"),
    DemoUser("investigator", "Isaac", "Thornton", (RoleCode.INVESTIGATOR,), "CAIT"),
    DemoUser("supervisor", "Sana", "Whitfield", (RoleCode.SUPERVISOR,), "PPU-NORTH", supervises="PPU-NORTH"),
    DemoUser("hub", "Hannah", "Okafor", (RoleCode.HUB,), "MASH"),
    DemoUser("partner", "Priya", "Lindqvist", (RoleCode.PARTNER,), None, organisation=SOCIAL_CARE),
    # The designated safeguarding lead of Meadowbank (its first alert contact) and a safeguarding nurse.
    DemoUser("school", "Sadie", "Fenwick", (RoleCode.PARTNER,), None, organisation=MEADOWBANK),
    DemoUser("health", "Harriet", "Kerslake", (RoleCode.PARTNER,), None, organisation=HEALTH),
    DemoUser("leader", "Leon", "Ashworth", (RoleCode.LEADER,), "FORCE-HQ"),
    DemoUser("auditor", "Aisha", "Brennan", (RoleCode.AUDITOR,), "FORCE-HQ"),
    DemoUser("admin", "Adam", "Kowalczyk", (RoleCode.ADMIN,), "FORCE-HQ"),
]


@dataclass
class Seeded:
    organisations: int = 0
    units: int = 0
    users: int = 0


def build_partners() -> tuple[dict[str, Organisation], int]:
    """The partner organisations with their sharing profiles and contacts; returns them by name and how
    many organisations were created. Profiles and contacts missing from an existing one are added."""
    orgs, created_count = {}, 0
    for partner in PARTNERS:
        org, created = Organisation.objects.get_or_create(name=partner.name, defaults={"kind": partner.kind})
        created_count += created
        orgs[partner.name] = org
        PartnerProfile.objects.get_or_create(
            organisation=org,
            defaults={
                "school_urn": partner.school_urn,
                "local_authority": LOCAL_AUTHORITY if partner.kind == OrganisationKind.SCHOOL else "",
            },
        )
        for contact in partner.contacts:
            PartnerContact.objects.get_or_create(
                organisation=org,
                email=f"{contact.mailbox}@{partner.domain}",
                defaults={
                    "name": contact.name,
                    "job_title": contact.job_title,
                    "receives_alerts": contact.receives_alerts,
                    "escalation_contact": contact.escalation_contact,
                },
            )
    return orgs, created_count


@transaction.atomic
def build_force(*, password: str) -> Seeded:
    seeded = Seeded()
    force, created = Organisation.objects.get_or_create(name=FORCE, defaults={"kind": OrganisationKind.POLICE_UNIT})
    seeded.organisations += created
    partners, created_partners = build_partners()
    seeded.organisations += created_partners
    orgs = {FORCE: force, **partners}
    units = {}
    for code, name in UNITS:
        units[code], created = Unit.objects.get_or_create(code=code, defaults={"name": name, "organisation": force})
        seeded.units += created
    roles = {r.code: r for r in Role.objects.all()}
    new_users = []
    for spec in DEMO_USERS:
        user = User.objects.filter(username__iexact=spec.username).first()
        if user is None:
            user = User(
                username=spec.username,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=spec.email,
                organisation=orgs[spec.organisation],
                unit=units[spec.unit] if spec.unit else None,
            )
            user.set_password(password)
            user.save()
            user.roles.set([roles[r] for r in spec.roles])
            new_users.append(user)
        if spec.supervises and units[spec.supervises].supervisor_id is None:
            Unit.objects.filter(pk=units[spec.supervises].pk).update(supervisor=user)
    seeded.users = len(new_users)
    if new_users:
        audit.record(
            actor=None,
            operation=Operation.COLLECT,
            record_type="accounts.user",
            records=new_users,
            reason="synthetic demo force",
        )
    return seeded
