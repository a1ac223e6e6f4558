"""Shares built through the services, as the hub (or an officer) would make them, for service, page and
API tests. The force fixture's partner organisation is children's social care; a school is made here."""

from __future__ import annotations

from safeguard.accounts.models import Organisation, OrganisationKind, User
from safeguard.concerns import services as concerns
from safeguard.concerns.models import Concern
from safeguard.people.models import Person
from safeguard.sharing import services
from safeguard.sharing.models import PartnerContact, PartnerProfile, Share, ShareKind
from tests.conftest import Force, make_child, make_concern, make_user


def make_school(name: str = "Testshire Primary School", urn: str = "100001", authority: str = "") -> Organisation:
    school = Organisation.objects.create(name=name, kind=OrganisationKind.SCHOOL)
    PartnerProfile.objects.create(organisation=school, school_urn=urn, local_authority=authority)
    PartnerContact.objects.create(
        organisation=school, name="Dana Lead", job_title="Designated safeguarding lead", email="dsl@school.example"
    )
    return school


def partner_user(organisation: Organisation, username: str) -> User:
    from safeguard.accounts.models import RoleCode

    return make_user(username, [RoleCode.PARTNER], organisation, None)


def add_contacts(organisation: Organisation) -> None:
    """An alert contact and a named escalation contact (DOMAIN.md: unacknowledged shares escalate to them)."""
    PartnerContact.objects.create(organisation=organisation, name="Duty Desk", email="duty@partner.example")
    PartnerContact.objects.create(
        organisation=organisation,
        name="Erin Escalate",
        email="manager@partner.example",
        receives_alerts=False,
        escalation_contact=True,
    )


def submitted_concern(force: Force, *children: Person) -> Concern:
    """A domestic abuse concern the force's officer submitted and the supervisor endorsed."""
    officer = force.user("officer")
    concern = make_concern(officer, *(children or (make_child(officer),)), submit=True)
    concerns.endorse_concern(
        concern=concern, rationale="Proportionate response; refer to MASH.", by=force.user("supervisor")
    )
    concern.refresh_from_db()
    return concern


def send(
    by: User,
    concern: Concern,
    organisation: Organisation,
    kind: str = ShareKind.MASH_REFERRAL,
    child: Person | None = None,
) -> Share:
    """Draft a share with the template's proposal, and send it as proposed."""
    share = services.draft_share(concern=concern, kind=kind, organisation=organisation, child=child, by=by)
    services.send_share(share=share, by=by)
    share.refresh_from_db()
    return share
