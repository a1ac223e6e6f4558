"""Shared test set-up: a small force (two units, a partner), one user per role, signed-in clients."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from django.test import Client

from safeguard.accounts.models import Organisation, OrganisationKind, Role, RoleCode, Unit, User
from safeguard.accounts.signin import SESSION_SEEN, SESSION_STARTED
from safeguard.audit.models import AuditEvent
from safeguard.audit.services import verify_chain
from tests.casework.models import CaseNote

if TYPE_CHECKING:
    from safeguard.concerns.models import Concern
    from safeguard.people.models import Person

PASSWORD = "correct-horse-battery-staple"
ROLES = [c.value for c in RoleCode]


@dataclass
class Force:
    police: Organisation
    partner_org: Organisation
    unit_a: Unit
    unit_b: Unit
    users: dict[str, User]  # one per role; police roles in unit A, the supervisor supervising it
    colleague: User  # another officer in unit A
    outsider: User  # an officer in unit B

    def user(self, role: str) -> User:
        return self.users[role]


def make_user(username: str, roles: list[str], organisation: Organisation, unit: Unit | None) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, organisation=organisation, unit=unit, first_name=username.title()
    )
    user.roles.set(Role.objects.filter(code__in=roles))
    return user


@pytest.fixture
def force(db: None) -> Force:
    police = Organisation.objects.create(name="Testshire Police", kind=OrganisationKind.POLICE_UNIT)
    partner_org = Organisation.objects.create(name="Testshire Social Care", kind=OrganisationKind.CHILDRENS_SOCIAL_CARE)
    unit_a = Unit.objects.create(organisation=police, name="Unit A", code="UNIT-A")
    unit_b = Unit.objects.create(organisation=police, name="Unit B", code="UNIT-B")
    users = {}
    for role in ROLES:
        if role == RoleCode.PARTNER:
            users[role] = make_user(role, [role], partner_org, None)
        else:
            users[role] = make_user(role, [role], police, unit_a)
    unit_a.supervisor = users[RoleCode.SUPERVISOR]
    unit_a.save()
    colleague = make_user("colleague", [RoleCode.OFFICER], police, unit_a)
    outsider = make_user("outsider", [RoleCode.OFFICER], police, unit_b)
    return Force(police, partner_org, unit_a, unit_b, users, colleague, outsider)


def sign_in(client: Client, user: User) -> Client:
    """A signed-in session as the login view leaves it (both factors done, clocks started)."""
    client.force_login(user)
    session = client.session
    session[SESSION_STARTED] = time.time()
    session[SESSION_SEEN] = time.time()
    session.save()
    return client


@pytest.fixture
def signed_in(force: Force) -> Callable[[User], Client]:
    return lambda user: sign_in(Client(), user)


@dataclass
class Notes:
    own: dict[str, CaseNote]  # per role: a note that role's user owns (in unit A)
    same_unit: CaseNote
    other_unit: CaseNote
    restricted: CaseNote


@pytest.fixture
def notes(force: Force) -> Notes:
    own = {}
    for role, user in force.users.items():
        own[role] = CaseNote.objects.create(unit=force.unit_a, owner=user, title=f"Own note of {role}", body="own body")
    return Notes(
        own=own,
        same_unit=CaseNote.objects.create(unit=force.unit_a, owner=force.colleague, title="Colleague's", body="b"),
        other_unit=CaseNote.objects.create(unit=force.unit_b, owner=force.outsider, title="Outsider's", body="b"),
        restricted=CaseNote.objects.create(
            unit=force.unit_a, owner=force.colleague, title="Restricted", body="secret", is_restricted=True
        ),
    )


def events_since(seq: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seq__gt=seq).order_by("seq"))


def last_seq() -> int:
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    return last or 0


@pytest.fixture(autouse=True)
def audit_chain_verifies_after_each_test(request: pytest.FixtureRequest) -> object:
    """QUALITY.md: the audit chain verifies after every test run (tamper tests opt out)."""
    uses_db = "db" in request.fixturenames and "tampers_with_audit" not in request.keywords
    if uses_db:
        request.getfixturevalue("db")  # set up first, so this check runs before the rollback
    yield
    if uses_db:
        _, broken = verify_chain()
        assert broken is None, f"audit chain broken at {broken.seq}: {broken.problem}"


# --- Children and concerns ------------------------------------------------------------------------


def make_child(
    by: User, given: str = "Amy", family: str = "Smith", born: str = "2018-05-04", **extra: object
) -> Person:
    from datetime import date

    from safeguard.people.models import DobQuality
    from safeguard.people.services import NewPerson, create_person

    details = NewPerson(
        given_name=given, family_name=family, date_of_birth=date.fromisoformat(born), dob_quality=DobQuality.STATED
    )
    for key, value in extra.items():
        setattr(details, key, value)
    return create_person(details=details, by=by)


def make_concern(by: User, *children: Person, submit: bool = False, restricted: bool = False) -> Concern:
    """A complete concern about ``children`` (each spoken to), optionally submitted."""
    from datetime import timedelta

    from django.utils import timezone

    from safeguard.concerns import services as concerns

    concern = concerns.start_concern(by=by)
    if restricted:
        concern.is_restricted = True
        concern.save(update_fields=["is_restricted"])
    concerns.set_when(concern=concern, occurred_at=timezone.now() - timedelta(hours=3), by=by)
    concerns.set_where(concern=concern, location="12 Acacia Road, Northtown", postcode="NS1 4AB", by=by)
    concerns.set_types(concern=concern, types=["domestic_abuse"], by=by)
    concerns.set_summary(concern=concern, summary="Neighbours heard shouting and a child crying at 11pm.", by=by)
    concerns.grade_risk(concern=concern, grade="medium", rationale="Second incident this month.", by=by)
    for child in children:
        concerns.involve(concern=concern, person=child, roles=["subject_child"], by=by)
        record_voice(concern, child, by)
    if submit:
        concerns.submit_concern(concern=concern, by=by)
    return concern


def record_voice(concern: Concern, child: Person, by: User, **overrides: object) -> object:
    from safeguard.voice.services import VoiceAnswers
    from safeguard.voice.services import record_voice as write

    answers = VoiceAnswers(
        seen=True,
        seen_alone="yes",
        spoken_to=True,
        childs_words="Daddy shouted at mummy and I hid under the bed.",
        demeanour=["frightened", "clingy"],
        demeanour_narrative="Held on to her mother throughout.",
        wishes_and_feelings="Wants to stay with mum.",
        others_present="Mother in the next room.",
        informed_decision="Her account of hiding raised the grade to medium and a referral.",
    )
    for key, value in overrides.items():
        setattr(answers, key, value)
    return write(concern=concern, person=child, answers=answers, by=by)


@dataclass
class Concerns:
    """Concern records in each relation to the force's users, like Notes for the test app."""

    child: Person
    own: dict[str, Concern]  # per police role with a unit: a draft that role's user owns (unit A)
    same_unit: Concern  # the colleague's, submitted
    other_unit: Concern  # the outsider's, submitted
    restricted: Concern  # the colleague's, restricted


@pytest.fixture
def concerns(force: Force) -> Concerns:
    child = make_child(force.colleague)
    own = {}
    for role in ("officer", "investigator", "supervisor", "hub"):
        own[role] = make_concern(force.user(role), child)
    return Concerns(
        child=child,
        own=own,
        same_unit=make_concern(force.colleague, child, submit=True),
        other_unit=make_concern(force.outsider, child, submit=True),
        restricted=make_concern(force.colleague, child, submit=True, restricted=True),
    )


@dataclass
class People:
    """Persons in each relation to the force's users. Persons are nominal records: force-wide."""

    own: dict[str, Person]
    same_unit: Person
    other_unit: Person
    restricted: Person


@pytest.fixture
def people(force: Force) -> People:
    own = {
        role: make_child(force.user(role), "Own", f"Ownchild{role.title()}")
        for role in ("officer", "investigator", "supervisor", "hub")
    }
    return People(
        own=own,
        same_unit=make_child(force.colleague, "Colleague", "Childe"),
        other_unit=make_child(force.outsider, "Outsider", "Childe"),
        restricted=make_child(force.colleague, "Hidden", "Secretchild", is_restricted=True),
    )
