"""Reading clocks: a person's work, their team's, a record's, and the school calendar to count in.
Every list starts from the access policy's scoped queryset."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from safeguard import parameters
from safeguard.accounts import policy
from safeguard.accounts.models import RoleCode, User

from .calendars import SchoolCalendar
from .models import Clock, Stage, TermCalendar

WORK_ROLES = policy.RECORDERS  # who owes work: officers, investigators, supervisors, hub
TEAM_ROLES = frozenset({RoleCode.SUPERVISOR, RoleCode.HUB, RoleCode.LEADER})


def my_work(user: User) -> QuerySet[Clock]:
    """Open clocks this person owes, soonest due first."""
    return policy.visible_to(user, Clock.objects.filter(owner=user, stopped_at__isnull=True)).order_by("due_at", "pk")


@dataclass(frozen=True)
class Owed:
    total: int
    overdue: int
    due_soon: int
    unassigned: int


def summary(clocks: QuerySet[Clock], now: datetime | None = None) -> Owed:
    """How many open clocks, and how many of them late, due soon or owned by nobody: one query."""
    now = now or timezone.now()
    counts = clocks.order_by().aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=Q(due_at__lte=now)),
        due_soon=Count("pk", filter=Q(due_soon_at__lte=now, due_at__gt=now)),
        unassigned=Count("pk", filter=Q(owner__isnull=True)),
    )
    return Owed(counts["total"], counts["overdue"], counts["due_soon"], counts["unassigned"])


def owed_summary(user: User, now: datetime | None = None) -> Owed:
    """How much this person owes and how much of it is late (for the home page)."""
    return summary(my_work(user), now)


def my_team(user: User) -> QuerySet[Clock]:
    """Open clocks of the people this user oversees, owned or not: a supervisor's units (and their own);
    the hub's shared work and its own unit; a leader's whole force."""
    roles = user.role_codes()
    open_clocks = Clock.objects.filter(stopped_at__isnull=True)
    if RoleCode.LEADER in roles:
        scope = Q()
    else:
        scope = Q(pk__in=[])
        if RoleCode.SUPERVISOR in roles:
            scope |= Q(unit__supervisor=user)
        if RoleCode.HUB in roles:
            scope |= Q(hub_work=True)
        if user.unit_id:
            scope |= Q(unit_id=user.unit_id)
    return policy.visible_to(user, open_clocks.filter(scope)).order_by("due_at", "pk")


def filtered(
    clocks: QuerySet[Clock], *, now: datetime, person: str = "", rule: str = "", status: str = ""
) -> QuerySet[Clock]:
    if person == "unassigned":
        clocks = clocks.filter(owner__isnull=True)
    elif person.isdigit():
        clocks = clocks.filter(owner_id=int(person))
    if rule:
        clocks = clocks.filter(rule_code=rule)
    if status == "overdue":
        clocks = clocks.filter(due_at__lte=now)
    elif status == "due_soon":
        clocks = clocks.filter(due_soon_at__lte=now, due_at__gt=now)
    elif status == "on_time":
        clocks = clocks.filter(due_soon_at__gt=now)
    return clocks


def clocks_for(user: User, records: Iterable[tuple[str, int]]) -> list[Clock]:
    """Every clock (running or stopped) on these records, as the record's page shows them."""
    wanted = Q(pk__in=[])
    by_type: dict[str, list[int]] = {}
    for record_type, pk in records:
        by_type.setdefault(record_type, []).append(pk)
    for record_type, ids in by_type.items():
        wanted |= Q(record_type=record_type, record_id__in=ids)
    rows = policy.visible_to(user, Clock.objects.filter(wanted)).select_related("stopped_by")
    return list(rows.order_by("-started_at", "-pk"))


@dataclass(frozen=True)
class Status:
    code: str  # on_time, due_soon, overdue, escalated, met, breached
    label: str
    colour: str  # the GOV.UK tag modifier
    overdue_by: str = ""


def status_of(clock: Clock, now: datetime) -> Status:
    """How a clock stands, read live (the stored stage can lag the sweep by a minute)."""
    if clock.stopped_at is not None:
        if clock.outcome == "breached":
            return Status("breached", "Done late", "red", duration(clock.stopped_at - clock.due_at))
        return Status("met", "Done on time", "green")
    stage = clock.stage_at(now)
    if stage >= Stage.OVERDUE:
        label = "Overdue, escalated" if stage == Stage.ESCALATED else "Overdue"
        return Status(
            "escalated" if stage == Stage.ESCALATED else "overdue", label, "red", duration(now - clock.due_at)
        )
    if stage == Stage.DUE_SOON:
        return Status("due_soon", "Due soon", "yellow")
    return Status("on_time", "On time", "turquoise")


def with_status(clocks: list[Clock], now: datetime | None = None) -> list[Clock]:
    now = now or timezone.now()
    for clock in clocks:
        clock.status = status_of(clock, now)  # type: ignore[attr-defined]
    return clocks


def duration(delta: timedelta) -> str:
    """'2 days 3 h', '5 h 20 min', '12 min': how long something is overdue, in words."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} h")
    if mins and not days:
        parts.append(f"{mins} min")
    return " ".join(parts) or "under a minute"


def school_calendar(local_authority: str | None = None) -> SchoolCalendar:
    """The terms of ``local_authority`` (none entered: every working day is a school day) and the local
    school-day start time."""
    minutes = parameters.value("timescales.school_day_start")
    starts = time(minutes // 60, minutes % 60)
    calendar = TermCalendar.objects.filter(local_authority=local_authority).first() if local_authority else None
    terms = calendar.terms.values_list("first_day", "last_day") if calendar else []
    return SchoolCalendar.of(list(terms), starts)
