"""Audit completeness (QUALITY.md): every page or endpoint that shows or changes personal data writes
exactly one event per record (a list: one event naming every record shown); denied attempts too."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.urls import reverse

from safeguard.accounts.services import create_api_token
from safeguard.audit.models import Operation, Outcome
from tests.casework.models import CaseNote
from tests.conftest import Force, Notes, events_since, last_seq, sign_in


def consults(since: int, record_type: str = "casework.casenote") -> list:
    return [e for e in events_since(since) if e.record_type == record_type]


def test_detail_page_writes_one_consultation_naming_the_record(force: Force, notes: Notes) -> None:
    client, seq = sign_in(Client(), force.user("officer")), last_seq()
    response = client.get(reverse("casework:detail", args=[notes.same_unit.pk]))
    assert response.status_code == 200
    [event] = consults(seq)
    assert (event.operation, event.outcome, event.record_ids) == (
        Operation.CONSULT,
        Outcome.ALLOWED,
        [str(notes.same_unit.pk)],
    )
    assert event.actor_id == force.user("officer").pk
    assert event.actor_roles == "officer" and event.actor_organisation == "Testshire Police"
    assert event.request_id == response["X-Request-ID"] and event.channel == "web"


def test_list_page_writes_one_event_naming_every_record_shown(force: Force, notes: Notes) -> None:
    client, seq = sign_in(Client(), force.user("officer")), last_seq()
    client.get(reverse("casework:list"))
    [event] = consults(seq)
    visible = {str(pk) for pk in CaseNote.objects.filter(unit=force.unit_a).values_list("pk", flat=True)}
    assert set(event.record_ids) == visible


def test_out_of_scope_attempt_is_audited_as_denied(force: Force, notes: Notes) -> None:
    client, seq = sign_in(Client(), force.user("officer")), last_seq()
    assert client.get(reverse("casework:detail", args=[notes.other_unit.pk])).status_code == 404
    [event] = consults(seq)
    assert event.outcome == Outcome.DENIED and event.record_ids == [str(notes.other_unit.pk)]


def test_restricted_record_attempt_is_audited_and_break_the_glass_opens_it(force: Force, notes: Notes) -> None:
    hub = force.user("hub")
    client, seq = sign_in(Client(), hub), last_seq()
    url = reverse("casework:detail", args=[notes.restricted.pk])
    prompt = client.get(url)
    assert (
        prompt.status_code == 403 and b"secret" not in prompt.content and b"This record is restricted" in prompt.content
    )
    response = client.post(
        reverse("accounts:break_glass"),
        {
            "record_type": "casework.casenote",
            "record_id": notes.restricted.pk,
            "reason": "Urgent strategy discussion today",
            "next": url,
        },
    )
    assert response.status_code == 302 and response["Location"] == url
    assert b"secret" in client.get(url).content
    events = consults(seq)
    assert [e.outcome for e in events] == [Outcome.DENIED, Outcome.ALLOWED, Outcome.ALLOWED]
    assert "Urgent strategy discussion today" in events[1].reason
    owner_notices = force.colleague.notifications.all()
    assert len(owner_notices) == 1 and "restricted record" in owner_notices[0].message


def test_break_the_glass_needs_a_real_reason(force: Force, notes: Notes) -> None:
    client = sign_in(Client(), force.user("hub"))
    response = client.post(
        reverse("accounts:break_glass"),
        {
            "record_type": "casework.casenote",
            "record_id": notes.restricted.pk,
            "reason": "x",
        },
    )
    assert response.status_code == 403 and b"There is a problem" in response.content
    assert not force.user("hub").access_grants.exists()


def test_break_the_glass_refused_outside_scope(force: Force, notes: Notes) -> None:
    outsider_restricted = CaseNote.objects.create(
        unit=force.unit_b, owner=force.outsider, title="t", body="b", is_restricted=True
    )
    client = sign_in(Client(), force.user("officer"))
    response = client.post(
        reverse("accounts:break_glass"),
        {
            "record_type": "casework.casenote",
            "record_id": outsider_restricted.pk,
            "reason": "I would like to see it please",
        },
    )
    assert response.status_code == 404
    assert not force.user("officer").access_grants.exists()


def test_api_detail_writes_one_event_on_the_api_channel(force: Force, notes: Notes) -> None:
    _, raw = create_api_token(user=force.user("hub"), name="t")
    seq = last_seq()
    response = Client().get(f"/api/v1/casework/{notes.other_unit.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200 and response.json()["body"] == "b"
    [event] = consults(seq)
    assert event.channel == "api" and event.record_ids == [str(notes.other_unit.pk)]


def test_writes_are_audited_with_the_change(force: Force, notes: Notes) -> None:
    client, seq = sign_in(Client(), force.user("officer")), last_seq()
    response = client.post(reverse("casework:edit", args=[notes.own["officer"].pk]), {"title": "New", "body": "x"})
    assert response.status_code == 302
    operations = [e.operation for e in consults(seq)]
    assert sorted(operations) == [Operation.ALTER, Operation.CONSULT]


def test_admin_changes_to_users_are_audited(force: Force) -> None:
    admin = force.user("admin")
    client, seq = sign_in(Client(), admin), last_seq()
    client.post(reverse("accounts:admin_user_disable", args=[force.colleague.pk]), {"reason": "left the force"})
    [event] = [e for e in events_since(seq) if e.operation == Operation.ALTER]
    assert event.record_type == "accounts.user" and event.record_ids == [str(force.colleague.pk)]
    assert "left the force" in event.reason


def refuse_audit_writes() -> None:
    """A real failure: the database refuses every new audit row (not a mock of the writer)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'audit store unavailable'; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_auditevent "
                "FOR EACH ROW EXECUTE FUNCTION test_refuse_audit()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_auditevent "
                "BEGIN SELECT RAISE(ABORT, 'audit store unavailable'); END"
            )


def test_page_shows_nothing_when_the_audit_cannot_be_written(force: Force, notes: Notes) -> None:
    client = sign_in(Client(), force.user("officer"))
    refuse_audit_writes()
    response = client.get(reverse("casework:detail", args=[notes.same_unit.pk]))
    assert response.status_code == 503
    assert b"Colleague" not in response.content and b"could not record your access" in response.content


def test_api_shows_nothing_when_the_audit_cannot_be_written(force: Force, notes: Notes) -> None:
    _, raw = create_api_token(user=force.user("officer"), name="t")
    refuse_audit_writes()
    response = Client().get(f"/api/v1/casework/{notes.same_unit.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "audit_unavailable" and b"Colleague" not in response.content
