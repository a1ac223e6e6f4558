"""Writing and verifying the audit chain. The only code that inserts AuditEvent rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction

from .chain import GENESIS, link_hash
from .context import current_origin
from .models import AuditChainHead, AuditEvent, Operation, Outcome

if TYPE_CHECKING:
    from safeguard.accounts.models import User


class AuditWriteError(Exception):
    """The audit event could not be written; whatever it was meant to cover must not be shown or kept."""


@dataclass
class PendingEvent:
    """An event waiting to be written, e.g. a consultation collected while a page was built."""

    operation: str
    record_type: str
    record_ids: list[str]
    outcome: str = Outcome.ALLOWED
    reason: str = ""
    recipients: list[str] = field(default_factory=list)


def database_now() -> datetime:
    """The database's clock, in UTC, to the microsecond where the database keeps it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT statement_timestamp()")
            value = cursor.fetchone()[0]
            return value.astimezone(UTC)
        cursor.execute("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")
        text = cursor.fetchone()[0]
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)


def ids_of(records: Iterable[models.Model | str | int]) -> list[str]:
    return [str(r.pk) if isinstance(r, models.Model) else str(r) for r in records]


def record(
    *,
    actor: User | None,
    operation: Operation | str,
    record_type: str,
    records: Iterable[models.Model | str | int],
    outcome: Outcome | str = Outcome.ALLOWED,
    reason: str = "",
    recipients: Sequence[str] = (),
) -> AuditEvent:
    """Append one event. Call it inside the transaction of the change it records."""
    events = record_many(
        actor=actor,
        events=[
            PendingEvent(
                operation=str(operation),
                record_type=record_type,
                record_ids=ids_of(records),
                outcome=str(outcome),
                reason=reason,
                recipients=list(recipients),
            )
        ],
    )
    return events[0]


def record_many(*, actor: User | None, events: Sequence[PendingEvent]) -> list[AuditEvent]:
    if not events:
        return []
    origin = current_origin()
    signed_in = actor is not None and actor.is_authenticated
    organisation = actor.organisation if signed_in and actor is not None else None
    actor_fields: dict[str, Any] = {
        "actor_id": actor.pk if signed_in and actor is not None else None,
        "actor_username": actor.get_username() if signed_in and actor is not None else "",
        "actor_roles": ",".join(sorted(actor.role_codes())) if signed_in and actor is not None else "",
        "actor_organisation": organisation.name if organisation is not None else "",
    }
    written = []
    try:
        with transaction.atomic():
            head = AuditChainHead.objects.select_for_update().get(pk=1)
            occurred_at = database_now()
            seq, prev = head.last_seq, head.last_hash
            for pending in events:
                seq += 1
                row: dict[str, Any] = {
                    "seq": seq,
                    "occurred_at": occurred_at,
                    **actor_fields,
                    "operation": pending.operation,
                    "record_type": pending.record_type,
                    "record_ids": pending.record_ids,
                    "outcome": pending.outcome,
                    "reason": pending.reason,
                    "recipients": pending.recipients,
                    "request_id": origin.request_id,
                    "channel": origin.channel,
                    "path": origin.path[:300],
                }
                digest = link_hash(prev, row)
                written.append(AuditEvent.objects.create(**row, prev_hash=prev, chain_hash=digest))
                prev = digest
            AuditChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash=prev)
    except Exception as exc:
        raise AuditWriteError(str(exc)) from exc
    return written


@dataclass(frozen=True)
class Break:
    seq: int
    problem: str


ROW_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_username",
    "actor_roles",
    "actor_organisation",
    "operation",
    "record_type",
    "record_ids",
    "outcome",
    "reason",
    "recipients",
    "request_id",
    "channel",
    "path",
    "prev_hash",
    "chain_hash",
)
"""Every column of an audit row, in the writer's terms; verify_audit and the benchmark read these."""


def iter_rows(batch: int = 5000) -> Iterator[dict[str, Any]]:
    """Every audit row in sequence order, read in keyset-paged batches (no OFFSET, flat memory)."""
    last = 0
    fields = ROW_FIELDS
    while True:
        rows = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq").values(*fields)[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1]["seq"]


def verify_chain() -> tuple[int, Break | None]:
    """Re-compute the chain. Returns how many rows were checked and the first break, if any."""
    expected_seq, prev = 1, GENESIS
    checked = 0
    for row in iter_rows():
        if row["seq"] != expected_seq:
            return checked, Break(expected_seq, f"row {expected_seq} is missing (next row is {row['seq']})")
        if row["prev_hash"] != prev:
            return checked, Break(row["seq"], "does not follow the row before it")
        if link_hash(prev, row) != row["chain_hash"]:
            return checked, Break(row["seq"], "its contents do not match its hash")
        prev = row["chain_hash"]
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.get(pk=1)
    if head.last_seq != checked or head.last_hash != prev:
        return checked, Break(checked + 1, f"the chain head says {head.last_seq} rows but {checked} are present")
    return checked, None
