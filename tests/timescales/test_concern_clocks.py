"""The concern clocks through the concern services: submitting starts the supervisor's decision clock,
endorsing or returning stops it (late work only with a coded reason and an explanation), returning
starts the officer's resubmission clock, the cumulative-concern rule gives the hub a clock, and a local
parameter changed by an admin (audited, kept in its history) applies only to clocks started afterwards.

Time is moved with time_machine; every moment is London wall-clock time on a fixed date (Tuesday 2 June
2026, British Summer Time), so working-day due times are known exactly.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from safeguard import parameters
from safeguard.accounts.models import User
from safeguard.audit.models import Operation
from safeguard.concerns import services
from safeguard.concerns.models import Concern, ConcernStatus, CumulativeReview, SupervisorDecision
from safeguard.concerns.timescales import CUMULATIVE_REVIEW, DECISION, RESUBMISSION
from safeguard.models import LocalParameter, ParameterChange
from safeguard.people.models import Person
from safeguard.timescales.calendars import LONDON
from safeguard.timescales.models import Clock, ClockOutcome, Stage
from safeguard.timescales.rules import Rule
from tests.conftest import Force, events_since, last_seq, make_child, make_concern


def at(text: str) -> datetime:
    """A London wall-clock time: at("2026-06-02 10:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


TUESDAY = at("2026-06-02 10:00")
LATE_DETAIL = "Two high-risk jobs came in at once and both supervisors were on them."


def submitted(by: User, child: Person, *, when: datetime = TUESDAY, grade: str = "medium") -> Concern:
    """A complete concern about ``child``, graded ``grade`` and submitted by ``by`` at ``when``."""
    with time_machine.travel(when, tick=False):
        concern = make_concern(by, child)
        if grade != "medium":
            services.grade_risk(concern=concern, grade=grade, rationale="Re-graded for this test.", by=by)
        return services.submit_concern(concern=concern, by=by)


def clocks_of(rule: Rule, record: Concern | CumulativeReview) -> list[Clock]:
    return list(
        Clock.objects.filter(rule_code=rule.code, record_type=record._meta.label_lower, record_id=record.pk).order_by(
            "pk"
        )
    )


def the_clock(rule: Rule, record: Concern | CumulativeReview) -> Clock:
    [clock] = clocks_of(rule, record)
    return clock


def returned(concern: Concern, by: User, *, when: datetime) -> Concern:
    with time_machine.travel(when, tick=False):
        services.return_concern(concern=concern, reason="Add the mother's account of the evening.", by=by)
    return Concern.objects.get(pk=concern.pk)


# --- Starting the decision clock -------------------------------------------------------------------


@pytest.mark.parametrize(("grade", "hours"), [("high", 4), ("medium", 24), ("standard", 72)])
def test_submitting_starts_a_decision_clock_due_the_grades_hours_after_submission(
    force: Force, grade: str, hours: int
) -> None:
    officer = force.user("officer")
    concern = submitted(officer, make_child(officer), grade=grade)
    clock = the_clock(DECISION, concern)
    assert (clock.record_type, clock.record_id, clock.label) == ("concerns.concern", concern.pk, concern.reference)
    assert clock.terms == f"Supervisor review of a {grade}-risk concern: due {hours} h after submission"
    assert clock.started_at == TUESDAY == concern.submitted_at
    assert clock.due_at == TUESDAY + timedelta(hours=hours)
    # Due soon once 75% of the time has gone; escalated once it has been overdue as long again.
    assert clock.due_soon_at == TUESDAY + timedelta(hours=hours * 0.75)
    assert clock.escalate_at == TUESDAY + timedelta(hours=2 * hours)
    assert (clock.owner, clock.unit, clock.hub_work) == (force.user("supervisor"), force.unit_a, False)
    assert (clock.stage, clock.next_at, clock.stopped_at, clock.outcome) == (
        Stage.ON_TIME,
        clock.due_soon_at,
        None,
        "",
    )


def test_a_high_risk_clock_counts_real_hours_across_the_night_the_clocks_go_back(force: Force) -> None:
    officer = force.user("officer")
    concern = submitted(officer, make_child(officer), when=at("2026-10-25 00:30"), grade="high")
    # 00:30 BST + 4 real hours is 03:30 GMT (04:30 on the wall clock before the change would be wrong).
    assert the_clock(DECISION, concern).due_at == datetime.fromisoformat("2026-10-25T03:30:00+00:00")


def test_a_concern_the_supervisor_recorded_has_an_unassigned_decision_clock(force: Force) -> None:
    supervisor = force.user("supervisor")
    concern = submitted(supervisor, make_child(supervisor))
    clock = the_clock(DECISION, concern)
    assert clock.owner is None and clock.unit == force.unit_a


def test_a_concern_from_a_unit_without_a_supervisor_has_an_unassigned_decision_clock(force: Force) -> None:
    concern = submitted(force.outsider, make_child(force.outsider))
    clock = the_clock(DECISION, concern)
    assert clock.owner is None and clock.unit == force.unit_b


def test_a_restricted_concern_has_a_restricted_clock(force: Force) -> None:
    colleague = force.colleague
    with time_machine.travel(TUESDAY, tick=False):
        concern = make_concern(colleague, make_child(colleague), submit=True, restricted=True)
    assert the_clock(DECISION, concern).is_restricted


# --- Stopping it on time ---------------------------------------------------------------------------


@pytest.mark.parametrize("after", [timedelta(hours=3), timedelta(hours=24)], ids=["well-within", "at-the-due-time"])
def test_endorsing_on_time_stops_the_decision_clock_as_met(force: Force, after: timedelta) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    concern = submitted(officer, make_child(officer))
    with time_machine.travel(TUESDAY + after, tick=False):
        services.endorse_concern(concern=concern, rationale="Proportionate and timely.", by=supervisor)
    clock = the_clock(DECISION, concern)
    assert (clock.stopped_at, clock.stopped_by, clock.outcome) == (TUESDAY + after, supervisor, ClockOutcome.MET)
    assert (clock.breach_reason, clock.breach_detail, clock.next_at) == ("", "", None)


def test_a_breach_reason_given_for_work_done_on_time_is_not_kept(force: Force) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    concern = submitted(officer, make_child(officer))
    with time_machine.travel(TUESDAY + timedelta(hours=1), tick=False):
        services.endorse_concern(
            concern=concern,
            rationale="Proportionate and timely.",
            by=supervisor,
            breach_reason="demand",
            breach_detail=LATE_DETAIL,
        )
    clock = the_clock(DECISION, concern)
    assert (clock.outcome, clock.breach_reason, clock.breach_detail) == (ClockOutcome.MET, "", "")


# --- Late without a reason: refused, nothing changes -------------------------------------------------

BAD_BREACHES = [
    pytest.param("", "", {"breach_reason", "breach_detail"}, id="neither"),
    pytest.param("demand", "", {"breach_detail"}, id="no-explanation"),
    pytest.param("", LATE_DETAIL, {"breach_reason"}, id="no-coded-reason"),
    pytest.param("because", LATE_DETAIL, {"breach_reason"}, id="reason-not-in-the-list"),
    pytest.param("demand", "  too late ", {"breach_detail"}, id="explanation-too-short"),
    pytest.param("demand", "=cmd()|' /C calc'!A0 was the reason", {"breach_detail"}, id="formula"),
    pytest.param("demand", "<script>alert(1)</script> held us up", {"breach_detail"}, id="markup"),
    pytest.param("demand", "Held up \x00 by the system", {"breach_detail"}, id="control-character"),
    pytest.param("demand", "x" * 2001, {"breach_detail"}, id="oversized"),
]


def decide(action: str, concern: Concern, by: User, **late: str) -> None:
    if action == "endorse":
        services.endorse_concern(concern=concern, rationale="Proportionate and timely.", by=by, **late)
    else:
        services.return_concern(concern=concern, reason="Add the mother's account of the evening.", by=by, **late)


@pytest.mark.parametrize("action", ["endorse", "return"])
@pytest.mark.parametrize(("reason", "detail", "fields"), BAD_BREACHES)
def test_a_late_decision_without_a_proper_breach_reason_is_refused_and_changes_nothing(
    force: Force, action: str, reason: str, detail: str, fields: set[str]
) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    concern = submitted(officer, make_child(officer), grade="high")
    seq = last_seq()
    with time_machine.travel(TUESDAY + timedelta(hours=5), tick=False), pytest.raises(ValidationError) as refused:
        decide(action, Concern.objects.get(pk=concern.pk), supervisor, breach_reason=reason, breach_detail=detail)
    assert set(refused.value.message_dict) == fields
    if "breach_reason" in fields:
        assert (
            "This was due by 14:00 on 2 June 2026: choose why it is late" in refused.value.message_dict["breach_reason"]
        )
    assert Concern.objects.get(pk=concern.pk).status == ConcernStatus.SUBMITTED
    assert not SupervisorDecision.objects.filter(concern=concern).exists()
    clock = the_clock(DECISION, concern)
    assert (clock.stopped_at, clock.stopped_by, clock.outcome, clock.breach_reason) == (None, None, "", "")
    assert clocks_of(RESUBMISSION, concern) == []
    assert events_since(seq) == []


# --- Late with a reason: stopped as breached ---------------------------------------------------------


def test_a_late_endorsement_with_a_coded_reason_stops_the_clock_as_breached(force: Force) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    concern = submitted(officer, make_child(officer), grade="high")
    late = TUESDAY + timedelta(hours=6, minutes=30)
    with time_machine.travel(late, tick=False):
        services.endorse_concern(
            concern=concern,
            rationale="Proportionate and timely.",
            by=supervisor,
            breach_reason="unavailable",
            breach_detail=f"  {LATE_DETAIL}  ",
        )
    assert Concern.objects.get(pk=concern.pk).status == ConcernStatus.ENDORSED
    clock = the_clock(DECISION, concern)
    assert (clock.stopped_at, clock.stopped_by, clock.outcome) == (late, supervisor, ClockOutcome.BREACHED)
    assert (clock.breach_reason, clock.breach_detail) == ("unavailable", LATE_DETAIL)


def test_a_late_return_with_a_coded_reason_stops_the_decision_clock_as_breached(force: Force) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    concern = submitted(officer, make_child(officer), grade="high")
    with time_machine.travel(TUESDAY + timedelta(hours=5), tick=False):
        decide("return", concern, supervisor, breach_reason="awaiting_partner", breach_detail=LATE_DETAIL)
    assert Concern.objects.get(pk=concern.pk).status == ConcernStatus.RETURNED
    clock = the_clock(DECISION, concern)
    assert (clock.outcome, clock.breach_reason, clock.breach_detail) == (
        ClockOutcome.BREACHED,
        "awaiting_partner",
        LATE_DETAIL,
    )
    assert the_clock(RESUBMISSION, concern).is_open


# --- Returning and resubmitting ------------------------------------------------------------------------


def test_returning_starts_a_resubmission_clock_owned_by_the_officer(force: Force) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    concern = submitted(officer, make_child(officer))
    returned(concern, supervisor, when=at("2026-06-02 11:15"))
    assert the_clock(DECISION, concern).outcome == ClockOutcome.MET
    clock = the_clock(RESUBMISSION, concern)
    assert clock.terms == "Returned concern corrected and resubmitted: due 2 working days after return"
    assert (clock.owner, clock.unit, clock.label) == (officer, force.unit_a, concern.reference)
    assert clock.started_at == at("2026-06-02 11:15")
    assert clock.due_at == at("2026-06-04 11:15")  # Tuesday + 2 working days: Thursday, same time
    assert clock.is_open


def test_a_return_on_friday_is_due_back_on_tuesday(force: Force) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    concern = submitted(officer, make_child(officer), when=at("2026-06-05 09:00"))
    returned(concern, supervisor, when=at("2026-06-05 16:00"))
    assert the_clock(RESUBMISSION, concern).due_at == at("2026-06-09 16:00")


def test_resubmitting_on_time_stops_the_resubmission_clock_and_starts_a_new_decision_clock(force: Force) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    concern = submitted(officer, make_child(officer))
    returned(concern, supervisor, when=at("2026-06-02 11:00"))
    with time_machine.travel(at("2026-06-03 09:00"), tick=False):
        services.submit_concern(concern=concern, by=officer)
    resubmission = the_clock(RESUBMISSION, concern)
    assert (resubmission.outcome, resubmission.stopped_by) == (ClockOutcome.MET, officer)
    first, second = clocks_of(DECISION, concern)
    assert first.outcome == ClockOutcome.MET and second.is_open
    assert (second.started_at, second.due_at) == (at("2026-06-03 09:00"), at("2026-06-04 09:00"))


def test_resubmitting_late_needs_a_reason_and_without_one_changes_nothing(force: Force) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    concern = submitted(officer, make_child(officer))
    returned(concern, supervisor, when=at("2026-06-02 11:00"))
    friday = at("2026-06-05 09:00")
    seq = last_seq()
    with time_machine.travel(friday, tick=False), pytest.raises(ValidationError) as refused:
        services.submit_concern(concern=Concern.objects.get(pk=concern.pk), by=officer)
    assert set(refused.value.message_dict) == {"breach_reason", "breach_detail"}
    assert "This was due by 11:00 on 4 June 2026: choose why it is late" in refused.value.message_dict["breach_reason"]
    assert Concern.objects.get(pk=concern.pk).status == ConcernStatus.RETURNED
    assert the_clock(RESUBMISSION, concern).is_open
    assert [c.is_open for c in clocks_of(DECISION, concern)] == [False]
    assert events_since(seq) == []

    with time_machine.travel(friday, tick=False):
        services.submit_concern(
            concern=Concern.objects.get(pk=concern.pk),
            by=officer,
            breach_reason="awaiting_partner",
            breach_detail=LATE_DETAIL,
        )
    assert Concern.objects.get(pk=concern.pk).status == ConcernStatus.SUBMITTED
    resubmission = the_clock(RESUBMISSION, concern)
    assert (resubmission.stopped_at, resubmission.outcome) == (friday, ClockOutcome.BREACHED)
    assert (resubmission.breach_reason, resubmission.breach_detail) == ("awaiting_partner", LATE_DETAIL)
    assert [c.is_open for c in clocks_of(DECISION, concern)] == [False, True]


# --- The cumulative-concern rule's review ----------------------------------------------------------------


def test_the_cumulative_review_gets_a_hub_clock_stopped_when_the_review_is_completed(force: Force) -> None:
    officer, hub = force.user("officer"), force.user("hub")
    amy = make_child(officer)
    for _ in range(3):
        submitted(officer, amy)
    [review] = CumulativeReview.objects.all()
    clock = the_clock(CUMULATIVE_REVIEW, review)
    assert (clock.record_type, clock.label) == ("concerns.cumulativereview", f"Cumulative review {review.pk}")
    assert clock.terms == "Hub review of a child's whole history after 3 concerns: due by the end of 3 working days"
    assert (clock.hub_work, clock.owner, clock.unit) == (True, None, force.unit_a)
    assert clock.started_at == TUESDAY
    assert clock.due_at == at("2026-06-05 23:59:59")  # the end of the 3rd working day after Tuesday
    with time_machine.travel(at("2026-06-04 15:00"), tick=False):
        services.complete_cumulative_review(
            review=review, outcome="Pattern of neglect across all three; strategy discussion requested.", by=hub
        )
    clock.refresh_from_db()
    assert (clock.stopped_at, clock.stopped_by, clock.outcome) == (at("2026-06-04 15:00"), hub, ClockOutcome.MET)


def test_a_late_cumulative_review_needs_a_reason(force: Force) -> None:
    officer, hub = force.user("officer"), force.user("hub")
    amy = make_child(officer)
    for _ in range(3):
        submitted(officer, amy)
    [review] = CumulativeReview.objects.all()
    outcome = "Pattern of neglect across all three; strategy discussion requested."
    with time_machine.travel(at("2026-06-08 09:00"), tick=False):
        with pytest.raises(ValidationError) as refused:
            services.complete_cumulative_review(
                review=CumulativeReview.objects.get(pk=review.pk), outcome=outcome, by=hub
            )
        assert set(refused.value.message_dict) == {"breach_reason", "breach_detail"}
        assert CumulativeReview.objects.get(pk=review.pk).status == "open"
        assert the_clock(CUMULATIVE_REVIEW, review).is_open
        services.complete_cumulative_review(
            review=CumulativeReview.objects.get(pk=review.pk),
            outcome=outcome,
            by=hub,
            breach_reason="demand",
            breach_detail=LATE_DETAIL,
        )
    clock = the_clock(CUMULATIVE_REVIEW, review)
    assert (clock.outcome, clock.breach_reason, clock.breach_detail) == (ClockOutcome.BREACHED, "demand", LATE_DETAIL)


# --- Local parameters ----------------------------------------------------------------------------------

REASON = "Partnership agreement of 1 June 2026 shortened the review time."


def test_a_changed_parameter_applies_to_clocks_started_afterwards_and_leaves_running_ones_alone(
    force: Force,
) -> None:
    officer, admin = force.user("officer"), force.user("admin")
    before = submitted(officer, make_child(officer))
    running = the_clock(DECISION, before)
    with time_machine.travel(TUESDAY + timedelta(hours=1), tick=False):
        assert parameters.set_value(key="concerns.decision_hours_medium", text="12", reason=REASON, by=admin) == 12
        parameters.set_value(key="timescales.due_soon_percent", text="50", reason=REASON, by=admin)
    after = submitted(officer, make_child(officer, "Ben"), when=TUESDAY + timedelta(hours=2))

    unchanged = the_clock(DECISION, before)
    assert (unchanged.due_at, unchanged.due_soon_at, unchanged.escalate_at, unchanged.terms) == (
        running.due_at,
        running.due_soon_at,
        running.escalate_at,
        "Supervisor review of a medium-risk concern: due 24 h after submission",
    )
    new = the_clock(DECISION, after)
    assert new.terms == "Supervisor review of a medium-risk concern: due 12 h after submission"
    assert new.due_at == TUESDAY + timedelta(hours=14)
    assert new.due_soon_at == TUESDAY + timedelta(hours=8)  # half of the 12 hours
    # The running clock is judged against its own due time: endorsing 20 h in is on time.
    with time_machine.travel(TUESDAY + timedelta(hours=20), tick=False):
        services.endorse_concern(concern=before, rationale="Proportionate and timely.", by=force.user("supervisor"))
    assert the_clock(DECISION, before).outcome == ClockOutcome.MET


def test_changing_a_parameter_is_audited_and_kept_in_its_history(force: Force) -> None:
    admin = force.user("admin")
    seq = last_seq()
    parameters.set_value(key="concerns.decision_hours_high", text=" 6 ", reason=f"  {REASON}  ", by=admin)
    [event] = events_since(seq)
    assert (event.operation, event.record_type, event.record_ids) == (
        Operation.ALTER,
        "safeguard.localparameter",
        ["concerns.decision_hours_high"],
    )
    assert event.actor == admin and event.reason == f"4 hours to 6 hours: {REASON}"
    parameters.set_value(
        key="concerns.decision_hours_high", text="8", reason="Reverted after the pilot ended.", by=admin
    )
    history = [(c.old_value, c.new_value, c.reason, c.changed_by) for c in ParameterChange.objects.order_by("pk")]
    assert history == [(4, 6, REASON, admin), (6, 8, "Reverted after the pilot ended.", admin)]
    assert LocalParameter.objects.get(key="concerns.decision_hours_high").value == 8
    assert parameters.value("concerns.decision_hours_high") == 8


def test_a_time_of_day_parameter_is_entered_as_hours_and_minutes(force: Force) -> None:
    parameters.set_value(key="timescales.school_day_start", text="09:15", reason=REASON, by=force.user("admin"))
    assert parameters.value("timescales.school_day_start") == 9 * 60 + 15
    assert parameters.PARAMETERS["timescales.school_day_start"].show(9 * 60 + 15) == "09:15"


@pytest.mark.parametrize(
    ("key", "text", "reason", "field"),
    [
        pytest.param("concerns.decision_hours_high", "0", REASON, "value", id="below-the-minimum"),
        pytest.param("concerns.decision_hours_high", "241", REASON, "value", id="above-the-maximum"),
        pytest.param("concerns.decision_hours_high", "-4", REASON, "value", id="negative"),
        pytest.param("concerns.decision_hours_high", "abc", REASON, "value", id="not-a-number"),
        pytest.param("concerns.decision_hours_high", "4.5", REASON, "value", id="not-whole"),
        pytest.param("concerns.decision_hours_high", "", REASON, "value", id="empty"),
        pytest.param("concerns.decision_hours_high", "9" * 400, REASON, "value", id="huge-number"),
        pytest.param("timescales.school_day_start", "25:00", REASON, "value", id="hour-out-of-range"),
        pytest.param("timescales.school_day_start", "08:75", REASON, "value", id="minute-out-of-range"),
        pytest.param("timescales.school_day_start", "8.30", REASON, "value", id="not-a-time"),
        pytest.param("timescales.school_day_start", "08:30:00", REASON, "value", id="seconds"),
        pytest.param("timescales.school_day_start", "05:00", REASON, "value", id="too-early"),
        pytest.param("no.such.parameter", "6", REASON, "value", id="unknown-key"),
        pytest.param("concerns.decision_hours_high", "6", "", "reason", id="no-reason"),
        pytest.param("concerns.decision_hours_high", "6", "because", "reason", id="reason-too-short"),
        pytest.param("concerns.decision_hours_high", "6", "=cmd()|' /C calc'!A0", "reason", id="formula"),
        pytest.param("concerns.decision_hours_high", "6", "+SUM(A1:A9) from the board", "reason", id="plus-formula"),
        pytest.param("concerns.decision_hours_high", "6", "<script>alert(1)</script>", "reason", id="markup"),
        pytest.param("concerns.decision_hours_high", "6", "Board said so\x1b[31m today", "reason", id="control"),
        pytest.param("concerns.decision_hours_high", "6", "x" * 20_001, "reason", id="oversized"),
    ],
)
def test_a_bad_parameter_change_is_refused_and_changes_nothing(
    force: Force, key: str, text: str, reason: str, field: str
) -> None:
    seq = last_seq()
    with pytest.raises(ValidationError) as refused:
        parameters.set_value(key=key, text=text, reason=reason, by=force.user("admin"))
    assert set(refused.value.message_dict) == {field}
    assert not LocalParameter.objects.exists() and not ParameterChange.objects.exists()
    assert events_since(seq) == []
    assert parameters.value("concerns.decision_hours_high") == 4
    assert parameters.value("timescales.school_day_start") == 8 * 60 + 30
