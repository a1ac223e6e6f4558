"""The audit log is append-only and tamper-evident: triggers refuse UPDATE and DELETE, and
verify_audit names the first broken sequence number for every kind of tampering behind them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from safeguard.audit import services as audit
from safeguard.audit.models import AuditEvent, Operation

pytestmark = pytest.mark.tampers_with_audit


@pytest.fixture
def chain(db: None) -> list[AuditEvent]:
    return [
        audit.record(actor=None, operation=Operation.CONSULT, record_type="casework.casenote", records=[i])
        for i in range(1, 7)
    ]


@contextmanager
def behind_the_triggers() -> Iterator[None]:
    """What an attacker with database access could do: switch the protection off for a moment."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            yield
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER audit_event_no_update")
            cursor.execute("DROP TRIGGER audit_event_no_delete")
            yield


def broken_at() -> int | None:
    _, broken = audit.verify_chain()
    return None if broken is None else broken.seq


def test_intact_chain_verifies(chain: list[AuditEvent], capsys: pytest.CaptureFixture[str]) -> None:
    call_command("verify_audit")
    assert "6 events verified" in capsys.readouterr().out


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_auditevent SET reason = 'x' WHERE seq = 2", "DELETE FROM audit_auditevent WHERE seq = 2"],
)
def test_database_refuses_update_and_delete(chain: list[AuditEvent], statement: str) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert broken_at() is None


def test_raw_update_is_detected_at_its_row(chain: list[AuditEvent]) -> None:
    with behind_the_triggers(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET record_ids = '[\"999\"]' WHERE seq = 3")
    assert broken_at() == 3
    with pytest.raises(CommandError, match="sequence number 3"):
        call_command("verify_audit")


def test_raw_delete_is_detected_at_the_missing_row(chain: list[AuditEvent]) -> None:
    with behind_the_triggers(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = 4")
    assert broken_at() == 4


def test_deleting_the_newest_row_is_detected(chain: list[AuditEvent]) -> None:
    with behind_the_triggers(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = 6")
    assert broken_at() == 6


def test_swapping_two_rows_is_detected(chain: list[AuditEvent]) -> None:
    with behind_the_triggers(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET seq = -1 WHERE seq = 2")
        cursor.execute("UPDATE audit_auditevent SET seq = 2 WHERE seq = 5")
        cursor.execute("UPDATE audit_auditevent SET seq = 5 WHERE seq = -1")
    assert broken_at() == 2


def test_forged_row_is_detected(chain: list[AuditEvent]) -> None:
    last = chain[-1]
    AuditEvent.objects.create(
        seq=7,
        occurred_at=datetime.now(UTC),
        operation=Operation.ERASE,
        record_type="casework.casenote",
        record_ids=["1"],
        prev_hash=last.chain_hash,
        chain_hash="f" * 64,
    )
    assert broken_at() == 7
