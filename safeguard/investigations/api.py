"""API endpoints for investigations: open one from concerns, allocation and acceptance, the plan (actions
and what is recorded against them), supervisory reviews with their directions, partner notifications,
and closure through the gates. Reads and writes go through the access policy (safeguard.web.access);
every change is a service call that audits itself.

Two people editing one action never overwrite each other: an edit names the ``version`` it started
from, and an edit from an older version is answered 409 with the action as it now stands."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime

from safeguard.accounts import policy
from safeguard.accounts.models import User
from safeguard.concerns.api import RiskOut
from safeguard.concerns.models import Concern, InvolvementRole, RiskGrade
from safeguard.people.api import PersonRef, Text, caller, errors_at, may_record, person_refs
from safeguard.timescales.api import LateIn
from safeguard.web.access import get_or_404, shown_rows

from . import services
from .models import (
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

router = Router(tags=["investigations"])


# --- Schemas ------------------------------------------------------------------------------------------


class InvestigationFilters(Schema):
    status: InvestigationStatus | None = None
    mine: bool = Field(False, description="Only those where I am the officer in the case")
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class OpenIn(Schema):
    """Open an investigation from submitted concerns and allocate it to an officer in the case."""

    concern_ids: list[int] = Field(max_length=50)
    officer_id: int = Field(description="The officer in the case, who must accept it")
    summary: Text = Field(description="What is being investigated")
    risk_grade: RiskGrade
    risk_rationale: Text
    first_review_on: date = Field(description="The first supervisory review: within 3 working days (default)")


class DeclineIn(LateIn):
    reason: Text = Field(description="Why you cannot take it")


class AllocateIn(LateIn):
    officer_id: int
    reason: Text = Field(description="Why it is (re)allocated to this officer")


class ActionIn(Schema):
    kind: LineOfEnquiry
    title: Text = Field(description="What is to be done, in 200 characters or fewer")
    detail: Text = Field("", description="How, and what it should establish")
    owner_id: int = Field(description="Who does it: an officer of the team running the investigation")
    due_on: date


class ActionChangeIn(LateIn):
    """A field left out keeps its current value. Moving the due date of an overdue action needs
    ``breach_reason`` and ``breach_detail``."""

    version: int = Field(ge=1, description="The version you started from; 409 if someone has saved since")
    kind: LineOfEnquiry | None = None
    title: Text | None = None
    detail: Text | None = None
    owner_id: int | None = None
    due_on: date | None = None


class FinishIn(LateIn):
    version: int = Field(ge=1, description="The version you started from; 409 if someone has saved since")
    status: Literal["done", "closed"] = Field(description="Completed, or closed without being completed")
    result: Text = Field(description="What it found, or why it is closed without being done")


class EntryIn(Schema):
    kind: EntryKind
    text: Text
    occurred_at: AwareDatetime = Field(description="When it happened (not when it is recorded)")


class CorrectionIn(Schema):
    text: Text
    occurred_at: AwareDatetime = Field(description="When it happened (not when it is recorded)")
    reason: Text = Field(description="Why the earlier version is being corrected")


class DirectionIn(Schema):
    title: Text
    detail: Text = ""
    owner_id: int
    due_on: date


class ReviewIn(LateIn):
    """DOMAIN.md, "Supervision": a check answered "no" is a gap, and needs a direction."""

    rationale: Text
    voice_check: Check = Field(description=REVIEW_CHECKS["voice_check"])
    enquiries_check: Check = Field(description=REVIEW_CHECKS["enquiries_check"])
    partners_check: Check = Field(description=REVIEW_CHECKS["partners_check"])
    delay_check: Check = Field(description=REVIEW_CHECKS["delay_check"])
    check_notes: Text = ""
    risk_grade: RiskGrade | None = Field(None, description="Left out: the current grade stands")
    risk_rationale: Text = Field("", description="Required when the grade changes")
    next_review_on: date = Field(description="No later than the cadence for the risk grade allows")
    directions: list[DirectionIn] = Field(default_factory=list, max_length=20)


class NotificationIn(Schema):
    agency: Agency
    purpose: Text = Field(description="What the partner must be told, and why")


class SentIn(Schema):
    sent_at: AwareDatetime = Field(description="When it was sent (not when it is recorded)")
    detail: Text = Field(description="To whom, how, and any reference")


class ProposalIn(Schema):
    outcome: Outcome
    rationale: Text


class DecisionIn(LateIn):
    rationale: Text


class ConcernRef(Schema):
    id: int
    reference: str | None


class InvestigationItem(Schema):
    """An investigation in a list. A restricted one is listed with its risk and outcome withheld."""

    id: int
    reference: str | None
    restricted: bool
    status: InvestigationStatus
    risk: RiskGrade | None
    owner_id: int | None
    owner: str | None
    unit: str
    next_review_on: date | None
    last_activity_at: datetime
    opened_at: datetime
    closed_at: datetime | None
    outcome: Outcome | None


class InvestigationPersonOut(Schema):
    person: PersonRef
    role: InvolvementRole
    is_child: bool
    added_at: datetime


class ActionOut(Schema):
    id: int
    investigation_id: int
    kind: LineOfEnquiry
    title: str
    detail: str
    owner_id: int | None
    owner: str | None
    due_on: date
    due_at: datetime
    status: ActionStatus
    result: str
    version: int = Field(description="Send it back with an edit")
    is_direction: bool
    review_id: int | None = Field(description="The review that directed it, if it is a direction")
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    finished_at: datetime | None


class EntryOut(Schema):
    id: int
    kind: EntryKind
    text: str
    occurred_at: datetime = Field(description="When it happened")
    recorded_at: datetime = Field(description="When it was written down")
    recorded_by: str
    version: int
    is_current: bool
    supersedes_id: int | None
    correction_reason: str


class ActionDetailOut(ActionOut):
    investigation_reference: str | None
    entries: list[EntryOut] = Field(description="Every version, current and superseded, by event time")


class ConflictError(Schema):
    code: Literal["conflict"] = "conflict"
    message: str = Field(description="Who changed it, when, and what to do")


class EditConflictOut(Schema):
    """The API's error body (``error``), with the action as it now stands beside it."""

    error: ConflictError
    current: ActionOut = Field(description="The action as it now stands")


class ReviewOut(Schema):
    id: int
    reviewed_by: str
    reviewed_at: datetime
    risk_grade: RiskGrade
    rationale: str
    voice_check: Check
    enquiries_check: Check
    partners_check: Check
    delay_check: Check
    check_notes: str
    next_review_on: date
    direction_ids: list[int]


class RequiredNotificationOut(Schema):
    id: int
    agency: Agency
    purpose: str
    required_by: str
    required_at: datetime
    sent_at: datetime | None = Field(description="When it was sent")
    sent_recorded_at: datetime | None = Field(description="When that was recorded")
    sent_by: str | None
    sent_detail: str


class AllocationOut(Schema):
    officer_id: int
    officer: str
    allocated_by: str
    allocated_at: datetime
    reason: str
    accepted_at: datetime | None
    declined_at: datetime | None
    decline_reason: str


class ClosureProposalOut(Schema):
    id: int
    outcome: Outcome
    rationale: str
    proposed_by: str
    proposed_at: datetime
    decision: ClosureDecision | None
    decision_rationale: str
    decided_by: str | None
    decided_at: datetime | None


class InvestigationOut(InvestigationItem):
    summary: str
    opened_by: str
    accepted_at: datetime | None
    signed_off_by: str | None
    concerns: list[ConcernRef]
    people: list[InvestigationPersonOut]
    actions: list[ActionOut]
    reviews: list[ReviewOut]
    notifications: list[RequiredNotificationOut]
    allocations: list[AllocationOut]
    closure_proposals: list[ClosureProposalOut]
    risk_history: list[RiskOut] = Field(description="Every grading with its rationale, oldest first")
    closure_blockers: list[str] = Field(description="What stops closure (only while it is open)")


# --- Reading ------------------------------------------------------------------------------------------

ACTION_ROWS = Action.objects.select_related("owner", "created_by", "updated_by")
ACTION_DETAIL = ACTION_ROWS.select_related("investigation")

INVESTIGATION_DETAIL = Investigation.objects.select_related(
    "unit", "owner", "opened_by", "signed_off_by"
).prefetch_related(
    Prefetch("concern_links", queryset=InvestigationConcern.objects.select_related("concern").order_by("pk")),
    Prefetch("people", queryset=InvestigationPerson.objects.select_related("person").order_by("person_id", "role")),
    Prefetch("actions", queryset=ACTION_ROWS),
    Prefetch("reviews", queryset=SupervisoryReview.objects.select_related("reviewed_by")),
    Prefetch("notifications", queryset=RequiredNotification.objects.select_related("required_by", "sent_by")),
    Prefetch("allocations", queryset=Allocation.objects.select_related("officer", "allocated_by")),
    Prefetch("closure_proposals", queryset=ClosureProposal.objects.select_related("proposed_by", "decided_by")),
    Prefetch("risk_history", queryset=InvestigationRisk.objects.select_related("assessed_by")),
)


def _name(user: User | None) -> str | None:
    return user.display_name if user is not None else None


def _item(investigation: Investigation, *, locked: bool = False) -> InvestigationItem:
    return InvestigationItem(
        id=investigation.pk,
        reference=investigation.reference,
        restricted=locked,
        status=InvestigationStatus(investigation.status),
        risk=None if locked else RiskGrade(investigation.risk_grade),
        owner_id=investigation.owner_id,
        owner=_name(investigation.owner),
        unit=investigation.unit.name,
        next_review_on=investigation.next_review_on,
        last_activity_at=investigation.last_activity_at,
        opened_at=investigation.opened_at,
        closed_at=investigation.closed_at,
        outcome=Outcome(investigation.outcome) if investigation.outcome and not locked else None,
    )


def _action_out(action: Action) -> ActionOut:
    return ActionOut(
        id=action.pk,
        investigation_id=action.investigation_id,
        kind=LineOfEnquiry(action.kind),
        title=action.title,
        detail=action.detail,
        owner_id=action.owner_id,
        owner=_name(action.owner),
        due_on=action.due_on,
        due_at=action.due_at,
        status=ActionStatus(action.status),
        result=action.result,
        version=action.version,
        is_direction=action.is_direction,
        review_id=action.review_id,
        created_by=action.created_by.display_name,
        created_at=action.created_at,
        updated_by=action.updated_by.display_name,
        updated_at=action.updated_at,
        finished_at=action.finished_at,
    )


def _action_detail_out(action: Action) -> ActionDetailOut:
    entries = action.entries.select_related("recorded_by").order_by("occurred_at", "version", "pk")
    return ActionDetailOut(
        **_action_out(action).model_dump(),
        investigation_reference=action.investigation.reference,
        entries=[_entry_out(e) for e in entries],
    )


def _entry_out(entry: ActionEntry) -> EntryOut:
    return EntryOut(
        id=entry.pk,
        kind=EntryKind(entry.kind),
        text=entry.text,
        occurred_at=entry.occurred_at,
        recorded_at=entry.recorded_at,
        recorded_by=entry.recorded_by.display_name,
        version=entry.version,
        is_current=entry.is_current,
        supersedes_id=entry.supersedes_id,
        correction_reason=entry.correction_reason,
    )


def _review_out(review: SupervisoryReview, direction_ids: list[int]) -> ReviewOut:
    return ReviewOut(
        id=review.pk,
        reviewed_by=review.reviewed_by.display_name,
        reviewed_at=review.reviewed_at,
        risk_grade=RiskGrade(review.risk_grade),
        rationale=review.rationale,
        voice_check=Check(review.voice_check),
        enquiries_check=Check(review.enquiries_check),
        partners_check=Check(review.partners_check),
        delay_check=Check(review.delay_check),
        check_notes=review.check_notes,
        next_review_on=review.next_review_on,
        direction_ids=direction_ids,
    )


def _notification_out(row: RequiredNotification) -> RequiredNotificationOut:
    return RequiredNotificationOut(
        id=row.pk,
        agency=Agency(row.agency),
        purpose=row.purpose,
        required_by=row.required_by.display_name,
        required_at=row.required_at,
        sent_at=row.sent_at,
        sent_recorded_at=row.sent_recorded_at,
        sent_by=_name(row.sent_by),
        sent_detail=row.sent_detail,
    )


def _investigation_out(
    request: HttpRequest, investigation: Investigation, *, audit_concerns: bool = True
) -> InvestigationOut:
    """The investigation as the caller may see it. The concerns, people and actions it names are written
    to the access log here (one entry each kind), unless the caller has just fetched them."""
    concerns = [link.concern for link in investigation.concern_links.all()]
    if audit_concerns:
        shown_rows(request, concerns)
    people = list(investigation.people.all())
    refs = person_refs(request, [p.person for p in people])
    actions = shown_rows(request, list(investigation.actions.all()))
    directions: dict[int, list[int]] = {}
    for action in actions:
        if action.review_id is not None:
            directions.setdefault(action.review_id, []).append(action.pk)
    return InvestigationOut(
        **_item(investigation).model_dump(),
        summary=investigation.summary,
        opened_by=investigation.opened_by.display_name,
        accepted_at=investigation.accepted_at,
        signed_off_by=_name(investigation.signed_off_by),
        concerns=[ConcernRef(id=c.pk, reference=c.reference) for c in concerns],
        people=[
            InvestigationPersonOut(
                person=refs[p.person_id], role=InvolvementRole(p.role), is_child=p.is_child, added_at=p.added_at
            )
            for p in people
        ],
        actions=[_action_out(a) for a in actions],
        reviews=[_review_out(r, directions.get(r.pk, [])) for r in investigation.reviews.all()],
        notifications=[_notification_out(n) for n in investigation.notifications.all()],
        allocations=[
            AllocationOut(
                officer_id=a.officer_id,
                officer=a.officer.display_name,
                allocated_by=a.allocated_by.display_name,
                allocated_at=a.allocated_at,
                reason=a.reason,
                accepted_at=a.accepted_at,
                declined_at=a.declined_at,
                decline_reason=a.decline_reason,
            )
            for a in investigation.allocations.all()
        ],
        closure_proposals=[
            ClosureProposalOut(
                id=p.pk,
                outcome=Outcome(p.outcome),
                rationale=p.rationale,
                proposed_by=p.proposed_by.display_name,
                proposed_at=p.proposed_at,
                decision=ClosureDecision(p.decision) if p.decision else None,
                decision_rationale=p.decision_rationale,
                decided_by=_name(p.decided_by),
                decided_at=p.decided_at,
            )
            for p in investigation.closure_proposals.all()
        ],
        risk_history=[
            RiskOut(
                grade=RiskGrade(r.grade),
                rationale=r.rationale,
                assessed_by=r.assessed_by.display_name,
                assessed_at=r.assessed_at,
            )
            for r in investigation.risk_history.all()
        ],
        closure_blockers=[b.text for b in services.closure_blockers(investigation)] if investigation.is_open else [],
    )


def _investigation(
    request: HttpRequest, investigation_id: int, action: policy.Action = policy.Action.VIEW
) -> Investigation:
    return get_or_404(request, Investigation, investigation_id, action=action, queryset=INVESTIGATION_DETAIL)


def _reloaded(investigation: Investigation) -> Investigation:
    return INVESTIGATION_DETAIL.get(pk=investigation.pk)


def _editable_actions(user: User) -> QuerySet[Action]:
    """An action's owner may work on it, as may anyone who may change its investigation."""
    runs = policy.changeable_by(user, Investigation.objects.all())
    return ACTION_DETAIL.filter(Q(owner=user) | Q(investigation__in=runs))


def _action(request: HttpRequest, action_id: int, *, to_change: bool = False) -> Action:
    queryset = _editable_actions(caller(request)) if to_change else ACTION_DETAIL
    return get_or_404(request, Action, action_id, queryset=queryset)


def _action_row(action: Action) -> Action:
    return ACTION_DETAIL.get(pk=action.pk)


def _user(user_id: int | None) -> User | None:
    """A user named in the body. An unknown id is refused by the service, like anyone not allowed there."""
    return None if user_id is None else User.objects.filter(pk=user_id).first()


def _concerns(request: HttpRequest, concern_ids: list[int]) -> list[Concern]:
    """The concerns named in the body, each one the caller can see (the service checks the rest)."""
    found: dict[int, Concern] = {}
    for i, concern_id in enumerate(concern_ids):
        if concern_id in found:
            continue
        try:
            found[concern_id] = get_or_404(request, Concern, concern_id)
        except Http404:
            raise ValidationError(
                {f"concern_ids.{i}": "No concern with this id that you can see: check the reference"}
            ) from None
    return list(found.values())


def _conflict(current: Action) -> Status[EditConflictOut]:
    when = timezone.localtime(current.updated_at)
    detail = (
        f"This action was changed by {current.updated_by.display_name} at {when:%H:%M on %-d %B %Y} "
        f"(it is now version {current.version}). Nothing was saved: check the current values and send "
        f"your change again with version {current.version}."
    )
    return Status(409, EditConflictOut(error=ConflictError(message=detail), current=_action_out(current)))


def _late(payload: LateIn | None) -> services.Late:
    return services.Late(payload.breach_reason, payload.breach_detail) if payload else services.ON_TIME


# --- Investigations -----------------------------------------------------------------------------------


@router.get("/investigations", response=list[InvestigationItem], summary="Investigations I can see")
def list_investigations(request: HttpRequest, filters: Query[InvestigationFilters]) -> list[InvestigationItem]:
    """Filter by status, or ``mine`` (I am the officer in the case); soonest review first; page with
    ``limit`` and ``offset``. One access-log entry names every investigation returned."""
    user = caller(request)
    rows = policy.visible_to(user, Investigation.objects.select_related("unit", "owner"))
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    if filters.mine:
        rows = rows.filter(owner=user)
    rows = rows.order_by(F("next_review_on").asc(nulls_last=True), "-last_activity_at", "pk")
    shown = shown_rows(request, list(rows[filters.offset : filters.offset + filters.limit]))
    return [_item(i, locked=i.is_locked_for_viewer) for i in shown]  # type: ignore[attr-defined]


@router.post("/investigations", response={201: InvestigationOut}, summary="Open an investigation")
def open_investigation(request: HttpRequest, payload: OpenIn) -> Status[InvestigationOut]:
    """A supervisor or the hub opens an investigation from submitted concerns and allocates it to an
    officer in the case, who must accept it. Its people are copied from the concerns."""
    user = may_record(request, Investigation)
    concerns = _concerns(request, payload.concern_ids)
    with errors_at("", renamed={"concerns": "concern_ids", "officer": "officer_id"}):
        investigation = services.open_investigation(
            concerns=concerns,
            officer=_user(payload.officer_id),
            summary=payload.summary,
            risk_grade=str(payload.risk_grade),
            risk_rationale=payload.risk_rationale,
            first_review_on=payload.first_review_on,
            by=user,
        )
    return Status(201, _investigation_out(request, _reloaded(investigation), audit_concerns=False))


@router.get("/investigations/{investigation_id}", response=InvestigationOut, summary="An investigation")
def get_investigation(request: HttpRequest, investigation_id: int) -> InvestigationOut:
    """The concerns and people, the plan, the reviews, partner notifications, allocations, closure
    proposals, the risk history, and what stops it closing."""
    return _investigation_out(request, _investigation(request, investigation_id))


@router.post("/investigations/{investigation_id}/accept", response=InvestigationOut, summary="Accept an investigation")
def accept_investigation(
    request: HttpRequest, investigation_id: int, payload: LateIn | None = None
) -> InvestigationOut:
    """The officer it is allocated to. Accepting after the acceptance time needs ``breach_reason`` and
    ``breach_detail``."""
    investigation = _investigation(request, investigation_id, policy.Action.CHANGE)
    services.accept_investigation(investigation=investigation, by=caller(request), late=_late(payload))
    return _investigation_out(request, _reloaded(investigation))


@router.post(
    "/investigations/{investigation_id}/decline", response=InvestigationOut, summary="Decline an investigation"
)
def decline_investigation(request: HttpRequest, investigation_id: int, payload: DeclineIn) -> InvestigationOut:
    """The officer it is allocated to cannot take it: it goes back to whoever allocated it."""
    investigation = _investigation(request, investigation_id, policy.Action.CHANGE)
    services.decline_investigation(
        investigation=investigation, reason=payload.reason, by=caller(request), late=_late(payload)
    )
    return _investigation_out(request, _reloaded(investigation))


@router.post(
    "/investigations/{investigation_id}/allocate", response=InvestigationOut, summary="Allocate an investigation"
)
def allocate_investigation(request: HttpRequest, investigation_id: int, payload: AllocateIn) -> InvestigationOut:
    """A supervisor or the hub (re)allocates it; the new officer must accept it. The plan moves with it."""
    investigation = _investigation(request, investigation_id, policy.Action.CHANGE)
    with errors_at("", renamed={"officer": "officer_id"}):
        services.allocate(
            investigation=investigation,
            officer=_user(payload.officer_id),
            reason=payload.reason,
            by=caller(request),
            late=_late(payload),
        )
    return _investigation_out(request, _reloaded(investigation))


# --- The plan -----------------------------------------------------------------------------------------


@router.post(
    "/investigations/{investigation_id}/actions", response={201: ActionDetailOut}, summary="Add a line of enquiry"
)
def add_action(request: HttpRequest, investigation_id: int, payload: ActionIn) -> Status[ActionDetailOut]:
    """What is to be done, by whom and by when; its clock starts at once. Once the investigation is accepted."""
    investigation = _investigation(request, investigation_id, policy.Action.CHANGE)
    details = services.ActionDetails(
        kind=str(payload.kind),
        title=payload.title,
        detail=payload.detail,
        owner=_user(payload.owner_id),
        due_on=payload.due_on,
    )
    with errors_at("", renamed={"owner": "owner_id"}):
        action = services.add_action(investigation=investigation, details=details, by=caller(request))
    return Status(201, _action_detail_out(_action_row(action)))


@router.get("/actions/{action_id}", response=ActionDetailOut, summary="An action and what is recorded against it")
def get_action(request: HttpRequest, action_id: int) -> ActionDetailOut:
    """The action, and every entry against it: current and superseded versions, each with when it
    happened and when it was recorded."""
    return _action_detail_out(_action(request, action_id))


@router.post(
    "/actions/{action_id}", response={200: ActionDetailOut, 409: EditConflictOut}, summary="Change an open action"
)
def update_action(
    request: HttpRequest, action_id: int, payload: ActionChangeIn
) -> ActionDetailOut | Status[EditConflictOut]:
    """Send the ``version`` you started from. If someone has saved since, nothing is changed and the
    answer is 409 with who changed it, when, and the action as it now stands."""
    action = _action(request, action_id, to_change=True)
    details = services.ActionDetails(
        kind=str(payload.kind) if payload.kind is not None else action.kind,
        title=payload.title if payload.title is not None else action.title,
        detail=payload.detail if payload.detail is not None else action.detail,
        owner=_user(payload.owner_id) if payload.owner_id is not None else action.owner,
        due_on=payload.due_on or action.due_on,
    )
    try:
        with errors_at("", renamed={"owner": "owner_id"}):
            services.update_action(
                action=action, details=details, version=payload.version, by=caller(request), late=_late(payload)
            )
    except services.EditConflict as conflict:
        return _conflict(conflict.current)
    return _action_detail_out(_action_row(action))


@router.post(
    "/actions/{action_id}/finish",
    response={200: ActionDetailOut, 409: EditConflictOut},
    summary="Complete an action, or close it with a reason",
)
def finish_action(request: HttpRequest, action_id: int, payload: FinishIn) -> ActionDetailOut | Status[EditConflictOut]:
    """``done`` with what it found, or ``closed`` with why it was not done. 409 as for a change."""
    action = _action(request, action_id, to_change=True)
    try:
        services.finish_action(
            action=action,
            status=payload.status,
            result=payload.result,
            version=payload.version,
            by=caller(request),
            late=_late(payload),
        )
    except services.EditConflict as conflict:
        return _conflict(conflict.current)
    return _action_detail_out(_action_row(action))


@router.post(
    "/actions/{action_id}/entries", response={201: EntryOut}, summary="Record progress, evidence or a decision"
)
def record_entry(request: HttpRequest, action_id: int, payload: EntryIn) -> Status[EntryOut]:
    action = _action(request, action_id, to_change=True)
    entry = services.record_entry(
        action=action, kind=str(payload.kind), text=payload.text, occurred_at=payload.occurred_at, by=caller(request)
    )
    return Status(201, _entry_out(entry))


@router.post("/actions/{action_id}/entries/{entry_id}/correct", response={201: EntryOut}, summary="Correct an entry")
def correct_entry(request: HttpRequest, action_id: int, entry_id: int, payload: CorrectionIn) -> Status[EntryOut]:
    """A new version with its reason; the earlier one is kept, no longer current."""
    action = _action(request, action_id, to_change=True)
    entry = action.entries.filter(pk=entry_id).first()
    if entry is None:
        raise Http404
    new = services.correct_entry(
        entry=entry, text=payload.text, occurred_at=payload.occurred_at, reason=payload.reason, by=caller(request)
    )
    return Status(201, _entry_out(new))


# --- Supervision --------------------------------------------------------------------------------------


@router.post(
    "/investigations/{investigation_id}/reviews", response={201: ReviewOut}, summary="Record a supervisory review"
)
def record_review(request: HttpRequest, investigation_id: int, payload: ReviewIn) -> Status[ReviewOut]:
    """The supervisor of the officer in the case: rationale, the four checks, SMART directions (each
    becomes an action) and the next review date. A late review needs ``breach_reason`` and
    ``breach_detail``."""
    investigation = _investigation(request, investigation_id, policy.Action.CHANGE)
    answers = services.ReviewAnswers(
        rationale=payload.rationale,
        checks={name: str(getattr(payload, name)) for name in REVIEW_CHECKS},
        risk_grade=str(payload.risk_grade or investigation.risk_grade),
        next_review_on=payload.next_review_on,
        check_notes=payload.check_notes,
        risk_rationale=payload.risk_rationale,
        directions=[
            services.ActionDetails(
                kind=LineOfEnquiry.DIRECTION, title=d.title, detail=d.detail, owner=_user(d.owner_id), due_on=d.due_on
            )
            for d in payload.directions
        ],
    )
    # The service names a direction's fields "direction-0-title" (its form prefix): place them in the body.
    renamed = {
        f"direction-{i}-{name}": f"directions.{i}.{'owner_id' if name == 'owner' else name}"
        for i in range(len(payload.directions))
        for name in ("kind", "title", "detail", "owner", "due_on")
    }
    with errors_at("", renamed=renamed):
        review = services.record_review(
            investigation=investigation, answers=answers, by=caller(request), late=_late(payload)
        )
    fresh = SupervisoryReview.objects.select_related("reviewed_by").get(pk=review.pk)
    return Status(201, _review_out(fresh, list(fresh.directions.order_by("pk").values_list("pk", flat=True))))


@router.post(
    "/investigations/{investigation_id}/notifications",
    response={201: RequiredNotificationOut},
    summary="Require a partner to be told",
)
def require_notification(
    request: HttpRequest, investigation_id: int, payload: NotificationIn
) -> Status[RequiredNotificationOut]:
    """The investigation cannot close until it is recorded as sent."""
    investigation = _investigation(request, investigation_id, policy.Action.CHANGE)
    row = services.require_notification(
        investigation=investigation, agency=str(payload.agency), purpose=payload.purpose, by=caller(request)
    )
    return Status(201, _notification_out(row))


@router.post(
    "/investigations/{investigation_id}/notifications/{notification_id}/sent",
    response=RequiredNotificationOut,
    summary="Record that a partner was told",
)
def notification_sent(
    request: HttpRequest, investigation_id: int, notification_id: int, payload: SentIn
) -> RequiredNotificationOut:
    investigation = _investigation(request, investigation_id, policy.Action.CHANGE)
    row = investigation.notifications.filter(pk=notification_id).first()
    if row is None:
        raise Http404
    row.investigation = investigation
    sent = services.record_notification_sent(
        notification=row, sent_at=payload.sent_at, detail=payload.detail, by=caller(request)
    )
    return _notification_out(RequiredNotification.objects.select_related("required_by", "sent_by").get(pk=sent.pk))


# --- Closure ------------------------------------------------------------------------------------------


@router.post("/investigations/{investigation_id}/closure", response=InvestigationOut, summary="Propose closure")
def propose_closure(request: HttpRequest, investigation_id: int, payload: ProposalIn) -> InvestigationOut:
    """Put it forward for the supervisor's sign-off with an outcome. Refused (422) with every blocker
    listed while an action is open, a review is overdue, a child has no voice record or coded reason,
    or a required notification has not been sent."""
    investigation = _investigation(request, investigation_id, policy.Action.CHANGE)
    services.propose_closure(
        investigation=investigation, outcome=str(payload.outcome), rationale=payload.rationale, by=caller(request)
    )
    return _investigation_out(request, _reloaded(investigation))


@router.post(
    "/investigations/{investigation_id}/closure/sign-off", response=InvestigationOut, summary="Sign off closure"
)
def sign_off_closure(request: HttpRequest, investigation_id: int, payload: DecisionIn) -> InvestigationOut:
    """The supervisor of the officer in the case: the gates are checked again and the outcome recorded."""
    investigation = _investigation(request, investigation_id, policy.Action.CHANGE)
    services.sign_off_closure(
        investigation=investigation, rationale=payload.rationale, by=caller(request), late=_late(payload)
    )
    return _investigation_out(request, _reloaded(investigation))


@router.post("/investigations/{investigation_id}/closure/refuse", response=InvestigationOut, summary="Refuse closure")
def refuse_closure(request: HttpRequest, investigation_id: int, payload: DecisionIn) -> InvestigationOut:
    """The supervisor is not satisfied: it goes back to the officer with what is still to be done."""
    investigation = _investigation(request, investigation_id, policy.Action.CHANGE)
    services.refuse_closure(
        investigation=investigation, reason=payload.rationale, by=caller(request), late=_late(payload)
    )
    return _investigation_out(request, _reloaded(investigation))
