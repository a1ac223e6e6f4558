"""API endpoints for sharing with partners: shares from draft to response (or revocation), decisions not
to share, acknowledgements and responses, and strategy discussions. Reads and writes go through the
access policy (safeguard.web.access); every change is a service call that audits itself.

A partner's own system calls these with a token made by one of its users. It sees exactly what the
partner portal shows and nothing else: the live shares to its organisation, each as it was disclosed
(the ledger's snapshot, never the concern), and the responses recorded against it. A share of another
organisation, or one that has been revoked, answers 404 like a record that does not exist.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator, AwareDatetime

from safeguard.accounts import policy
from safeguard.accounts.models import Organisation, OrganisationKind, RoleCode, User
from safeguard.audit.models import Outcome
from safeguard.concerns.models import Concern
from safeguard.people.api import Line, Name, Text, caller, errors_at, may_record
from safeguard.people.models import Person
from safeguard.timescales.api import LateIn
from safeguard.timescales.services import ON_TIME, Late
from safeguard.web.access import audit_consult, get_or_404, shown_rows

from . import services
from .kinds import spec
from .models import (
    LawfulBasis,
    PartnerResponse,
    ResponseKind,
    Share,
    ShareKind,
    ShareStatus,
    StrategyAction,
    StrategyAttendee,
    StrategyDecision,
    StrategyDiscussion,
)
from .portal import PARTNER_READ, partner_status, shared_with, with_acknowledgement_due

router = Router(tags=["sharing"])

# Roles that see a share as the police do; anyone else who can reach one (a partner) sees the portal's view.
POLICE_ROLES = (
    RoleCode.OFFICER,
    RoleCode.INVESTIGATOR,
    RoleCode.SUPERVISOR,
    RoleCode.HUB,
    RoleCode.LEADER,
    RoleCode.AUDITOR,
)
MAX_FIELDS = 30
MAX_PEOPLE = 50


def _single_line_code(value: str) -> str:
    if not value.replace("_", "").isalnum():
        raise ValueError("A field code holds only letters, digits and underscores")
    return value


FieldCode = Annotated[str, Field(max_length=40), AfterValidator(_single_line_code)]


# --- Schemas ------------------------------------------------------------------------------------------


class ShareFilters(Schema):
    status: ShareStatus | None = None
    kind: ShareKind | None = None
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class ShareItem(Schema):
    """A share in a list: no content, so a restricted one is listed as it is."""

    id: int
    reference: str | None
    kind: ShareKind
    status: ShareStatus
    organisation: str | None
    sent_at: datetime | None
    acknowledged_at: datetime | None
    answered_at: datetime | None
    acknowledgement_due_at: datetime | None = Field(description="While it is unacknowledged")
    restricted: bool


class SharedField(Schema):
    field: str
    label: str
    value: str


class PartnerResponseOut(Schema):
    id: int
    kind: ResponseKind
    detail: str
    occurred_at: datetime = Field(description="When the partner did it")
    recorded_at: datetime = Field(description="When it was written down")
    recorded_by: str


class ResponseKindOut(Schema):
    code: ResponseKind
    label: str


class PartnerShareOut(Schema):
    """What the partner portal shows of a share, and nothing else: the disclosure as it was sent."""

    id: int
    reference: str | None
    kind: ShareKind
    status: Literal["new", "read", "acknowledged", "answered"]
    sent_at: datetime
    sent_by: str
    sent_by_unit: str | None
    lawful_basis: LawfulBasis
    lawful_basis_detail: str
    content: list[SharedField]
    acknowledged_at: datetime | None
    acknowledgement_due_at: datetime | None
    responses: list[PartnerResponseOut]
    response_kinds: list[ResponseKindOut] = Field(description="What may be recorded for this kind of share")


class DraftFieldOut(Schema):
    field: str
    label: str
    value: str
    included: bool
    editable: bool
    required: bool
    choices: list[str] = Field(description="For a field answered from a fixed set: the codes allowed")


class DisclosureOut(Schema):
    """The ledger entry: who, to whom, exactly what, why, when, and when it was due."""

    disclosed_by: str
    disclosed_by_unit: str | None
    disclosed_at: datetime
    organisation: str
    lawful_basis: LawfulBasis
    lawful_basis_detail: str
    content: list[SharedField]
    content_sha256: str
    due_at: datetime | None
    on_time: bool | None


class ShareStepOut(Schema):
    step: Literal[
        "drafted",
        "not_shared",
        "sent",
        "delivered",
        "read",
        "acknowledged",
        "answered",
        "escalated",
        "revoked",
        "reviewed",
    ]
    at: datetime
    by: str | None
    detail: str


class ShareOut(ShareItem):
    """The police view of a share: the draft, the ledger entry, every step it has taken and the responses."""

    concern_id: int
    child_id: int | None
    organisation_id: int | None
    live: bool = Field(description="The partner can read it now")
    unit: str
    owner: str | None
    lawful_basis: LawfulBasis | None
    lawful_basis_detail: str
    draft: list[DraftFieldOut] = Field(description="The content as drafted; only included fields are sent")
    not_shared_reason: str
    revoke_reason: str
    review_agreed: bool | None
    review_note: str
    timeline: list[ShareStepOut] = Field(description="Every step so far, oldest first")
    disclosure: DisclosureOut | None
    responses: list[PartnerResponseOut]


class ShareDraftIn(Schema):
    concern_id: int
    kind: ShareKind
    organisation_id: int = Field(description="The partner organisation to share with")
    child_id: int | None = Field(None, description="Required for a notice about one child (Encompass, health)")


class ShareChangeIn(Schema):
    """Redact a draft. Anything left out keeps its current value."""

    included: list[FieldCode] | None = Field(
        None, max_length=MAX_FIELDS, description="The field codes to share; required fields are always shared"
    )
    values: dict[FieldCode, Text] | None = Field(
        None, max_length=MAX_FIELDS, description="New values for editable fields, by field code"
    )
    lawful_basis: LawfulBasis | None = None
    lawful_basis_detail: Text | None = None


class RevokeIn(Schema):
    reason: Text = Field(description="Why it is withdrawn")


class NotSharedIn(LateIn):
    concern_id: int
    kind: ShareKind
    reason: Text = Field(description="Why the information is not shared; a supervisor reviews it")
    organisation_id: int | None = None
    child_id: int | None = None


class PartnerResponseIn(Schema):
    kind: ResponseKind
    detail: Text = Field("", description="Required for 'other'")
    occurred_at: AwareDatetime = Field(description="When it was done (not when it is recorded)")


class DiscussionFilters(Schema):
    held: bool | None = Field(None, description="Only those held (true) or still to be held (false)")
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class StrategyDiscussionItem(Schema):
    id: int
    reference: str | None
    restricted: bool
    concern_id: int
    share_id: int | None
    decided_at: datetime
    held_at: datetime | None
    decision: StrategyDecision | None
    conference_held_at: datetime | None
    unit: str


class StrategyAttendeeOut(Schema):
    agency: OrganisationKind
    organisation_id: int | None
    name: str
    role: str


class StrategyActionOut(Schema):
    id: int
    discussion_id: int
    description: str
    agency: OrganisationKind
    owner_id: int | None
    owner: str | None
    due_on: date
    done_at: datetime | None
    done_by: str | None
    done_note: str


class StrategyDiscussionOut(StrategyDiscussionItem):
    reason: str
    information_shared: str
    rationale: str
    recorded_at: datetime | None
    recorded_by: str | None
    attendees: list[StrategyAttendeeOut]
    actions: list[StrategyActionOut]


class StrategyPlanIn(Schema):
    concern_id: int
    reason: Text = Field(description="Why a strategy discussion is needed")
    share_id: int | None = Field(None, description="The referral it follows, if any")
    decided_at: AwareDatetime | None = Field(None, description="When it was decided to hold one; default now")


class StrategyAttendeeIn(Schema):
    agency: OrganisationKind
    name: Name
    role: Line = ""
    organisation_id: int | None = None


class StrategyActionIn(Schema):
    description: Text
    agency: OrganisationKind
    due_on: date
    owner_id: int | None = Field(None, description="Required for a police action: the officer who does it")


class StrategyRecordIn(LateIn):
    held_at: AwareDatetime
    attendees: list[StrategyAttendeeIn] = Field(max_length=MAX_PEOPLE)
    information_shared: Text
    decision: StrategyDecision
    rationale: Text
    actions: list[StrategyActionIn] = Field(default_factory=list, max_length=MAX_PEOPLE)


class StrategyActionDoneIn(LateIn):
    note: Text = Field(description="What was done")


# --- Reading ------------------------------------------------------------------------------------------

SHARE_DETAIL = Share.objects.select_related(
    "organisation",
    "unit",
    "owner",
    "sent_by",
    "acknowledged_by",
    "revoked_by",
    "reviewed_by",
    "disclosure__disclosed_by__unit",
).prefetch_related(Prefetch("responses", queryset=PartnerResponse.objects.select_related("recorded_by")))

DISCUSSION_DETAIL = StrategyDiscussion.objects.select_related("unit", "recorded_by").prefetch_related(
    Prefetch("attendees", queryset=StrategyAttendee.objects.order_by("pk")),
    Prefetch("actions", queryset=StrategyAction.objects.select_related("owner", "done_by")),
)


def _name(user: User | None) -> str | None:
    return user.display_name if user is not None else None


def _sees_as_police(user: User) -> bool:
    return user.has_role(*POLICE_ROLES)


def _share(
    request: HttpRequest, share_id: int, action: policy.Action = policy.Action.VIEW, *, reason: str = ""
) -> Share:
    return get_or_404(
        request, Share, share_id, action=action, queryset=with_acknowledgement_due(SHARE_DETAIL), reason=reason
    )


def _reloaded(share: Share) -> Share:
    return with_acknowledgement_due(SHARE_DETAIL).get(pk=share.pk)


def _item(share: Share, *, locked: bool = False) -> ShareItem:
    return ShareItem(
        id=share.pk,
        reference=share.reference,
        kind=ShareKind(share.kind),
        status=ShareStatus(share.status),
        organisation=share.organisation.name if share.organisation else None,
        sent_at=share.sent_at,
        acknowledged_at=share.acknowledged_at,
        answered_at=share.answered_at,
        acknowledgement_due_at=getattr(share, "acknowledge_by", None),
        restricted=locked,
    )


def _responses(share: Share) -> list[PartnerResponseOut]:
    return [
        PartnerResponseOut(
            id=r.pk,
            kind=ResponseKind(r.kind),
            detail=r.detail,
            occurred_at=r.occurred_at,
            recorded_at=r.recorded_at,
            recorded_by=r.recorded_by.display_name,
        )
        for r in share.responses.all()
    ]


def _content(content: list[dict[str, str]]) -> list[SharedField]:
    return [SharedField(field=c.get("field", ""), label=c["label"], value=c["value"]) for c in content]


def _partner_out(share: Share) -> PartnerShareOut:
    """Only what the portal shows: the disclosure's snapshot, who sent it and when, and the responses."""
    disclosure = share.disclosure
    sender = disclosure.disclosed_by
    return PartnerShareOut(
        id=share.pk,
        reference=share.reference,
        kind=ShareKind(share.kind),
        status=partner_status(share)[0].lower(),  # type: ignore[arg-type]
        sent_at=disclosure.disclosed_at,
        sent_by=sender.display_name,
        sent_by_unit=sender.unit.name if sender.unit else None,
        lawful_basis=LawfulBasis(disclosure.lawful_basis),
        lawful_basis_detail=disclosure.lawful_basis_detail,
        content=_content(disclosure.content),
        acknowledged_at=share.acknowledged_at,
        acknowledgement_due_at=getattr(share, "acknowledge_by", None),
        responses=_responses(share),
        response_kinds=[
            ResponseKindOut(code=ResponseKind(c), label=label) for c, label in services.response_kinds(share)
        ],
    )


def _timeline(share: Share) -> list[ShareStepOut]:
    steps: list[tuple[str, datetime | None, User | None, str]] = [
        ("not_shared" if share.status == ShareStatus.NOT_SHARED else "drafted", share.created_at, share.owner, ""),
        ("sent", share.sent_at, share.sent_by, ""),
        ("delivered", share.delivered_at, None, ""),
        ("read", share.first_read_at, None, ""),
        ("acknowledged", share.acknowledged_at, share.acknowledged_by, ""),
        ("answered", share.answered_at, None, ""),
        ("escalated", share.escalated_at, None, "The partner's escalation contact was told"),
        ("revoked", share.revoked_at, share.revoked_by, share.revoke_reason),
        (
            "reviewed",
            share.reviewed_at,
            share.reviewed_by,
            "" if share.review_agreed is None else ("Agreed" if share.review_agreed else "Disagreed"),
        ),
    ]
    happened = sorted((s for s in steps if s[1] is not None), key=lambda s: s[1])  # type: ignore[arg-type,return-value]
    return [ShareStepOut(step=step, at=at, by=_name(by), detail=detail) for step, at, by, detail in happened]  # type: ignore[arg-type]


def _disclosure_out(share: Share) -> DisclosureOut | None:
    disclosure = getattr(share, "disclosure", None)
    if disclosure is None:
        return None
    sender = disclosure.disclosed_by
    return DisclosureOut(
        disclosed_by=sender.display_name,
        disclosed_by_unit=sender.unit.name if sender.unit else None,
        disclosed_at=disclosure.disclosed_at,
        organisation=share.organisation.name if share.organisation else "",
        lawful_basis=LawfulBasis(disclosure.lawful_basis),
        lawful_basis_detail=disclosure.lawful_basis_detail,
        content=_content(disclosure.content),
        content_sha256=disclosure.content_sha256,
        due_at=disclosure.due_at,
        on_time=disclosure.on_time,
    )


def _draft(share: Share) -> list[DraftFieldOut]:
    template = spec(share.kind)
    rows = []
    for entry in share.content:
        field = template.field(entry["field"])
        if field is None:
            continue
        rows.append(
            DraftFieldOut(
                field=field.code,
                label=field.label,
                value=entry["value"],
                included=bool(field.required or entry.get("included")),
                editable=field.editable,
                required=field.required,
                choices=[code for code, _ in field.choices],
            )
        )
    return rows


def _police_out(share: Share) -> ShareOut:
    return ShareOut(
        **_item(share).model_dump(),
        concern_id=share.concern_id,
        child_id=share.child_id,
        organisation_id=share.organisation_id,
        live=share.is_live,
        unit=share.unit.name,
        owner=_name(share.owner),
        lawful_basis=LawfulBasis(share.lawful_basis) if share.lawful_basis else None,
        lawful_basis_detail=share.lawful_basis_detail,
        draft=_draft(share),
        not_shared_reason=share.not_shared_reason,
        revoke_reason=share.revoke_reason,
        review_agreed=share.review_agreed,
        review_note=share.review_note,
        timeline=_timeline(share),
        disclosure=_disclosure_out(share),
        responses=_responses(share),
    )


def _concern(request: HttpRequest, concern_id: int) -> Concern:
    """The concern named in the body, which the caller must be able to see (the service checks the rest)."""
    try:
        return get_or_404(request, Concern, concern_id)
    except Http404:
        raise ValidationError({"concern_id": "No concern with this id that you can see: check the reference"}) from None


def _child(request: HttpRequest, child_id: int | None) -> Person | None:
    if child_id is None:
        return None
    try:
        return get_or_404(request, Person, child_id)
    except Http404:
        raise ValidationError({"child_id": "No person with this id: choose a child in the concern"}) from None


def _organisation(organisation_id: int | None, field: str = "organisation_id") -> Organisation | None:
    """An organisation named in the body. Organisations are reference data, not personal data."""
    if organisation_id is None:
        return None
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise ValidationError({field: "No organisation with this id"})
    return organisation


RENAMED = {"organisation": "organisation_id", "child": "child_id", "concern": "concern_id", "share": "share_id"}


# --- Shares -------------------------------------------------------------------------------------------


@router.get("/shares", response=list[ShareItem], summary="Shares I can see")
def list_shares(request: HttpRequest, filters: Query[ShareFilters]) -> list[ShareItem]:
    """The police: the shares in their scope, newest first. A partner: the live shares to their
    organisation, newest sent first. Filter by ``status`` and ``kind``; page with ``limit`` and
    ``offset``. One access-log entry names every share returned."""
    user = caller(request)
    if _sees_as_police(user):
        rows = with_acknowledgement_due(policy.visible_to(user, Share.objects.select_related("organisation"))).order_by(
            "-created_at", "-pk"
        )
    else:
        rows = shared_with(user)
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    if filters.kind is not None:
        rows = rows.filter(kind=filters.kind)
    shown = shown_rows(request, list(rows[filters.offset : filters.offset + filters.limit]))
    return [_item(s, locked=s.is_locked_for_viewer) for s in shown]  # type: ignore[attr-defined]


@router.post("/shares", response={201: ShareOut}, summary="Draft a share from a concern")
def draft_share(request: HttpRequest, payload: ShareDraftIn) -> Status[ShareOut]:
    """The kind's template filled from the concern, for the sender to redact (``PATCH``) and send.
    The hub drafts any kind; officers, investigators and supervisors draft Operation Encompass notices."""
    user = may_record(request, Share)
    concern = _concern(request, payload.concern_id)
    organisation = _organisation(payload.organisation_id)
    child = _child(request, payload.child_id)
    with errors_at("", renamed=RENAMED):
        share = services.draft_share(
            concern=concern, kind=str(payload.kind), organisation=organisation, child=child, by=user
        )
    return Status(201, _police_out(_reloaded(share)))


@router.post("/shares/not-shared", response={201: ShareOut}, summary="Record a decision not to share")
def not_shared(request: HttpRequest, payload: NotSharedIn) -> Status[ShareOut]:
    """With its reason, for the supervisor of the team that decided to review. A decision about a
    notice owed by a deadline stops its clock; after the deadline it needs ``breach_reason``."""
    user = may_record(request, Share)
    concern = _concern(request, payload.concern_id)
    organisation = _organisation(payload.organisation_id)
    child = _child(request, payload.child_id)
    with errors_at("", renamed=RENAMED):
        share = services.record_not_shared(
            concern=concern,
            kind=str(payload.kind),
            reason=payload.reason,
            organisation=organisation,
            child=child,
            by=user,
            late=Late(payload.breach_reason, payload.breach_detail),
        )
    return Status(201, _police_out(_reloaded(share)))


@router.get("/shares/{share_id}", response=ShareOut | PartnerShareOut, summary="A share")
def get_share(request: HttpRequest, share_id: int) -> ShareOut | PartnerShareOut:
    """The police: the draft, the ledger entry, every step and the responses. A partner: exactly what
    the portal shows (the disclosure as sent, its sender and lawful basis, and the responses); reading
    it is their first read."""
    user = caller(request)
    if _sees_as_police(user):
        return _police_out(_share(request, share_id))
    share = _share(request, share_id, reason=PARTNER_READ)
    services.record_read(share=share, by=user)
    return _partner_out(share)


@router.patch("/shares/{share_id}", response=ShareOut, summary="Redact a draft")
def update_draft(request: HttpRequest, share_id: int, payload: ShareChangeIn) -> ShareOut:
    """Untick what the partner need not see (``included``), edit what may be edited (``values``), and set
    the lawful basis. Fields outside the kind's template, and fixed ones, cannot be changed."""
    share = _share(request, share_id, policy.Action.CHANGE)
    template = spec(share.kind)
    problems: dict[str, str] = {}
    for n, code in enumerate(payload.included or []):
        if template.field(code) is None:
            problems[f"included.{n}"] = f"This kind of share has no field '{code}'"
    for code in payload.values or {}:
        field = template.field(code)
        if field is None:
            problems[f"values.{code}"] = f"This kind of share has no field '{code}'"
        elif not field.editable:
            problems[f"values.{code}"] = f"'{field.label}' is taken from the record and cannot be edited"
    if problems:
        raise ValidationError(problems)
    included = (
        payload.included
        if payload.included is not None
        else [entry["field"] for entry in share.content if entry.get("included")]
    )
    with errors_at("", renamed={f.code: f"values.{f.code}" for f in template.fields}):
        services.update_draft(
            share=share,
            included=included,
            values=payload.values or {},
            lawful_basis=str(payload.lawful_basis) if payload.lawful_basis is not None else share.lawful_basis,
            lawful_basis_detail=(
                payload.lawful_basis_detail if payload.lawful_basis_detail is not None else share.lawful_basis_detail
            ),
            by=caller(request),
        )
    return _police_out(_reloaded(share))


@router.post("/shares/{share_id}/send", response=ShareOut, summary="Send a share")
def send_share(request: HttpRequest, share_id: int, payload: LateIn | None = None) -> ShareOut:
    """Disclose: the ledger entry, the partner's access, their clocks and the content-free alerts, at
    once. Sending after the share was due needs ``breach_reason`` and ``breach_detail``."""
    share = _share(request, share_id, policy.Action.CHANGE)
    late = Late(payload.breach_reason, payload.breach_detail) if payload else ON_TIME
    services.send_share(share=share, by=caller(request), late=late)
    return _police_out(_reloaded(share))


@router.post("/shares/{share_id}/revoke", response=ShareOut, summary="Revoke a share")
def revoke_share(request: HttpRequest, share_id: int, payload: RevokeIn) -> ShareOut:
    """The partner's access ends with this call: their next request for it is refused."""
    share = _share(request, share_id, policy.Action.CHANGE)
    services.revoke_share(share=share, reason=payload.reason, by=caller(request))
    return _police_out(_reloaded(share))


@router.post("/shares/{share_id}/acknowledge", response=PartnerShareOut, summary="Acknowledge a share")
def acknowledge_share(request: HttpRequest, share_id: int) -> PartnerShareOut:
    """The partner it was shared with confirms they received it."""
    user = caller(request)
    share = _share(request, share_id)
    services.acknowledge_share(share=share, by=user)
    return _partner_out(_reloaded(share))


@router.get("/shares/{share_id}/responses", response=list[PartnerResponseOut], summary="What the partner did")
def list_responses(request: HttpRequest, share_id: int) -> list[PartnerResponseOut]:
    return _responses(_share(request, share_id))


@router.post("/shares/{share_id}/responses", response={201: PartnerResponseOut}, summary="Record what the partner did")
def record_response(request: HttpRequest, share_id: int, payload: PartnerResponseIn) -> Status[PartnerResponseOut]:
    """The partner, or the hub on the partner's behalf. Recording a response also acknowledges the share."""
    user = caller(request)
    if not user.has_role(RoleCode.PARTNER, RoleCode.HUB):
        raise PermissionDenied
    share = _share(request, share_id)
    response = services.record_response(
        share=share, kind=str(payload.kind), detail=payload.detail, occurred_at=payload.occurred_at, by=user
    )
    fresh = PartnerResponse.objects.select_related("recorded_by").get(pk=response.pk)
    return Status(
        201,
        PartnerResponseOut(
            id=fresh.pk,
            kind=ResponseKind(fresh.kind),
            detail=fresh.detail,
            occurred_at=fresh.occurred_at,
            recorded_at=fresh.recorded_at,
            recorded_by=fresh.recorded_by.display_name,
        ),
    )


# --- Strategy discussions -----------------------------------------------------------------------------


def _discussion_item(discussion: StrategyDiscussion, *, locked: bool = False) -> StrategyDiscussionItem:
    return StrategyDiscussionItem(
        id=discussion.pk,
        reference=discussion.reference,
        restricted=locked,
        concern_id=discussion.concern_id,
        share_id=discussion.share_id,
        decided_at=discussion.decided_at,
        held_at=discussion.held_at,
        decision=StrategyDecision(discussion.decision) if discussion.decision and not locked else None,
        conference_held_at=discussion.conference_held_at,
        unit=discussion.unit.name,
    )


def _action_out(action: StrategyAction) -> StrategyActionOut:
    return StrategyActionOut(
        id=action.pk,
        discussion_id=action.discussion_id,
        description=action.description,
        agency=OrganisationKind(action.agency),
        owner_id=action.owner_id,
        owner=_name(action.owner),
        due_on=action.due_on,
        done_at=action.done_at,
        done_by=_name(action.done_by),
        done_note=action.done_note,
    )


def _discussion_out(discussion: StrategyDiscussion) -> StrategyDiscussionOut:
    return StrategyDiscussionOut(
        **_discussion_item(discussion).model_dump(),
        reason=discussion.reason,
        information_shared=discussion.information_shared,
        rationale=discussion.rationale,
        recorded_at=discussion.recorded_at,
        recorded_by=_name(discussion.recorded_by),
        attendees=[
            StrategyAttendeeOut(
                agency=OrganisationKind(a.agency), organisation_id=a.organisation_id, name=a.name, role=a.role
            )
            for a in discussion.attendees.all()
        ],
        actions=[_action_out(a) for a in discussion.actions.all()],
    )


def _discussion(
    request: HttpRequest, discussion_id: int, action: policy.Action = policy.Action.VIEW
) -> StrategyDiscussion:
    return get_or_404(request, StrategyDiscussion, discussion_id, action=action, queryset=DISCUSSION_DETAIL)


@router.get("/strategy-discussions", response=list[StrategyDiscussionItem], summary="Strategy discussions I can see")
def list_discussions(request: HttpRequest, filters: Query[DiscussionFilters]) -> list[StrategyDiscussionItem]:
    """Most recently decided first; filter by ``held``; page with ``limit`` and ``offset``. One
    access-log entry names every discussion returned."""
    rows: QuerySet[StrategyDiscussion] = policy.visible_to(
        caller(request), StrategyDiscussion.objects.select_related("unit")
    )
    if filters.held is not None:
        rows = rows.filter(held_at__isnull=not filters.held)
    rows = rows.order_by("-decided_at", "-pk")
    shown = shown_rows(request, list(rows[filters.offset : filters.offset + filters.limit]))
    return [_discussion_item(d, locked=d.is_locked_for_viewer) for d in shown]  # type: ignore[attr-defined]


@router.post("/strategy-discussions", response={201: StrategyDiscussionOut}, summary="Arrange a strategy discussion")
def plan_discussion(request: HttpRequest, payload: StrategyPlanIn) -> Status[StrategyDiscussionOut]:
    """The hub records the decision to hold one: its clock starts (WT23: within 1 working day by default)."""
    user = may_record(request, StrategyDiscussion)
    concern = _concern(request, payload.concern_id)
    share = None
    if payload.share_id is not None:
        try:
            share = get_or_404(request, Share, payload.share_id)
        except Http404:
            raise ValidationError({"share_id": "No share with this id that you can see"}) from None
    with errors_at("", renamed=RENAMED):
        discussion = services.plan_strategy_discussion(
            concern=concern, reason=payload.reason, share=share, decided_at=payload.decided_at, by=user
        )
    return Status(201, _discussion_out(DISCUSSION_DETAIL.get(pk=discussion.pk)))


@router.get("/strategy-discussions/{discussion_id}", response=StrategyDiscussionOut, summary="A strategy discussion")
def get_discussion(request: HttpRequest, discussion_id: int) -> StrategyDiscussionOut:
    return _discussion_out(_discussion(request, discussion_id))


@router.post(
    "/strategy-discussions/{discussion_id}/record",
    response=StrategyDiscussionOut,
    summary="Record a strategy discussion that was held",
)
def record_discussion(request: HttpRequest, discussion_id: int, payload: StrategyRecordIn) -> StrategyDiscussionOut:
    """Who took part by agency, what was shared, the decision (section 47 or not) with its rationale, and
    the actions agreed, each with its clock. A section 47 decision starts the conference clock."""
    discussion = _discussion(request, discussion_id, policy.Action.CHANGE)
    known = set(
        Organisation.objects.filter(
            pk__in=[a.organisation_id for a in payload.attendees if a.organisation_id is not None]
        ).values_list("pk", flat=True)
    )
    for n, attendee in enumerate(payload.attendees):
        if attendee.organisation_id is not None and attendee.organisation_id not in known:
            raise ValidationError({f"attendees.{n}.organisation_id": "No organisation with this id"})
    renamed = {f"actions.{n}.owner": f"actions.{n}.owner_id" for n in range(len(payload.actions))}
    with errors_at("", renamed=renamed):
        services.record_strategy_discussion(
            discussion=discussion,
            held_at=payload.held_at,
            attendees=[
                services.Attendee(agency=str(a.agency), name=a.name, role=a.role, organisation_id=a.organisation_id)
                for a in payload.attendees
            ],
            information_shared=payload.information_shared,
            decision=str(payload.decision),
            rationale=payload.rationale,
            actions=[
                services.AgreedAction(
                    description=a.description, agency=str(a.agency), due_on=a.due_on, owner_id=a.owner_id
                )
                for a in payload.actions
            ],
            by=caller(request),
            late=Late(payload.breach_reason, payload.breach_detail),
        )
    return _discussion_out(DISCUSSION_DETAIL.get(pk=discussion.pk))


def _strategy_action(request: HttpRequest, action_id: int) -> StrategyAction:
    """An action's owner may complete it even when the discussion is outside their scope (the hub's);
    anyone else reaches it through its discussion. Either way one consultation of the discussion."""
    user = caller(request)
    action = (
        StrategyAction.objects.select_related("discussion__concern", "owner", "done_by")
        .filter(pk=action_id)
        .filter(Q(owner=user) | Q(discussion__in=policy.visible_to(user, StrategyDiscussion.objects.all())))
        .first()
    )
    if action is None:
        audit_consult(
            request,
            "sharing.strategyaction",
            [str(action_id)[:64]],
            outcome=Outcome.DENIED,
            reason="not found or out of scope",
        )
        raise Http404
    if action.owner_id != user.pk:
        get_or_404(request, StrategyDiscussion, action.discussion_id)
    else:
        audit_consult(request, services.DISCUSSION, [str(action.discussion_id)], reason="owner of a strategy action")
    return action


@router.post("/strategy-actions/{action_id}/complete", response=StrategyActionOut, summary="Record an action as done")
def complete_action(request: HttpRequest, action_id: int, payload: StrategyActionDoneIn) -> StrategyActionOut:
    """The action's owner, or the hub. A police action done after its due date needs ``breach_reason``."""
    action = _strategy_action(request, action_id)
    services.complete_strategy_action(
        action=action,
        note=payload.note,
        by=caller(request),
        late=Late(payload.breach_reason, payload.breach_detail),
    )
    return _action_out(StrategyAction.objects.select_related("owner", "done_by").get(pk=action.pk))
