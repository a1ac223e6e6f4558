"""The worker's periodic schedule. Each capability adds its sweeps here (timescales sweep, outbox
relay, ...); the worker enqueues each task once per slot, however many workers run."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from safeguard.accounts.tasks import clear_expired_sessions
from safeguard.audit.tasks import verify_audit_chain
from safeguard.sharing.tasks import escalate_unacknowledged_shares, reclaim_outbox, relay_outbox
from safeguard.timescales.tasks import send_alert_emails, sweep_all_clocks, sweep_clocks

from .models import ScheduledRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    task: Any  # a django.tasks Task
    every: timedelta

    @property
    def name(self) -> str:
        return str(self.task.module_path)

    def slot(self, now: float) -> int:
        seconds = int(self.every.total_seconds())
        return int(now) // seconds * seconds


SCHEDULE: list[Periodic] = [
    Periodic(clear_expired_sessions, timedelta(minutes=15)),
    Periodic(verify_audit_chain, timedelta(hours=24)),
    Periodic(sweep_clocks, timedelta(minutes=1)),
    Periodic(sweep_all_clocks, timedelta(hours=24)),
    # Retries emails a failed run left unsent (each sweep that tells people also enqueues a run).
    Periodic(send_alert_emails, timedelta(minutes=5)),
    # Partner alerts: each commit wakes the relay at once; this run is the safety net behind that.
    Periodic(relay_outbox, timedelta(seconds=settings.SAFEGUARD_OUTBOX["relay_every_seconds"])),
    Periodic(reclaim_outbox, timedelta(minutes=5)),
    Periodic(escalate_unacknowledged_shares, timedelta(minutes=15)),
]


def enqueue_due(now: float | None = None, schedule: list[Periodic] | None = None) -> list[str]:
    """Enqueue every periodic task whose current slot has not been enqueued yet; returns their names."""
    now = time.time() if now is None else now
    enqueued = []
    for periodic in schedule if schedule is not None else SCHEDULE:
        slot = periodic.slot(now)
        if ScheduledRun.objects.filter(task_name=periodic.name, slot=slot).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(task_name=periodic.name, slot=slot)
                result = periodic.task.enqueue()
                run.result_id = str(result.id)
                run.save(update_fields=["result_id"])
        except IntegrityError:
            continue  # another scheduler took this slot
        enqueued.append(periodic.name)
        logger.info("Enqueued %s for slot %s", periodic.name, slot)
    return enqueued
