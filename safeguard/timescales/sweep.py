"""The sweep: moves open clocks through due soon, overdue and escalated, and raises each alert once.

The incremental sweep takes clocks whose ``next_at`` has passed (a partial-index range scan, however
many clocks there are); the full sweep ignores ``next_at`` and re-derives every open clock's stage from
its thresholds, the consistency pass the worker runs nightly. Both work in batches, each batch one
transaction: claim the clocks (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two sweepers split the work;
SQLite has one writer at a time), insert an Alert for every threshold crossed since the stored stage,
advance ``stage`` and ``next_at`` in one UPDATE, and tell people.

Exactly once: Alert has a unique (clock, threshold) constraint and is inserted with conflicts ignored,
so a sweeper that races another (or re-runs a batch) inserts nothing twice; it tells people only of the
alerts carrying its own sweep id. Catching up after downtime needs nothing special: stages follow from
times, so a clock that passed two thresholds while the worker was down gets both alerts, and only the
later one is sent (the earlier is marked superseded).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Case, DateTimeField, F, PositiveSmallIntegerField, Q, When
from django.urls import reverse
from django.utils import timezone

from safeguard.accounts.models import Notification, RoleCode, Unit, User

from .models import Alert, AlertNotice, Clock, Stage
from .rules import RULES

THRESHOLDS = ((Stage.DUE_SOON, "due_soon_at"), (Stage.OVERDUE, "due_at"), (Stage.ESCALATED, "escalate_at"))


@dataclass
class SweepResult:
    clocks: int = 0  # clocks that moved stage
    alerts: int = 0  # alerts this sweep raised
    notices: int = 0  # people told


def sweep(*, now: datetime | None = None, full: bool = False, batch: int = 2000) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    after = 0
    while True:
        with transaction.atomic():
            ids = _claim(now=now, full=full, batch=batch, after=after)
            if not ids:
                return result
            after = max(ids)
            sweep_id = uuid.uuid4()
            result.alerts += _raise_alerts(ids, now, sweep_id)
            result.clocks += _advance(ids, now)
            notices = _tell(sweep_id)
            result.notices += notices
            if notices:
                from .tasks import send_alert_emails

                send_alert_emails.enqueue()  # a row in this transaction: no alert is left unsent


def _claim(*, now: datetime, full: bool, batch: int, after: int) -> list[int]:
    if full:
        behind = Q(stage__lt=Stage.DUE_SOON, due_soon_at__lte=now)
        behind |= Q(stage__lt=Stage.OVERDUE, due_at__lte=now)
        behind |= Q(stage__lt=Stage.ESCALATED, escalate_at__lte=now)
        claim = Clock.objects.filter(behind, stopped_at__isnull=True, pk__gt=after).order_by("pk")
    else:
        claim = Clock.objects.filter(next_at__lte=now).order_by("next_at", "pk")
    return list(claim.select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch])


def _raise_alerts(ids: list[int], now: datetime, sweep_id: uuid.UUID) -> int:
    rows = Clock.objects.filter(pk__in=ids).values_list("pk", "stage", "due_soon_at", "due_at", "escalate_at")
    alerts = [
        Alert(clock_id=pk, threshold=stage, raised_at=now, sweep_id=sweep_id)
        for pk, current, *times in rows
        for (stage, _), at in zip(THRESHOLDS, times, strict=True)
        if current < stage and at <= now
    ]
    Alert.objects.bulk_create(alerts, ignore_conflicts=True, batch_size=1000)
    return Alert.objects.filter(sweep_id=sweep_id).count()


def _advance(ids: list[int], now: datetime) -> int:
    return Clock.objects.filter(pk__in=ids).update(
        stage=Case(
            When(escalate_at__lte=now, then=Stage.ESCALATED),
            When(due_at__lte=now, then=Stage.OVERDUE),
            When(due_soon_at__lte=now, then=Stage.DUE_SOON),
            default=F("stage"),
            output_field=PositiveSmallIntegerField(),
        ),
        next_at=Case(
            When(escalate_at__lte=now, then=None),
            When(due_at__lte=now, then=F("escalate_at")),
            When(due_soon_at__lte=now, then=F("due_at")),
            default=F("due_soon_at"),
            output_field=DateTimeField(),
        ),
    )


class _Recipients:
    """Who hears of a threshold (Rule.escalation). Looked up once per batch.

    Due soon: the owner; unowned work goes to the unit's supervisor, or for hub work to the hub.
    Overdue: those and the supervisor (for hub work, the hub's supervisors). Escalated: the supervisor
    and the force's leaders. People whose accounts are disabled are not told.
    """

    def __init__(self, clocks: list[Clock]) -> None:
        units = {c.unit_id for c in clocks}
        self.supervisor = dict(Unit.objects.filter(pk__in=units).values_list("pk", "supervisor_id"))
        active = User.objects.filter(is_active=True, disabled_at__isnull=True)
        hub = active.filter(roles__code=RoleCode.HUB)
        self.hub = list(hub.values_list("pk", flat=True).distinct())
        self.hub_supervisors = list(
            Unit.objects.filter(members__in=hub, supervisor__isnull=False)
            .values_list("supervisor_id", flat=True)
            .distinct()
        )
        self.leaders = list(active.filter(roles__code=RoleCode.LEADER).values_list("pk", flat=True).distinct())
        named = [pk for pk in {c.owner_id for c in clocks} | {*self.supervisor.values(), *self.hub_supervisors} if pk]
        self.active = set(active.filter(pk__in=named).values_list("pk", flat=True))
        self.active |= set(self.hub) | set(self.leaders)

    def of(self, clock: Clock, threshold: int) -> list[int | None]:
        supervisors = list(self.hub_supervisors) if clock.hub_work else [self.supervisor.get(clock.unit_id)]
        first = [clock.owner_id] if clock.owner_id else (list(self.hub) if clock.hub_work else supervisors)
        if threshold == Stage.DUE_SOON:
            people = first
        elif threshold == Stage.OVERDUE:
            people = [*first, *supervisors]
        else:
            people = [*supervisors, *self.leaders]
        return list(dict.fromkeys(pk for pk in people if pk and pk in self.active))

    def only_oversees(self, user_id: int, clock: Clock) -> bool:
        """A leader told of an escalation oversees the work rather than doing it: their link is the queue."""
        return user_id in self.leaders and user_id != clock.owner_id and user_id not in self.of(clock, Stage.OVERDUE)


def _message(clock: Clock, threshold: int) -> str:
    due = timezone.localtime(clock.due_at)
    when = f"{due:%H:%M on %a %-d %b}"
    if threshold == Stage.DUE_SOON:
        return f"Due soon, by {when}: {clock.label}. {clock.terms}"
    if threshold == Stage.OVERDUE:
        return f"Overdue since {when}: {clock.label}. {clock.terms}"
    return f"Escalated to you, overdue since {when}: {clock.label}. {clock.terms}"


def _tell(sweep_id: uuid.UUID) -> int:
    """Notify the people each new alert concerns. Where one clock crossed several thresholds in this
    sweep (catching up), only the latest is sent; the others are kept, marked superseded."""
    alerts = list(Alert.objects.filter(sweep_id=sweep_id).select_related("clock"))
    if not alerts:
        return 0
    latest: dict[int, Alert] = {}
    for alert in alerts:
        if alert.clock_id not in latest or alert.threshold > latest[alert.clock_id].threshold:
            latest[alert.clock_id] = alert
    superseded = [a.pk for a in alerts if latest[a.clock_id] is not a]
    if superseded:
        Alert.objects.filter(pk__in=superseded).update(superseded=True)
    recipients = _Recipients([a.clock for a in latest.values()])
    notices, notifications = [], []
    queue = reverse("timescales:team") + "?status=overdue"
    for alert in latest.values():
        clock = alert.clock
        rule = RULES.get(clock.rule_code)
        link = rule.link(clock.record_id) if rule else queue
        message = _message(clock, alert.threshold)
        for user_id in recipients.of(clock, alert.threshold):
            assert user_id is not None
            notices.append(AlertNotice(alert=alert, user_id=user_id))
            shown = queue + f"&rule={clock.rule_code}" if recipients.only_oversees(user_id, clock) else link
            notifications.append(Notification(user_id=user_id, message=message[:300], link=shown))
    AlertNotice.objects.bulk_create(notices, batch_size=1000)
    Notification.objects.bulk_create(notifications, batch_size=1000)
    return len(notices)
