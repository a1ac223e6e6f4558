"""Property test of the access policy: random users × records × actions against an oracle written
straight from the role table in ARCHITECTURE.md, independently of policy.py's queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguard.accounts import policy
from safeguard.accounts.models import AccessGrant, Organisation, Role, Unit, User
from tests.casework.models import CaseNote
from tests.conftest import ROLES


def oracle(user: User, note: CaseNote, action: str) -> bool:
    roles = user.role_codes()
    if not user.is_active:
        return False
    granted = AccessGrant.objects.filter(user=user, record_id=str(note.pk), expires_at__gt=timezone.now()).exists()
    audit_granted = AccessGrant.objects.filter(
        user=user, record_id=str(note.pk), kind="audit", expires_at__gt=timezone.now()
    ).exists()
    own = note.owner_id == user.pk
    same_unit = user.unit_id is not None and note.unit_id == user.unit_id
    supervises = note.unit.supervisor_id == user.pk
    if action == "view":
        in_scope = (
            bool(roles & {"hub", "leader"})
            or (bool(roles & {"officer", "investigator", "supervisor"}) and (own or same_unit))
            or ("supervisor" in roles and supervises)
            or ("auditor" in roles and audit_granted)
        )
    else:
        in_scope = (
            "hub" in roles
            or (bool(roles & {"officer", "investigator", "supervisor"}) and own)
            or ("supervisor" in roles and supervises)
        )
    unlocked = not note.is_restricted or own or granted
    return in_scope and unlocked


@pytest.fixture
def world(db: None) -> dict[str, list]:
    police = Organisation.objects.create(name="P", kind="police")
    partner = Organisation.objects.create(name="S", kind="social_care")
    units = [Unit.objects.create(organisation=police, name=f"U{i}", code=f"U{i}") for i in range(3)]
    role_rows = {r.code: r for r in Role.objects.all()}
    users = []
    for i in range(12):
        user = User.objects.create_user(
            username=f"u{i}",
            password="x",
            organisation=police if i % 6 else partner,
            unit=units[i % 3] if i % 4 else None,
        )
        users.append(user)
    units[0].supervisor = users[1]
    units[0].save()
    units[1].supervisor = users[5]
    units[1].save()
    notes = []
    for i in range(10):
        notes.append(
            CaseNote.objects.create(
                unit=units[i % 3],
                owner=users[(i * 5) % 12] if i % 3 else None,
                title=f"n{i}",
                body="b",
                is_restricted=i % 4 == 0,
            )
        )
    return {"users": users, "notes": notes, "roles": role_rows}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    user_index=st.integers(0, 11),
    note_index=st.integers(0, 9),
    roles=st.sets(st.sampled_from(ROLES), max_size=3),
    action=st.sampled_from(["view", "change"]),
    grant=st.sampled_from([None, "break_glass", "audit", "expired"]),
    active=st.booleans(),
)
def test_policy_agrees_with_the_oracle(
    world: dict[str, list],
    user_index: int,
    note_index: int,
    roles: set[str],
    action: str,
    grant: str | None,
    active: bool,
) -> None:
    user, note = world["users"][user_index], world["notes"][note_index]
    user.roles.set([world["roles"][r] for r in roles])
    user.is_active = active
    user.save()
    AccessGrant.objects.filter(user=user).delete()
    if grant:
        expires = timezone.now() + (timedelta(minutes=-5) if grant == "expired" else timedelta(minutes=30))
        AccessGrant.objects.create(
            user=user,
            kind="audit" if grant == "audit" else "break_glass",
            record_type="casework.casenote",
            record_id=str(note.pk),
            reason="r",
            expires_at=expires,
        )
    user = User.objects.get(pk=user.pk)  # fresh role cache
    assert policy.can(user, action, note) == oracle(user, note, action)
    in_list = policy.visible_to(user, CaseNote.objects.all()).filter(pk=note.pk).exists()
    if action == "view" and oracle(user, note, "view"):
        assert in_list, "a record the user may open must appear in their lists"
