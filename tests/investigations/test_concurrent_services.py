"""Two people acting on the same investigation at the same moment, on PostgreSQL's row locks: one of
them wins, the other is told, and nothing is half-written or silently overwritten."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from safeguard.accounts.models import Role, RoleCode
from safeguard.investigations import services as inv
from safeguard.investigations.models import Action, ClosureProposal, Investigation
from safeguard.timescales.models import Clock
from tests.conftest import Force, make_child, make_concern, make_user

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL's row locks"),
]


def at_once(*calls: Callable[[], object]) -> list[object]:
    """Run each call on its own connection, released together; each result or the exception it raised."""
    start = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            start.wait()
            results[index] = call()
        except Exception as exc:  # the outcome under test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def accepted(force: Force) -> Investigation:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    investigation = inv.open_investigation(
        concerns=[make_concern(officer, make_child(officer), submit=True)],
        officer=officer,
        summary="Alleged assault of a child at home by a parent.",
        risk_grade="medium",
        risk_rationale="Repeat incident and a young child.",
        first_review_on=inv.today(),
        by=supervisor,
    )
    inv.accept_investigation(investigation=investigation, by=officer)
    return investigation


def test_two_edits_of_one_plan_item_at_once_save_one_and_tell_the_other(force: Force) -> None:
    investigation = accepted(force)
    officer, supervisor = force.user("officer"), force.user("supervisor")
    details = inv.ActionDetails(
        kind="abe", title="ABE interview", owner=officer, due_on=inv.today() + timedelta(days=3)
    )
    action = inv.add_action(investigation=investigation, details=details, by=officer)

    def edit(by: object, title: str) -> Callable[[], object]:
        mine = Action.objects.get(pk=action.pk)
        changed = inv.ActionDetails(kind="abe", title=title, owner=officer, due_on=details.due_on)
        return lambda: inv.update_action(action=mine, details=changed, version=1, by=by)  # type: ignore[arg-type]

    results = at_once(edit(officer, "ABE interview at the suite"), edit(supervisor, "ABE interview at school"))
    conflicts = [r for r in results if isinstance(r, inv.EditConflict)]
    saved = [r for r in results if isinstance(r, Action)]
    assert len(conflicts) == 1 and len(saved) == 1
    stored = Action.objects.get(pk=action.pk)
    assert stored.version == 2 and stored.title == saved[0].title == conflicts[0].current.title
    assert Clock.objects.filter(record_id=action.pk, rule_code="investigations.action").count() == 1


def test_two_supervisors_deciding_one_closure_at_once_leave_one_decision(force: Force) -> None:
    investigation = accepted(force)
    officer, supervisor = force.user("officer"), force.user("supervisor")
    deputy = make_user("deputy", [RoleCode.SUPERVISOR], force.police, force.unit_b)
    deputy.roles.add(Role.objects.get(code=RoleCode.HUB))  # the hub's change scope is force-wide
    inv.record_review(
        investigation=investigation,
        answers=inv.ReviewAnswers(
            rationale="All enquiries are complete and recorded.",
            checks={"voice_check": "yes", "enquiries_check": "yes", "partners_check": "na", "delay_check": "yes"},
            risk_grade="medium",
            next_review_on=inv.today() + timedelta(days=14),
        ),
        by=supervisor,
    )
    inv.propose_closure(
        investigation=investigation,
        outcome="nc_safeguarded",
        rationale="Safety plan agreed with the mother.",
        by=officer,
    )
    results = at_once(
        lambda: inv.sign_off_closure(
            investigation=Investigation.objects.get(pk=investigation.pk), rationale="Outcome is right.", by=supervisor
        ),
        lambda: inv.refuse_closure(
            investigation=Investigation.objects.get(pk=investigation.pk), reason="Speak to the school first.", by=deputy
        ),
    )
    assert sum(isinstance(r, ValidationError) for r in results) == 1
    [proposal] = ClosureProposal.objects.all()
    investigation.refresh_from_db()
    assert proposal.decision in ("signed_off", "refused")
    assert investigation.status == ("closed" if proposal.decision == "signed_off" else "active")
    assert Clock.objects.filter(rule_code="investigations.sign_off", stopped_at__isnull=True).count() == 0
