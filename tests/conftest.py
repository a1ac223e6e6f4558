"""Shared test set-up: a small force (two units, a partner), one user per role, signed-in clients."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from safeguard.accounts.models import Organisation, OrganisationKind, Role, RoleCode, Unit, User
from safeguard.accounts.signin import SESSION_SEEN, SESSION_STARTED
from safeguard.audit.models import AuditEvent
from safeguard.audit.services import verify_chain
from tests.casework.models import CaseNote

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
