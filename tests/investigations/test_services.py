"""The investigation services: the supervision rules of DOMAIN.md, enforced where every door meets."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from safeguard import parameters
from safeguard.accounts.models import User
from safeguard.audit.models import AuditEvent, Operation
from safeguard.investigations import services as inv
from safeguard.investigations.models import (
    Action,
    ActionEntry,
    Check,
    Investigation,
    InvestigationStatus,
    LineOfEnquiry,
)
from safeguard.timescales.calendars import LONDON
from safeguard.timescales.models import Clock
from safeguard.voice.models import VoiceRecord
from safeguard.voice.services import VoiceAnswers, record_investigation_voice
from tests.conftest import Force, make_child, make_concern

CHECKS_MET = {
    "voice_check": Check.YES,
    "enquiries_check": Check.YES,
    "partners_check": Check.NOT_APPLICABLE,
    "delay_check": Check.YES,
}


def london(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def opened(force: Force, *, risk: str = "medium", accept: bool = True) -> Investigation:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    concern = make_concern(officer, make_child(officer), submit=True)
    investigation = inv.open_investigation(
        concerns=[concern],
        officer=officer,
        summary="Alleged assault of a child at home by a parent.",
        risk_grade=risk,
        risk_rationale="Repeat incident and a young child.",
        first_review_on=inv.today(),
        by=supervisor,
    )
    if accept:
        inv.accept_investigation(investigation=investigation, by=officer)
    return investigation


def line(
    owner: User, days: int = 3, kind: str = LineOfEnquiry.ABE_INTERVIEW, title: str = "ABE interview"
) -> inv.ActionDetails:
    return inv.ActionDetails(kind=kind, title=title, owner=owner, due_on=inv.today() + timedelta(days=days))


def open_clocks(record: object, rule: str) -> list[Clock]:
    return list(
        Clock.objects.filter(record_id=record.pk, rule_code=rule, stopped_at__isnull=True)  # type: ignore[attr-defined]
    )


def review(supervisor: User, investigation: Investigation, days: int = 7, **changes: object) -> object:
    answers = inv.ReviewAnswers(
        rationale="The plan is proportionate and the ABE interview is booked.",
        checks=dict(CHECKS_MET),
        risk_grade=investigation.risk_grade,
        next_review_on=inv.today() + timedelta(days=days),
    )
    for key, value in changes.items():
        setattr(answers, key, value)
    return inv.record_review(investigation=investigation, answers=answers, by=supervisor)


# --- Opening and allocation ---------------------------------------------------------------------


def test_opening_copies_the_concerns_people_and_starts_acceptance_and_first_review_clocks(force: Force) -> None:
    investigation = opened(force, accept=False)
    assert investigation.reference and investigation.reference.startswith("INV-")
    assert investigation.status == InvestigationStatus.ALLOCATED and investigation.owner == force.user("officer")
    assert investigation.people.filter(is_child=True).count() == 1
    [acceptance] = open_clocks(investigation, "investigations.acceptance")
    assert acceptance.owner_id == force.user("officer").pk
    [first_review] = open_clocks(investigation, "investigations.review")
    assert first_review.owner_id == force.user("supervisor").pk and "first review" in first_review.terms


def test_an_officer_cannot_open_an_investigation(force: Force) -> None:
    officer = force.user("officer")
    concern = make_concern(officer, make_child(officer), submit=True)
    with pytest.raises(ValidationError, match="Only a supervisor or the hub"):
        inv.open_investigation(
            concerns=[concern],
            officer=force.colleague,
            summary="Alleged assault of a child at home by a parent.",
            risk_grade="high",
            risk_rationale="Repeat incident and a young child.",
            first_review_on=inv.today(),
            by=officer,
        )
    assert not Investigation.objects.exists()


def test_a_draft_concern_cannot_be_investigated_and_a_concern_is_investigated_once(force: Force) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    draft = make_concern(officer, make_child(officer))
    arguments = dict(
        officer=officer,
        summary="Alleged assault of a child at home by a parent.",
        risk_grade="high",
        risk_rationale="Repeat incident and a young child.",
        first_review_on=inv.today(),
        by=supervisor,
    )
    with pytest.raises(ValidationError, match="has not been submitted"):
        inv.open_investigation(concerns=[draft], **arguments)  # type: ignore[arg-type]
    submitted = make_concern(officer, make_child(officer), submit=True)
    first = inv.open_investigation(concerns=[submitted], **arguments)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="already under investigation"):
        inv.open_investigation(concerns=[submitted], **arguments)  # type: ignore[arg-type]
    assert list(Investigation.objects.all()) == [first]


def test_the_first_review_cannot_be_later_than_three_working_days_after_allocation(force: Force) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    concern = make_concern(officer, make_child(officer), submit=True)
    with time_machine.travel(london("2026-12-24 10:00"), tick=False):  # Thursday before Christmas
        assert inv.latest_first_review_on(inv.today()).isoformat() == "2026-12-31"  # 25, 28 (sub. 26) are holidays
        with pytest.raises(ValidationError) as refused:
            inv.open_investigation(
                concerns=[concern],
                officer=officer,
                summary="Alleged assault of a child at home by a parent.",
                risk_grade="high",
                risk_rationale="Repeat incident and a young child.",
                first_review_on=inv.latest_first_review_on(inv.today()) + timedelta(days=1),
                by=supervisor,
            )
    assert "31 December 2026" in refused.value.message_dict["first_review_on"][0]


def test_a_supervisor_can_only_allocate_to_officers_of_teams_they_supervise(force: Force) -> None:
    supervisor = force.user("supervisor")
    allowed = set(inv.allocatable_officers(supervisor))
    assert force.user("officer") in allowed and force.colleague in allowed
    assert force.outsider not in allowed and force.user("partner") not in allowed
    assert force.outsider in set(inv.allocatable_officers(force.user("hub")))


def test_the_plan_cannot_be_started_until_the_officer_accepts(force: Force) -> None:
    investigation = opened(force, accept=False)
    with pytest.raises(ValidationError, match="accepted"):
        inv.add_action(investigation=investigation, details=line(force.user("officer")), by=force.user("officer"))
    inv.accept_investigation(investigation=investigation, by=force.user("officer"))
    assert not open_clocks(investigation, "investigations.acceptance")
    assert inv.add_action(investigation=investigation, details=line(force.user("officer")), by=force.user("officer"))


def test_only_the_allocated_officer_accepts(force: Force) -> None:
    investigation = opened(force, accept=False)
    with pytest.raises(ValidationError, match="Only the officer it is allocated to"):
        inv.accept_investigation(investigation=investigation, by=force.colleague)
    investigation.refresh_from_db()
    assert investigation.status == InvestigationStatus.ALLOCATED


def test_late_acceptance_needs_a_breach_reason(force: Force) -> None:
    investigation = opened(force, accept=False)
    with time_machine.travel(timedelta(hours=25)):
        with pytest.raises(ValidationError) as refused:
            inv.accept_investigation(investigation=investigation, by=force.user("officer"))
        assert "breach_reason" in refused.value.message_dict
        inv.accept_investigation(
            investigation=investigation,
            by=force.user("officer"),
            late=inv.Late("unavailable", "On annual leave when it was allocated."),
        )
    assert Clock.objects.get(rule_code="investigations.acceptance").outcome == "breached"


def test_declining_returns_it_for_reallocation_and_reallocating_moves_the_open_work(force: Force) -> None:
    investigation = opened(force, accept=False)
    inv.decline_investigation(
        investigation=investigation, reason="I know the family personally.", by=force.user("officer")
    )
    investigation.refresh_from_db()
    assert investigation.status == InvestigationStatus.UNALLOCATED and investigation.owner is None
    assert force.user("supervisor").notifications.filter(message__contains="declined").exists()
    inv.allocate(
        investigation=investigation,
        officer=force.colleague,
        reason="Conflict of interest: reallocated.",
        by=force.user("supervisor"),
    )
    investigation.refresh_from_db()
    assert investigation.owner == force.colleague and investigation.status == InvestigationStatus.ALLOCATED
    [acceptance] = open_clocks(investigation, "investigations.acceptance")
    assert acceptance.owner_id == force.colleague.pk
    assert [a.officer for a in investigation.allocations.all()] == [force.user("officer"), force.colleague]


# --- The plan -----------------------------------------------------------------------------------


def test_an_action_has_an_owner_from_the_team_and_a_due_date_not_in_the_past(force: Force) -> None:
    investigation = opened(force)
    officer = force.user("officer")
    with pytest.raises(ValidationError) as refused:
        inv.add_action(
            investigation=investigation,
            details=inv.ActionDetails(
                kind="nonsense", title="", owner=force.outsider, due_on=inv.today() - timedelta(days=1)
            ),
            by=officer,
        )
    assert set(refused.value.message_dict) == {"kind", "title", "owner", "due_on"}
    assert not Action.objects.exists()


def test_an_action_clock_is_due_at_the_end_of_its_due_day_and_stops_when_it_is_done(force: Force) -> None:
    investigation = opened(force)
    officer = force.user("officer")
    with time_machine.travel(london("2026-11-25 10:00"), tick=False):
        action = inv.add_action(investigation=investigation, details=line(officer, days=2), by=officer)
        [clock] = open_clocks(action, "investigations.action")
        assert clock.due_at == london("2026-11-27 23:59:59")
        inv.finish_action(
            action=action, status="done", result="Interview completed and recorded.", version=1, by=officer
        )
    clock.refresh_from_db()
    assert clock.outcome == "met" and Action.objects.get().status == "done"


def test_an_edit_from_an_older_version_is_refused_and_names_the_current_one(force: Force) -> None:
    investigation = opened(force)
    officer, supervisor = force.user("officer"), force.user("supervisor")
    action = inv.add_action(investigation=investigation, details=line(officer), by=officer)
    inv.update_action(action=action, details=line(officer, title="ABE interview at the suite"), version=1, by=officer)
    stale = Action.objects.get()
    with pytest.raises(inv.EditConflict) as conflict:
        inv.update_action(
            action=stale, details=line(officer, title="ABE interview at school"), version=1, by=supervisor
        )
    assert conflict.value.current.title == "ABE interview at the suite" and conflict.value.current.version == 2
    assert Action.objects.get().title == "ABE interview at the suite"


def test_moving_a_due_date_restarts_the_clock_and_a_late_one_must_say_why(force: Force) -> None:
    investigation = opened(force)
    officer = force.user("officer")
    action = inv.add_action(investigation=investigation, details=line(officer, days=1), by=officer)
    with time_machine.travel(timedelta(days=3)):
        action.refresh_from_db()
        with pytest.raises(ValidationError):
            inv.update_action(action=action, details=line(officer, days=2), version=1, by=officer)
        assert Action.objects.get().version == 1  # the refusal changed nothing
        inv.update_action(
            action=action,
            details=line(officer, days=2),
            version=1,
            by=officer,
            late=inv.Late("awaiting_partner", "Waiting for the interview suite booking."),
        )
        [running] = open_clocks(action, "investigations.action")
    stopped = Clock.objects.get(rule_code="investigations.action", stopped_at__isnull=False)
    assert stopped.outcome == "breached" and running.due_at > stopped.due_at


def test_a_correction_is_a_new_version_with_its_reason(force: Force) -> None:
    investigation = opened(force)
    officer = force.user("officer")
    action = inv.add_action(investigation=investigation, details=line(officer), by=officer)
    first = inv.record_entry(
        action=action, kind="progress", text="Suite booked for Friday.", occurred_at=inv.timezone.now(), by=officer
    )
    inv.correct_entry(
        entry=first,
        text="Suite booked for Thursday.",
        occurred_at=first.occurred_at,
        reason="Wrong day recorded at first.",
        by=officer,
    )
    versions = list(ActionEntry.objects.order_by("version"))
    assert [(e.version, e.is_current, e.text) for e in versions] == [
        (1, False, "Suite booked for Friday."),
        (2, True, "Suite booked for Thursday."),
    ]
    assert versions[1].supersedes == versions[0] and versions[1].correction_reason == "Wrong day recorded at first."
    with pytest.raises(ValidationError, match="already been corrected"):
        inv.correct_entry(
            entry=first, text="Another go at it.", occurred_at=first.occurred_at, reason="Second try at it.", by=officer
        )


def test_an_event_cannot_be_recorded_in_the_future(force: Force) -> None:
    investigation = opened(force)
    officer = force.user("officer")
    action = inv.add_action(investigation=investigation, details=line(officer), by=officer)
    with pytest.raises(ValidationError, match="past"):
        inv.record_entry(
            action=action,
            kind="evidence",
            text="Statement taken from the neighbour.",
            occurred_at=inv.timezone.now() + timedelta(hours=1),
            by=officer,
        )
    assert not ActionEntry.objects.exists()


# --- Supervisory reviews --------------------------------------------------------------------------


def test_a_review_sets_the_next_review_no_later_than_the_cadence(force: Force) -> None:
    investigation = opened(force, risk="high")
    supervisor = force.user("supervisor")
    with pytest.raises(ValidationError) as refused:
        review(supervisor, investigation, days=8)
    assert "no later than" in refused.value.message_dict["next_review_on"][0]
    review(supervisor, investigation, days=7)
    investigation.refresh_from_db()
    assert investigation.next_review_on == inv.today() + timedelta(days=7)
    [clock] = open_clocks(investigation, "investigations.review")
    assert "high-risk cadence, at most every 7 days" in clock.terms


def test_the_cadence_is_a_local_value(force: Force) -> None:
    parameters.set_value(
        key="investigations.review_days_medium", text="10", reason="Force policy since March.", by=force.user("admin")
    )
    investigation = opened(force, risk="medium")
    with pytest.raises(ValidationError):
        review(force.user("supervisor"), investigation, days=11)
    review(force.user("supervisor"), investigation, days=10)


def test_raising_the_risk_in_a_review_needs_a_rationale_and_shortens_the_cadence(force: Force) -> None:
    investigation = opened(force, risk="standard")
    supervisor = force.user("supervisor")
    with pytest.raises(ValidationError) as refused:
        review(supervisor, investigation, days=14, risk_grade="high")
    assert {"risk_rationale", "next_review_on"} <= set(refused.value.message_dict)
    review(supervisor, investigation, days=7, risk_grade="high", risk_rationale="Disclosure at the ABE interview.")
    investigation.refresh_from_db()
    assert investigation.risk_grade == "high"
    assert [r.grade for r in investigation.risk_history.all()] == ["standard", "high"]


def test_a_gap_found_in_a_review_must_be_directed_and_directions_become_actions(force: Force) -> None:
    investigation = opened(force)
    supervisor, officer = force.user("supervisor"), force.user("officer")
    gaps = {**CHECKS_MET, "partners_check": Check.NO}
    with pytest.raises(ValidationError) as refused:
        review(supervisor, investigation, checks=gaps)
    assert "directions" in refused.value.message_dict
    done = review(
        supervisor,
        investigation,
        checks=gaps,
        directions=[
            inv.ActionDetails(
                kind="",
                title="Tell the school's safeguarding lead",
                owner=officer,
                due_on=inv.today() + timedelta(days=1),
            ),
            inv.ActionDetails(
                kind="", title="Obtain the GP records", owner=force.colleague, due_on=inv.today() + timedelta(days=5)
            ),
        ],
    )
    directions = list(Action.objects.filter(review=done).order_by("due_on"))  # type: ignore[misc]
    assert [(d.kind, d.owner) for d in directions] == [("direction", officer), ("direction", force.colleague)]
    assert all(open_clocks(d, "investigations.action") for d in directions)
    assert force.colleague.notifications.filter(message__contains="GP records").exists()


def test_the_officer_in_the_case_cannot_review_their_own_investigation(force: Force) -> None:
    investigation = opened(force)
    with pytest.raises(ValidationError):
        review(force.user("officer"), investigation)
    with pytest.raises(ValidationError):
        review(force.user("hub"), investigation)  # the hub allocates; a supervisor reviews


def test_a_late_review_must_say_why(force: Force) -> None:
    investigation = opened(force)
    with time_machine.travel(timedelta(days=5)):
        with pytest.raises(ValidationError) as refused:
            review(force.user("supervisor"), investigation)
        assert "breach_reason" in refused.value.message_dict


# --- Closure ------------------------------------------------------------------------------------


def test_closure_lists_every_blocker_then_closes_with_an_outcome_and_sign_off(force: Force) -> None:
    investigation = opened(force)
    officer, supervisor = force.user("officer"), force.user("supervisor")
    action = inv.add_action(investigation=investigation, details=line(officer), by=officer)
    notice = inv.require_notification(
        investigation=investigation, agency="social_care", purpose="Outcome of the ABE interview.", by=supervisor
    )
    sibling = make_child(officer, "Ben", "Smith", "2020-01-01")
    inv.add_person(investigation=investigation, person=sibling, role="household", by=officer)
    with time_machine.travel(timedelta(days=1, hours=1)):
        blockers = [b.text for b in inv.closure_blockers(investigation)]
        assert len(blockers) == 4, blockers
        assert any("ABE interview" in b for b in blockers)
        assert any("review" in b and "overdue" in b for b in blockers)
        assert any(b.startswith("Ben Smith") for b in blockers)
        assert any("Children's social care" in b for b in blockers)
        with pytest.raises(ValidationError):
            inv.propose_closure(
                investigation=investigation, outcome="1", rationale="Charged by the CPS with assault.", by=officer
            )
        inv.finish_action(
            action=action,
            status="closed",
            result="Child declined a formal interview.",
            version=1,
            by=officer,
            late=inv.Late(),
        )
        inv.record_review(
            investigation=investigation,
            answers=inv.ReviewAnswers(
                rationale="All lines pursued; voice of both children needed.",
                checks=dict(CHECKS_MET),
                risk_grade=investigation.risk_grade,
                next_review_on=inv.today() + timedelta(days=7),
            ),
            by=supervisor,
            late=inv.Late("demand", "Two urgent strategy meetings that day."),
        )
        inv.record_notification_sent(
            notification=notice, sent_at=inv.timezone.now(), detail="Emailed the MASH duty team, ref 4471.", by=officer
        )
        record_investigation_voice(
            investigation=investigation,
            person=sibling,
            answers=VoiceAnswers(
                seen=True,
                seen_alone="yes",
                spoken_to=False,
                reason_not_spoken="pre_verbal",
                informed_decision="Seen well and settled with grandmother.",
            ),
            by=officer,
        )
        assert inv.closure_blockers(investigation) == []
        inv.propose_closure(
            investigation=investigation, outcome="16", rationale="Victim does not support further action.", by=officer
        )
        investigation.refresh_from_db()
        assert investigation.status == InvestigationStatus.CLOSURE_PROPOSED
        with pytest.raises(ValidationError):
            inv.sign_off_closure(investigation=investigation, rationale="Signing off my own case.", by=officer)
        inv.sign_off_closure(
            investigation=investigation, rationale="All enquiries complete, outcome right.", by=supervisor
        )
    investigation.refresh_from_db()
    assert (investigation.status, investigation.outcome, investigation.signed_off_by) == ("closed", "16", supervisor)
    assert not Clock.objects.filter(record_type="investigations.investigation", stopped_at__isnull=True).exists()
    assert VoiceRecord.objects.filter(investigation=investigation).count() == 1


def test_a_refused_closure_goes_back_to_the_officer_and_is_kept(force: Force) -> None:
    investigation = opened(force)
    officer, supervisor = force.user("officer"), force.user("supervisor")
    review(supervisor, investigation)
    inv.propose_closure(
        investigation=investigation,
        outcome="nc_safeguarded",
        rationale="Safety plan agreed with the mother.",
        by=officer,
    )
    inv.refuse_closure(investigation=investigation, reason="Speak to the school first.", by=supervisor)
    investigation.refresh_from_db()
    assert investigation.status == InvestigationStatus.ACTIVE and investigation.outcome == ""
    [proposal] = investigation.closure_proposals.all()
    assert proposal.decision == "refused" and proposal.decision_rationale == "Speak to the school first."
    assert officer.notifications.filter(message__contains="refused").exists()


# --- Audit and drift ----------------------------------------------------------------------------


def test_each_write_is_audited_and_recorded_activity_keeps_it_from_drifting(force: Force) -> None:
    investigation = opened(force)
    officer = force.user("officer")
    before = investigation.last_activity_at
    with time_machine.travel(timedelta(days=20)):
        seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
        action = inv.add_action(investigation=investigation, details=line(officer), by=officer)
        [event] = AuditEvent.objects.filter(seq__gt=seq)
        assert (event.operation, event.record_type, event.record_ids) == (
            Operation.COLLECT,
            "investigations.action",
            [str(action.pk)],
        )
    investigation.refresh_from_db()
    assert investigation.last_activity_at - before >= timedelta(days=20)


def test_an_overdue_action_can_be_handed_over_without_moving_its_due_date(force: Force) -> None:
    investigation = opened(force)
    officer = force.user("officer")
    action = inv.add_action(investigation=investigation, details=line(officer, days=1), by=officer)
    with time_machine.travel(timedelta(days=3)):
        action.refresh_from_db()
        handed = inv.ActionDetails(kind="abe", title="ABE interview", owner=force.colleague, due_on=action.due_on)
        inv.update_action(action=action, details=handed, version=1, by=officer)
    [clock] = open_clocks(action, "investigations.action")
    assert clock.owner_id == force.colleague.pk and clock.due_at == action.due_at
