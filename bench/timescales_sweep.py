"""The timescales sweep (QUALITY.md): ``safeguard.timescales.sweep.sweep`` over 10M clocks, 500k of them open.

Data. N clocks (default 10,000,000), M of them open (default 500,000), written straight into the table
with ids in the order the clocks started, as a live system would have allocated them: COPY (text
format, sent by a writer thread while the next rows are generated) on PostgreSQL, executemany on SQLite.
On PostgreSQL outside a transaction the table's secondary indexes and foreign keys are dropped for the
load and built again after it (the primary key stays); then VACUUM ANALYZE.

The clocks follow the concern rules (decision in 4/24/72 h, resubmission in 3 working days, the hub's
cumulative review), thresholds as ``start_clock`` sets them (due soon at ``timescales.due_soon_percent``
of the time, escalated ``timescales.escalate_after_percent`` of it after the due time), in five units of
a synthetic force whose supervisors, hub and leaders are told of alerts.

- Closed clocks started over five years before T0; they were met, breached (with a coded reason) or
  cancelled, have ``stopped_at`` set, ``next_at`` NULL and the stage they had reached when stopped.
- Open clocks are as the sweep leaves them at T0: ``stage`` is their stage at T0 and ``next_at`` the next
  threshold after T0 (NULL once escalated). Nine in ten started within the last 1.25x their time to
  escalation, young ones more often than old (age = 1.25 x time to escalation x u², u uniform), so due
  times fall from minutes to days either side of T0; one in ten is a backlog clock escalated up to six
  weeks ago. The alerts they raised before T0 are not loaded: the sweep inserts alerts only for
  thresholds beyond the stored stage, so it never reads them.

At T1 = T0 + 60 s a few hundred open clocks cross a threshold (the generator predicts exactly which: the
oracle). Measured at T1, each method from the same starting state:

incremental   ``sweep(now=T1)``: the clocks whose ``next_at`` has passed, through the partial index
full          ``sweep(now=T1, full=True)``: every open clock re-derived from its thresholds
baseline      a plain Python loop over every open clock: load it, ``Clock.stage_at(T1)``, ``get_or_create``
              an Alert for each threshold crossed, save the clock. It tells nobody (the sweeps also write
              the notices and notifications), so it does less work than they do.

Each run is one transaction rolled back afterwards, so every run starts from the loaded state (the
sweep's per-batch transactions become savepoints: the one commit per batch they pay in production is
not counted; a baseline committing each save would pay hundreds). Before the rollback the run's results
are read back: every clock whose stage or next_at differs from a snapshot taken after loading, and the
(clock, threshold) of every alert raised. Every run of every method must give exactly the oracle's
results (so all three are identical), and a second incremental sweep at T1 must find nothing; otherwise
``BenchmarkFailed``. Timings are medians of the runs; they are printed, never asserted.
"""

from __future__ import annotations

import gc
import itertools
import random
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max

from safeguard import parameters
from safeguard.accounts.models import Organisation, OrganisationKind, Role, RoleCode, Unit, User
from safeguard.timescales.models import Alert, AlertNotice, BreachReason, Clock, ClockOutcome, Stage
from safeguard.timescales.sweep import SweepResult, sweep

from . import BenchmarkFailed, out, thousands

HOUR = 3600
DAY = 24 * HOUR
WEEK = 7 * DAY
CLOSED_SPAN = 5 * 365 * DAY  # closed clocks started over the five years before T0
BACKLOG_SHARE = 0.1  # open clocks escalated long ago and never stopped
BACKLOG_SPAN = 6 * WEEK  # ... escalated up to six weeks before T0
FRESH_SPREAD = 1.25  # other open clocks started within 1.25x their time to escalation before T0, most lately
T0 = int(datetime(2025, 3, 4, 10, 0, tzinfo=UTC).timestamp())  # a Tuesday morning
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SNAPSHOT = "bench_clock_snapshot"
UNITS = 5
OFFICERS_PER_UNIT = 6


@dataclass(frozen=True)
class Kind:
    """One kind of clock: a rule with one time allowed, and who owes it."""

    weight: int
    rule_code: str
    seconds: int  # time allowed, start to due
    terms: str
    owner: str  # "supervisor" (sometimes nobody), "officer" or "hub"
    jitter: int = 0  # up to this many seconds more (end of the nth working day)


DECISION, RESUBMISSION, REVIEW = "concerns.decision", "concerns.resubmission", "concerns.cumulative_review"
DECISION_TERMS = "Supervisor review of a {risk}-risk concern: due {hours} h after submission"
RESUBMIT_TERMS = "Returned concern corrected and resubmitted: due 3 working days after return"
KINDS = (
    Kind(10, DECISION, 4 * HOUR, "Supervisor review of a high-risk concern: due 4 h after submission", "supervisor"),
    Kind(
        25, DECISION, 24 * HOUR, "Supervisor review of a medium-risk concern: due 24 h after submission", "supervisor"
    ),
    Kind(
        25, DECISION, 72 * HOUR, "Supervisor review of a standard-risk concern: due 72 h after submission", "supervisor"
    ),
    Kind(10, RESUBMISSION, 3 * DAY, RESUBMIT_TERMS, "officer"),
    Kind(10, RESUBMISSION, 5 * DAY, RESUBMIT_TERMS, "officer"),  # over a weekend
    Kind(
        20,
        REVIEW,
        3 * DAY,
        "Hub review of a child's whole history after 3 concerns: due by the end of 3 working days",
        "hub",
        jitter=2 * DAY,
    ),
)

# The loader's columns, by field name; checked against the model so a new column fails loudly.
FIELDS = (
    "id",
    "rule_code",
    "record_type",
    "record_id",
    "label",
    "terms",
    "unit",
    "owner",
    "hub_work",
    "is_restricted",
    "started_at",
    "due_soon_at",
    "due_at",
    "escalate_at",
    "stage",
    "next_at",
    "stopped_at",
    "stopped_by",
    "outcome",
    "breach_reason",
    "breach_detail",
)


@dataclass(frozen=True)
class SweepOptions:
    clocks: int = 10_000_000
    open: int = 500_000
    runs: int = 3
    window: int = 60  # seconds from T0 to T1
    batch: int = 2000  # the sweep's batch
    load_batch: int = 250_000  # rows per COPY / executemany transaction
    seed: int = 20240601
    progress: bool = True


@dataclass
class Staff:
    units: list[int]
    supervisors: dict[int, int]  # unit -> its supervisor
    officers: dict[int, list[int]]  # unit -> its officers
    hub: list[int]
    leaders: list[int]


@dataclass
class Truth:
    """What was loaded, and what a correct sweep at T1 must do (the oracle)."""

    clocks: int = 0
    open: int = 0
    first_id: int = 0
    open_by_stage: dict[int, int] = field(default_factory=lambda: dict.fromkeys(Stage.values, 0))
    moved: dict[int, tuple[int, datetime | None]] = field(default_factory=dict)  # clock -> (stage, next_at)
    alerts: set[tuple[int, int]] = field(default_factory=set)  # (clock, threshold)
    write_seconds: float = 0.0  # the rows alone
    load_seconds: float = 0.0  # with the indexes and foreign keys built again
    settle_seconds: float = 0.0
    how: str = ""


@dataclass
class Run:
    seconds: float
    moved: dict[int, tuple[int, datetime | None]]
    alerts: set[tuple[int, int]]
    clocks: int  # what the method said it moved
    raised: int  # what the method said it raised
    notices: int


@dataclass
class Method:
    name: str
    label: str
    runs: list[Run] = field(default_factory=list)

    @property
    def times(self) -> list[float]:
        return [r.seconds for r in self.runs]

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.runs else float("nan")


@dataclass
class SweepBenchResult:
    options: SweepOptions
    truth: Truth
    t0: datetime
    t1: datetime
    methods: dict[str, Method]
    engine: str
    snapshot_seconds: float = 0.0
    check_seconds: list[float] = field(default_factory=list)


def at(seconds: int) -> datetime:
    return EPOCH + timedelta(seconds=seconds)


# --- The force -----------------------------------------------------------------------------------


def ensure_staff() -> Staff:
    """Five units, each with a supervisor and officers; two hub staff and two leaders. Idempotent."""
    police, _ = Organisation.objects.get_or_create(
        name="Benchshire Police", defaults={"kind": OrganisationKind.POLICE_UNIT}
    )
    roles = {r.code: r for r in Role.objects.all()}

    def user(username: str, role: str, unit: Unit | None) -> User:
        found = User.objects.filter(username__iexact=username).first()
        if found is None:
            found = User.objects.create_user(
                username=username,
                password=None,  # nobody signs in as these
                email=f"{username}@benchshire.example",
                organisation=police,
                unit=unit,
                first_name="Bench",
                last_name=role.title(),
            )
            found.roles.set([roles[role]])
        return found

    staff = Staff(units=[], supervisors={}, officers={}, hub=[], leaders=[])
    for n in range(1, UNITS + 1):
        unit, _ = Unit.objects.get_or_create(
            code=f"BENCH-PPU-{n}", defaults={"name": f"Bench Public Protection Unit {n}", "organisation": police}
        )
        supervisor = user(f"bench-supervisor-{n}", RoleCode.SUPERVISOR, unit)
        if unit.supervisor_id != supervisor.pk:
            Unit.objects.filter(pk=unit.pk).update(supervisor=supervisor)
        staff.units.append(unit.pk)
        staff.supervisors[unit.pk] = supervisor.pk
        staff.officers[unit.pk] = [
            user(f"bench-officer-{n}-{k}", RoleCode.OFFICER, unit).pk for k in range(1, OFFICERS_PER_UNIT + 1)
        ]
    hub, _ = Unit.objects.get_or_create(code="BENCH-HUB", defaults={"name": "Bench Hub", "organisation": police})
    staff.hub = [user(f"bench-hub-{k}", RoleCode.HUB, hub).pk for k in (1, 2)]
    staff.leaders = [user(f"bench-leader-{k}", RoleCode.LEADER, None).pk for k in (1, 2)]
    return staff


# --- The clocks ----------------------------------------------------------------------------------


def stage_of(now: int, due_soon: int, due: int, escalate: int) -> int:
    """``Clock.stage_at`` on seconds."""
    if now >= escalate:
        return Stage.ESCALATED
    if now >= due:
        return Stage.OVERDUE
    if now >= due_soon:
        return Stage.DUE_SOON
    return Stage.ON_TIME


def next_of(stage: int, due_soon: int, due: int, escalate: int) -> int | None:
    """The threshold after ``stage``: what ``next_at`` holds (None once escalated)."""
    return (due_soon, due, escalate, None)[stage]


class Generator:
    """The clocks, in the order they started, as tuples in ``FIELDS`` order with times as seconds."""

    def __init__(self, options: SweepOptions, staff: Staff, first_id: int) -> None:
        self.options = options
        self.staff = staff
        self.first_id = first_id
        self.rng = random.Random(options.seed)
        self.due_soon_pct = parameters.value("timescales.due_soon_percent")
        self.escalate_pct = parameters.value("timescales.escalate_after_percent")
        self.cum_weights = list(_cumulative(k.weight for k in KINDS))

    def kinds(self, n: int) -> list[int]:
        return self.rng.choices(range(len(KINDS)), cum_weights=self.cum_weights, k=n)

    def allowed(self, kind: Kind) -> int:
        return kind.seconds + (self.rng.randrange(kind.jitter) if kind.jitter else 0)

    def thresholds(self, start: int, allowed: int) -> tuple[int, int, int]:
        return (
            start + allowed * self.due_soon_pct // 100,
            start + allowed,
            start + allowed + allowed * self.escalate_pct // 100,
        )

    def open_starts(self) -> list[tuple[int, int, int]]:
        """(start, kind, allowed) of every open clock, by start."""
        rng, specs = self.rng, []
        for k in self.kinds(self.options.open):
            allowed = self.allowed(KINDS[k])
            to_escalation = allowed + allowed * self.escalate_pct // 100
            if rng.random() < BACKLOG_SHARE:
                age = to_escalation + 1 + int(rng.random() * BACKLOG_SPAN)
            else:
                age = int(rng.random() ** 2 * FRESH_SPREAD * to_escalation)  # young clocks outnumber old ones
            specs.append((T0 - age, k, allowed))
        specs.sort()
        return specs

    def rows(self, truth: Truth, convert: Callable[[int], Any]) -> Iterator[tuple[Any, ...]]:
        """Every clock, open and closed merged by start time; ``convert`` turns seconds into column values.
        Fills in ``truth`` as it goes."""
        options, rng, staff = self.options, self.rng, self.staff
        t1 = T0 + options.window
        opens = self.open_starts()
        closed = options.clocks - options.open
        step = (CLOSED_SPAN - 60) / max(closed, 1)
        closed_from = T0 - CLOSED_SPAN
        reasons = BreachReason.values
        units = staff.units
        closed_kinds: list[int] = []
        o = c = 0
        next_closed = closed_from + int(rng.random() * step)
        for i in range(options.clocks):
            pk = self.first_id + i
            is_open = o < len(opens) and (c >= closed or opens[o][0] <= next_closed)
            if is_open:
                start, k, allowed = opens[o]
                o += 1
            else:
                start = next_closed
                c += 1
                next_closed = closed_from + int((c + rng.random()) * step)
                if not closed_kinds:
                    closed_kinds = self.kinds(100_000)
                k = closed_kinds.pop()
                allowed = self.allowed(KINDS[k])
            kind = KINDS[k]
            unit = units[pk % len(units)]
            if kind.owner == "supervisor":
                owner = staff.supervisors[unit] if rng.random() < 0.8 else None  # else nobody: the unit's supervisor
            elif kind.owner == "officer":
                officers = staff.officers[unit]
                owner = officers[(pk // len(units)) % len(officers)]
            else:
                owner = None  # the hub's work
            due_soon, due, escalate = self.thresholds(start, allowed)
            stopped: int | None
            if is_open:
                stage = stage_of(T0, due_soon, due, escalate)
                next_at = next_of(stage, due_soon, due, escalate)
                stopped = stopped_by = None
                outcome = reason = detail = ""
                truth.open_by_stage[stage] += 1
                later = stage_of(t1, due_soon, due, escalate)
                if later > stage:
                    truth.moved[pk] = (int(later), _maybe_at(next_of(later, due_soon, due, escalate)))
                    truth.alerts.update((pk, int(s)) for s in range(stage + 1, later + 1))
            else:
                draw = rng.random()
                if draw < 0.85:
                    stopped = start + int(allowed * (0.05 + 0.95 * rng.random()))
                else:
                    stopped = due + 1 + int(allowed * 2 * rng.random())
                if stopped >= T0:  # started shortly before T0 and stopped before it all the same
                    stopped = start + int((T0 - 1 - start) * rng.random())
                if stopped > due:
                    outcome, reason = ClockOutcome.BREACHED, reasons[pk % len(reasons)]
                    detail = "Synthetic benchmark clock: the work was finished late"
                else:
                    outcome, reason, detail = ClockOutcome.MET, "", ""
                stage = stage_of(stopped, due_soon, due, escalate)
                next_at = None
                stopped_by = owner or staff.supervisors[unit]
            yield (
                pk,
                kind.rule_code,
                "concerns.concern",
                pk,
                f"CON-{pk:08d}",
                kind.terms,
                unit,
                owner,
                kind.owner == "hub",
                pk % 50 == 0,
                convert(start),
                convert(due_soon),
                convert(due),
                convert(escalate),
                int(stage),
                None if next_at is None else convert(next_at),
                None if stopped is None else convert(stopped),
                stopped_by,
                str(outcome),
                reason,
                detail,
            )
        truth.open = o
        truth.clocks = options.clocks


def _cumulative(weights: Iterator[int]) -> Iterator[int]:
    total = 0
    for w in weights:
        total += w
        yield total


def _maybe_at(seconds: int | None) -> datetime | None:
    return None if seconds is None else at(seconds)


def _columns() -> list[str]:
    columns = [str(Clock._meta.get_field(name).column) for name in FIELDS]  # type: ignore[union-attr]
    missing = {str(f.column) for f in Clock._meta.concrete_fields} - set(columns)
    if missing:
        raise BenchmarkFailed(f"Clock has columns the loader does not fill: {', '.join(sorted(missing))}")
    return columns


class Stamp:
    """Seconds since the epoch as timestamp text, fast: one string per day and one per second of the day
    (datetime objects cost more than the rest of a row). PostgreSQL gets ``+00``; SQLite the naive UTC
    text Django stores."""

    def __init__(self, suffix: str) -> None:
        self.days: dict[int, str] = {}
        self.clock = [f"{h:02d}:{m:02d}:{s:02d}{suffix}" for h in range(24) for m in range(60) for s in range(60)]

    def __call__(self, seconds: int) -> str:
        day, second = divmod(seconds, DAY)
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = f"{EPOCH + timedelta(days=day):%Y-%m-%d} "
        return text + self.clock[second]


def copy_line(row: tuple[Any, ...]) -> str:
    """One row in COPY's text format (no value here holds a tab, newline or backslash)."""
    (pk, rule, record_type, record_id, label, terms, unit, owner, hub, restricted, started, due_soon, due, escalate,
     stage, next_at, stopped, stopped_by, outcome, reason, detail) = row  # fmt: skip
    n = "\\N"
    return (
        f"{pk}\t{rule}\t{record_type}\t{record_id}\t{label}\t{terms}\t{unit}\t{n if owner is None else owner}\t"
        f"{'t' if hub else 'f'}\t{'t' if restricted else 'f'}\t{started}\t{due_soon}\t{due}\t{escalate}\t{stage}\t"
        f"{n if next_at is None else next_at}\t{n if stopped is None else stopped}\t"
        f"{n if stopped_by is None else stopped_by}\t{outcome}\t{reason}\t{detail}\n"
    )


@contextmanager
def bare_table(enabled: bool) -> Iterator[list[str]]:
    """PostgreSQL, outside a transaction: drop the clock table's secondary indexes and foreign keys for
    the load and build them again afterwards (sorted builds instead of 10M index insertions and 30M
    foreign-key checks). Yields the names of what it dropped."""
    if not enabled:
        yield []
        return
    table = Clock._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype = 'f'",
            [table],
        )
        keys = cursor.fetchall()
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _ in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    try:
        yield [name for name, _ in indexes + keys]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for _, definition in indexes:
                cursor.execute(definition)
            for name, definition in keys:
                cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
            cursor.execute("RESET maintenance_work_mem")


def load_clocks(options: SweepOptions, staff: Staff) -> Truth:
    """Write the clocks; return what was written and what a sweep at T1 must do."""
    quote = connection.ops.quote_name
    table = quote(Clock._meta.db_table)
    columns = ", ".join(quote(c) for c in _columns())
    first_id = (Clock.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
    truth = Truth(first_id=first_id)
    postgres = connection.vendor == "postgresql"
    bare = postgres and not connection.in_atomic_block
    if postgres:
        sql = f"COPY {table} ({columns}) FROM STDIN"
        truth.how = "COPY" + (", secondary indexes and foreign keys built after" if bare else "")
    else:
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(FIELDS))})"
        truth.how = "executemany"
    rows = Generator(options, staff, first_id).rows(truth, Stamp("+00" if postgres else ""))
    started = time.perf_counter()
    done = 0
    with bare_table(bare):
        while chunk := list(itertools.islice(rows, options.load_batch)):
            with transaction.atomic(), connection.cursor() as cursor:
                if postgres:
                    from psycopg.copy import QueuedLibpqWriter

                    # A writer thread sends while this one generates, so PostgreSQL works alongside.
                    raw = cursor.cursor  # type: ignore[attr-defined]
                    with raw.copy(sql, writer=QueuedLibpqWriter(raw)) as copy:
                        for i in range(0, len(chunk), 10_000):
                            copy.write("".join([copy_line(row) for row in chunk[i : i + 10_000]]))
                else:
                    cursor.executemany(sql, chunk)
            done += len(chunk)
            if options.progress and (done // 1_000_000 != (done - len(chunk)) // 1_000_000 or done == options.clocks):
                rate = done / (time.perf_counter() - started)
                out(f"    ... {thousands(done)} of {thousands(options.clocks)} clocks written ({thousands(rate)}/s)")
        truth.write_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Clock]):
            cursor.execute(statement)
    truth.load_seconds = time.perf_counter() - started
    if done != options.clocks or truth.open != options.open:
        raise BenchmarkFailed(f"wrote {done} clocks ({truth.open} open); asked for {options.clocks} ({options.open})")
    return truth


def settle() -> float:
    """Untimed: VACUUM ANALYZE on PostgreSQL (ANALYZE alone inside a transaction, as in the tests)."""
    started = time.perf_counter()
    table = connection.ops.quote_name(Clock._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")
    return time.perf_counter() - started


# --- Snapshot and results ------------------------------------------------------------------------


def take_snapshot() -> float:
    """Every clock's (id, stage, next_at) as loaded, to find what a run changed."""
    started = time.perf_counter()
    table = connection.ops.quote_name(Clock._meta.db_table)
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SNAPSHOT}")
        cursor.execute(
            f"CREATE {'UNLOGGED ' if postgres else ''}TABLE {SNAPSHOT} "
            f"(id bigint PRIMARY KEY, stage smallint NOT NULL, next_at {'timestamptz' if postgres else 'datetime'})"
        )
        cursor.execute(f"INSERT INTO {SNAPSHOT} (id, stage, next_at) SELECT id, stage, next_at FROM {table}")
        cursor.execute(f"ANALYZE {SNAPSHOT}")
    return time.perf_counter() - started


def drop_snapshot() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SNAPSHOT}")


def changed_clocks() -> dict[int, tuple[int, datetime | None]]:
    """Every clock whose stage or next_at is not what the snapshot says, with its stage and next_at now."""
    table = connection.ops.quote_name(Clock._meta.db_table)
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.id FROM {table} c JOIN {SNAPSHOT} s ON s.id = c.id "
            f"WHERE c.stage <> s.stage OR c.next_at {differs} s.next_at"
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    changed: dict[int, tuple[int, datetime | None]] = {}
    for i in range(0, len(ids), 5000):
        for pk, stage, next_at in Clock.objects.filter(pk__in=ids[i : i + 5000]).values_list("pk", "stage", "next_at"):
            changed[pk] = (stage, next_at)
    return changed


# --- The methods ---------------------------------------------------------------------------------

NEXT_FIELD = {Stage.ON_TIME: "due_soon_at", Stage.DUE_SOON: "due_at", Stage.OVERDUE: "escalate_at"}


def python_loop(now: datetime) -> SweepResult:
    """The baseline: every open clock loaded, its stage worked out in Python, alerts and clock saved one
    by one. Tells nobody."""
    result = SweepResult()
    run = uuid.uuid4()
    for clock in Clock.objects.filter(stopped_at__isnull=True).iterator(chunk_size=2000):
        stage = clock.stage_at(now)
        if stage <= clock.stage:
            continue
        for threshold in range(clock.stage + 1, stage + 1):
            _, created = Alert.objects.get_or_create(
                clock=clock, threshold=threshold, defaults={"raised_at": now, "sweep_id": run}
            )
            result.alerts += created
        clock.stage = stage
        name = NEXT_FIELD.get(stage)
        clock.next_at = getattr(clock, name) if name else None
        clock.save(update_fields=["stage", "next_at"])
        result.clocks += 1
    return result


def run_once(fn: Callable[[], SweepResult], *, now: datetime, again: bool = False) -> tuple[Run, float]:
    """One timed run in a transaction that is rolled back; returns the run and the seconds its check took."""
    floor = Alert.objects.aggregate(last=Max("pk"))["last"] or 0
    gc.collect()
    with transaction.atomic():
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
        checking = time.perf_counter()
        if again:
            repeat = sweep(now=now)
            if repeat.clocks or repeat.alerts:
                raise BenchmarkFailed(
                    f"a second incremental sweep at T1 moved {repeat.clocks} clocks and raised {repeat.alerts} alerts"
                )
        run = Run(
            seconds=seconds,
            moved=changed_clocks(),
            alerts=set(Alert.objects.filter(pk__gt=floor).values_list("clock_id", "threshold")),
            clocks=result.clocks,
            raised=result.alerts,
            notices=AlertNotice.objects.filter(alert_id__gt=floor).count(),
        )
        transaction.set_rollback(True)
    return run, time.perf_counter() - checking


def check(method: Method, run: Run, truth: Truth, reference: Run | None) -> None:
    where = f"{method.name} run {len(method.runs) + 1}"
    if reference is not None and (run.moved != reference.moved or run.alerts != reference.alerts):
        raise BenchmarkFailed(f"{where} differs from the first incremental run: {_difference(run, reference)}")
    expected = Run(0.0, truth.moved, truth.alerts, len(truth.moved), len(truth.alerts), 0)
    if run.moved != truth.moved or run.alerts != truth.alerts:
        raise BenchmarkFailed(f"{where} differs from what the data predicts: {_difference(run, expected)}")
    if run.clocks != len(run.moved) or run.raised != len(run.alerts):
        raise BenchmarkFailed(
            f"{where} says it moved {run.clocks} clocks and raised {run.raised} alerts; "
            f"{len(run.moved)} clocks changed and {len(run.alerts)} alerts exist"
        )


def _difference(run: Run, other: Run) -> str:
    moved = sorted(set(run.moved.items()) ^ set(other.moved.items()), key=lambda item: item[0])
    alerts = sorted(run.alerts ^ other.alerts)
    return (
        f"{len(run.moved)} vs {len(other.moved)} clocks moved, {len(run.alerts)} vs {len(other.alerts)} alerts; "
        f"clocks differing (first 5): {moved[:5]}; alerts in one only (first 5): {alerts[:5]}"
    )


# --- The run -------------------------------------------------------------------------------------


def timescales_sweep(options: SweepOptions) -> None:
    report(measure(options))


def measure(options: SweepOptions) -> SweepBenchResult:
    if not 0 < options.open <= options.clocks or options.runs < 1 or options.window < 1:
        raise BenchmarkFailed("need 0 < open <= clocks, runs >= 1 and a window of at least 1 s")
    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    if options.progress:
        out(
            f"timescales_sweep: {thousands(options.clocks)} clocks, {thousands(options.open)} open, "
            f"swept at T1 = T0 + {options.window} s"
        )
    staff = ensure_staff()
    truth = load_clocks(options, staff)
    truth.settle_seconds = settle()
    t0, t1 = at(T0), at(T0 + options.window)
    result = SweepBenchResult(options=options, truth=truth, t0=t0, t1=t1, methods={}, engine=engine)
    result.snapshot_seconds = take_snapshot()
    methods = {
        "incremental": Method("incremental", "sweep(now=T1)"),
        "full": Method("full", "sweep(now=T1, full=True)"),
        "baseline": Method("baseline", "Python loop over open clocks"),
    }
    result.methods = methods
    calls: dict[str, Callable[[], SweepResult]] = {
        "incremental": lambda: sweep(now=t1, batch=options.batch),
        "full": lambda: sweep(now=t1, full=True, batch=options.batch),
        "baseline": lambda: python_loop(t1),
    }
    try:
        for n in range(options.runs):
            for name, method in methods.items():
                run, checking = run_once(calls[name], now=t1, again=name == "incremental")
                result.check_seconds.append(checking)
                reference = methods["incremental"].runs[0] if methods["incremental"].runs else None
                check(method, run, truth, reference)
                method.runs.append(run)
                if options.progress:
                    out(f"    ... run {n + 1}: {name} {run.seconds:.3f} s (results checked in {checking:.1f} s)")
    finally:
        drop_snapshot()
    return result


# --- Report --------------------------------------------------------------------------------------


def report(result: SweepBenchResult) -> None:
    options, truth, m = result.options, result.truth, result.methods
    inc, full, base = m["incremental"], m["full"], m["baseline"]
    by_stage = ", ".join(f"{Stage(s).label.lower()} {thousands(n)}" for s, n in truth.open_by_stage.items())
    how = truth.how
    if "built after" in how:
        how += f": rows {truth.write_seconds:.0f} s, then {truth.load_seconds - truth.write_seconds:.0f} s"
    out(
        f"  loaded {thousands(truth.clocks)} clocks ({thousands(truth.open)} open) on {result.engine} in "
        f"{truth.load_seconds:.0f} s ({thousands(truth.clocks / max(truth.load_seconds, 1e-9))} clocks/s; {how}); "
        f"{'VACUUM ANALYZE' if result.engine == 'PostgreSQL' else 'ANALYZE'} {truth.settle_seconds:.0f} s"
    )
    out(
        f"  untimed: snapshot of every clock's (id, stage, next_at) {result.snapshot_seconds:.0f} s; reading back and "
        f"checking a run's results (a join of the clocks with the snapshot) median "
        f"{statistics.median(result.check_seconds):.1f} s"
    )
    out(f"  open at T0 ({result.t0:%Y-%m-%d %H:%M} UTC) by stage: {by_stage}")
    out(
        f"  at T1 = T0 + {options.window} s: {thousands(len(truth.moved))} clocks cross a threshold, "
        f"{thousands(len(truth.alerts))} alerts; {options.runs} runs of each method, each from the loaded state "
        f"(one transaction, rolled back)"
    )
    if not truth.moved:
        out("  note: no clock crosses a threshold in the window at this size; a longer --window gives the sweeps work")
    out(f"    {'':<12} {'':<30} {'median':>10} {'min':>10} {'max':>10} {'moved':>7} {'alerts':>7} {'notices':>8}")
    for method in (inc, full, base):
        last = method.runs[-1]
        out(
            f"    {method.name:<12} {method.label:<30} {method.median:8.3f} s {min(method.times):8.3f} s "
            f"{max(method.times):8.3f} s {last.clocks:>7} {last.raised:>7} {last.notices:>8}"
        )
    out(
        f"  results identical: every run of all three moved the same {thousands(len(truth.moved))} clocks to the same "
        f"stage and next_at and raised the same {thousands(len(truth.alerts))} (clock, threshold) alerts, as the data "
        f"predicts; a second incremental sweep at T1 found nothing"
    )
    ratios = f"baseline/incremental {_ratio(base.median, inc.median)}, baseline/full {_ratio(base.median, full.median)}"
    out(f"  ratios: {ratios}")
    out(
        f"  target: full <= 30 s -> {'meets' if full.median <= 30 else 'MISSES'} it ({full.median:.3f} s); "
        f"incremental <= 1 s -> {'meets' if inc.median <= 1 else 'MISSES'} it ({inc.median:.3f} s)"
    )


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b else "n/a"
