"""Audit benchmarks: ``verify_audit`` over a large chain, and the latency an audited page pays.

verify_audit
    Builds N chained audit events with the writer's own functions (``chain.link_hash``), inserts
    them in batches (COPY on PostgreSQL, executemany on SQLite), moves the chain head, then times
    ``services.verify_chain()`` — what ``manage.py verify_audit`` runs. Baseline: the same keyset-paged
    read (``services.iter_rows``) without hashing; a raw-SQL keyset read is printed as the floor.

audit_overhead
    p50/p95/p99 of the casework list and detail pages through Django's test client, signed in as a
    unit officer, with AuditMiddleware (audit on) and with it replaced by a middleware whose trail
    discards events (audit off). Same data, same pages, requests alternating on/off (ABBA order),
    warm-up discarded.
"""

from __future__ import annotations

import gc
import json
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from safeguard.audit.chain import link_hash
from safeguard.audit.models import AuditChainHead, AuditEvent, Operation, Outcome
from safeguard.audit.services import ROW_FIELDS, iter_rows, verify_chain

from . import BenchmarkFailed, out, percentile, thousands

AUDIT_MIDDLEWARE = "safeguard.audit.middleware.AuditMiddleware"
NO_AUDIT_MIDDLEWARE = "bench.middleware.NoAuditMiddleware"


@dataclass(frozen=True)
class Options:
    events: int = 1_000_000
    batch: int = 50_000
    requests: int = 500
    warmup: int = 50
    notes: int = 50
    seed: int = 20240601


# --- verify_audit ---------------------------------------------------------------------------------


ROLES = ("officer", "investigator", "officer,supervisor", "hub", "leader", "auditor")
RECORD_TYPES = ("casework.casenote", "casework.casenote", "casework.casenote", "accounts.user", "people.person")


def synthetic_rows(start_seq: int, prev_hash: str, count: int, seed: int) -> Iterator[dict[str, Any]]:
    """``count`` events following ``prev_hash``, chained exactly as ``record_many`` chains them.

    A realistic mix: mostly single-record consultations by 500 officers, one in five a list page
    naming 50 records, some alterations, denials with a reason, disclosures with recipients.
    """
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(days=365)
    step_us = max(1, int(365 * 86_400 * 1_000_000 / max(count, 1)))
    prev = prev_hash
    for i in range(count):
        seq = start_seq + i
        actor = 1000 + int(rng.random() * 500)
        draw = rng.random()
        record_id = 1 + int(rng.random() * 1_999_999)
        reason = ""
        recipients: list[str] = []
        outcome = Outcome.ALLOWED.value
        if draw < 0.20:
            operation = Operation.CONSULT.value
            ids = [str(record_id + k) for k in range(50)]
            path = "/casework/"
        elif draw < 0.85:
            operation, ids, path = Operation.CONSULT.value, [str(record_id)], f"/casework/{record_id}/"
        elif draw < 0.95:
            operation, ids, path = Operation.ALTER.value, [str(record_id)], f"/casework/{record_id}/edit/"
        elif draw < 0.98:
            operation, ids, path = Operation.CONSULT.value, [str(record_id)], f"/casework/{record_id}/"
            outcome, reason = Outcome.DENIED.value, "not found or out of scope"
        else:
            operation, ids, path = Operation.DISCLOSE.value, [str(record_id)], f"/casework/{record_id}/share/"
            recipients = ["Bench Children's Services", "Bench Health Trust"]
            reason = "strategy discussion under s.47 Children Act 1989"
        row: dict[str, Any] = {
            "seq": seq,
            "occurred_at": start + timedelta(microseconds=i * step_us + int(rng.random() * step_us)),
            "actor_id": actor,
            "actor_username": f"officer{actor:05d}",
            "actor_roles": ROLES[actor % len(ROLES)],
            "actor_organisation": "Bench Constabulary",
            "operation": operation,
            "record_type": RECORD_TYPES[actor % len(RECORD_TYPES)],
            "record_ids": ids,
            "outcome": outcome,
            "reason": reason,
            "recipients": recipients,
            "request_id": f"{rng.getrandbits(128):032x}",
            "channel": "web" if draw < 0.9 else "api",
            "path": path,
        }
        digest = link_hash(prev, row)
        row["prev_hash"] = prev
        row["chain_hash"] = digest
        prev = digest
        yield row


def _columns() -> list[str]:
    by_attname = {f.attname: f.column or f.attname for f in AuditEvent._meta.concrete_fields}
    return [by_attname[name] for name in ROW_FIELDS]


def _db_values(rows: list[dict[str, Any]], adapt_datetime: Callable[[datetime], Any]) -> list[tuple[Any, ...]]:
    """Rows as parameter tuples in ``ROW_FIELDS`` order, JSON fields as JSON text."""
    dumps = json.dumps
    return [
        (
            r["seq"],
            adapt_datetime(r["occurred_at"]),
            r["actor_id"],
            r["actor_username"],
            r["actor_roles"],
            r["actor_organisation"],
            r["operation"],
            r["record_type"],
            dumps(r["record_ids"]),
            r["outcome"],
            r["reason"],
            dumps(r["recipients"]),
            r["request_id"],
            r["channel"],
            r["path"],
            r["prev_hash"],
            r["chain_hash"],
        )
        for r in rows
    ]


def _insert_sqlite(rows: list[dict[str, Any]]) -> None:
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _columns())
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(ROW_FIELDS))})"
    # Django's own conversion for SQLite: naive UTC text with microseconds.
    params = _db_values(rows, connection.ops.adapt_datetimefield_value)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _insert_postgres(rows: list[dict[str, Any]]) -> None:
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _columns())
    params = _db_values(rows, lambda value: value)  # psycopg sends aware datetimes as timestamptz
    copy_sql = f"COPY {table} ({columns}) FROM STDIN"
    with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:  # type: ignore[attr-defined]
        for values in params:
            copy.write_row(values)


def build_chain(count: int, batch: int, seed: int) -> tuple[int, float]:
    """Append ``count`` synthetic events after the current head; returns the new last seq and seconds."""
    insert = _insert_postgres if connection.vendor == "postgresql" else _insert_sqlite
    head = AuditChainHead.objects.get(pk=1)
    start = time.perf_counter()
    seq, prev = head.last_seq, head.last_hash
    pending: list[dict[str, Any]] = []
    for row in synthetic_rows(seq + 1, prev, count, seed):
        pending.append(row)
        if len(pending) >= batch:
            insert(pending)
            pending = []
        seq, prev = row["seq"], row["chain_hash"]
    if pending:
        insert(pending)
    AuditChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash=prev)
    return seq, time.perf_counter() - start


def settle_after_load() -> None:
    """Untimed: what a database that has lived with these rows would have done already."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(AuditEvent._meta.db_table)}")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute(f"ANALYZE {connection.ops.quote_name(AuditEvent._meta.db_table)}")


def raw_keyset_read(batch: int = 5000) -> int:
    """Every row's verified columns, keyset-paged by seq through a plain DB-API cursor: no ORM, no hash."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _columns())
    sql = f"SELECT {columns} FROM {table} WHERE seq > %s ORDER BY seq LIMIT %s"
    last, count = 0, 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [last, batch])
            rows = cursor.fetchall()
            if not rows:
                return count
            count += len(rows)
            last = rows[-1][0]


def orm_keyset_read() -> int:
    """The verifier's own read (``iter_rows``: same query, same pages, same conversions), no hashing."""
    count = 0
    for _row in iter_rows():
        count += 1
    return count


def _timed[T](fn: Callable[[], T]) -> tuple[T, float]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def verify_audit(options: Options) -> None:
    out(f"verify_audit: verify_chain() over {thousands(options.events)} audit events")
    last_seq, built = build_chain(options.events, options.batch, options.seed)
    how = "COPY" if connection.vendor == "postgresql" else "executemany"
    out(
        f"  built         {thousands(options.events):>11} events in {built:8.2f} s "
        f"({thousands(options.events / built)} events/s: link_hash + {how}, batches of {thousands(options.batch)})"
    )
    settle_after_load()
    raw_keyset_read()  # untimed warm-up pass, so no timed pass pays for a cold cache

    floor_rows, floor_s = _timed(raw_keyset_read)
    read_rows, read_s = _timed(orm_keyset_read)
    (checked, broken), verify_s = _timed(verify_chain)

    if broken is not None:
        raise BenchmarkFailed(f"verify_chain found a break at seq {broken.seq}: {broken.problem}")
    if checked != last_seq or read_rows != last_seq or floor_rows != last_seq:
        raise BenchmarkFailed(f"expected {last_seq} rows; verify {checked}, read {read_rows}, raw {floor_rows}")

    def line(label: str, rows: int, seconds: float, note: str) -> None:
        rate = thousands(rows / seconds)
        out(f"  {label:<13} {thousands(rows):>11} events in {seconds:8.2f} s = {rate:>9} events/s  {note}")

    line("verify_chain", checked, verify_s, "chain intact (HMAC re-computed for every row)")
    line("baseline", read_rows, read_s, "keyset-paged read, same query as verify (iter_rows), no hashing")
    line("floor", floor_rows, floor_s, "keyset-paged read, raw SQL cursor, no ORM, no hashing")
    out(
        f"  ratio verify/baseline {verify_s / read_s:.2f}x; hashing and checking take "
        f"{100 * (verify_s - read_s) / verify_s:.0f} % of verify time "
        f"({1e6 * (verify_s - read_s) / checked:.1f} us/event); verify/floor {verify_s / floor_s:.2f}x"
    )


# --- audit_overhead -------------------------------------------------------------------------------


@dataclass
class Casework:
    officer: Any
    note_ids: list[int]


def create_casework(notes: int) -> Casework:
    """A police organisation, the officer's unit and another unit, ``notes`` notes in each."""
    from safeguard.accounts.models import Organisation, OrganisationKind, Role, RoleCode, Unit, User
    from tests.casework.models import CaseNote

    org = Organisation.objects.create(name="Bench Constabulary", kind=OrganisationKind.POLICE_UNIT)
    unit = Unit.objects.create(organisation=org, name="Bench PPU", code="bench-ppu")
    other = Unit.objects.create(organisation=org, name="Bench CAIT", code="bench-cait")
    officer_role = Role.objects.get(code=RoleCode.OFFICER)
    users = []
    for username, home in (("bench.officer", unit), ("bench.colleague", unit), ("bench.elsewhere", other)):
        user = User.objects.create_user(
            username=username, password="bench-password-not-secret", organisation=org, unit=home
        )
        user.roles.add(officer_role)
        users.append(user)
    officer, colleague, elsewhere = users
    body = "Visited the address with a social worker. " * 12
    CaseNote.objects.bulk_create(
        [
            CaseNote(unit=unit, owner=officer if i % 2 else colleague, title=f"Note {i:04d}", body=body)
            for i in range(notes)
        ]
        + [CaseNote(unit=other, owner=elsewhere, title=f"Other {i:04d}", body=body) for i in range(notes)]
    )
    ids = list(CaseNote.objects.filter(unit=unit).order_by("pk").values_list("pk", flat=True))
    return Casework(officer=officer, note_ids=ids)


def signed_in_client(user: Any) -> Client:
    """A test client whose session is what ``signin.complete()`` leaves behind (without MFA)."""
    from safeguard.accounts import services
    from safeguard.accounts.signin import SESSION_SEEN, SESSION_STARTED

    client = Client()
    client.force_login(user)
    session = client.session
    now = time.time()
    session[SESSION_STARTED] = now
    session[SESSION_SEEN] = now
    session.save()
    services.register_session(user, session.session_key or "", "bench")
    return client


@dataclass(frozen=True)
class Page:
    name: str
    paths: list[str]
    shown: int  # records each request shows (and audits)


def _check(response: Any, mode: str, path: str) -> None:
    if response.status_code != 200:
        raise BenchmarkFailed(f"{mode}: GET {path} answered {response.status_code}")


def queries_per_request(client: Client, path: str) -> int:
    """SQL statements one request runs (untimed; the debug cursor is on only inside the context)."""
    with CaptureQueriesContext(connection) as captured:
        _check(client.get(path), "query count", path)
    return len(captured)


def measure_page(page: Page, on: Client, off: Client, options: Options) -> tuple[list[float], list[float]]:
    """Milliseconds per request, audit on and audit off, requests alternating in ABBA order."""
    for i in range(options.warmup):
        path = page.paths[i % len(page.paths)]
        _check(on.get(path), "audit on", path)
        _check(off.get(path), "audit off", path)
    on_ms: list[float] = []
    off_ms: list[float] = []
    gc.collect()
    for i in range(options.requests):
        path = page.paths[i % len(page.paths)]
        order = ((on, on_ms, "audit on"), (off, off_ms, "audit off"))
        for client, times, mode in order if i % 2 == 0 else order[::-1]:
            start = time.perf_counter_ns()
            response = client.get(path)
            elapsed = time.perf_counter_ns() - start
            _check(response, mode, path)
            times.append(elapsed / 1e6)
    return on_ms, off_ms


def audit_overhead(options: Options) -> None:
    out(
        f"audit_overhead: p95 latency of an audited page, audit on vs off "
        f"({options.requests} requests each, {options.warmup} warm-up discarded, alternating ABBA)"
    )
    middleware = list(settings.MIDDLEWARE)
    if AUDIT_MIDDLEWARE not in middleware:
        raise BenchmarkFailed(f"{AUDIT_MIDDLEWARE} is not in MIDDLEWARE")
    without_audit = [NO_AUDIT_MIDDLEWARE if m == AUDIT_MIDDLEWARE else m for m in middleware]

    from .middleware import DiscardingTrail

    work = create_casework(options.notes)
    # Each client's handler builds its middleware chain once, here, under its own settings; the
    # measured requests then alternate between the two chains without touching settings.
    on = signed_in_client(work.officer)
    on.handler.load_middleware()
    with override_settings(MIDDLEWARE=without_audit):
        off = signed_in_client(work.officer)
        off.handler.load_middleware()

    # Functional check before timing: both modes show the same page; only "on" writes the audit.
    before_events = AuditEvent.objects.count()
    before_discarded = DiscardingTrail.discarded
    on_body, off_body = on.get("/casework/"), off.get("/casework/")
    _check(on_body, "audit on", "/casework/")
    _check(off_body, "audit off", "/casework/")
    note_link = re.compile(rb'href="/casework/\d+/"')
    links = (len(note_link.findall(on_body.content)), len(note_link.findall(off_body.content)))
    if links != (options.notes, options.notes):
        raise BenchmarkFailed(f"list page shows {links} notes (audit on, off); expected {options.notes}")
    if AuditEvent.objects.count() != before_events + 1 or DiscardingTrail.discarded != before_discarded + 1:
        raise BenchmarkFailed("audit on must write one event per page and audit off none")

    pages = [
        Page("list", ["/casework/"], options.notes),
        Page("detail", [f"/casework/{pk}/" for pk in work.note_ids], 1),
    ]
    per_page = options.warmup + options.requests
    for page in pages:
        before_events = AuditEvent.objects.count()
        before_discarded = DiscardingTrail.discarded
        on_ms, off_ms = measure_page(page, on, off, options)
        written = AuditEvent.objects.count() - before_events
        discarded = DiscardingTrail.discarded - before_discarded
        if written != per_page or discarded != per_page:
            raise BenchmarkFailed(
                f"{page.name}: {written} events written with audit on and {discarded} discarded with it off; "
                f"expected {per_page} each"
            )
        shown = f"{page.paths[0]}" if len(page.paths) == 1 else f"/casework/<pk>/ over {len(page.paths)} notes"
        counts = (queries_per_request(on, page.paths[0]), queries_per_request(off, page.paths[0]))
        out(
            f"  {page.name} page {shown}: {page.shown} record(s) shown, one audit event per request; "
            f"SQL statements per request: {counts[0]} audit on, {counts[1]} audit off"
        )
        out(f"    {'':<10} {'p50':>9} {'p95':>9} {'p99':>9} {'mean':>9}")
        summary: dict[str, float] = {}
        medians: dict[str, float] = {}
        for mode, times in (("audit on", on_ms), ("audit off", off_ms)):
            ordered = sorted(times)
            p50, p95, p99 = (percentile(ordered, p) for p in (50, 95, 99))
            summary[mode] = p95
            medians[mode] = p50
            mean = sum(ordered) / len(ordered)
            out(f"    {mode:<10} {p50:6.2f} ms {p95:6.2f} ms {p99:6.2f} ms {mean:6.2f} ms")
        ratio = summary["audit on"] / summary["audit off"]
        added = medians["audit on"] - medians["audit off"]
        out(
            f"    ratio p95 on/off {ratio:.3f}x: audit overhead {100 * (ratio - 1):+.1f} % at p95 (target <= 10 %); "
            f"{added:+.2f} ms at p50"
        )
