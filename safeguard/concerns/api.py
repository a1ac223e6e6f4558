"""API endpoints for concerns: record one in a single call (everything, or a draft), read it, submit it
through the voice gate, and the supervisor's endorsement or return. Reads and writes go through the
access policy (safeguard.web.access); every change is a service call that audits itself."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import AwareDatetime

from safeguard.accounts import policy
from safeguard.people.api import Line, PersonRef, Postcode, Text, caller, errors_at, may_record, person_refs
from safeguard.people.models import Person
from safeguard.timescales.api import LateIn
from safeguard.voice.api import VoiceAnswersIn, VoiceOut, voice_out
from safeguard.voice.models import SeenAlone, VoiceRecord
from safeguard.voice.services import record_voice as write_voice
from safeguard.web.access import get_or_404, shown_rows

from . import services
from .models import (
    Concern,
    ConcernStatus,
    ConcernType,
    Decision,
    Involvement,
    InvolvementRole,
    RiskAssessment,
    RiskGrade,
    SupervisorDecision,
)
from .services import submission_problems

router = Router(tags=["concerns"])


# --- Schemas ------------------------------------------------------------------------------------------


class RiskIn(Schema):
    grade: RiskGrade
    rationale: Text


class InvolvementIn(Schema):
    person_id: int
    roles: list[InvolvementRole] = Field(min_length=1, max_length=len(InvolvementRole.values))
    is_child: bool | None = Field(None, description="Required when the person's date of birth is not known")


class ChildVoiceIn(VoiceAnswersIn):
    person_id: int


class ConcernIn(Schema):
    """Everything about a concern in one call. Anything left out can be added in the web service
    before submitting; ``submit`` sends it to the supervisor at once (through the voice gate).
    If any part is refused, nothing is stored."""

    occurred_at: AwareDatetime | None = Field(None, description="When it happened (not when it is recorded)")
    location: Line = ""
    postcode: Postcode = ""
    types: list[ConcernType] = Field(default_factory=list, max_length=len(ConcernType.values))
    summary: Text = ""
    risk: RiskIn | None = None
    involvements: list[InvolvementIn] = Field(default_factory=list, max_length=50)
    voice: list[ChildVoiceIn] = Field(default_factory=list, max_length=50)
    submit: bool = False


class VoiceIn(VoiceAnswersIn):
    person_id: int
    correction_reason: Text = Field("", description="Required to correct a record after submission")


class EndorseIn(LateIn):
    rationale: Text
    quality_override: Text = Field("", description="Why you endorse past failed voice quality checks")


class ReturnIn(LateIn):
    reason: Text = Field(description="What the officer needs to do")


class RiskOut(Schema):
    grade: RiskGrade
    rationale: str
    assessed_by: str
    assessed_at: datetime


class InvolvementOut(Schema):
    person: PersonRef
    roles: list[InvolvementRole]
    is_child: bool


class VoiceSummary(Schema):
    id: int
    seen: bool
    seen_alone: SeenAlone | None
    spoken_to: bool
    reason_not_spoken: str | None
    version: int
    recorded_at: datetime


class ChildOut(Schema):
    """An involved child and where their voice stands (the voice gate and the quality checks)."""

    person: PersonRef
    age: int | None = Field(description="Age at the time of the event")
    voice: VoiceSummary | None
    quality_issues: list[str]


class DecisionOut(Schema):
    decision: Decision
    rationale: str
    quality_issues: list[str]
    quality_override: str
    decided_by: str
    decided_at: datetime


class ConcernOut(Schema):
    id: int
    reference: str | None
    status: ConcernStatus
    occurred_at: datetime | None
    recorded_at: datetime
    location: str
    postcode: str
    types: list[ConcernType]
    summary: str
    risk_grade: RiskGrade | None
    risk_history: list[RiskOut] = Field(description="Every grading with its rationale, oldest first")
    involvements: list[InvolvementOut]
    children: list[ChildOut]
    submission_problems: list[str] = Field(description="What stops submission (only while it can be edited)")
    submitted_at: datetime | None
    decisions: list[DecisionOut]
    decided_at: datetime | None
    unit: str
    owner: str | None


# --- Reading ------------------------------------------------------------------------------------------

CONCERN_DETAIL = Concern.objects.select_related("unit", "owner").prefetch_related(
    "type_tags",
    Prefetch("risk_assessments", queryset=RiskAssessment.objects.select_related("assessed_by")),
    Prefetch("involvements", queryset=Involvement.objects.select_related("person").order_by("person_id", "role")),
    Prefetch("decisions", queryset=SupervisorDecision.objects.select_related("decided_by")),
)


def _concern_out(request: HttpRequest, concern: Concern, *, audit_shown: bool = True) -> ConcernOut:
    """The concern as the caller may see it. The people and voice records it names are written to the
    access log here (one entry each kind), unless the caller has just written or fetched them."""
    involvements = list(concern.involvements.all())
    children = services.children_of(concern)
    refs = person_refs(request, [i.person for i in involvements], audit=audit_shown)
    voices = [c.voice for c in children if c.voice is not None]
    if audit_shown:
        shown_rows(request, voices)
    roles: dict[int, list[InvolvementRole]] = {}
    is_child: dict[int, bool] = {}
    for inv in involvements:
        roles.setdefault(inv.person_id, []).append(InvolvementRole(inv.role))
        is_child[inv.person_id] = inv.is_child
    return ConcernOut(
        id=concern.pk,
        reference=concern.reference,
        status=ConcernStatus(concern.status),
        occurred_at=concern.occurred_at,
        recorded_at=concern.recorded_at,
        location=concern.location,
        postcode=concern.location_postcode,
        types=sorted(ConcernType(t.type) for t in concern.type_tags.all()),
        summary=concern.summary,
        risk_grade=RiskGrade(concern.risk_grade) if concern.risk_grade else None,
        risk_history=[
            RiskOut(
                grade=RiskGrade(r.grade),
                rationale=r.rationale,
                assessed_by=r.assessed_by.display_name,
                assessed_at=r.assessed_at,
            )
            for r in concern.risk_assessments.all()
        ],
        involvements=[
            InvolvementOut(person=refs[pid], roles=person_roles, is_child=is_child[pid])
            for pid, person_roles in roles.items()
        ],
        children=[
            ChildOut(
                person=refs[c.person.pk],
                age=c.age,
                voice=None
                if c.voice is None
                else VoiceSummary(
                    id=c.voice.pk,
                    seen=c.voice.seen,
                    seen_alone=SeenAlone(c.voice.seen_alone) if c.voice.seen_alone else None,
                    spoken_to=c.voice.spoken_to,
                    reason_not_spoken=c.voice.reason_not_spoken or None,
                    version=c.voice.version,
                    recorded_at=c.voice.recorded_at,
                ),
                quality_issues=c.issues,
            )
            for c in children
        ],
        submission_problems=submission_problems(concern) if concern.is_editable else [],
        submitted_at=concern.submitted_at,
        decisions=[
            DecisionOut(
                decision=Decision(d.decision),
                rationale=d.rationale,
                quality_issues=[line for line in d.quality_issues.splitlines() if line],
                quality_override=d.quality_override,
                decided_by=d.decided_by.display_name,
                decided_at=d.decided_at,
            )
            for d in concern.decisions.all()
        ],
        decided_at=concern.decided_at,
        unit=concern.unit.name,
        owner=concern.owner.display_name if concern.owner else None,
    )


def _concern(request: HttpRequest, concern_id: int, action: policy.Action = policy.Action.VIEW) -> Concern:
    return get_or_404(request, Concern, concern_id, action=action, queryset=CONCERN_DETAIL)


def _reloaded(concern: Concern) -> Concern:
    return CONCERN_DETAIL.get(pk=concern.pk)


def _person(request: HttpRequest, person_id: int, field: str) -> Person:
    """A person named in the body, who must be someone the caller may add to a record."""
    try:
        return get_or_404(request, Person, person_id, action=policy.Action.CHANGE)
    except Http404:
        raise ValidationError({field: "No person with this id: search for them, or add them first"}) from None


# --- Endpoints ----------------------------------------------------------------------------------------


@router.post("", response={201: ConcernOut}, summary="Record a concern")
def create_concern(request: HttpRequest, payload: ConcernIn) -> Status[ConcernOut]:
    """Record a concern with its people, risk grade and each child's voice in one call, optionally
    submitting it. One transaction: if any part is refused (422, naming the field), nothing is kept."""
    user = may_record(request, Concern)
    people: dict[int, Person] = {}
    for i, inv in enumerate(payload.involvements):
        people.setdefault(inv.person_id, _person(request, inv.person_id, f"involvements.{i}.person_id"))
    for i, answers in enumerate(payload.voice):
        people.setdefault(answers.person_id, _person(request, answers.person_id, f"voice.{i}.person_id"))
    with transaction.atomic():
        concern = services.start_concern(by=user)
        if payload.occurred_at is not None:
            services.set_when(concern=concern, occurred_at=payload.occurred_at, by=user)
        if payload.location or payload.postcode:
            services.set_where(concern=concern, location=payload.location, postcode=payload.postcode, by=user)
        if payload.types:
            services.set_types(concern=concern, types=[str(t) for t in payload.types], by=user)
        if payload.summary:
            services.set_summary(concern=concern, summary=payload.summary, by=user)
        if payload.risk is not None:
            with errors_at("risk"):
                services.grade_risk(
                    concern=concern, grade=str(payload.risk.grade), rationale=payload.risk.rationale, by=user
                )
        for i, inv in enumerate(payload.involvements):
            with errors_at(f"involvements.{i}"):
                services.involve(
                    concern=concern,
                    person=people[inv.person_id],
                    roles=[str(r) for r in inv.roles],
                    is_child=inv.is_child,
                    by=user,
                )
        for i, answers in enumerate(payload.voice):
            with errors_at(f"voice.{i}"):
                write_voice(concern=concern, person=people[answers.person_id], answers=answers.answers(), by=user)
        if payload.submit:
            services.submit_concern(concern=concern, by=user)
    return Status(201, _concern_out(request, _reloaded(concern), audit_shown=False))


@router.get("/{concern_id}", response=ConcernOut, summary="A concern")
def get_concern(request: HttpRequest, concern_id: int) -> ConcernOut:
    """What happened, who was involved, the risk grades, each child's voice, and the decisions."""
    return _concern_out(request, _concern(request, concern_id))


@router.post("/{concern_id}/submit", response=ConcernOut, summary="Submit a concern to the supervisor")
def submit_concern(request: HttpRequest, concern_id: int, payload: LateIn | None = None) -> ConcernOut:
    """Refused (422) with every problem listed while anything is missing, including any child with
    neither a voice record nor a coded reason they were not spoken to. Resubmitting a returned concern
    after its due time needs ``breach_reason`` and ``breach_detail``."""
    concern = _concern(request, concern_id, policy.Action.CHANGE)
    late = payload or LateIn(breach_reason="", breach_detail="")
    services.submit_concern(
        concern=concern, by=caller(request), breach_reason=late.breach_reason, breach_detail=late.breach_detail
    )
    return _concern_out(request, _reloaded(concern))


@router.post("/{concern_id}/endorse", response=ConcernOut, summary="Endorse a submitted concern")
def endorse_concern(request: HttpRequest, concern_id: int, payload: EndorseIn) -> ConcernOut:
    """The team's supervisor or the hub. Past failed voice quality checks, say why in ``quality_override``."""
    concern = _concern(request, concern_id, policy.Action.CHANGE)
    services.endorse_concern(
        concern=concern,
        rationale=payload.rationale,
        quality_override=payload.quality_override,
        by=caller(request),
        breach_reason=payload.breach_reason,
        breach_detail=payload.breach_detail,
    )
    return _concern_out(request, _reloaded(concern))


@router.post("/{concern_id}/return", response=ConcernOut, summary="Return a concern to the officer")
def return_concern(request: HttpRequest, concern_id: int, payload: ReturnIn) -> ConcernOut:
    concern = _concern(request, concern_id, policy.Action.CHANGE)
    with errors_at("", renamed={"rationale": "reason"}):
        services.return_concern(
            concern=concern,
            reason=payload.reason,
            by=caller(request),
            breach_reason=payload.breach_reason,
            breach_detail=payload.breach_detail,
        )
    return _concern_out(request, _reloaded(concern))


@router.post("/{concern_id}/voice", response=VoiceOut, summary="Record a child's voice for a concern")
def record_voice(request: HttpRequest, concern_id: int, payload: VoiceIn) -> VoiceOut:
    """While the concern is a draft this replaces the child's record; after submission it is a
    correction (a new version, the old one kept) and needs ``correction_reason``."""
    concern = _concern(request, concern_id, policy.Action.CHANGE)
    person = _person(request, payload.person_id, "person_id")
    voice = write_voice(
        concern=concern,
        person=person,
        answers=payload.answers(),
        by=caller(request),
        correction_reason=payload.correction_reason,
    )
    fresh = VoiceRecord.objects.select_related("person", "concern", "recorded_by").get(pk=voice.pk)
    return voice_out(request, fresh, audit_person=False)
