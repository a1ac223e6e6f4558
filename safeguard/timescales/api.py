"""API endpoints for clocks: a record's clocks, my work, my team. The same policy and selectors as the
pages; every clock listed is written to the access log as a consultation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from safeguard.accounts import policy
from safeguard.audit.models import Outcome
from safeguard.people.api import Text, caller
from safeguard.web.access import audit_consult, get_or_404, shown_rows

from . import selectors
from .models import BreachReason, Clock
from .rules import RULES

router = Router(tags=["timescales"])


def _breach_reason(value: str) -> str:
    # One plain check rather than ``BreachReason | Literal[""]``: a union names its errors after its
    # branches ("breach_reason.str-enum[BreachReason]"), not after the field the client sent.
    if value and value not in BreachReason.values:
        raise PydanticCustomError("breach_reason", "Choose one of: {codes}", {"codes": ", ".join(BreachReason.values)})
    return value


BreachReasonCode = Annotated[
    str, Field(max_length=20, json_schema_extra={"enum": ["", *BreachReason.values]}), AfterValidator(_breach_reason)
]


class LateIn(Schema):
    """Given when the work is done after its due time: a coded reason and an explanation."""

    breach_reason: BreachReasonCode = Field("", description="Required when the work is late")
    breach_detail: Text = Field("", description="Required when the work is late: what happened")


class ClockOut(Schema):
    id: int
    rule: str
    title: str
    terms: str
    record_type: str
    record_id: int
    label: str
    link: str
    owner_id: int | None
    owner: str | None
    unit: str
    started_at: datetime
    due_soon_at: datetime
    due_at: datetime
    escalate_at: datetime
    status: Literal["on_time", "due_soon", "overdue", "escalated", "met", "breached"]
    overdue_by: str = Field(description="For overdue or late work: by how long, in words")
    stopped_at: datetime | None
    breach_reason: str
    breach_detail: str


class TeamFilters(Schema):
    person: str = Field("", max_length=20, description="An owner's user id, or 'unassigned'")
    rule: str = Field("", max_length=60, description="A rule code, e.g. concerns.decision")
    status: Literal["", "on_time", "due_soon", "overdue"] = ""
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


def _out(request: HttpRequest, clocks: list[Clock]) -> list[ClockOut]:
    shown_rows(request, clocks)
    now = timezone.now()
    out = []
    for clock in selectors.with_status(clocks, now):
        rule = RULES.get(clock.rule_code)
        status = clock.status  # type: ignore[attr-defined]
        out.append(
            ClockOut(
                id=clock.pk,
                rule=clock.rule_code,
                title=rule.title if rule else clock.rule_code,
                terms=clock.terms,
                record_type=clock.record_type,
                record_id=clock.record_id,
                label=clock.label,
                link=clock.link,
                owner_id=clock.owner_id,
                owner=clock.owner.display_name if clock.owner else None,
                unit=str(clock.unit),
                started_at=clock.started_at,
                due_soon_at=clock.due_soon_at,
                due_at=clock.due_at,
                escalate_at=clock.escalate_at,
                status=status.code,
                overdue_by=status.overdue_by,
                stopped_at=clock.stopped_at,
                breach_reason=clock.breach_reason,
                breach_detail=clock.breach_detail,
            )
        )
    return out


@router.get("/clocks/{record_type}/{record_id}", response=list[ClockOut], summary="The clocks on a record")
def record_clocks(request: HttpRequest, record_type: str, record_id: int) -> list[ClockOut]:
    """Every clock, running or stopped, on a record you may see, e.g. ``concerns.concern``/``123``."""
    try:
        model = apps.get_model(record_type)
        policy.scope_of(model)
    except (LookupError, ValueError, TypeError) as exc:
        # Not a record type at all (a user, a unit, nonsense): denied like any record out of scope.
        audit_consult(request, record_type[:100], [str(record_id)], outcome=Outcome.DENIED, reason="not a record type")
        raise Http404 from exc
    record = get_or_404(request, model, record_id)
    clocks = selectors.clocks_for(caller(request), [(model._meta.label_lower, record.pk)])  # as start_clock keys them
    return _out(request, clocks)


@router.get("/work", response=list[ClockOut], summary="My work: what I owe, soonest first")
def my_work(request: HttpRequest) -> list[ClockOut]:
    user = caller(request)
    if not user.has_role(*selectors.WORK_ROLES):
        raise PermissionDenied
    return _out(request, list(selectors.my_work(user).select_related("owner", "unit")[:500]))


@router.get("/work/team", response=list[ClockOut], summary="My team's work, soonest first")
def my_team(request: HttpRequest, filters: Query[TeamFilters]) -> list[ClockOut]:
    """A supervisor's units, the hub's shared work, or (for a leader) the force; filter by owner, rule
    and status; page with ``limit`` and ``offset``."""
    user = caller(request)
    if not user.has_role(*selectors.TEAM_ROLES):
        raise PermissionDenied
    clocks = selectors.filtered(
        selectors.my_team(user),
        now=timezone.now(),
        person=filters.person,
        rule=filters.rule,
        status=filters.status,
    ).select_related("owner", "unit")
    return _out(request, list(clocks[filters.offset : filters.offset + filters.limit]))
