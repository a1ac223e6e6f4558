"""Partner delivery (QUALITY.md): from a share's commit until the partner's endpoint has its alert, how
fast the relay drains a backlog, and that no alert is lost when the worker is killed with SIGKILL.

Set-up. A partner whose own system is an HTTPS receiver on loopback (tests/sharing/receivers.py: a
self-signed certificate made for the run and trusted through SAFEGUARD_WEBHOOK_CA_FILE; it checks every
signature and keeps each key once), and shares sent to it. The relay runs where it runs in production:
in ``manage.py worker``, a subprocess on the bench's database, with the production outbox settings (each
commit wakes the relay; the worker polls for queued tasks every second; 30 s leases; batches of 100).
A first alert, not counted, waits for the worker to be up.

Each alert is committed in a transaction of its own, as ``send_share`` commits one share. Two phases:

burst   ``alerts`` alerts committed back to back: the relay works through a backlog (the drain rate).
kills   ``alerts`` more at ``rate`` a second while the worker is killed with SIGKILL ``kills`` times,
        evenly spread, and started again at once (QUALITY.md: 0 lost across 5 kill -9 of the relay).
        An alert a killed relay had claimed waits for its lease to pass (30 s), which is the max.

Figures per phase: latency per alert from commit (this process's clock when its transaction returned)
to receipt (the receiver's clock when it first accepted the key; one machine, one clock), p50, p95 and
max; the drain rate, alerts / (last receipt - first commit); lost = committed - distinct keys received;
duplicates = requests the receiver's dedupe absorbed (alerts sent again after a kill). An alert lost or
never marked sent, or a request that fails its signature check, fails the benchmark. There is no
baseline (QUALITY.md: "-"); timings are printed, never asserted.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from safeguard.accounts.models import Organisation, OrganisationKind, Unit, User
from safeguard.concerns.models import Concern
from safeguard.sharing.models import OutboxMessage, OutboxState, Share
from safeguard.sharing.outbox import queue_alerts
from tests.sharing.receivers import WebhookReceiver, WorkerProcess, make_certificate, partner, sent_shares

from . import BenchmarkFailed, out, percentile, thousands


@dataclass(frozen=True)
class DeliveryOptions:
    alerts: int = 1_000  # per phase
    kills: int = 5
    rate: float = 50.0  # alerts a second in the kills phase
    patience: float = 300.0  # seconds without the last alert before it counts as lost


@dataclass
class Phase:
    name: str
    committed: dict[str, float] = field(default_factory=dict)  # key -> commit time
    received: dict[str, float] = field(default_factory=dict)  # key -> first receipt
    queue_seconds: float = 0.0
    duplicates: int = 0
    kills: int = 0

    @property
    def latencies(self) -> list[float]:
        return sorted(self.received[k] - t for k, t in self.committed.items() if k in self.received)

    @property
    def lost(self) -> int:
        return len(self.committed) - len(self.received)

    @property
    def drain_rate(self) -> float:
        span = max(self.received.values()) - min(self.committed.values()) if self.received else 0.0
        return len(self.received) / span if span > 0 else 0.0


@dataclass
class DeliveryResult:
    options: DeliveryOptions
    engine: str
    phases: list[Phase]
    rejected: list[str]  # requests the receiver refused (bad signature, ...)
    unsent: int  # alerts not marked sent at the end
    worker_starts: int


def arrange(url: str, count: int) -> tuple[Organisation, list[Share]]:
    police = Organisation.objects.create(name="Benchshire Police", kind=OrganisationKind.POLICE_UNIT)
    unit = Unit.objects.create(organisation=police, name="Hub", code="HUB-BENCH")
    user = User.objects.create_user(username="hub-bench", organisation=police, unit=unit)
    concern = Concern.objects.create(unit=unit, owner=user, summary="A concern for the delivery benchmark")
    organisation = partner("Benchshire Children's Social Care", webhook_url=url)
    return organisation, sent_shares(concern, organisation, count)


def commit(organisation: Organisation, share: Share) -> tuple[str, float]:
    """One share's alert, committed on its own; its key and the moment the commit returned."""
    with transaction.atomic():
        [message] = queue_alerts(organisation=organisation, event="share.sent", share=share)
    return str(message.key), time.time()


def run_phase(
    phase: Phase,
    organisation: Organisation,
    shares: list[Share],
    receiver: WebhookReceiver,
    worker: WorkerProcess,
    options: DeliveryOptions,
    *,
    rate: float = 0.0,
    kills: int = 0,
) -> None:
    kill_at = {len(shares) * k // (kills + 1) for k in range(1, kills + 1)}
    received_before, duplicates_before = len(receiver.keys), receiver.duplicates
    started = time.monotonic()
    for index, share in enumerate(shares):
        if index in kill_at:
            worker.kill()
            worker.start()
            phase.kills += 1
        if rate:
            time.sleep(max(0.0, started + index / rate - time.monotonic()))
        key, at = commit(organisation, share)
        phase.committed[key] = at
    phase.queue_seconds = time.monotonic() - started
    receiver.wait_for(received_before + len(phase.committed), options.patience)
    wait_until_all_marked_sent(options.patience)  # so that no resend of this phase's alerts is still to come
    deliveries = receiver.deliveries
    phase.received = {k: deliveries[k].received_at for k in phase.committed if k in deliveries}
    phase.duplicates = receiver.duplicates - duplicates_before


def wait_until_all_marked_sent(patience: float) -> int:
    deadline = time.monotonic() + patience
    while (pending := OutboxMessage.objects.exclude(state=OutboxState.SENT).count()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return pending


def measure(options: DeliveryOptions) -> DeliveryResult:
    tmp = Path(tempfile.mkdtemp(prefix="safeguard-delivery-"))
    certificate = make_certificate(tmp / "tls")
    receiver = WebhookReceiver(certificate).start()
    # The worker is on this process's database: the environment the bench set up, plus the receiver's CA.
    env = {**os.environ, "SAFEGUARD_WEBHOOK_CA_FILE": str(certificate.cert)}
    worker = WorkerProcess(env, tmp / "worker.log")
    try:
        organisation, shares = arrange(receiver.url, 2 * options.alerts + 1)
        worker.start()
        commit(organisation, shares[0])
        if not receiver.wait_for(1, options.patience):
            raise BenchmarkFailed(f"the worker delivered nothing:\n{(tmp / 'worker.log').read_text()}")
        burst, kills = Phase("burst"), Phase("kills")
        run_phase(burst, organisation, shares[1 : options.alerts + 1], receiver, worker, options)
        run_phase(
            kills, organisation, shares[options.alerts + 1 :], receiver, worker, options, rate=options.rate,
            kills=options.kills,
        )  # fmt: skip
        unsent = wait_until_all_marked_sent(options.patience)
    finally:
        worker.stop()
        receiver.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    return DeliveryResult(options, engine, [burst, kills], list(receiver.rejected), unsent, worker.starts)


def report(result: DeliveryResult) -> None:
    options = result.options
    config = settings.SAFEGUARD_OUTBOX
    out(
        f"  {thousands(options.alerts)} webhook alerts a phase, one transaction each, to an HTTPS receiver on loopback "
        f"(signatures checked, deduplicated by key); the relay in `manage.py worker` on {result.engine}, woken by "
        f"each commit (lease {config['lease_seconds']} s, batch {config['batch']}, scheduled every "
        f"{config['relay_every_seconds']} s; the worker polls for tasks every second)"
    )
    out(
        f"    {'phase':<7} {'committed in':>22} {'p50':>9} {'p95':>9} {'max':>9} {'drain':>9} {'lost':>6} "
        f"{'duplicates':>11}"
    )
    for phase in result.phases:
        latencies = phase.latencies or [float("nan")]
        committed = f"{phase.queue_seconds:.1f} s ({thousands(len(phase.committed) / phase.queue_seconds)}/s)"
        p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
        line = (
            f"    {phase.name:<7} {committed:>22} {p50:7.2f} s {p95:7.2f} s {latencies[-1]:7.2f} s "
            f"{phase.drain_rate:7.0f}/s {phase.lost:>6} {phase.duplicates:>11}"
        )
        if phase.kills:
            line += f"   worker killed with SIGKILL {phase.kills} times"
        out(line)
    out(
        f"  every alert marked sent: {'yes' if not result.unsent else f'NO, {result.unsent} not'}; "
        f"worker started {result.worker_starts} times; requests refused by the receiver: {len(result.rejected)}"
    )
    p95 = max((percentile(p.latencies, 95) for p in result.phases if p.latencies), default=float("inf"))
    lost = sum(p.lost for p in result.phases)
    out(
        f"  target: p95 <= 60 s -> {'meets' if p95 <= 60 else 'MISSES'} it (worst phase {p95:.2f} s); "
        f"0 lost across {options.kills} kill -9 -> {'meets' if lost == 0 else 'MISSES'} it ({lost} lost)"
    )


def partner_delivery(options: DeliveryOptions) -> None:
    result = measure(options)
    report(result)
    lost = sum(p.lost for p in result.phases)
    if lost or result.unsent or result.rejected:
        raise BenchmarkFailed(
            f"{lost} alerts lost, {result.unsent} not marked sent, {len(result.rejected)} requests refused "
            f"({sorted(set(result.rejected))})"
        )
