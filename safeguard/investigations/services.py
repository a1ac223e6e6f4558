"""Every change to an investigation: opening and allocation, acceptance, the plan and what is recorded
against it, supervisory reviews with their directions, partner notifications, and closure through the
gates. Each is one transaction with its audit event and clock changes (STYLE.md, "Services own writes").

Good supervision is the only path: the plan can only be worked once the officer in the case accepts
it; a review must say what was checked, and a gap it finds must be directed; the next review can be no
later than the cadence allows; and closure lists, and waits for, everything still outstanding.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from safeguard import parameters
from safeguard.accounts import policy
from safeguard.accounts.models import RoleCode, User
from safeguard.accounts.services import notify
from safeguard.audit import services as audit
from safeguard.audit.models import Operation
from safeguard.concerns.models import RISK_RANK, Concern, ConcernStatus, InvolvementRole, RiskGrade
from safeguard.people.models import Person
from safeguard.timescales.calendars import LONDON, nth_working_day_after
from safeguard.timescales.services import ON_TIME, Late, move_clocks, open_clock, start_clock, stop_clock
from safeguard.validation import check_text
from safeguard.validation import gather as _gather
from safeguard.validation import required_text as _text
from safeguard.voice.models import VoiceRecord

from .models import (
    OPEN_STATUSES,
    REVIEW_CHECKS,
    Action,
    ActionEntry,
    ActionStatus,
    Agency,
    Allocation,
    Check,
    ClosureDecision,
    ClosureProposal,
    EntryKind,
    Investigation,
    InvestigationConcern,
    InvestigationPerson,
    InvestigationRisk,
    InvestigationStatus,
    LineOfEnquiry,
    Outcome,
    RequiredNotification,
    SupervisoryReview,
)
from .timescales import ACCEPTANCE, ACTION, REVIEW, SIGN_OFF, end_of

INVESTIGATION = "investigations.investigation"
ACTION_TYPE = "investigations.action"
CASE_ROLES = (RoleCode.OFFICER, RoleCode.INVESTIGATOR, RoleCode.SUPERVISOR)
PLAN_HORIZON_DAYS = 366


class EditConflict(Exception):
    """Someone else saved this action after the editor opened it. ``current`` is the action as it now
    stands, so the editor can be shown the other change before deciding what to keep."""

    def __init__(self, current: Action) -> None:
        super().__init__(f"action {current.pk} changed to version {current.version}")
        self.current = current


def today() -> date:
    return timezone.now().astimezone(LONDON).date()


def _audit(by: User, investigation: Investigation, operation: str = Operation.ALTER, reason: str = "") -> None:
    audit.record(actor=by, operation=operation, record_type=INVESTIGATION, records=[investigation], reason=reason)


def _touch(investigation: Investigation, at: datetime | None = None) -> None:
    """Something was recorded: the investigation is not drifting."""
    investigation.last_activity_at = at or timezone.now()
    Investigation.objects.filter(pk=investigation.pk).update(last_activity_at=investigation.last_activity_at)


def _open(investigation: Investigation) -> None:
    if not investigation.is_open:
        raise ValidationError("This investigation is closed")


def may_supervise(user: User, investigation: Investigation) -> bool:
    """Reviews and sign-off: a supervisor whose scope covers the case, and not its own officer."""
    return (
        user.has_role(RoleCode.SUPERVISOR)
        and investigation.owner_id != user.pk
        and policy.can(user, policy.Action.CHANGE, investigation)
    )


def _supervises(by: User, investigation: Investigation) -> None:
    if not may_supervise(by, investigation):
        if investigation.owner_id == by.pk:
            raise ValidationError("You are the officer in the case: another supervisor must do this")
        raise ValidationError("Only the supervisor of the officer in the case can do this")


def _supervisor_of(investigation: Investigation) -> int | None:
    """Who owes the reviews: the unit's supervisor, unless they are the officer in the case."""
    supervisor_id = investigation.unit.supervisor_id
    return supervisor_id if supervisor_id != investigation.owner_id else None


# --- Who may be given the case, and the work ------------------------------------------------------


def allocatable_officers(by: User) -> QuerySet[User]:
    """Who ``by`` may make officer in the case: active police officers, investigators and supervisors in
    a unit ``by`` supervises; for the hub, in any unit."""
    users = User.objects.filter(
        is_active=True, disabled_at__isnull=True, unit__isnull=False, roles__code__in=CASE_ROLES
    ).exclude(pk=by.pk)
    if by.has_role(RoleCode.HUB):
        return users.distinct().order_by("last_name", "first_name", "username")
    if by.has_role(RoleCode.SUPERVISOR):
        return users.filter(unit__supervisor=by).distinct().order_by("last_name", "first_name", "username")
    return users.none()


def assignable_owners(investigation: Investigation) -> QuerySet[User]:
    """Who an action can be given to: the officers of the investigation's unit (its supervisor too)."""
    return (
        User.objects.filter(is_active=True, disabled_at__isnull=True, roles__code__in=CASE_ROLES)
        .filter(Q(unit_id=investigation.unit_id) | Q(pk=investigation.unit.supervisor_id or 0))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def may_work_on(user: User, investigation: Investigation) -> bool:
    """The officer in the case, their supervisor and the hub run the plan (the policy's change scope)."""
    return investigation.is_open and policy.can(user, policy.Action.CHANGE, investigation)


def may_edit_action(user: User, action: Action) -> bool:
    """An action's owner may update it, as may anyone who runs the investigation's plan."""
    return action.owner_id == user.pk or may_work_on(user, action.investigation)


def _worker(investigation: Investigation, by: User) -> None:
    if not may_work_on(by, investigation):
        raise ValidationError("You cannot change this investigation")


def _check_owner(investigation: Investigation, owner: User | None, field: str = "owner") -> User:
    if owner is None or not assignable_owners(investigation).filter(pk=owner.pk).exists():
        raise ValidationError({field: "Choose an officer of the team running this investigation"})
    return owner


def _check_due(due_on: date | None, field: str = "due_on", unchanged: date | None = None) -> date:
    if due_on is None:
        raise ValidationError({field: "Enter the date it is due"})
    if due_on < today() and due_on != unchanged:
        raise ValidationError({field: "The due date must be today or later"})
    if due_on > today() + timedelta(days=PLAN_HORIZON_DAYS):
        raise ValidationError({field: "The due date must be within a year"})
    return due_on


def _check_risk(grade: str, rationale: str) -> str:
    if grade not in RiskGrade.values:
        raise ValidationError({"risk_grade": "Choose standard, medium or high"})
    return _text(rationale, field="risk_rationale", label="The rationale", minimum=10, what="Explain the risk grade")


def latest_first_review_on(allocated: date) -> date:
    """The latest first review (DOMAIN.md default: within 3 working days of allocation)."""
    return nth_working_day_after(allocated, parameters.value("investigations.first_review_working_days"))


def latest_review_on(risk_grade: str, from_day: date) -> date:
    """The latest next review the cadence for ``risk_grade`` allows after a review on ``from_day``."""
    return from_day + timedelta(days=parameters.value(f"investigations.review_days_{risk_grade}"))


def _start_review_clock(investigation: Investigation, due_on: date, *, first: bool, at: datetime) -> None:
    start_clock(
        rule=REVIEW,
        record=investigation,
        label=str(investigation),
        unit_id=investigation.unit_id,
        owner_id=_supervisor_of(investigation),
        started_at=at,
        context={"due_on": due_on.isoformat(), "risk": investigation.risk_grade, "first": "1" if first else ""},
        is_restricted=investigation.is_restricted,
    )


def _start_acceptance_clock(investigation: Investigation, at: datetime) -> None:
    start_clock(
        rule=ACCEPTANCE,
        record=investigation,
        label=str(investigation),
        unit_id=investigation.unit_id,
        owner_id=investigation.owner_id,
        started_at=at,
        is_restricted=investigation.is_restricted,
    )


# --- Opening, allocation and acceptance -----------------------------------------------------------


def open_investigation(
    *,
    concerns: list[Concern],
    officer: User | None,
    summary: str,
    risk_grade: str,
    risk_rationale: str,
    first_review_on: date | None,
    by: User,
) -> Investigation:
    """A supervisor or the hub opens an investigation from one or more concerns and allocates it.
    Its people are copied from the concerns; the officer must accept it, and the first review is due."""
    if not by.has_role(RoleCode.SUPERVISOR, RoleCode.HUB):
        raise ValidationError("Only a supervisor or the hub can open an investigation")
    if not concerns:
        raise ValidationError({"concerns": "Choose at least one concern to investigate"})
    errors: dict[str, str] = {}
    for concern in concerns:
        if concern.status not in (ConcernStatus.SUBMITTED, ConcernStatus.ENDORSED):
            errors["concerns"] = f"{concern} has not been submitted: it cannot be investigated yet"
        elif not policy.can(by, policy.Action.CHANGE, concern):
            errors["concerns"] = f"You cannot open an investigation into {concern}"
    if officer is None or not allocatable_officers(by).filter(pk=officer.pk).exists():
        errors["officer"] = "Choose an officer of a team you supervise to be the officer in the case"
    _gather(
        errors,
        lambda: _text(
            summary,
            field="summary",
            label="What is being investigated",
            minimum=20,
            what="Say what is being investigated",
        ),
        lambda: _check_risk(risk_grade, risk_rationale),
    )
    latest = latest_first_review_on(today())
    if first_review_on is None:
        errors["first_review_on"] = "Enter the date of the first supervisory review"
    elif not today() <= first_review_on <= latest:
        errors["first_review_on"] = f"The first review must be between today and {latest:%-d %B %Y}"
    if errors:
        raise ValidationError(errors)
    assert officer is not None and officer.unit_id is not None and first_review_on is not None
    with transaction.atomic():
        locked = list(Concern.objects.select_for_update().filter(pk__in=[c.pk for c in concerns]).order_by("pk"))
        taken = InvestigationConcern.objects.filter(
            concern__in=locked, investigation__status__in=OPEN_STATUSES
        ).select_related("investigation", "concern")
        clash = taken.first()
        if clash is not None:
            raise ValidationError(
                {"concerns": f"{clash.concern} is already under investigation ({clash.investigation})"}
            )
        now = timezone.now()
        investigation = Investigation.objects.create(
            unit_id=officer.unit_id,
            owner=officer,
            is_restricted=any(c.is_restricted for c in locked),
            summary=summary.strip(),
            risk_grade=risk_grade,
            risk_rank=RISK_RANK[RiskGrade(risk_grade)],
            opened_by=by,
            opened_at=now,
            next_review_on=first_review_on,
            last_activity_at=now,
        )
        investigation.reference = f"INV-{now:%Y}-{investigation.pk:06d}"
        investigation.save(update_fields=["reference"])
        InvestigationConcern.objects.bulk_create(
            [InvestigationConcern(investigation=investigation, concern=c, linked_by=by) for c in locked]
        )
        seen: set[tuple[int, str]] = set()
        people = []
        for concern in locked:
            for inv in concern.involvements.all():
                if (inv.person_id, inv.role) not in seen:
                    seen.add((inv.person_id, inv.role))
                    people.append(
                        InvestigationPerson(
                            investigation=investigation,
                            person_id=inv.person_id,
                            role=inv.role,
                            is_child=inv.is_child,
                            added_by=by,
                        )
                    )
        InvestigationPerson.objects.bulk_create(people)
        InvestigationRisk.objects.create(
            investigation=investigation, grade=risk_grade, rationale=risk_rationale.strip(), assessed_by=by
        )
        Allocation.objects.create(investigation=investigation, officer=officer, allocated_by=by, allocated_at=now)
        _audit(by, investigation, Operation.COLLECT, reason=f"opened from {', '.join(str(c) for c in locked)}")
        audit.record(
            actor=by,
            operation=Operation.COMBINE,
            record_type="concerns.concern",
            records=locked,
            reason=f"linked to {investigation}",
        )
        _start_acceptance_clock(investigation, now)
        _start_review_clock(investigation, first_review_on, first=True, at=now)
        notify(
            user_id=officer.pk,
            message=f"{investigation} has been allocated to you: accept it to start the plan",
            link=reverse("investigations:detail", args=[investigation.pk]),
        )
    return investigation


def accept_investigation(*, investigation: Investigation, by: User, late: Late = ON_TIME) -> Investigation:
    with transaction.atomic():
        locked = Investigation.objects.select_for_update().get(pk=investigation.pk)
        if locked.status != InvestigationStatus.ALLOCATED or locked.owner_id != by.pk:
            raise ValidationError("Only the officer it is allocated to can accept this investigation")
        now = timezone.now()
        stop_clock(rule=ACCEPTANCE, record=investigation, by=by, breach_reason=late.reason, breach_detail=late.detail)
        investigation.status, investigation.accepted_at = InvestigationStatus.ACTIVE, now
        investigation.save(update_fields=["status", "accepted_at"])
        investigation.allocations.filter(officer=by, accepted_at__isnull=True, declined_at__isnull=True).update(
            accepted_at=now
        )
        _touch(investigation, now)
        _audit(by, investigation, reason="accepted")
    return investigation


def decline_investigation(
    *, investigation: Investigation, reason: str, by: User, late: Late = ON_TIME
) -> Investigation:
    """The officer cannot take it (conflict of interest, leave): it goes back to whoever allocated it."""
    reason = _text(reason, field="reason", label="The reason", minimum=10, what="Say why you cannot take it")
    with transaction.atomic():
        locked = Investigation.objects.select_for_update().get(pk=investigation.pk)
        if locked.status != InvestigationStatus.ALLOCATED or locked.owner_id != by.pk:
            raise ValidationError("Only the officer it is allocated to can decline this investigation")
        stop_clock(rule=ACCEPTANCE, record=investigation, by=by, breach_reason=late.reason, breach_detail=late.detail)
        allocation = investigation.allocations.filter(officer=by, declined_at__isnull=True).last()
        if allocation is not None:
            allocation.declined_at, allocation.decline_reason = timezone.now(), reason
            allocation.save(update_fields=["declined_at", "decline_reason"])
        investigation.status, investigation.owner = InvestigationStatus.UNALLOCATED, None
        investigation.save(update_fields=["status", "owner"])
        _touch(investigation)
        _audit(by, investigation, reason="declined")
        if allocation is not None:
            notify(
                user_id=allocation.allocated_by_id,
                message=f"{investigation} was declined by {by.display_name}: allocate it to another officer",
                link=reverse("investigations:allocate", args=[investigation.pk]),
            )
    return investigation


def allocate(
    *, investigation: Investigation, officer: User | None, reason: str, by: User, late: Late = ON_TIME
) -> Investigation:
    """(Re)allocate to another officer, who must accept it in turn. The open plan and clocks move with it."""
    if not by.has_role(RoleCode.SUPERVISOR, RoleCode.HUB) or not policy.can(by, policy.Action.CHANGE, investigation):
        raise ValidationError("Only a supervisor or the hub can allocate this investigation")
    if investigation.status not in (
        InvestigationStatus.ALLOCATED,
        InvestigationStatus.UNALLOCATED,
        InvestigationStatus.ACTIVE,
    ):
        raise ValidationError("This investigation cannot be reallocated now")
    errors = {}
    if officer is None or not allocatable_officers(by).filter(pk=officer.pk).exists():
        errors["officer"] = "Choose an officer of a team you supervise to be the officer in the case"
    elif officer.pk == investigation.owner_id:
        errors["officer"] = "This officer is already the officer in the case"
    _gather(errors, lambda: _text(reason, field="reason", label="The reason", minimum=10, what="Say why"))
    if errors:
        raise ValidationError(errors)
    reason = reason.strip()
    assert officer is not None and officer.unit_id is not None
    with transaction.atomic():
        Investigation.objects.select_for_update().get(pk=investigation.pk)
        now = timezone.now()
        stop_clock(rule=ACCEPTANCE, record=investigation, by=by, breach_reason=late.reason, breach_detail=late.detail)
        investigation.owner, investigation.unit_id = officer, officer.unit_id
        investigation.status, investigation.accepted_at = InvestigationStatus.ALLOCATED, None
        investigation.save(update_fields=["owner", "unit", "status", "accepted_at"])
        Allocation.objects.create(
            investigation=investigation, officer=officer, allocated_by=by, allocated_at=now, reason=reason
        )
        action_ids = list(investigation.actions.values_list("pk", flat=True))
        investigation.actions.update(unit_id=officer.unit_id)
        move_clocks(record=investigation, unit_id=officer.unit_id)
        move_clocks(record_type=ACTION_TYPE, record_ids=action_ids, unit_id=officer.unit_id)
        move_clocks(record=investigation, rule=REVIEW, owner_id=_supervisor_of(investigation))
        _start_acceptance_clock(investigation, now)
        _touch(investigation, now)
        _audit(by, investigation, reason=f"allocated to {officer.display_name}")
        notify(
            user_id=officer.pk,
            message=f"{investigation} has been allocated to you: accept it to start the plan",
            link=reverse("investigations:detail", args=[investigation.pk]),
        )
    return investigation


# --- People in the investigation -----------------------------------------------------------------


def add_person(
    *, investigation: Investigation, person: Person, role: str, by: User, is_child: bool | None = None
) -> InvestigationPerson:
    """Someone found by the enquiries. A child added here must have their voice recorded (or the coded
    reason they were not spoken to) before the investigation can close."""
    _worker(investigation, by)
    if role not in InvolvementRole.values:
        raise ValidationError({"role": "Choose the person's part from the list"})
    if person.merged_into_id:
        raise ValidationError("This person's record was merged; choose the record it was merged into")
    known = person.is_child_on(today())
    if known is None and is_child is None:
        raise ValidationError({"is_child": f"Say whether {person.full_name} is under 18"})
    child = known if known is not None else bool(is_child)
    with transaction.atomic():
        row, _ = InvestigationPerson.objects.get_or_create(
            investigation=investigation, person=person, role=role, defaults={"is_child": child, "added_by": by}
        )
        _touch(investigation)
        _audit(by, investigation, reason="person added")
        audit.record(actor=by, operation=Operation.ALTER, record_type="people.person", records=[person])
    return row


# --- The plan ----------------------------------------------------------------------------------


def action_label(reference: str, number: int, kind: str) -> str:
    """An action clock's label: the case's reference, the action's number in its plan and its kind, so
    that two directions in one case are told apart in the work lists. Never the title, which may name a
    person: a clock's label is never personal data."""
    return f"{reference} #{number}: {LineOfEnquiry(kind).label}"[:60]


def _start_action_clock(action: Action, at: datetime) -> None:
    number = Action.objects.filter(investigation_id=action.investigation_id, pk__lte=action.pk).count()
    start_clock(
        rule=ACTION,
        record=action,
        label=action_label(str(action.investigation), number, action.kind),
        unit_id=action.unit_id,
        owner_id=action.owner_id,
        started_at=at,
        context={"due_on": action.due_on.isoformat(), "direction": "1" if action.review_id else ""},
        is_restricted=action.is_restricted,
    )


def _new_action(
    investigation: Investigation,
    *,
    kind: str,
    title: str,
    detail: str,
    owner: User,
    due_on: date,
    by: User,
    review: SupervisoryReview | None = None,
    at: datetime,
) -> Action:
    action = Action.objects.create(
        investigation=investigation,
        unit_id=investigation.unit_id,
        owner=owner,
        is_restricted=investigation.is_restricted,
        kind=kind,
        title=title,
        detail=detail,
        due_on=due_on,
        due_at=end_of(due_on),
        review=review,
        created_by=by,
        created_at=at,
        updated_by=by,
        updated_at=at,
    )
    _start_action_clock(action, at)
    if owner.pk != by.pk:
        notify(
            user_id=owner.pk,
            message=f"{investigation}: '{title}' is yours to do by {due_on:%-d %B %Y}"[:300],
            link=reverse("investigations:action", args=[action.pk]),
        )
    return action


@dataclass
class ActionDetails:
    """What an action says: its kind, what is to be done, who does it and by when."""

    kind: str
    title: str
    owner: User | None
    due_on: date | None
    detail: str = ""


def _check_action(
    investigation: Investigation, details: ActionDetails, *, prefix: str = "", due_was: date | None = None
) -> ActionDetails:
    """The action's own rules. ``due_was`` is an existing action's due date: keeping it is allowed even
    once it has passed (an overdue action can still be reworded or handed over)."""
    errors: dict[str, str] = {}
    if details.kind not in LineOfEnquiry.values:
        errors[f"{prefix}kind"] = "Choose the line of enquiry from the list"
    checks = (
        lambda: _text(
            details.title, field=f"{prefix}title", label="What is to be done", minimum=5, what="Say what is to be done"
        ),
        lambda: check_text(details.detail, field=f"{prefix}detail", label="The detail"),
        lambda: _check_owner(investigation, details.owner, field=f"{prefix}owner"),
        lambda: _check_due(details.due_on, field=f"{prefix}due_on", unchanged=due_was),
    )
    _gather(errors, *checks)
    if len(details.title.strip()) > 200:
        errors[f"{prefix}title"] = "Say what is to be done in 200 characters or fewer, and put the rest in the detail"
    if errors:
        raise ValidationError(errors)
    return details


def add_action(*, investigation: Investigation, details: ActionDetails, by: User) -> Action:
    """A line of enquiry in the plan: what, who, by when. Its clock starts at once."""
    _worker(investigation, by)
    if not investigation.is_workable:
        raise ValidationError("The plan can be written once the officer in the case has accepted the investigation")
    _check_action(investigation, details)
    assert details.owner is not None and details.due_on is not None
    with transaction.atomic():
        now = timezone.now()
        action = _new_action(
            investigation,
            kind=details.kind,
            title=details.title.strip(),
            detail=details.detail.strip(),
            owner=details.owner,
            due_on=details.due_on,
            by=by,
            at=now,
        )
        _touch(investigation, now)
        audit.record(actor=by, operation=Operation.COLLECT, record_type=ACTION_TYPE, records=[action])
    return action


def _claim(action: Action, version: int) -> Action:
    """The action as stored, locked for this transaction, if it is still open at ``version``; otherwise
    someone saved first and the editor must see their change (EditConflict)."""
    stored = Action.objects.select_for_update().get(pk=action.pk)
    if stored.version != version or stored.status != ActionStatus.OPEN:
        raise EditConflict(Action.objects.select_related("updated_by", "owner").get(pk=action.pk))
    return stored


def update_action(*, action: Action, details: ActionDetails, version: int, by: User, late: Late = ON_TIME) -> Action:
    """Change what an open action says. ``version`` is the one the editor started from: if someone saved
    since, nothing is written and EditConflict carries the action as it now stands. A new due date
    restarts the action's clock (late work must say why first); a new owner takes the clock over."""
    investigation = action.investigation
    if not may_edit_action(by, action) or not investigation.is_open:
        raise ValidationError("You cannot change this action")
    if not action.is_open:
        raise ValidationError("This action is finished and can no longer be changed")
    _check_action(investigation, details, due_was=action.due_on)
    assert details.owner is not None and details.due_on is not None
    with transaction.atomic():
        now = timezone.now()
        stored = _claim(action, version)
        moved, handed_over = stored.due_on != details.due_on, stored.owner_id != details.owner.pk
        if moved:
            stop_clock(rule=ACTION, record=stored, by=by, breach_reason=late.reason, breach_detail=late.detail, at=now)
        stored.kind, stored.title, stored.detail = details.kind, details.title.strip(), details.detail.strip()
        stored.owner, stored.due_on, stored.due_at = details.owner, details.due_on, end_of(details.due_on)
        stored.updated_by, stored.updated_at, stored.version = by, now, stored.version + 1
        stored.save()
        if moved:
            _start_action_clock(stored, now)
        elif handed_over:
            move_clocks(record=stored, rule=ACTION, owner_id=stored.owner_id)
        if handed_over and stored.owner_id != by.pk:
            notify(
                user_id=details.owner.pk,
                message=f"{investigation}: '{stored.title}' is now yours to do by {stored.due_on:%-d %B %Y}"[:300],
                link=reverse("investigations:action", args=[stored.pk]),
            )
        _touch(investigation, now)
        audit.record(actor=by, operation=Operation.ALTER, record_type=ACTION_TYPE, records=[stored], reason="edited")
    action.refresh_from_db()
    return action


def finish_action(*, action: Action, status: str, result: str, version: int, by: User, late: Late = ON_TIME) -> Action:
    """Complete an action with what it found, or close it without doing it, saying why (a line of
    enquiry is pursued or closed with a reason: DOMAIN.md)."""
    investigation = action.investigation
    if not may_edit_action(by, action) or not investigation.is_open:
        raise ValidationError("You cannot change this action")
    if status not in (ActionStatus.DONE, ActionStatus.CLOSED):
        raise ValidationError({"status": "Say whether it was completed or closed without being completed"})
    what = "Say what it found" if status == ActionStatus.DONE else "Say why it is being closed without being done"
    result = _text(result, field="result", label="The result", minimum=10, what=what)
    with transaction.atomic():
        now = timezone.now()
        stored = _claim(action, version)
        stop_clock(rule=ACTION, record=stored, by=by, breach_reason=late.reason, breach_detail=late.detail, at=now)
        stored.status, stored.result, stored.finished_at = status, result, now
        stored.updated_by, stored.updated_at, stored.version = by, now, stored.version + 1
        stored.save()
        _touch(investigation, now)
        audit.record(actor=by, operation=Operation.ALTER, record_type=ACTION_TYPE, records=[stored], reason=status)
    action.refresh_from_db()
    return action


def _check_event_time(occurred_at: datetime | None, investigation: Investigation) -> datetime:
    if occurred_at is None:
        raise ValidationError({"occurred_at": "Enter when it happened"})
    if occurred_at > timezone.now():
        raise ValidationError({"occurred_at": "The time it happened must be in the past"})
    if occurred_at < investigation.opened_at - timedelta(days=365):
        raise ValidationError({"occurred_at": "The time it happened must be within a year before the investigation"})
    return occurred_at


def record_entry(*, action: Action, kind: str, text: str, occurred_at: datetime | None, by: User) -> ActionEntry:
    """Progress, evidence or a decision against an action, with when it happened as well as when it
    is written down."""
    if not may_edit_action(by, action) or not action.investigation.is_open:
        raise ValidationError("You cannot record against this action")
    if kind not in EntryKind.values:
        raise ValidationError({"kind": "Choose progress, evidence or decision"})
    text = _text(text, field="text", label="What happened", minimum=10, what="Say what happened")
    when = _check_event_time(occurred_at, action.investigation)
    with transaction.atomic():
        entry = ActionEntry.objects.create(action=action, kind=kind, text=text, occurred_at=when, recorded_by=by)
        _touch(action.investigation, entry.recorded_at)
        audit.record(
            actor=by, operation=Operation.ALTER, record_type=ACTION_TYPE, records=[action], reason=f"{kind} recorded"
        )
    return entry


def correct_entry(*, entry: ActionEntry, text: str, occurred_at: datetime | None, reason: str, by: User) -> ActionEntry:
    """A correction is a new version with its reason; the earlier version is kept, no longer current."""
    action = entry.action
    if not may_edit_action(by, action) or not action.investigation.is_open:
        raise ValidationError("You cannot correct this record")
    text = _text(text, field="text", label="What happened", minimum=10, what="Say what happened")
    reason = _text(reason, field="reason", label="The reason", minimum=10, what="Say why it is being corrected")
    when = _check_event_time(occurred_at, action.investigation)
    with transaction.atomic():
        if not ActionEntry.objects.filter(pk=entry.pk, is_current=True).update(is_current=False):
            raise ValidationError("This record has already been corrected: correct the latest version")
        new = ActionEntry.objects.create(
            action=action,
            kind=entry.kind,
            text=text,
            occurred_at=when,
            recorded_by=by,
            version=entry.version + 1,
            supersedes=entry,
            correction_reason=reason,
        )
        _touch(action.investigation, new.recorded_at)
        audit.record(
            actor=by,
            operation=Operation.ALTER,
            record_type=ACTION_TYPE,
            records=[action],
            reason=f"correction: {reason}"[:500],
        )
    return new


# --- Supervisory reviews -------------------------------------------------------------------------


@dataclass
class ReviewAnswers:
    rationale: str
    checks: dict[str, str]  # REVIEW_CHECKS name -> Check value
    risk_grade: str
    next_review_on: date | None
    check_notes: str = ""
    risk_rationale: str = ""
    directions: list[ActionDetails] | None = None


def record_review(
    *, investigation: Investigation, answers: ReviewAnswers, by: User, late: Late = ON_TIME
) -> SupervisoryReview:
    """A supervisory review (DOMAIN.md): rationale; what was checked; SMART directions, which become
    actions with owners and dates; the next review date, no later than the cadence for the risk grade.
    A check answered "no" is a gap, and a gap must be directed: the review needs a direction for it."""
    _supervises(by, investigation)
    _open(investigation)
    directions = answers.directions or []
    errors: dict[str, str] = {}
    _gather(
        errors,
        lambda: _text(
            answers.rationale, field="rationale", label="The rationale", minimum=20, what="Record your rationale"
        ),
        lambda: check_text(answers.check_notes, field="check_notes", label="The notes"),
    )
    for name, label in REVIEW_CHECKS.items():
        if answers.checks.get(name) not in Check.values:
            errors[name] = f"Answer: {label.lower()}?"
    gaps = [name for name in REVIEW_CHECKS if answers.checks.get(name) == Check.NO]
    if gaps and not directions:
        errors["directions"] = "A check answered 'no' needs a direction: say who must do what, and by when"
    regraded = answers.risk_grade != investigation.risk_grade
    if answers.risk_grade not in RiskGrade.values:
        errors["risk_grade"] = "Choose standard, medium or high"
    elif regraded:
        _gather(errors, lambda: _check_risk(answers.risk_grade, answers.risk_rationale))
    if answers.risk_grade in RiskGrade.values:
        latest = latest_review_on(answers.risk_grade, today())
        if answers.next_review_on is None:
            errors["next_review_on"] = "Enter the date of the next review"
        elif not today() < answers.next_review_on <= latest:
            errors["next_review_on"] = (
                f"For a {answers.risk_grade}-risk investigation the next review must be after today and "
                f"no later than {latest:%-d %B %Y}"
            )
    for index, direction in enumerate(directions):
        direction.kind = LineOfEnquiry.DIRECTION
        _gather(errors, partial(_check_action, investigation, direction, prefix=f"direction-{index}-"))
    if errors:
        raise ValidationError(errors)
    assert answers.next_review_on is not None
    with transaction.atomic():
        Investigation.objects.select_for_update().get(pk=investigation.pk)
        now = timezone.now()
        stop_clock(rule=REVIEW, record=investigation, by=by, breach_reason=late.reason, breach_detail=late.detail)
        review = SupervisoryReview.objects.create(
            investigation=investigation,
            reviewed_by=by,
            reviewed_at=now,
            risk_grade=answers.risk_grade,
            rationale=answers.rationale.strip(),
            check_notes=answers.check_notes.strip(),
            next_review_on=answers.next_review_on,
            **{name: answers.checks[name] for name in REVIEW_CHECKS},
        )
        if regraded:
            InvestigationRisk.objects.create(
                investigation=investigation,
                grade=answers.risk_grade,
                rationale=answers.risk_rationale.strip(),
                assessed_by=by,
                assessed_at=now,
            )
            investigation.risk_grade = answers.risk_grade
            investigation.risk_rank = RISK_RANK[RiskGrade(answers.risk_grade)]
        investigation.next_review_on = answers.next_review_on
        investigation.save(update_fields=["risk_grade", "risk_rank", "next_review_on"])
        created = [
            _new_action(
                investigation,
                kind=LineOfEnquiry.DIRECTION,
                title=d.title.strip(),
                detail=d.detail.strip(),
                owner=d.owner,  # type: ignore[arg-type]
                due_on=d.due_on,  # type: ignore[arg-type]
                by=by,
                review=review,
                at=now,
            )
            for d in directions
        ]
        _start_review_clock(investigation, answers.next_review_on, first=False, at=now)
        _touch(investigation, now)
        _audit(by, investigation, reason="supervisory review")
        if created:
            audit.record(
                actor=by, operation=Operation.COLLECT, record_type=ACTION_TYPE, records=created, reason="directions"
            )
        if investigation.owner_id and investigation.owner_id != by.pk:
            notify(
                user_id=investigation.owner_id,
                message=f"{investigation} was reviewed by {by.display_name}"
                + (f" with {len(created)} direction{'s' if len(created) != 1 else ''}" if created else ""),
                link=reverse("investigations:detail", args=[investigation.pk]),
            )
    return review


# --- Partner notifications -------------------------------------------------------------------------


def require_notification(*, investigation: Investigation, agency: str, purpose: str, by: User) -> RequiredNotification:
    """A partner who must be told before the investigation can close (DOMAIN.md: required shares sent)."""
    _worker(investigation, by)
    if agency not in Agency.values:
        raise ValidationError({"agency": "Choose the partner agency from the list"})
    purpose = _text(
        purpose,
        field="purpose",
        label="What they must be told",
        minimum=10,
        what="Say what the partner must be told, and why",
    )
    with transaction.atomic():
        row = RequiredNotification.objects.create(
            investigation=investigation, agency=agency, purpose=purpose, required_by=by
        )
        _touch(investigation)
        _audit(by, investigation, reason=f"notification to {Agency(agency).label} required")
    return row


def record_notification_sent(
    *, notification: RequiredNotification, sent_at: datetime | None, detail: str, by: User
) -> RequiredNotification:
    investigation = notification.investigation
    _worker(investigation, by)
    if notification.is_sent:
        raise ValidationError("This notification has already been recorded as sent")
    if sent_at is None:
        raise ValidationError({"sent_at": "Enter when it was sent"})
    if sent_at > timezone.now():
        raise ValidationError({"sent_at": "The time it was sent must be in the past"})
    if sent_at < notification.required_at - timedelta(days=365):
        raise ValidationError({"sent_at": "The time it was sent must be within the last year"})
    detail = _text(
        detail,
        field="detail",
        label="To whom and how",
        minimum=10,
        what="Say who it was sent to, how, and any reference",
    )
    with transaction.atomic():
        if not RequiredNotification.objects.filter(pk=notification.pk, sent_at__isnull=True).update(
            sent_at=sent_at, sent_recorded_at=timezone.now(), sent_by=by, sent_detail=detail
        ):
            raise ValidationError("This notification has already been recorded as sent")
        notification.refresh_from_db()
        _touch(investigation)
        _audit(by, investigation, Operation.DISCLOSE, reason=f"{notification.get_agency_display()} told")
    return notification


# --- Closure -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Blocker:
    """One thing stopping closure, saying exactly what to do, with the page where it is done."""

    text: str
    link: str = ""


def children_without_voice(investigation: Investigation) -> list[Person]:
    """The voice gate (DOMAIN.md): children in the investigation with neither a voice record nor a coded
    reason they were not spoken to, here or in any concern it investigates."""
    child_ids = set(investigation.people.filter(is_child=True).values_list("person_id", flat=True))
    concern_ids = list(investigation.concern_links.values_list("concern_id", flat=True))
    heard = set(
        VoiceRecord.objects.filter(is_current=True, person_id__in=child_ids)
        .filter(Q(investigation=investigation) | Q(concern_id__in=concern_ids))
        .values_list("person_id", flat=True)
    )
    return list(Person.objects.filter(pk__in=child_ids - heard).order_by("family_name", "given_name", "pk"))


def closure_blockers(investigation: Investigation, now: datetime | None = None) -> list[Blocker]:
    """Everything that stops this investigation closing (DOMAIN.md, "Closure"): an open action, an
    overdue review, a child without a voice record or coded reason, a required notification not sent."""
    now = now or timezone.now()
    pk = investigation.pk
    blockers = []
    if investigation.status in (InvestigationStatus.ALLOCATED, InvestigationStatus.UNALLOCATED):
        blockers.append(Blocker("The officer in the case has not accepted the investigation"))
    for action in investigation.actions.filter(status=ActionStatus.OPEN).select_related("owner").order_by("due_on"):
        owner = action.owner.display_name if action.owner else "nobody"
        blockers.append(
            Blocker(
                f"'{action.title}' ({owner}) is open: complete it, or close it with a reason",
                reverse("investigations:action", args=[action.pk]),
            )
        )
    review = open_clock(REVIEW, investigation)
    if review is not None and review.due_at < now:
        blockers.append(
            Blocker(
                f"The supervisory review due by {timezone.localtime(review.due_at):%-d %B %Y} is overdue",
                reverse("investigations:review", args=[pk]),
            )
        )
    for child in children_without_voice(investigation):
        # A restricted person's name is not shown here: the link opens their record through the glass.
        name = "A child whose record is restricted" if child.is_restricted else child.full_name
        blockers.append(
            Blocker(
                f"{name}: record whether they were seen and spoken to, or the coded reason they were not",
                reverse("investigations:voice", args=[pk, child.pk]),
            )
        )
    for notification in investigation.notifications.filter(sent_at__isnull=True):
        blockers.append(
            Blocker(
                f"{notification.get_agency_display()} has not been told: record when it was sent",
                reverse("investigations:notification", args=[pk, notification.pk]),
            )
        )
    return blockers


def propose_closure(*, investigation: Investigation, outcome: str, rationale: str, by: User) -> ClosureProposal:
    """The officer in the case (or whoever runs the plan) puts it forward for closure with an outcome.
    Refused, with every blocker, while anything is outstanding."""
    _worker(investigation, by)
    if investigation.status != InvestigationStatus.ACTIVE:
        raise ValidationError("Only an accepted investigation that is not already awaiting sign-off can be closed")
    errors = {}
    if outcome not in Outcome.values:
        errors["outcome"] = "Choose the outcome"
    _gather(errors, lambda: _text(rationale, field="rationale", label="The rationale", minimum=20, what="Explain it"))
    if errors:
        raise ValidationError(errors)
    rationale = rationale.strip()
    with transaction.atomic():
        Investigation.objects.select_for_update().get(pk=investigation.pk)
        blockers = closure_blockers(investigation)
        if blockers:
            raise ValidationError([b.text for b in blockers])
        now = timezone.now()
        proposal = ClosureProposal.objects.create(
            investigation=investigation, outcome=outcome, rationale=rationale, proposed_by=by, proposed_at=now
        )
        investigation.status = InvestigationStatus.CLOSURE_PROPOSED
        investigation.save(update_fields=["status"])
        start_clock(
            rule=SIGN_OFF,
            record=investigation,
            label=str(investigation),
            unit_id=investigation.unit_id,
            owner_id=_supervisor_of(investigation),
            started_at=now,
            is_restricted=investigation.is_restricted,
        )
        _touch(investigation, now)
        _audit(by, investigation, reason=f"closure proposed: {outcome}")
        supervisor_id = _supervisor_of(investigation)
        if supervisor_id and supervisor_id != by.pk:
            notify(
                user_id=supervisor_id,
                message=f"{investigation} is ready to close: your sign-off is needed",
                link=reverse("investigations:close", args=[investigation.pk]),
            )
    return proposal


def _pending_proposal(investigation: Investigation) -> ClosureProposal:
    proposal = investigation.closure_proposals.filter(decision="").last()
    if investigation.status != InvestigationStatus.CLOSURE_PROPOSED or proposal is None:
        raise ValidationError("This investigation is not awaiting sign-off")
    return proposal


def sign_off_closure(*, investigation: Investigation, rationale: str, by: User, late: Late = ON_TIME) -> Investigation:
    """The supervisor signs off the closure: the gates are checked again, the outcome is recorded, and
    every clock on the investigation stops."""
    _supervises(by, investigation)
    rationale = _text(
        rationale, field="rationale", label="The rationale", minimum=10, what="Record why you sign off the closure"
    )
    with transaction.atomic():
        Investigation.objects.select_for_update().get(pk=investigation.pk)
        proposal = _pending_proposal(investigation)
        blockers = closure_blockers(investigation)
        if blockers:
            raise ValidationError([b.text for b in blockers])
        now = timezone.now()
        stop_clock(rule=SIGN_OFF, record=investigation, by=by, breach_reason=late.reason, breach_detail=late.detail)
        stop_clock(rule=REVIEW, record=investigation, by=by, at=now)
        proposal.decision, proposal.decision_rationale = ClosureDecision.SIGNED_OFF, rationale
        proposal.decided_by, proposal.decided_at = by, now
        proposal.save(update_fields=["decision", "decision_rationale", "decided_by", "decided_at"])
        investigation.status, investigation.outcome = InvestigationStatus.CLOSED, proposal.outcome
        investigation.closed_at, investigation.signed_off_by, investigation.next_review_on = now, by, None
        investigation.save(update_fields=["status", "outcome", "closed_at", "signed_off_by", "next_review_on"])
        _touch(investigation, now)
        _audit(by, investigation, reason=f"closed: {proposal.outcome}")
        if investigation.owner_id and investigation.owner_id != by.pk:
            notify(
                user_id=investigation.owner_id,
                message=f"{investigation} was signed off and closed",
                link=reverse("investigations:detail", args=[investigation.pk]),
            )
    return investigation


def refuse_closure(*, investigation: Investigation, reason: str, by: User, late: Late = ON_TIME) -> ClosureProposal:
    """The supervisor is not satisfied: the investigation goes back to the officer with what to do."""
    _supervises(by, investigation)
    reason = _text(reason, field="rationale", label="The reason", minimum=10, what="Say what is still to be done")
    with transaction.atomic():
        Investigation.objects.select_for_update().get(pk=investigation.pk)
        proposal = _pending_proposal(investigation)
        now = timezone.now()
        stop_clock(rule=SIGN_OFF, record=investigation, by=by, breach_reason=late.reason, breach_detail=late.detail)
        proposal.decision, proposal.decision_rationale = ClosureDecision.REFUSED, reason
        proposal.decided_by, proposal.decided_at = by, now
        proposal.save(update_fields=["decision", "decision_rationale", "decided_by", "decided_at"])
        investigation.status = InvestigationStatus.ACTIVE
        investigation.save(update_fields=["status"])
        _touch(investigation, now)
        _audit(by, investigation, reason="closure refused")
        if investigation.owner_id and investigation.owner_id != by.pk:
            notify(
                user_id=investigation.owner_id,
                message=f"The closure of {investigation} was refused: {reason}"[:300],
                link=reverse("investigations:detail", args=[investigation.pk]),
            )
    return proposal
