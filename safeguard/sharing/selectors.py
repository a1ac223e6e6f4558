"""Reading shares for the police pages: a concern's shares and the clocks it owes, the hub's board of
every share's state, and the disclosure ledger. Every read starts from the access policy's scoped
queryset; counts and "overdue" are worked out in the database, never one query per row."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import reduce
from operator import or_

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from safeguard.accounts import policy
from safeguard.accounts.models import Organisation, OrganisationKind, User
from safeguard.concerns.models import Concern
from safeguard.timescales.calendars import LONDON
from safeguard.timescales.models import Clock
from safeguard.timescales.selectors import clocks_for, with_status

from .models import OutboxMessage, OutboxState, Share, ShareStatus
from .services import SEND_CLOCKS, SHARE

CONCERN = "concerns.concern"
SEND_RULES = tuple(rule.code for rule in SEND_CLOCKS.values())
# The board's states, in the order a share moves through them (a decision not to share stands apart).
BOARD_STATES = (
    ShareStatus.DRAFT,
    ShareStatus.SENT,
    ShareStatus.DELIVERED,
    ShareStatus.READ,
    ShareStatus.ACKNOWLEDGED,
    ShareStatus.ANSWERED,
    ShareStatus.REVOKED,
    ShareStatus.NOT_SHARED,
)
DEAD_SHOWN = 50


# --- One concern -----------------------------------------------------------------------------------


def concern_shares(user: User, concern: Concern) -> QuerySet[Share]:
    """The concern's shares and decisions not to share that this person may see, oldest first."""
    shares = Share.objects.filter(concern=concern).select_related("organisation", "owner", "reviewed_by")
    return policy.visible_to(user, shares).defer("content").order_by("created_at", "pk")


def clocks_of(user: User, concern: Concern, shares: Iterable[Share]) -> list[Clock]:
    """What the concern owes its partners (the clocks to share) and what each share's partner owes,
    running or stopped, newest first, each with its status read live."""
    records = [(CONCERN, concern.pk), *[(SHARE, share.pk) for share in shares]]
    clocks = [c for c in clocks_for(user, records) if c.record_type == SHARE or c.rule_code in SEND_RULES]
    return with_status(clocks)


def running_by_share(clocks: Iterable[Clock]) -> dict[int, list[Clock]]:
    """The running clocks on each share, soonest due first."""
    running: dict[int, list[Clock]] = {}
    for clock in sorted(clocks, key=lambda c: c.due_at):
        if clock.record_type == SHARE and clock.stopped_at is None:
            running.setdefault(clock.record_id, []).append(clock)
    return running


# --- The board -------------------------------------------------------------------------------------


def _open_late(now: datetime) -> QuerySet[Clock]:
    return Clock.objects.filter(stopped_at__isnull=True, due_at__lte=now)


def overdue(now: datetime) -> Q:
    """Late at any step: a clock on the share itself past due (the partner's acknowledgement or decision,
    a supervisor's review of a decision not to share), or, for a draft, the concern's clock to send it."""
    own = Q(Exists(_open_late(now).filter(record_type=SHARE, record_id=OuterRef("pk"))))
    sending = [
        Q(kind=kind, status=ShareStatus.DRAFT)
        & Q(Exists(_open_late(now).filter(rule_code=rule.code, record_type=CONCERN, record_id=OuterRef("concern_id"))))
        for kind, rule in SEND_CLOCKS.items()
    ]
    return reduce(or_, sending, own)


def _visible(user: User, shares: QuerySet[Share]) -> QuerySet[Share]:
    """The policy's scope as a semi-join rather than DISTINCT (the policy adds DISTINCT for a model a
    partner reaches through a relation), so that counts and annotations aggregate plainly."""
    return Share.objects.filter(pk__in=policy.visible_to(user, shares).values("pk"))


def board(user: User, now: datetime) -> QuerySet[Share]:
    """Every share this person may see (the hub's: the force's; a supervisor's: their units'), newest
    first, each marked overdue or not and with the next time one of its clocks is due."""
    next_due = (
        Clock.objects.filter(record_type=SHARE, record_id=OuterRef("pk"), stopped_at__isnull=True)
        .order_by("due_at")
        .values("due_at")[:1]
    )
    return (
        _visible(user, Share.objects.all())
        .select_related("concern", "organisation")
        .defer("content", "concern__summary")
        .annotate(
            is_overdue=ExpressionWrapper(overdue(now), output_field=BooleanField()),
            next_due=Subquery(next_due),
        )
        .order_by("-created_at", "-pk")
    )


def board_counts(shares: QuerySet[Share], now: datetime) -> dict[str, int]:
    """How many shares are in each state, and how many are overdue: one query."""
    counts = shares.order_by().aggregate(
        **{state.value: Count("pk", filter=Q(status=state)) for state in BOARD_STATES},
        overdue=Count("pk", filter=overdue(now)),
    )
    return {key: value or 0 for key, value in counts.items()}


def filter_board(shares: QuerySet[Share], *, now: datetime, status: str, kind: str, late: bool) -> QuerySet[Share]:
    if status:
        shares = shares.filter(status=status)
    if kind:
        shares = shares.filter(kind=kind)
    if late:
        shares = shares.filter(overdue(now))
    return shares


def dead_alerts(user: User) -> QuerySet[OutboxMessage]:
    """Alerts the relay gave up on, about shares this person may see, newest first."""
    return (
        OutboxMessage.objects.filter(state=OutboxState.DEAD, share__in=_visible(user, Share.objects.all()))
        .select_related("organisation", "share")
        .defer("share__content")
        .order_by("-dead_at", "-pk")
    )


# --- The ledger ------------------------------------------------------------------------------------


def ledger(user: User) -> QuerySet[Share]:
    """The disclosure ledger: every share sent (with its Disclosure entry, kept after revocation) and
    every decision not to share, newest first, as far as this person may see."""
    entries = Share.objects.filter(Q(disclosure__isnull=False) | Q(status=ShareStatus.NOT_SHARED))
    return (
        _visible(user, entries)
        .select_related(
            "concern",
            "organisation",
            "owner",
            "reviewed_by",
            "disclosure",
            "disclosure__disclosed_by",
            "disclosure__organisation",
        )
        .defer("content", "concern__summary", "disclosure__content")
        .annotate(at=Coalesce("disclosure__disclosed_at", "created_at"))
        .order_by("-at", "-pk")
    )


def filter_ledger(
    entries: QuerySet[Share], *, organisation: Organisation | None, since: date | None, until: date | None
) -> QuerySet[Share]:
    """Days are whole days in UK time: ``until`` includes the whole of that day."""
    if organisation is not None:
        entries = entries.filter(organisation=organisation)
    if since is not None:
        entries = entries.filter(Q(at__gte=datetime.combine(since, time.min, tzinfo=LONDON)))
    if until is not None:
        entries = entries.filter(Q(at__lt=datetime.combine(until + timedelta(days=1), time.min, tzinfo=LONDON)))
    return entries


def partner_organisations() -> QuerySet[Organisation]:
    """Every organisation a share can go to, for the ledger's filter."""
    return Organisation.objects.exclude(kind=OrganisationKind.POLICE_UNIT).order_by("name")
