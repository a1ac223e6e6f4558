"""The sweep raises each threshold's alert exactly once, tells the right people, catches up after the
worker has been down, and emails through a real SMTP server without case content."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import connection, connections
from django_tasks_db.models import DBTaskResult

from safeguard.accounts.models import Notification, RoleCode, Unit, User
from safeguard.schedule import Periodic, enqueue_due
from safeguard.timescales.models import Alert, AlertNotice, Clock, Stage
from safeguard.timescales.rules import Deadline, Rule, register
from safeguard.timescales.services import start_clock
from safeguard.timescales.sweep import _raise_alerts, sweep
from safeguard.timescales.tasks import send_alert_emails, sweep_clocks
from tests.casework.models import CaseNote
from tests.conftest import Force, make_user

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _four_hours(start: datetime, context: Mapping[str, str], values: Mapping[str, int]) -> Deadline:
    return Deadline(start + timedelta(hours=4), "Note reviewed: due 4 h after it is written")


NOTE_REVIEW = register(
    Rule(
        code="tests.note_review",
        title="A test rule: a note reviewed within 4 hours",
        source="Test",
        statutory=False,
        starts="A note is written",
        stops="It is reviewed",
        owner="The note's author",
        deadline=_four_hours,
        url_name="casework:detail",
    )
)


HUB_REVIEW = register(
    Rule(
        code="tests.hub_note_review",
        title="A test rule: hub work on a note within 4 hours",
        source="Test",
        statutory=False,
        starts="A note is written",
        stops="The hub reviews it",
        owner="The hub",
        deadline=_four_hours,
        url_name="casework:detail",
        hub_work=True,
    )
)


def note_clock(force: Force, *, owner: str | None = "officer", title: str = "note", rule: Rule = NOTE_REVIEW) -> Clock:
    """A 4 h clock from T0: due soon at 3 h (75 %), overdue at 4 h, escalated at 8 h (100 % again)."""
    author = force.user("officer")
    note = CaseNote.objects.create(unit=force.unit_a, owner=author, title=title, body="")
    return start_clock(
        rule=rule,
        record=note,
        label=f"NOTE-{note.pk}",
        unit_id=force.unit_a.pk,
        owner_id=force.user(owner).pk if owner else None,
        started_at=T0,
    )


def alerts_of(clock: Clock) -> list[tuple[int, bool]]:
    return sorted(clock.alerts.values_list("threshold", "superseded"))


def told(clock: Clock) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for threshold, username in AlertNotice.objects.filter(alert__clock=clock).values_list(
        "alert__threshold", "user__username"
    ):
        out.setdefault(threshold, set()).add(username)
    return out


def test_each_threshold_alerts_once_and_tells_the_escalation_chain(force: Force) -> None:
    clock = note_clock(force)
    for hours, expected in [(2, []), (3.01, [Stage.DUE_SOON]), (4.01, [Stage.OVERDUE]), (8.01, [Stage.ESCALATED])]:
        with time_machine.travel(T0 + timedelta(hours=hours), tick=False):
            first, again = sweep(), sweep()
        assert first.alerts == len(expected) and again.alerts == 0 and again.clocks == 0
    clock.refresh_from_db()
    assert clock.stage == Stage.ESCALATED and clock.next_at is None
    assert alerts_of(clock) == [(1, False), (2, False), (3, False)]
    assert told(clock) == {
        Stage.DUE_SOON: {"officer"},
        Stage.OVERDUE: {"officer", "supervisor"},
        Stage.ESCALATED: {"supervisor", "leader"},
    }
    messages = list(Notification.objects.filter(user=force.user("officer")).values_list("message", flat=True))
    assert any(m.startswith("Due soon, by") and f"NOTE-{clock.record_id}" in m for m in messages)
    assert any(m.startswith("Overdue since") for m in messages)


def test_unowned_work_goes_to_the_supervisor_and_disabled_people_are_not_told(force: Force) -> None:
    clock = note_clock(force, owner=None)
    force.user("leader").is_active = False
    force.user("leader").save()
    with time_machine.travel(T0 + timedelta(hours=9), tick=False):
        sweep()
    assert told(clock) == {Stage.ESCALATED: {"supervisor"}}


def test_unowned_hub_work_goes_to_the_hub_then_its_supervisors_then_leaders(force: Force) -> None:
    hub_unit = Unit.objects.create(organisation=force.police, name="Hub", code="HUB")
    hub_lead = make_user("hub_lead", [RoleCode.SUPERVISOR], force.police, hub_unit)
    hub_unit.supervisor = hub_lead
    hub_unit.save()
    User.objects.filter(pk=force.user("hub").pk).update(unit=hub_unit)
    clock = note_clock(force, owner=None, rule=HUB_REVIEW)
    for hours in (3.01, 4.01, 8.01):
        with time_machine.travel(T0 + timedelta(hours=hours), tick=False):
            sweep()
    assert told(clock) == {
        Stage.DUE_SOON: {"hub"},
        Stage.OVERDUE: {"hub", "hub_lead"},
        Stage.ESCALATED: {"hub_lead", "leader"},
    }


def test_a_leader_told_of_an_escalation_is_sent_to_the_overdue_queue(force: Force) -> None:
    note_clock(force)
    with time_machine.travel(T0 + timedelta(hours=9), tick=False):
        sweep()
    [told_leader] = Notification.objects.filter(user=force.user("leader"))
    [told_supervisor] = Notification.objects.filter(user=force.user("supervisor"))
    assert told_leader.link == "/work/team/?status=overdue&rule=tests.note_review"
    assert told_leader.message.startswith("Escalated to you, overdue since")
    assert told_supervisor.link.startswith("/casework/")


def test_a_sweep_after_two_hours_down_catches_up_and_sends_only_the_latest_threshold(force: Force) -> None:
    clock = note_clock(force)
    with time_machine.travel(T0 + timedelta(hours=2, minutes=59), tick=False):
        assert sweep().alerts == 0  # the last sweep before the worker went down
    with time_machine.travel(T0 + timedelta(hours=4, minutes=59), tick=False):
        result = sweep()  # back two hours later: due soon and overdue both passed meanwhile
    assert result.alerts == 2 and result.clocks == 1
    assert alerts_of(clock) == [(Stage.DUE_SOON, True), (Stage.OVERDUE, False)]
    assert told(clock) == {Stage.OVERDUE: {"officer", "supervisor"}}
    assert Notification.objects.filter(user=force.user("officer")).count() == 1


def test_stopped_clocks_never_alert(force: Force) -> None:
    clock = note_clock(force)
    Clock.objects.filter(pk=clock.pk).update(stopped_at=T0 + timedelta(hours=1), next_at=None, outcome="met")
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        assert sweep().alerts == 0 and sweep(full=True).alerts == 0


def test_the_full_sweep_finds_a_clock_the_incremental_sweep_cannot(force: Force) -> None:
    clock = note_clock(force)
    Clock.objects.filter(pk=clock.pk).update(next_at=None)  # as if next_at had been lost
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        assert sweep().alerts == 0
        assert sweep(full=True).alerts == 2
    clock.refresh_from_db()
    assert clock.stage == Stage.OVERDUE and clock.next_at == clock.escalate_at


def test_a_batch_raced_by_another_sweeper_inserts_no_second_alert(force: Force) -> None:
    clock = note_clock(force)
    now = T0 + timedelta(hours=5)
    assert _raise_alerts([clock.pk], now, uuid.uuid4()) == 2
    assert _raise_alerts([clock.pk], now, uuid.uuid4()) == 0  # the unique constraint holds the line
    assert Alert.objects.filter(clock=clock).count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent sweepers need PostgreSQL's row locks")
def test_two_sweepers_running_at_once_alert_exactly_once(force: Force) -> None:
    clocks = [note_clock(force, title=f"note {i}") for i in range(400)]
    now = T0 + timedelta(hours=5)
    start = threading.Barrier(2)
    results = []

    def run() -> None:
        try:
            start.wait()
            results.append(sweep(now=now, batch=25))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and sum(r.clocks for r in results) == 400
    assert sum(r.alerts for r in results) == Alert.objects.count() == 800  # due soon + overdue, once each
    assert AlertNotice.objects.count() == 400 * 2  # overdue only (catching up): officer and supervisor
    assert Notification.objects.count() == 800
    assert set(Clock.objects.values_list("stage", flat=True)) == {Stage.OVERDUE}
    assert len(clocks) == 400


def test_the_worker_runs_the_sweep_from_its_schedule(force: Force, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    clock = note_clock(force)
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        assert enqueue_due(T0.timestamp() + 5 * 3600, [Periodic(sweep_clocks, timedelta(minutes=1))])
        call_command("db_worker", batch=True, interval=0, verbosity=0)
    assert alerts_of(clock) == [(Stage.DUE_SOON, True), (Stage.OVERDUE, False)]
    # the sweep enqueued the email run in its own transaction; the worker ran that too
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert not AlertNotice.objects.filter(emailed_at__isnull=True).exists()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode()))  # type: ignore[attr-defined]
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def mail_through(settings: object, port: int) -> None:
    settings.MAILERS = {  # type: ignore[attr-defined]
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


@pytest.fixture
def smtp(settings: object) -> Iterator[Inbox]:
    port = free_port()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    mail_through(settings, port)
    try:
        yield inbox
    finally:
        controller.stop()


def test_alert_emails_reach_a_real_smtp_server_once_and_carry_no_case_content(force: Force, smtp: Inbox) -> None:
    for role in ("officer", "supervisor"):
        force.user(role).email = f"{role}@testshire.police.example"
        force.user(role).save()
    clock = note_clock(force, title="Secret canary title")
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        sweep()
    assert send_alert_emails.call() == 2
    assert send_alert_emails.call() == 0  # nothing is sent twice
    assert sorted(to for to, _ in smtp.messages) == [
        ["officer@testshire.police.example"],
        ["supervisor@testshire.police.example"],
    ]
    for _, content in smtp.messages:
        assert "1 item needs your attention" in content and "/notifications/" in content
        assert f"NOTE-{clock.record_id}" not in content and "canary" not in content.lower()
    assert not AlertNotice.objects.filter(emailed_at__isnull=True).exists()


def test_people_without_an_email_address_are_told_in_the_app_only(force: Force, smtp: Inbox) -> None:
    note_clock(force)
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        sweep()
    assert send_alert_emails.call() == 0 and smtp.messages == []
    assert Notification.objects.filter(user=force.user(RoleCode.OFFICER)).count() == 1


def test_alert_emails_wait_for_a_mail_server_that_is_down_and_go_when_it_is_back(
    force: Force, settings: object
) -> None:
    force.user("officer").email = "officer@testshire.police.example"
    force.user("officer").save()
    note_clock(force)
    with time_machine.travel(T0 + timedelta(hours=3, minutes=30), tick=False):
        sweep()  # due soon: the officer alone
    port = free_port()  # nothing listens here yet
    mail_through(settings, port)
    with pytest.raises(OSError):
        send_alert_emails.call()
    assert AlertNotice.objects.filter(emailed_at__isnull=True).count() == 1  # kept for the next run
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert send_alert_emails.call() == 1
    finally:
        controller.stop()
    assert [to for to, _ in inbox.messages] == [["officer@testshire.police.example"]]
    assert not AlertNotice.objects.filter(emailed_at__isnull=True).exists()
