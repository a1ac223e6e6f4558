"""Reading investigations: an officer's cases, a supervisor's team at a glance (per officer: reviews
due, overdue actions, drift), and the children's latest voices. Every read starts from the access
policy's scoped queryset; counts are aggregate queries, never one query per row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from safeguard import parameters
from safeguard.accounts import policy
from safeguard.accounts.models import RoleCode, User
from safeguard.concerns.models import Concern, ConcernStatus
from safeguard.timescales.models import Clock
from safeguard.timescales.rules import Rule
from safeguard.timescales.selectors import clocks_for, with_status
from safeguard.voice.models import VoiceRecord

from . import services
from .models import (
    OPEN_STATUSES,
    Action,
    ActionStatus,
    Allocation,
    ClosureProposal,
    Investigation,
    InvestigationConcern,
    InvestigationStatus,
)
from .timescales import REVIEW

REVIEW_SOON = timedelta(days=2)  # "reviews due": overdue, or due within the next two days
RECENTLY_CLOSED = 20


def may_open_from(user: User, concern: Concern) -> bool:
    """A supervisor or the hub who may change a submitted or endorsed concern that no open
    investigation is already investigating."""
    return (
        user.has_role(RoleCode.SUPERVISOR, RoleCode.HUB)
        and concern.status in (ConcernStatus.SUBMITTED, ConcernStatus.ENDORSED)
        and not InvestigationConcern.objects.filter(concern=concern, investigation__status__in=OPEN_STATUSES).exists()
        and policy.can(user, policy.Action.CHANGE, concern)
    )


# --- An officer's own -------------------------------------------------------------------------


def _with_action_counts(investigations: QuerySet[Investigation], now: datetime) -> QuerySet[Investigation]:
    return investigations.select_related("unit").annotate(
        open_actions=Count("actions", filter=Q(actions__status=ActionStatus.OPEN)),
        overdue_actions=Count("actions", filter=Q(actions__status=ActionStatus.OPEN, actions__due_at__lt=now)),
    )


def my_open(user: User, now: datetime) -> QuerySet[Investigation]:
    """The user's open investigations as officer in the case, the next review soonest first."""
    mine = policy.visible_to(user, Investigation.objects.filter(owner=user, status__in=OPEN_STATUSES))
    return _with_action_counts(mine, now).order_by("next_review_on", "pk")


def my_recently_closed(user: User, now: datetime) -> QuerySet[Investigation]:
    closed = policy.visible_to(user, Investigation.objects.filter(owner=user, status=InvestigationStatus.CLOSED))
    return _with_action_counts(closed, now).order_by("-closed_at", "-pk")


def my_actions_elsewhere(user: User) -> QuerySet[Action]:
    """Open actions the user must do in investigations someone else leads (a direction, a task)."""
    actions = Action.objects.filter(owner=user, status=ActionStatus.OPEN, investigation__status__in=OPEN_STATUSES)
    return (
        policy.visible_to(user, actions.exclude(investigation__owner=user))
        .select_related("investigation")
        .order_by("due_at", "pk")
    )


# --- A supervisor's team -------------------------------------------------------------------------


def team_investigations(user: User) -> QuerySet[Investigation]:
    """The open investigations a supervisor oversees (their units') or, for the hub, the force's: the
    policy's change scope is exactly that."""
    return policy.changeable_by(user, Investigation.objects.filter(status__in=OPEN_STATUSES))


def _review_clocks(now: datetime) -> QuerySet[Clock]:
    return Clock.objects.filter(
        rule_code=REVIEW.code,
        record_type=services.INVESTIGATION,
        stopped_at__isnull=True,
        due_at__lte=now + REVIEW_SOON,
    )


def drift_since(now: datetime) -> datetime:
    """DOMAIN.md, "Drift": no recorded activity for this long (a local parameter)."""
    return now - timedelta(days=parameters.value("investigations.drift_days"))


@dataclass(frozen=True)
class OfficerLoad:
    officer: User | None  # None: declined, waiting to be allocated again
    open: int = 0
    reviews_due: int = 0
    overdue_actions: int = 0
    drifting: int = 0


def per_officer(user: User, now: datetime) -> list[OfficerLoad]:
    """For each officer in the team: open investigations they lead, how many of those have a review
    due within two days or overdue, how many are drifting, and how many actions they owe are overdue.
    Three queries, however many officers and cases."""
    due_ids = _review_clocks(now).values("record_id")
    cases = {
        row["owner"]: row
        for row in team_investigations(user)
        .order_by()
        .values("owner")
        .annotate(
            open=Count("pk"),
            reviews_due=Count("pk", filter=Q(pk__in=Subquery(due_ids))),
            drifting=Count("pk", filter=Q(last_activity_at__lt=drift_since(now))),
        )
    }
    overdue = policy.changeable_by(
        user,
        Action.objects.filter(status=ActionStatus.OPEN, due_at__lt=now, investigation__status__in=OPEN_STATUSES),
    )
    late = {row["owner"]: row["n"] for row in overdue.order_by().values("owner").annotate(n=Count("pk"))}
    people = {u.pk: u for u in User.objects.filter(pk__in=[pk for pk in {*cases, *late} if pk is not None])}
    empty = {"open": 0, "reviews_due": 0, "drifting": 0}
    rows = [
        OfficerLoad(
            officer=people.get(pk) if pk is not None else None,
            open=cases.get(pk, empty)["open"],
            reviews_due=cases.get(pk, empty)["reviews_due"],
            drifting=cases.get(pk, empty)["drifting"],
            overdue_actions=late.get(pk, 0),
        )
        for pk in {*cases, *late}
    ]
    return sorted(rows, key=lambda r: (r.officer is None, r.officer.display_name.lower() if r.officer else ""))


def reviews_due(user: User, now: datetime) -> QuerySet[Investigation]:
    """Open investigations whose supervisory review is overdue or due within two days, soonest first."""
    due = _review_clocks(now).filter(record_id=OuterRef("pk")).values("due_at")[:1]
    return (
        team_investigations(user)
        .annotate(review_due_at=Subquery(due))
        .filter(review_due_at__isnull=False)
        .select_related("owner", "unit")
        .order_by("review_due_at", "pk")
    )


def drifting(user: User, now: datetime) -> QuerySet[Investigation]:
    """Open investigations with nothing recorded for the drift period, longest silent first."""
    return (
        team_investigations(user)
        .filter(last_activity_at__lt=drift_since(now))
        .select_related("owner", "unit")
        .order_by("last_activity_at", "pk")
    )


def awaiting_acceptance(user: User) -> QuerySet[Investigation]:
    """Allocated and not yet accepted, or declined and waiting to be allocated again."""
    latest = Allocation.objects.filter(investigation=OuterRef("pk")).order_by("-allocated_at", "-pk")
    return (
        team_investigations(user)
        .filter(status__in=[InvestigationStatus.ALLOCATED, InvestigationStatus.UNALLOCATED])
        .annotate(
            allocated_at=Subquery(latest.values("allocated_at")[:1]),
            declined_at=Subquery(latest.values("declined_at")[:1]),
        )
        .select_related("owner", "unit")
        .order_by("allocated_at", "pk")
    )


def awaiting_sign_off(user: User) -> QuerySet[Investigation]:
    """Closures put forward by the officer and waiting for the supervisor, oldest first."""
    pending = ClosureProposal.objects.filter(investigation=OuterRef("pk"), decision="").order_by("-proposed_at")
    return (
        team_investigations(user)
        .filter(status=InvestigationStatus.CLOSURE_PROPOSED)
        .annotate(proposed_at=Subquery(pending.values("proposed_at")[:1]))
        .select_related("owner", "unit")
        .order_by("proposed_at", "pk")
    )


# --- The children's voices -------------------------------------------------------------------------


def latest_voices(user: User, investigation: Investigation) -> dict[int, VoiceRecord]:
    """Each child's latest current voice record that ``user`` may see, from this investigation or
    any concern it investigates, by person id."""
    children = investigation.people.filter(is_child=True).values("person_id")
    concerns = investigation.concern_links.values("concern_id")
    rows = (
        policy.visible_to(user, VoiceRecord.objects.filter(is_current=True, person_id__in=children))
        .filter(Q(investigation=investigation) | Q(concern_id__in=concerns))
        .select_related("concern")
        .prefetch_related("observations")
        .order_by("recorded_at", "pk")
    )
    return {voice.person_id: voice for voice in rows}


def running_clock(user: User, record: Investigation | Action, rule: Rule) -> Clock | None:
    """The open clock of ``rule`` on ``record``, with its live status, for the page where the work is
    done to say when it is due (and that lateness will need a reason)."""
    record_type = services.ACTION_TYPE if isinstance(record, Action) else services.INVESTIGATION
    clocks = with_status(clocks_for(user, [(record_type, record.pk)]))
    return next((c for c in clocks if c.rule_code == rule.code and c.stopped_at is None), None)
