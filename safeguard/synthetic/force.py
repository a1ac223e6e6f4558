"""The organisations, units and one demo user per role of a fictional force, "Northshire Police".

Idempotent: running it again finds what exists and creates only what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from safeguard.accounts.models import Organisation, OrganisationKind, Role, RoleCode, Unit, User
from safeguard.audit import services as audit
from safeguard.audit.models import Operation

FORCE = "Northshire Police"

PARTNERS = [
    ("Northshire Children's Social Care", OrganisationKind.CHILDRENS_SOCIAL_CARE),
    ("Northshire Community Health", OrganisationKind.HEALTH),
    ("Meadowbank Primary School", OrganisationKind.SCHOOL),
    ("Riverside Academy", OrganisationKind.SCHOOL),
    ("Northshire Youth Justice Service", OrganisationKind.OTHER),
]

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


DEMO_USERS = [
    DemoUser("officer", "Olivia", "Marsh", (RoleCode.OFFICER,), "PPU-NORTH"),
    DemoUser("investigator", "Isaac", "Thornton", (RoleCode.INVESTIGATOR,), "CAIT"),
    DemoUser("supervisor", "Sana", "Whitfield", (RoleCode.SUPERVISOR,), "PPU-NORTH", supervises="PPU-NORTH"),
    DemoUser("hub", "Hannah", "Okafor", (RoleCode.HUB,), "MASH"),
    DemoUser("partner", "Priya", "Lindqvist", (RoleCode.PARTNER,), None, organisation=PARTNERS[0][0]),
    DemoUser("leader", "Leon", "Ashworth", (RoleCode.LEADER,), "FORCE-HQ"),
    DemoUser("auditor", "Aisha", "Brennan", (RoleCode.AUDITOR,), "FORCE-HQ"),
    DemoUser("admin", "Adam", "Kowalczyk", (RoleCode.ADMIN,), "FORCE-HQ"),
]


@dataclass
class Seeded:
    organisations: int = 0
    units: int = 0
    users: int = 0


@transaction.atomic
def build_force(*, password: str) -> Seeded:
    seeded = Seeded()
    force, created = Organisation.objects.get_or_create(name=FORCE, defaults={"kind": OrganisationKind.POLICE_UNIT})
    seeded.organisations += created
    orgs = {FORCE: force}
    for name, kind in PARTNERS:
        orgs[name], created = Organisation.objects.get_or_create(name=name, defaults={"kind": kind})
        seeded.organisations += created
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
                email=f"{spec.username}@northshire.example",
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
