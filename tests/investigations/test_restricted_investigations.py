"""A restricted investigation (for example, a police officer's child) opens only through the glass; its
actions open with it, so the officer in the case is not locked out of work they gave to a colleague."""

from __future__ import annotations

from datetime import timedelta

from safeguard.accounts import policy
from safeguard.accounts.services import break_glass
from safeguard.investigations import services as inv
from tests.conftest import Force, make_child, make_concern


def test_an_action_in_a_restricted_investigation_opens_with_the_investigation(force: Force) -> None:
    officer, hub = force.user("officer"), force.user("hub")
    concern = make_concern(officer, make_child(officer), submit=True, restricted=True)
    break_glass(by=force.user("supervisor"), obj=concern, reason="Allocating the investigation of it.")
    investigation = inv.open_investigation(
        concerns=[concern],
        officer=officer,
        summary="Alleged assault of a child at home by a parent.",
        risk_grade="high",
        risk_rationale="Repeat incident and a young child.",
        first_review_on=inv.today(),
        by=force.user("supervisor"),
    )
    assert investigation.is_restricted
    inv.accept_investigation(investigation=investigation, by=officer)
    details = inv.ActionDetails(
        kind="cctv", title="Collect the CCTV", owner=force.colleague, due_on=inv.today() + timedelta(days=2)
    )
    action = inv.add_action(investigation=investigation, details=details, by=officer)
    assert action.is_restricted
    assert not policy.is_locked(officer, action)  # the officer in the case owns the investigation
    assert not policy.is_locked(force.colleague, action)  # the action's owner
    assert policy.unlocked_ids(officer, [action]) == {action.pk}
    assert policy.is_locked(hub, action) and policy.unlocked_ids(hub, [action]) == set()
    break_glass(by=hub, obj=investigation, reason="Strategy discussion this afternoon.")
    assert not policy.is_locked(hub, action) and policy.unlocked_ids(hub, [action]) == {action.pk}
