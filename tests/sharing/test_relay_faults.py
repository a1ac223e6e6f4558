"""The issue's fault test: 1,000 alerts queued, and the worker delivering them killed with SIGKILL five
times and started again. At the end the partner's receiver holds every key (0 lost) and every alert is
marked sent. A relay killed between sending and recording sends that alert again once its lease has
passed; the receiver's dedupe absorbs it, and the test reports how many there were.

The worker is the real one (``manage.py worker``: the queued-task runner and the schedule) on a database
of its own, migrated for the test (SQLite in a temporary directory, or a new PostgreSQL database when
the run is on PostgreSQL), since this process's database is the test database. Its outbox settings are
shortened so that the test runs in well under a minute: the scheduled relay every second as well as on
waking, 3-second leases, a 1-second send timeout and batches of 20.

``SAFEGUARD_LONG_FAULTS=1`` runs the long version: 10,000 alerts and 20 kills.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.sharing.receivers import (
    Certificate,
    WebhookReceiver,
    WorkerProcess,
    fresh_database,
    in_database,
    outbox_states,
)

LONG = os.environ.get("SAFEGUARD_LONG_FAULTS", "") == "1"
ALERTS, KILLS = (10_000, 20) if LONG else (1_000, 5)
WORKER_SETTINGS = {
    "SAFEGUARD_OUTBOX_LEASE_SECONDS": "3",
    "SAFEGUARD_OUTBOX_TIMEOUT_SECONDS": "1",
    "SAFEGUARD_OUTBOX_RELAY_EVERY_SECONDS": "1",
    "SAFEGUARD_OUTBOX_BATCH": "20",
}
PATIENCE = 120.0  # seconds without progress before the test gives up: a stall, not a timing assertion


def all_marked_sent(env: dict[str, str], deadline: float) -> dict[str, int]:
    """Wait for the worker to record every alert as sent (an alert a killed relay sent but never marked
    is sent again, and marked, once its lease passes); the states as they were last seen."""
    states = outbox_states(env)
    while states != {"sent": ALERTS} and time.monotonic() < deadline:
        time.sleep(0.2)
        states = outbox_states(env)
    return states


def test_killing_the_worker_five_times_while_it_delivers_loses_no_alert(
    tmp_path: Path, certificate: Certificate
) -> None:
    receiver = WebhookReceiver(certificate).start()
    settings = {**WORKER_SETTINGS, "SAFEGUARD_WEBHOOK_CA_FILE": str(certificate.cert)}
    log = tmp_path / "worker.log"
    killed_at: list[int] = []
    try:
        with fresh_database(tmp_path, **settings) as env:
            keys = in_database(env, f"queue_in_this_database({receiver.url!r}, {ALERTS})")["keys"]
            worker = WorkerProcess(env, log, "--tick", "0.2", "--interval", "0.1")
            worker.start()
            try:
                for kill in range(1, KILLS + 1):
                    target = ALERTS * kill // (KILLS + 1)
                    assert receiver.wait_for(target, PATIENCE), f"stalled at {len(receiver.keys)}:\n{log.read_text()}"
                    worker.kill()
                    killed_at.append(len(receiver.keys))
                    worker.start()
                assert receiver.wait_for(ALERTS, PATIENCE), f"stalled at {len(receiver.keys)}:\n{log.read_text()}"
                states = all_marked_sent(env, time.monotonic() + PATIENCE)
            finally:
                worker.stop()
    finally:
        receiver.stop()

    assert len(keys) == ALERTS and sorted(receiver.keys) == sorted(keys)  # 0 lost
    assert states == {"sent": ALERTS}
    assert receiver.rejected == []  # every request was signed and well formed
    assert worker.starts == KILLS + 1 and all(n < ALERTS for n in killed_at)  # each kill was mid-delivery
    print(
        f"\n{ALERTS:,} alerts, worker killed with SIGKILL {KILLS} times (after {killed_at} were received): "
        f"0 lost, {receiver.duplicates} duplicate(s) absorbed by the receiver's dedupe"
    )
