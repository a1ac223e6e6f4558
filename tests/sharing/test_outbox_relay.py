"""The outbox and its relay against a real SMTP server and a real HTTPS receiver on loopback: who is
alerted, that each alert arrives once, signed and without content, that the share is then delivered,
and what happens when the partner fails: retried with backoff, dead and the hub told, or refused because
the address is not the registered https one."""

from __future__ import annotations

import json
import logging
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from safeguard.accounts.models import Notification, Organisation, OrganisationKind, RoleCode, User
from safeguard.sharing.models import (
    Channel,
    Disclosure,
    OutboxMessage,
    OutboxState,
    PartnerContact,
    PartnerProfile,
    Share,
    ShareStatus,
)
from safeguard.sharing.outbox import queue_alerts
from safeguard.sharing.relay import backoff, claim, reclaim_stuck, relay, sign, verify_signature
from safeguard.sharing.tasks import relay_outbox
from tests.conftest import Force, make_child, make_concern, make_user
from tests.sharing.helpers import add_contacts, send, submitted_concern
from tests.sharing.receivers import (
    SECRET,
    Certificate,
    MailReceiver,
    WebhookReceiver,
    free_port,
    mail_through,
    make_certificate,
    sent_shares,
)


@pytest.fixture
def social_care(force: Force, webhook: WebhookReceiver) -> Organisation:
    """The force's partner: a duty desk for alerts, a manager for escalations, a former contact, and its
    own system registered at the webhook receiver."""
    organisation = force.partner_org
    add_contacts(organisation)
    PartnerContact.objects.create(
        organisation=organisation, name="Former Worker", email="former@partner.example", is_active=False
    )
    PartnerProfile.objects.create(organisation=organisation, webhook_url=webhook.url, webhook_secret=SECRET)
    return organisation


@pytest.fixture
def system_only(force: Force, webhook: WebhookReceiver) -> Organisation:
    """A partner alerted only through its own system (no contacts)."""
    organisation = Organisation.objects.create(name="Testshire Youth Justice", kind=OrganisationKind.OTHER)
    PartnerProfile.objects.create(organisation=organisation, webhook_url=webhook.url, webhook_secret=SECRET)
    return organisation


def shares_to(force: Force, organisation: Organisation, count: int) -> list[Share]:
    concern = make_concern(force.user("hub"), make_child(force.user("hub")), submit=True)
    return sent_shares(concern, organisation, count)


def alert(organisation: Organisation, shares: list[Share], event: str = "share.sent") -> list[str]:
    """Queue ``event`` for each share in one committed transaction; the keys queued."""
    with transaction.atomic():
        return [str(m.key) for s in shares for m in queue_alerts(organisation=organisation, event=event, share=s)]


def recipients(messages: list[OutboxMessage]) -> list[tuple[str, str]]:
    return sorted((m.channel, m.recipient) for m in messages)


# --- Who is alerted ---------------------------------------------------------------------------------


def test_alerts_go_to_active_alert_contacts_and_the_registered_system_and_escalations_to_the_named_contact(
    force: Force, social_care: Organisation, webhook: WebhookReceiver
) -> None:
    [share] = shares_to(force, social_care, 1)
    sent = queue_alerts(organisation=social_care, event="share.sent", share=share)
    assert recipients(sent) == [(Channel.EMAIL, "duty@partner.example"), (Channel.WEBHOOK, webhook.url)]
    escalated = queue_alerts(organisation=social_care, event="share.escalated", share=share, escalation=True)
    assert recipients(escalated) == [(Channel.EMAIL, "manager@partner.example")]

    PartnerProfile.objects.filter(organisation=social_care).update(email_alerts=False)
    assert recipients(queue_alerts(organisation=social_care, event="share.revoked", share=share)) == [
        (Channel.WEBHOOK, webhook.url)
    ]
    # Email alerts off is for routine alerts: the named escalation contact is still told.
    escalated = queue_alerts(organisation=social_care, event="share.escalated", share=share, escalation=True)
    assert recipients(escalated) == [(Channel.EMAIL, "manager@partner.example")]


def test_a_partner_without_a_sharing_profile_is_alerted_by_email(force: Force) -> None:
    school = Organisation.objects.create(name="Testshire Primary", kind=OrganisationKind.SCHOOL)
    PartnerContact.objects.create(organisation=school, name="Dana Lead", email="dsl@school.example")
    [share] = shares_to(force, school, 1)
    assert recipients(queue_alerts(organisation=school, event="share.sent", share=share)) == [
        (Channel.EMAIL, "dsl@school.example")
    ]


def test_an_unknown_event_is_refused(force: Force, system_only: Organisation) -> None:
    with pytest.raises(ValueError, match="Unknown outbox event"):
        queue_alerts(organisation=system_only, event="share.viewed")
    assert not OutboxMessage.objects.exists()


# --- Delivered once, signed, content-free ---------------------------------------------------------------


def test_a_sent_share_reaches_its_alert_contact_and_the_partners_system_once_signed_and_without_content(
    force: Force, social_care: Organisation, webhook: WebhookReceiver, mailbox: MailReceiver
) -> None:
    share = send(force.user("hub"), submitted_concern(force, make_child(force.user("officer"))), social_care)
    result = relay()
    assert (result.claimed, result.sent, result.retried, result.dead) == (2, 2, 0, 0)
    assert relay().claimed == 0  # nothing is sent twice

    link = settings.SAFEGUARD_SITE_URL + reverse("portal:share", args=[share.pk])
    [mail] = mailbox.mails
    assert mail.to == ["duty@partner.example"]
    assert mail.subject == "Safeguard: new information shared with Testshire Social Care"
    assert link in mail.text and "This email holds no case details" in mail.text
    assert mail.message["Message-ID"] == f"<{mail.key}@localhost>"

    [delivery] = webhook.deliveries.values()
    message = OutboxMessage.objects.get(channel=Channel.WEBHOOK)
    assert delivery.payload == {
        "id": str(message.key),
        "event": "share.sent",
        "share": share.reference,
        "organisation": "Testshire Social Care",
        "link": link,
        "created_at": message.created_at.isoformat(),
    }
    assert delivery.headers["x-safeguard-signature"].startswith("v1=")
    assert webhook.rejected == [] and webhook.duplicates == 0 and webhook.requests == 1
    assert {mail.key, delivery.key} == {str(k) for k in OutboxMessage.objects.values_list("key", flat=True)}

    # The content is for the portal: none of what was shared is in either alert.
    shared = [item["value"] for item in Disclosure.objects.get(share=share).content if len(item["value"]) > 3]
    assert shared
    for value in shared:
        assert value not in mail.message.as_string() and value not in json.dumps(delivery.payload)

    share.refresh_from_db()
    assert share.status == ShareStatus.DELIVERED and share.delivered_at is not None
    assert set(OutboxMessage.objects.values_list("state", "attempts")) == {(OutboxState.SENT, 1)}


def test_delivery_never_moves_a_share_backwards(force: Force, system_only: Organisation) -> None:
    [share] = shares_to(force, system_only, 1)
    read_at = timezone.now() - timedelta(minutes=5)
    Share.objects.filter(pk=share.pk).update(status=ShareStatus.READ, delivered_at=read_at, first_read_at=read_at)
    alert(system_only, [share], event="share.escalated")
    assert relay().sent == 1
    share.refresh_from_db()
    assert share.status == ShareStatus.READ and share.delivered_at == read_at


def test_a_withdrawn_share_is_announced_with_a_link_to_the_portal_not_to_the_share(
    force: Force, social_care: Organisation, webhook: WebhookReceiver, mailbox: MailReceiver
) -> None:
    [share] = shares_to(force, social_care, 1)
    alert(social_care, [share], event="share.revoked")
    assert relay().sent == 2
    home = settings.SAFEGUARD_SITE_URL + reverse("portal:home")
    [mail] = mailbox.mails
    assert mail.subject == "Safeguard: information shared with Testshire Social Care has been withdrawn"
    assert home in mail.text and reverse("portal:share", args=[share.pk]) not in mail.text
    [delivery] = webhook.deliveries.values()
    assert delivery.payload["event"] == "share.revoked" and delivery.payload["link"] == home
    share.refresh_from_db()
    assert share.delivered_at is None  # a withdrawal does not deliver the share


# --- Transactions and waking the relay ---------------------------------------------------------------


def test_a_transaction_that_fails_after_the_outbox_insert_leaves_no_alert_and_wakes_no_relay(
    force: Force, system_only: Organisation, webhook: WebhookReceiver, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    [share] = shares_to(force, system_only, 1)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(IntegrityError),
        transaction.atomic(),
    ):
        queue_alerts(organisation=system_only, event="share.sent", share=share)
        Organisation.objects.create(name=system_only.name, kind=OrganisationKind.OTHER)  # a duplicate name
    assert callbacks == []
    assert not OutboxMessage.objects.exists() and not DBTaskResult.objects.exists()
    assert relay().claimed == 0 and webhook.requests == 0


def test_a_commit_wakes_the_relay_once_and_the_worker_delivers_at_once(
    force: Force,
    system_only: Organisation,
    webhook: WebhookReceiver,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The worker recycles connections between tasks; inside the test's transaction that would close ours.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    shares = shares_to(force, system_only, 3)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        keys = alert(system_only, shares)
    assert len(callbacks) == 3
    assert DBTaskResult.objects.filter(task_path=relay_outbox.module_path).count() == 1  # one waiting run is enough
    call_command("db_worker", batch=True, interval=0, verbosity=0)
    assert sorted(webhook.keys) == sorted(keys)
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_a_relay_run_that_uses_up_its_time_queues_another_to_carry_on(
    force: Force, system_only: Organisation, webhook: WebhookReceiver, settings: object
) -> None:
    settings.SAFEGUARD_OUTBOX = {**settings.SAFEGUARD_OUTBOX, "run_seconds": 0, "batch": 2}  # type: ignore[attr-defined]
    keys = alert(system_only, shares_to(force, system_only, 3))
    assert relay_outbox.call() == {"claimed": 2, "sent": 2, "retried": 0, "dead": 0, "released": 0}
    assert DBTaskResult.objects.ready().filter(task_path=relay_outbox.module_path).count() == 1
    assert relay_outbox.call()["sent"] == 1
    assert sorted(webhook.keys) == sorted(keys)


def test_a_relay_run_leaving_a_retry_queues_the_next_run_for_when_its_backoff_ends(
    force: Force, system_only: Organisation, webhook: WebhookReceiver
) -> None:
    alert(system_only, shares_to(force, system_only, 1))
    webhook.answer = 503
    assert relay_outbox.call()["retried"] == 1
    message = OutboxMessage.objects.get()
    [queued] = DBTaskResult.objects.filter(task_path=relay_outbox.module_path, status="READY")
    assert queued.run_after == message.next_attempt_at  # 10 s, not the next scheduled minute
    relay_outbox.call()  # nothing due yet: the run already queued is enough
    assert DBTaskResult.objects.filter(task_path=relay_outbox.module_path, status="READY").count() == 1


def test_a_relay_run_finding_alerts_leased_by_a_killed_relay_queues_a_run_for_when_the_lease_passes(
    force: Force, system_only: Organisation, webhook: WebhookReceiver
) -> None:
    alert(system_only, shares_to(force, system_only, 2))
    [leased, _] = claim(now=timezone.now(), limit=10, token="killed-relay/1")
    assert relay_outbox.call()["claimed"] == 0
    [queued] = DBTaskResult.objects.filter(task_path=relay_outbox.module_path, status="READY")
    assert queued.run_after == leased.lease_until


# --- Failures that pass: retried with backoff ------------------------------------------------------------


def test_backoff_doubles_from_ten_seconds_up_to_an_hour_less_up_to_a_fifth() -> None:
    for attempts, full in [(0, 10), (1, 20), (3, 80), (8, 2560), (9, 3600), (19, 3600)]:
        for _ in range(20):
            assert full * 0.8 <= backoff(attempts).total_seconds() <= full


def test_a_partner_answering_503_is_tried_again_after_a_backoff_and_then_delivered(
    force: Force, system_only: Organisation, webhook: WebhookReceiver
) -> None:
    [share] = shares_to(force, system_only, 1)
    [key] = alert(system_only, [share])
    webhook.answer = 503
    t0 = timezone.now()
    assert relay(now=t0).retried == 1
    message = OutboxMessage.objects.get()
    assert (message.state, message.attempts, message.lease_until) == (OutboxState.PENDING, 1, None)
    assert message.last_error == "the partner's system answered HTTP 503"
    assert t0 + timedelta(seconds=8) <= message.next_attempt_at <= t0 + timedelta(seconds=10)
    assert relay(now=t0 + timedelta(seconds=7)).claimed == 0  # not yet due

    assert relay(now=message.next_attempt_at).retried == 1
    retried = OutboxMessage.objects.get()
    assert retried.attempts == 2
    assert timedelta(seconds=16) <= retried.next_attempt_at - message.next_attempt_at <= timedelta(seconds=20)

    webhook.answer = 200
    assert relay(now=retried.next_attempt_at).sent == 1
    assert webhook.keys == [key] and webhook.requests == 3
    share.refresh_from_db()
    assert share.status == ShareStatus.DELIVERED


@pytest.mark.parametrize(
    ("status", "retried"),
    [
        *[(500, True), (502, True), (503, True), (408, True), (429, True)],
        *[(400, False), (401, False), (404, False), (410, False), (302, False)],
    ],
)
def test_server_errors_timeouts_and_throttling_are_retried_other_answers_are_final(
    force: Force, system_only: Organisation, webhook: WebhookReceiver, status: int, retried: bool
) -> None:
    alert(system_only, shares_to(force, system_only, 1))
    webhook.answer = status
    result = relay()
    assert (result.retried, result.dead) == ((1, 0) if retried else (0, 1))
    message = OutboxMessage.objects.get()
    assert message.state == (OutboxState.PENDING if retried else OutboxState.DEAD)
    assert message.last_error == f"the partner's system answered HTTP {status}"


def test_a_partner_refusing_connections_for_a_while_loses_nothing(
    force: Force, system_only: Organisation, webhook: WebhookReceiver
) -> None:
    keys = alert(system_only, shares_to(force, system_only, 25))
    webhook.stop()
    t0 = timezone.now()
    assert relay(now=t0).retried == 25
    assert relay(now=t0 + timedelta(seconds=11)).retried == 25
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {2}
    assert (
        "the partner's system could not be reached: ConnectionRefusedError" in OutboxMessage.objects.first().last_error
    )
    webhook.start()
    assert relay(now=t0 + timedelta(minutes=5)).sent == 25
    assert sorted(webhook.keys) == sorted(keys) and webhook.duplicates == 0
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {OutboxState.SENT}


def test_an_alert_still_failing_after_the_last_attempt_allowed_is_dead(
    force: Force, system_only: Organisation, webhook: WebhookReceiver, settings: object
) -> None:
    settings.SAFEGUARD_OUTBOX = {**settings.SAFEGUARD_OUTBOX, "max_attempts": 3}  # type: ignore[attr-defined]
    alert(system_only, shares_to(force, system_only, 1))
    webhook.answer = 503
    when = timezone.now()
    for expected in ("retried", "retried", "dead"):
        result = relay(now=when)
        assert getattr(result, expected) == 1
        when += timedelta(hours=1)
    message = OutboxMessage.objects.get()
    assert (message.state, message.attempts) == (OutboxState.DEAD, 3)
    assert message.last_error == "gave up after 3 attempts: the partner's system answered HTTP 503"
    assert Notification.objects.filter(user=force.user("hub"), message__contains="could not be delivered").count() == 1


@pytest.mark.parametrize(
    ("answer", "state"),
    [("451 4.3.0 Try again later", OutboxState.PENDING), ("550 5.1.1 No such mailbox", OutboxState.DEAD)],
)
def test_a_temporary_smtp_failure_is_retried_and_a_permanent_one_is_final(
    force: Force, social_care: Organisation, mailbox: MailReceiver, answer: str, state: str
) -> None:
    PartnerProfile.objects.filter(organisation=social_care).update(webhook_url="")
    alert(social_care, shares_to(force, social_care, 1))
    mailbox.answer = answer
    relay()
    message = OutboxMessage.objects.get()
    assert message.state == state and message.last_error.startswith(f"the mail server answered {answer[:3]}")
    assert mailbox.mails == []


def test_alert_emails_wait_for_a_mail_server_that_is_down(
    force: Force, social_care: Organisation, settings: object
) -> None:
    PartnerProfile.objects.filter(organisation=social_care).update(webhook_url="")
    alert(social_care, shares_to(force, social_care, 1))
    mail_through(settings, free_port())  # nothing listens there
    assert relay().retried == 1
    assert OutboxMessage.objects.get().last_error.startswith("the mail server could not be reached")


# --- Failures that will not pass: dead, and the hub told -------------------------------------------------


def test_a_400_is_not_retried_the_alert_is_dead_and_every_hub_user_is_told(
    force: Force, system_only: Organisation, webhook: WebhookReceiver
) -> None:
    second = make_user("hub2", [RoleCode.HUB], force.police, force.unit_a)
    retired = make_user("hub3", [RoleCode.HUB], force.police, force.unit_a)
    User.objects.filter(pk=retired.pk).update(is_active=False)
    [share] = shares_to(force, system_only, 1)
    alert(system_only, [share])
    webhook.answer = 400
    assert relay().dead == 1
    message = OutboxMessage.objects.get()
    assert (message.state, message.attempts) == (OutboxState.DEAD, 1) and message.dead_at is not None
    assert relay(now=timezone.now() + timedelta(days=1)).claimed == 0  # never tried again
    assert webhook.keys == [] and webhook.requests == 1

    told = Notification.objects.filter(message__contains="could not be delivered").order_by("user__username")
    assert [n.user_id for n in told] == [force.user("hub").pk, second.pk]
    for notice in told:
        assert notice.link == reverse("sharing:share", args=[share.pk])
        assert notice.message.startswith(f"{share.reference}: the webhook alert to Testshire Youth Justice")
        assert "HTTP 400" in notice.message
    share.refresh_from_db()
    assert share.status == ShareStatus.SENT and share.delivered_at is None


# Each breaks delivery after the alert was queued to the registered https address.


def _address_became_http(profile: PartnerProfile, webhook: WebhookReceiver, settings: Any) -> None:
    PartnerProfile.objects.filter(pk=profile.pk).update(webhook_url=webhook.url.replace("https://", "http://"))
    OutboxMessage.objects.update(recipient=webhook.url.replace("https://", "http://"))


def _address_changed(profile: PartnerProfile, webhook: WebhookReceiver, settings: Any) -> None:
    PartnerProfile.objects.filter(pk=profile.pk).update(webhook_url=webhook.url + "/v2")


def _untrusted_certificate(profile: PartnerProfile, webhook: WebhookReceiver, settings: Any) -> None:
    other: Certificate = make_certificate(webhook.certificate.cert.parent, "another")
    settings.SAFEGUARD_WEBHOOK_CA_FILE = str(other.cert)  # the receiver's own certificate is no longer trusted


def _no_secret(profile: PartnerProfile, webhook: WebhookReceiver, settings: Any) -> None:
    PartnerProfile.objects.filter(pk=profile.pk).update(webhook_secret="")


@pytest.mark.parametrize(
    ("arrange", "reason"),
    [
        (_address_became_http, "the webhook address is not an https address"),
        (_address_changed, "the webhook address is no longer the one the partner registered"),
        (_untrusted_certificate, "the partner's certificate did not verify: self-signed certificate"),
        (_no_secret, "the partner has no webhook signing secret"),
    ],
)
def test_an_address_that_is_not_the_registered_verified_https_one_is_dead_unsent(
    force: Force, system_only: Organisation, webhook: WebhookReceiver, settings: Any, arrange: Any, reason: str
) -> None:
    alert(system_only, shares_to(force, system_only, 1))
    arrange(PartnerProfile.objects.get(organisation=system_only), webhook, settings)
    assert relay().dead == 1
    message = OutboxMessage.objects.get()
    assert message.state == OutboxState.DEAD and message.last_error == reason
    assert webhook.keys == []
    assert Notification.objects.filter(user=force.user("hub"), message__contains="could not be delivered").count() == 1


# --- Leases ------------------------------------------------------------------------------------------------


def test_alerts_leased_by_a_relay_that_died_are_reclaimed_once_the_lease_passes(
    force: Force, system_only: Organisation, webhook: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    keys = alert(system_only, shares_to(force, system_only, 3))
    t0 = timezone.now()
    lease = timedelta(seconds=settings.SAFEGUARD_OUTBOX["lease_seconds"])
    assert len(claim(now=t0, limit=10, token="killed-relay/1")) == 3  # ... and then it was killed
    assert relay(now=t0 + lease / 2).claimed == 0  # the lease holds
    assert reclaim_stuck(now=t0 + lease - timedelta(seconds=1)) == 0
    with caplog.at_level(logging.WARNING, logger="safeguard.sharing.relay"):
        assert reclaim_stuck(now=t0 + lease + timedelta(seconds=1)) == 3
    assert "3 outbox alerts were leased by a relay that did not finish" in caplog.text
    assert not OutboxMessage.objects.filter(lease_until__isnull=False).exists()
    assert relay(now=t0 + lease + timedelta(seconds=1)).sent == 3
    assert sorted(webhook.keys) == sorted(keys)


def test_a_relay_whose_lease_is_running_out_hands_its_alerts_back_unsent(
    force: Force, system_only: Organisation, webhook: WebhookReceiver, settings: object
) -> None:
    alert(system_only, shares_to(force, system_only, 3))
    outbox = settings.SAFEGUARD_OUTBOX  # type: ignore[attr-defined]
    settings.SAFEGUARD_OUTBOX = {**outbox, "lease_seconds": 1, "timeout_seconds": 2}  # type: ignore[attr-defined]
    result = relay()
    assert (result.claimed, result.released, result.sent) == (3, 3, 0) and webhook.requests == 0
    assert not OutboxMessage.objects.filter(lease_until__isnull=False).exists()
    settings.SAFEGUARD_OUTBOX = outbox  # type: ignore[attr-defined]
    assert relay().sent == 3


def test_claiming_a_batch_costs_the_same_queries_whatever_its_size(force: Force, system_only: Organisation) -> None:
    alert(system_only, shares_to(force, system_only, 60))
    now = timezone.now()
    with CaptureQueriesContext(connection) as small:
        assert len(claim(now=now, limit=5, token="a/1")) == 5
    with CaptureQueriesContext(connection) as large:
        assert len(claim(now=now, limit=50, token="b/1")) == 50
    assert len(small) == len(large)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent relays need PostgreSQL's row locks")
def test_two_relays_at_once_take_different_alerts_and_send_each_once(
    force: Force, system_only: Organisation, webhook: WebhookReceiver
) -> None:
    keys = alert(system_only, shares_to(force, system_only, 200))
    start = threading.Barrier(2)
    sent: dict[str, int] = {}

    def run(worker: str) -> None:
        try:
            start.wait()
            total = 0
            while (result := relay(limit=10, worker=worker)).claimed:
                total += result.sent
            sent[worker] = total
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(name,)) for name in ("relay-a", "relay-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(sent.values()) == 200
    assert sorted(webhook.keys) == sorted(keys)
    assert webhook.requests == 200 and webhook.duplicates == 0  # no key was sent twice
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {OutboxState.SENT}


# --- Signatures ----------------------------------------------------------------------------------------------


def test_a_signature_verifies_only_with_its_secret_its_body_and_a_fresh_timestamp() -> None:
    body, now = b'{"id":"k"}', 1_800_000_000
    header = sign(SECRET, str(now), body)
    assert verify_signature(SECRET, str(now), body, header, now=now + 299)
    assert verify_signature(SECRET, str(now), body, f"v1=00ff, {header}", now=now)  # while a secret rotates
    assert not verify_signature("another secret", str(now), body, header, now=now)
    assert not verify_signature(SECRET, str(now), body + b" ", header, now=now)
    assert not verify_signature(SECRET, str(now + 1), body, header, now=now)
    assert not verify_signature(SECRET, str(now), body, header, now=now + 301)  # a replay, later
    assert not verify_signature(SECRET, "yesterday", body, header, now=now)
