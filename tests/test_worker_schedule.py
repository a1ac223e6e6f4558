"""The worker's schedule enqueues each periodic task once per slot, and the worker runs them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from safeguard.accounts.tasks import clear_expired_sessions
from safeguard.schedule import SCHEDULE, Periodic, enqueue_due


def test_each_task_is_enqueued_once_per_slot_however_often_the_scheduler_ticks(db: None) -> None:
    now = 1_800_000_000.0
    first = enqueue_due(now)
    assert sorted(first) == sorted(p.name for p in SCHEDULE)
    assert enqueue_due(now + 1) == [] and enqueue_due(now + 30) == []  # the shortest period is a minute
    assert DBTaskResult.objects.count() == len(SCHEDULE)


def test_a_new_slot_enqueues_again(db: None) -> None:
    periodic = Periodic(clear_expired_sessions, timedelta(minutes=15))
    assert enqueue_due(0.0, [periodic]) == [periodic.name]
    assert enqueue_due(899.0, [periodic]) == []
    assert enqueue_due(900.0, [periodic]) == [periodic.name]


def test_the_worker_runs_queued_tasks(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # The worker recycles database connections between tasks; inside a test's transaction that
    # would close the connection the test is using, so only the recycling is switched off.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    Session.objects.create(session_key="old", session_data="", expire_date=timezone.now() - timedelta(days=1))
    Session.objects.create(session_key="new", session_data="", expire_date=timezone.now() + timedelta(days=1))
    clear_expired_sessions.enqueue()
    call_command("db_worker", batch=True, interval=0, verbosity=0)
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
