"""The worker's sharing tasks: the outbox relay, woken by each committed alert and run every minute as a
safety net, and the sweep that finds alerts whose relay died holding them."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from datetime import datetime, timedelta

from django.conf import settings
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from .relay import RelayResult, next_due, reclaim_stuck, relay

logger = logging.getLogger(__name__)


@task
def relay_outbox() -> dict[str, int]:
    """Deliver batch after batch until nothing is due, then see to the next thing that will be. The
    worker runs one task at a time, so after ``run_seconds`` the relay makes way for the other tasks and
    queues itself to carry on."""
    stop_at = time.monotonic() + settings.SAFEGUARD_OUTBOX["run_seconds"]
    total = RelayResult()
    while True:
        result = relay()
        total += result
        if not result.claimed:
            follow_up()
            break
        if time.monotonic() >= stop_at:
            wake()
            break
    if total.claimed:
        logger.info("Outbox relay: %s", total)
    return asdict(total)


@task
def reclaim_outbox() -> int:
    """Every five minutes: alerts left leased by a relay that died are made claimable again."""
    return reclaim_stuck()


@task
def escalate_unacknowledged_shares() -> int:
    """Every 15 minutes: shares whose acknowledgement is overdue; each partner's named escalation contact is
    told once (DOMAIN.md). The hub's supervisors are told by the clock sweep, as for any overdue hub work."""
    from .services import escalate_unacknowledged

    return escalate_unacknowledged()


def wake() -> None:
    """Start the relay now rather than at its next scheduled run (outbox.queue_alerts calls this when its
    transaction commits). A relay run still waiting in the queue reads the outbox when it starts, which is
    after this commit, so one waiting run is enough: a burst of shares queues one run, not one each."""
    if isinstance(relay_outbox.get_backend(), DatabaseBackend) and _relay_waiting():
        return
    relay_outbox.enqueue()


def follow_up(now: datetime | None = None) -> None:
    """Nothing is due now. If an alert falls due before the next scheduled run (a retry's backoff ends, or
    the lease a killed relay left passes), queue a run for that moment: a 10-second backoff then means 10
    seconds, not the next minute."""
    now = now or timezone.now()
    at = next_due()
    if at is None or at > now + timedelta(seconds=settings.SAFEGUARD_OUTBOX["relay_every_seconds"]):
        return
    if not isinstance(relay_outbox.get_backend(), DatabaseBackend):
        relay_outbox.using(run_after=at).enqueue()
        return
    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=relay_outbox.module_path, run_after__lte=at
    )
    if not (_relay_waiting() or waiting.exists()):
        relay_outbox.using(run_after=at).enqueue()


def _relay_waiting() -> bool:
    return DBTaskResult.objects.ready().filter(task_path=relay_outbox.module_path).exists()
