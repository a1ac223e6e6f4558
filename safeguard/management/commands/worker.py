"""The background worker: runs queued tasks (django-tasks-db) and enqueues the periodic schedule."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection

from safeguard.schedule import enqueue_due
from safeguard.sharing.tasks import wake as wake_relay

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the background worker: queued tasks plus the periodic schedule."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tick", type=float, default=10.0, help="Seconds between schedule checks")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls for tasks")
        parser.add_argument("--no-schedule", action="store_true", help="Only run queued tasks")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        if not options["no_schedule"]:
            threading.Thread(target=self._schedule_loop, args=(stop, options["tick"]), daemon=True).start()
        # Alerts committed while no worker ran (or left by one that was killed) go now, not at the next slot.
        wake_relay()
        try:
            call_command("db_worker", interval=options["interval"], queue_name="*", verbosity=options["verbosity"])
        finally:
            stop.set()

    def _schedule_loop(self, stop: threading.Event, tick: float) -> None:
        while not stop.is_set():
            try:
                close_old_connections()
                enqueue_due()
            except Exception:
                logger.exception("The schedule could not be checked; trying again next tick")
            stop.wait(tick)
        connection.close()
