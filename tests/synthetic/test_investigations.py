"""The synthetic force's investigations (SYNTHETIC.md): opened from endorsed concerns, at every stage,
some left drifting, with clocks as the services and the sweep would have left them, and a ground truth
that is true of the data."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from safeguard import parameters
from safeguard.concerns.models import ConcernStatus, Involvement
from safeguard.investigations.models import (
    OPEN_STATUSES,
    Action,
    ActionEntry,
    ActionStatus,
    Allocation,
    ClosureDecision,
    ClosureProposal,
    Investigation,
    InvestigationConcern,
    InvestigationStatus,
    LineOfEnquiry,
    RequiredNotification,
    SupervisoryReview,
)
from safeguard.investigations.timescales import ACTION, REVIEW
from safeguard.synthetic.population import GroundTruth, PopulationSpec, load_population
from safeguard.timescales.models import Clock, ClockOutcome, Stage
from tests.conftest import Force

TODAY = date(2026, 6, 1)
NOW = datetime.combine(TODAY, time(0), tzinfo=ZoneInfo("Europe/London"))
INVESTIGATION = "investigations.investigation"


def spec(**overrides: object) -> PopulationSpec:
    """A small force over three years in the test force's two units, investigating most endorsed
    concerns so that a few dozen are open at the end; unit B's supervision much weaker than unit A's."""
    values: dict[str, object] = dict(
        persons=400,
        seed=11,
        today=TODAY,
        years=3,
        area_units=("UNIT-A", "UNIT-B"),
        specialist_unit=None,
        investigation_share={"high": 0.8, "medium": 0.6, "standard": 0.4},
        late_supervision_share={"UNIT-A": 0.05, "UNIT-B": 0.4},
        drift_share={"UNIT-A": 0.1, "UNIT-B": 0.4},
        progress=False,
    )
    values.update(overrides)
    return PopulationSpec(**values)  # type: ignore[arg-type]


def open_clocks(rule_code: str, record_type: str = INVESTIGATION) -> QuerySet[Clock]:
    return Clock.objects.filter(rule_code=rule_code, record_type=record_type, stopped_at__isnull=True)


def drifting_now() -> set[int]:
    quiet_since = NOW - timedelta(days=parameters.value("investigations.drift_days"))
    rows = Investigation.objects.filter(status__in=OPEN_STATUSES, last_activity_at__lt=quiet_since)
    return set(rows.values_list("pk", flat=True))


def test_investigations_are_generated_at_every_stage(force: Force) -> None:
    truth = load_population(spec=spec())
    statuses = set(Investigation.objects.values_list("status", flat=True))
    assert statuses == set(InvestigationStatus.values)
    assert truth.counts["investigations"] == Investigation.objects.count()
    assert Investigation.objects.filter(status=InvestigationStatus.UNALLOCATED, owner__isnull=False).count() == 0
    # Some were opened from two concerns about the same child; a concern is investigated only once.
    linked = [i for i in Investigation.objects.all() if i.concern_links.count() == 2]
    assert linked
    concern_ids = list(InvestigationConcern.objects.values_list("concern_id", flat=True))
    assert len(concern_ids) == len(set(concern_ids))
    assert not InvestigationConcern.objects.exclude(concern__status=ConcernStatus.ENDORSED).exists()


def test_drifting_investigations_are_the_ones_the_ground_truth_names(force: Force) -> None:
    truth = load_population(spec=spec())
    drifting = drifting_now()
    assert drifting
    assert truth.drifting() == drifting
    statuses = set(Investigation.objects.filter(pk__in=drifting).values_list("status", flat=True))
    assert statuses == {InvestigationStatus.ACTIVE}


def test_every_investigations_people_include_its_concerns_children(force: Force) -> None:
    load_population(spec=spec())
    for investigation in Investigation.objects.prefetch_related("concern_links", "people"):
        concern_ids = [link.concern_id for link in investigation.concern_links.all()]
        children = set(
            Involvement.objects.filter(concern_id__in=concern_ids, is_child=True).values_list("person_id", flat=True)
        )
        people = {p.person_id for p in investigation.people.all() if p.is_child}
        assert children and children <= people, investigation.reference


def test_every_open_investigation_has_exactly_one_open_review_clock_and_closed_ones_none(force: Force) -> None:
    load_population(spec=spec())
    open_ids = set(Investigation.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True))
    review_clocks = list(open_clocks(REVIEW.code).values_list("record_id", flat=True))
    assert sorted(review_clocks) == sorted(open_ids)
    for investigation in Investigation.objects.filter(status__in=OPEN_STATUSES):
        clock = open_clocks(REVIEW.code).get(record_id=investigation.pk)
        assert timezone_day(clock.due_at) == investigation.next_review_on, investigation.reference
    closed_ids = Investigation.objects.filter(status=InvestigationStatus.CLOSED).values_list("pk", flat=True)
    assert not Clock.objects.filter(record_type=INVESTIGATION, record_id__in=closed_ids, stopped_at__isnull=True)


def test_open_actions_have_open_action_clocks_and_finished_ones_stopped_clocks(force: Force) -> None:
    load_population(spec=spec())
    open_actions = set(Action.objects.filter(status=ActionStatus.OPEN).values_list("pk", flat=True))
    assert open_actions
    clocks = open_clocks(ACTION.code, "investigations.action")
    assert sorted(clocks.values_list("record_id", flat=True)) == sorted(open_actions)
    for action in Action.objects.exclude(status=ActionStatus.OPEN)[:200]:
        clock = Clock.objects.get(rule_code=ACTION.code, record_type="investigations.action", record_id=action.pk)
        finished = action.finished_at
        assert finished is not None and clock.stopped_at == finished
        assert (clock.outcome == ClockOutcome.BREACHED) == (finished > action.due_at)
    # Lines of enquiry number two to six; directions name the review that gave them.
    for investigation in Investigation.objects.exclude(status__in=[InvestigationStatus.ALLOCATED]):
        lines = investigation.actions.filter(review__isnull=True).count()
        assert lines == 0 or 2 <= lines <= 6, investigation.reference
    assert not Action.objects.filter(review__isnull=False).exclude(kind=LineOfEnquiry.DIRECTION).exists()
    assert not Action.objects.filter(review__isnull=True, kind=LineOfEnquiry.DIRECTION).exists()


def test_closed_investigations_have_an_outcome_and_a_signed_off_proposal(force: Force) -> None:
    load_population(spec=spec())
    closed = Investigation.objects.filter(status=InvestigationStatus.CLOSED)
    assert closed.count() > 20
    for investigation in closed:
        assert investigation.outcome and investigation.closed_at and investigation.signed_off_by_id
        last = investigation.closure_proposals.last()
        assert last is not None and last.decision == ClosureDecision.SIGNED_OFF
        assert (last.outcome, last.decided_at) == (investigation.outcome, investigation.closed_at)
        # The closure gates held: nothing open, every partner told.
        assert not investigation.actions.filter(status=ActionStatus.OPEN).exists()
        assert not investigation.notifications.filter(sent_at__isnull=True).exists()
    assert ClosureProposal.objects.filter(decision=ClosureDecision.REFUSED).exists()
    proposed = Investigation.objects.filter(status=InvestigationStatus.CLOSURE_PROPOSED)
    for investigation in proposed:
        assert investigation.closure_proposals.filter(decision="").count() == 1


def test_last_activity_is_the_latest_thing_recorded(force: Force) -> None:
    load_population(spec=spec())
    for investigation in Investigation.objects.all():
        pk = investigation.pk
        times: list[datetime | None] = [investigation.opened_at]
        for allocation in Allocation.objects.filter(investigation_id=pk):
            times += [allocation.allocated_at, allocation.accepted_at, allocation.declined_at]
        for action in Action.objects.filter(investigation_id=pk):
            times += [action.created_at, action.finished_at]
        times += list(ActionEntry.objects.filter(action__investigation_id=pk).values_list("recorded_at", flat=True))
        times += list(SupervisoryReview.objects.filter(investigation_id=pk).values_list("reviewed_at", flat=True))
        for notification in RequiredNotification.objects.filter(investigation_id=pk):
            times += [notification.required_at, notification.sent_recorded_at]
        for proposal in ClosureProposal.objects.filter(investigation_id=pk):
            times += [proposal.proposed_at, proposal.decided_at]
        assert investigation.last_activity_at == max(t for t in times if t), investigation.reference
        assert investigation.last_activity_at < NOW


def test_entries_happened_before_they_were_recorded(force: Force) -> None:
    load_population(spec=spec())
    entries = ActionEntry.objects.select_related("action")
    assert entries.count() > 100
    for entry in entries:
        assert entry.occurred_at < entry.recorded_at < NOW
        assert entry.recorded_at >= entry.action.created_at
    corrections = entries.filter(supersedes__isnull=False)
    assert corrections.exists()
    assert all(not c.supersedes.is_current and c.correction_reason for c in corrections)  # type: ignore[union-attr]


def test_clocks_stand_where_the_sweep_would_have_left_them(force: Force) -> None:
    load_population(spec=spec())
    clocks = Clock.objects.filter(record_type__startswith="investigations.")
    assert set(clocks.values_list("rule_code", flat=True)) == {
        "investigations.acceptance",
        "investigations.review",
        "investigations.action",
        "investigations.sign_off",
    }
    for clock in clocks.filter(stopped_at__isnull=True):
        assert clock.stage == clock.stage_at(NOW)
        expected = {
            Stage.ON_TIME: clock.due_soon_at,
            Stage.DUE_SOON: clock.due_at,
            Stage.OVERDUE: clock.escalate_at,
            Stage.ESCALATED: None,
        }[Stage(clock.stage)]
        assert clock.next_at == expected
    for clock in clocks.filter(stopped_at__isnull=False):
        stopped = clock.stopped_at
        assert clock.next_at is None and stopped is not None and stopped < NOW
        assert clock.outcome == (ClockOutcome.BREACHED if stopped > clock.due_at else ClockOutcome.MET)
        assert bool(clock.breach_reason) == (clock.outcome == ClockOutcome.BREACHED)


def test_the_ground_truth_names_every_late_review_and_overdue_action(force: Force) -> None:
    truth = load_population(spec=spec())
    late_reviews = {f.record_id for f in truth.investigation_failures if f.kind == "late_review" and f.record_id}
    breached = Clock.objects.filter(rule_code=REVIEW.code, outcome=ClockOutcome.BREACHED).count()
    assert late_reviews and len(late_reviews) <= breached
    for review in SupervisoryReview.objects.filter(pk__in=late_reviews):
        clock = Clock.objects.get(
            rule_code=REVIEW.code, record_id=review.investigation_id, stopped_at=review.reviewed_at
        )
        assert clock.outcome == ClockOutcome.BREACHED
    overdue = {f.record_id for f in truth.investigation_failures if f.kind == "action_overdue"}
    assert overdue == set(Action.objects.filter(status=ActionStatus.OPEN, due_at__lt=NOW).values_list("pk", flat=True))
    assert overdue


def test_one_unit_supervises_visibly_worse_than_the_other(force: Force) -> None:
    truth = load_population(spec=spec())
    rates = {}
    for unit in ("UNIT-A", "UNIT-B"):
        reviews = SupervisoryReview.objects.filter(investigation__unit__code=unit).count()
        late = sum(1 for f in truth.investigation_failures if f.unit == unit and f.kind == "late_review")
        rates[unit] = late / reviews
    assert rates["UNIT-B"] > 3 * rates["UNIT-A"]
    drifting = {f.unit for f in truth.investigation_failures if f.kind == "drifting"}
    assert "UNIT-B" in drifting


def test_the_units_first_officer_and_its_supervisor_have_work_at_every_stage(force: Force) -> None:
    """In the demo force the unit's first officer and its supervisor are the people who sign in."""
    load_population(spec=spec())
    officer, unit = force.user("officer"), force.unit_a
    theirs = set(Investigation.objects.filter(owner=officer).values_list("status", flat=True))
    assert {
        InvestigationStatus.ALLOCATED,
        InvestigationStatus.ACTIVE,
        InvestigationStatus.CLOSURE_PROPOSED,
        InvestigationStatus.CLOSED,
    } <= theirs
    team = Investigation.objects.filter(unit=unit, status__in=OPEN_STATUSES)
    team_ids = list(team.values_list("pk", flat=True))
    assert open_clocks(REVIEW.code).filter(record_id__in=team_ids, stage__gte=Stage.DUE_SOON).exists()
    assert Action.objects.filter(unit=unit, status=ActionStatus.OPEN, due_at__lt=NOW).exists()
    assert drifting_now() & set(team_ids)


def test_the_same_seed_gives_the_same_investigations(force: Force) -> None:
    first = load_population(spec=spec())
    first_rows = snapshot(first)
    second = load_population(spec=spec())
    assert snapshot(second) == first_rows
    assert [(f.kind, f.unit) for f in first.investigation_failures] == [
        (f.kind, f.unit) for f in second.investigation_failures
    ]
    assert {k: v for k, v in first.counts.items() if k.startswith("investigation")} == {
        k: v for k, v in second.counts.items() if k.startswith("investigation")
    }


def snapshot(truth: GroundTruth) -> list[tuple[object, ...]]:
    """What the load's investigations say, without their ids (the second load's come after the first's)."""
    first = truth.first_person_id
    rows = Investigation.objects.filter(people__person_id__gte=first, people__person_id__lt=first + truth.persons)
    rows = rows.distinct().order_by("pk")
    return [
        (
            i.status,
            i.risk_grade,
            i.opened_at,
            i.last_activity_at,
            i.outcome,
            i.actions.count(),
            i.reviews.count(),
            sorted(p.person_id - first for p in i.people.all()),
        )
        for i in rows
    ]


def timezone_day(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo("Europe/London")).date()
