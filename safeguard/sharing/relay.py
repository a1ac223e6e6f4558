"""Delivering the outbox (ARCHITECTURE.md, "Transactional outbox"): claim the due alerts under a lease,
send each outside any transaction, then record what happened in a short transaction of its own.

Claiming. A row is due when it is pending, its ``next_attempt_at`` has come and no live lease holds it.
A claim stamps ``lease_until`` and ``claimed_by`` (this run's token) on a batch in one short transaction.
On PostgreSQL the batch is read ``FOR UPDATE SKIP LOCKED``, so relays running at once take disjoint
batches without waiting for each other. SQLite has no row locks (Django ignores ``select_for_update``
there) and one claimer at a time is enough: every transaction begins IMMEDIATE (settings), which takes
the database's write lock before the SELECT, so a second claimer waits for the first to commit and
then finds those rows leased. Either way the UPDATE repeats the due conditions, so it can only stamp a
row nobody else holds.

Sending. A lease outlasts a send's timeout (settings); a relay stops sending its batch when less than
one timeout of its lease is left and hands the rest back, so it never sends a row another relay may
already have claimed. A relay killed between sending and recording leaves its rows leased; once the
lease passes they are claimed and sent again, with the same key, which the receiver deduplicates.

Outcomes. Delivered: the row is sent, and the share gets ``delivered_at`` and moves from sent to
delivered (never backwards). A failure that may pass (no connection, a timeout, HTTP 5xx, 408 or 429, an
SMTP 4xx) is tried again after min(cap, base x 2^attempts) seconds, less up to a fifth so retries spread
out. A failure that will not pass (another HTTP 4xx, an SMTP 5xx, a certificate that does not verify,
an address that is not the registered https one) or the last attempt allowed marks the row dead, and
every hub user is told which partner could not be reached.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import os
import random
import smtplib
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import F, Min, Q
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone

from safeguard.accounts.models import RoleCode, User
from safeguard.accounts.services import notify

from .models import Channel, OutboxMessage, OutboxState, PartnerProfile, Share, ShareStatus

logger = logging.getLogger(__name__)

# What an alert announces (outbox.queue_alerts writes them). An escalation is a share left
# unacknowledged: the partner's named escalation contact is told.
SHARE_SENT, SHARE_REVOKED, SHARE_ESCALATED = "share.sent", "share.revoked", "share.escalated"
EVENTS = (SHARE_SENT, SHARE_REVOKED, SHARE_ESCALATED)
# Events whose delivery means the partner has been told of the share.
DELIVERS_SHARE = (SHARE_SENT, SHARE_ESCALATED)
SIGNATURE_VERSION = "v1"
RESPONSE_READ_LIMIT = 64 * 1024


@dataclass
class RelayResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    released: int = 0  # claimed, then handed back unsent because the lease was running out

    def __iadd__(self, other: RelayResult) -> RelayResult:
        self.claimed += other.claimed
        self.sent += other.sent
        self.retried += other.retried
        self.dead += other.dead
        self.released += other.released
        return self


class Undelivered(Exception):
    """A send that did not reach the partner; ``retry`` says whether trying again later may succeed.
    ``reason`` is for people (the hub is told it); ``detail`` adds what an engineer needs, in the row."""

    def __init__(self, reason: str, *, retry: bool, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry
        self.detail = detail

    @property
    def error(self) -> str:
        return f"{self.reason}: {self.detail}" if self.detail else self.reason


def relay(*, now: datetime | None = None, limit: int | None = None, worker: str | None = None) -> RelayResult:
    """Claim up to ``limit`` due alerts, send them and record each outcome. ``now`` fixes the clock the
    rows are judged and stamped by (tests); the lease's own deadline runs on the real clock."""
    config = settings.SAFEGUARD_OUTBOX
    token = f"{(worker or this_worker())[:80]}/{uuid.uuid4().hex[:12]}"
    claimed = claim(now=now or timezone.now(), limit=limit or config["batch"], token=token)
    result = RelayResult(claimed=len(claimed))
    stop_sending_at = time.monotonic() + config["lease_seconds"] - config["timeout_seconds"]
    context = tls_context()
    for index, message in enumerate(claimed):
        if time.monotonic() > stop_sending_at:
            result.released = _release(claimed[index:], token)
            break
        try:
            deliver(message, context)
        except Undelivered as failure:
            result += _record_failure(message, token, failure, now)
        except Exception as exc:
            # A fault of ours, not the partner's: logged with its traceback and retried like a timeout, so
            # one bad row can neither stop the rest of the batch nor be tried for ever.
            logger.exception("Outbox message %s could not be sent", message.pk)
            ours = Undelivered("an error in Safeguard", detail=repr(exc), retry=True)
            result += _record_failure(message, token, ours, now)
        else:
            result.sent += _mark_sent(message, now)
    return result


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(*, now: datetime, limit: int, token: str) -> list[OutboxMessage]:
    """Lease up to ``limit`` due rows to ``token`` (see the module's docstring for how this stays
    exclusive on PostgreSQL and on SQLite); returns them in the order they were written."""
    lease_until = now + timedelta(seconds=settings.SAFEGUARD_OUTBOX["lease_seconds"])
    due = Q(state=OutboxState.PENDING, next_attempt_at__lte=now) & (
        Q(lease_until__isnull=True) | Q(lease_until__lte=now)
    )
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.filter(due)
            .order_by("next_attempt_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        OutboxMessage.objects.filter(due, pk__in=ids).update(lease_until=lease_until, claimed_by=token)
    return list(
        OutboxMessage.objects.filter(pk__in=ids, claimed_by=token, state=OutboxState.PENDING)
        .select_related("organisation", "share")
        .order_by("pk")
    )


def next_due() -> datetime | None:
    """The earliest moment a pending alert can be claimed: its next attempt, or when the lease holding it
    passes, whichever is later."""
    earliest = OutboxMessage.objects.filter(state=OutboxState.PENDING).aggregate(
        at=Min(Greatest("next_attempt_at", Coalesce("lease_until", "next_attempt_at")))
    )
    return earliest["at"]  # type: ignore[no-any-return]


def reclaim_stuck(now: datetime | None = None) -> int:
    """Rows whose lease has passed without an outcome: their relay died or hung. A relay would claim them
    anyway (a lapsed lease holds nothing); this clears the lease so the table says so, and logs how many,
    because each one is a relay that did not finish its work."""
    now = now or timezone.now()
    stuck = OutboxMessage.objects.filter(state=OutboxState.PENDING, lease_until__lt=now).update(lease_until=None)
    if stuck:
        logger.warning("%s outbox alerts were leased by a relay that did not finish; they will be sent again", stuck)
    return stuck


def backoff(attempts: int) -> timedelta:
    """How long to wait after the failure of attempt number ``attempts + 1``."""
    config = settings.SAFEGUARD_OUTBOX
    seconds = min(config["backoff_cap_seconds"], config["backoff_base_seconds"] * 2**attempts)
    return timedelta(seconds=seconds * (1 - 0.2 * random.random()))  # noqa: S311 (spreading retries, not a secret)


# --- Recording outcomes ----------------------------------------------------------------------------


def _mark_sent(message: OutboxMessage, now: datetime | None) -> int:
    """Sent, whoever holds the lease now: it reached the partner, so nobody need send it again."""
    at = now or timezone.now()
    with transaction.atomic():
        marked = OutboxMessage.objects.filter(pk=message.pk, state=OutboxState.PENDING).update(
            state=OutboxState.SENT, sent_at=at, attempts=F("attempts") + 1, lease_until=None, last_error=""
        )
        if marked and message.share_id and message.event in DELIVERS_SHARE:
            Share.objects.filter(pk=message.share_id, delivered_at__isnull=True).update(delivered_at=at)
            Share.objects.filter(pk=message.share_id, status=ShareStatus.SENT).update(status=ShareStatus.DELIVERED)
    return marked


def _record_failure(message: OutboxMessage, token: str, failure: Undelivered, now: datetime | None) -> RelayResult:
    if failure.retry and message.attempts + 1 < settings.SAFEGUARD_OUTBOX["max_attempts"]:
        return RelayResult(retried=_mark_retry(message, token, failure, now))
    if failure.retry:
        failure.reason = f"gave up after {message.attempts + 1} attempts: {failure.reason}"
    return RelayResult(dead=_mark_dead(message, token, failure, now))


def _mark_retry(message: OutboxMessage, token: str, failure: Undelivered, now: datetime | None) -> int:
    """Tried again later, if this relay still holds the row (otherwise another relay has it now)."""
    at = now or timezone.now()
    marked = OutboxMessage.objects.filter(pk=message.pk, state=OutboxState.PENDING, claimed_by=token).update(
        attempts=F("attempts") + 1,
        next_attempt_at=at + backoff(message.attempts),
        last_error=failure.error,
        lease_until=None,
    )
    logger.info("Outbox message %s to %s will be tried again: %s", message.pk, message.organisation, failure.error)
    return marked


def _mark_dead(message: OutboxMessage, token: str, failure: Undelivered, now: datetime | None) -> int:
    at = now or timezone.now()
    with transaction.atomic():
        marked = OutboxMessage.objects.filter(pk=message.pk, state=OutboxState.PENDING, claimed_by=token).update(
            state=OutboxState.DEAD, dead_at=at, attempts=F("attempts") + 1, last_error=failure.error, lease_until=None
        )
        if marked:
            _tell_hub(message, failure)
            logger.warning("Outbox message %s to %s is dead: %s", message.pk, message.organisation, failure.error)
    return marked


def _tell_hub(message: OutboxMessage, failure: Undelivered) -> None:
    """Every hub user is told, with a link to the share, so someone reaches the partner another way."""
    about = f"{message.share.reference}: " if message.share and message.share.reference else ""
    text = (
        f"{about}the {message.get_channel_display().lower()} alert to {message.organisation.name} could not be "
        f"delivered ({failure.reason}). Contact them another way."
    )
    link = reverse("sharing:share", args=[message.share_id]) if message.share_id else ""
    hub = User.objects.filter(is_active=True, roles__code=RoleCode.HUB).values_list("pk", flat=True).distinct()
    for user_id in hub:
        notify(user_id=user_id, message=text, link=link)


def _release(messages: list[OutboxMessage], token: str) -> int:
    return OutboxMessage.objects.filter(
        pk__in=[m.pk for m in messages], state=OutboxState.PENDING, claimed_by=token
    ).update(lease_until=None)


# --- Sending ---------------------------------------------------------------------------------------


def deliver(message: OutboxMessage, context: ssl.SSLContext) -> None:
    """Send one alert; raises ``Undelivered`` if it did not reach the partner."""
    if message.channel == Channel.EMAIL:
        send_email(message)
    elif message.channel == Channel.WEBHOOK:
        post_webhook(message, context)
    else:
        raise Undelivered(f"unknown channel {message.channel!r}", retry=False)


def portal_link(message: OutboxMessage) -> str:
    """Where the partner reads it: the share itself, or the portal's list once it has been withdrawn."""
    if message.share_id and message.event != SHARE_REVOKED:
        path = reverse("portal:share", args=[message.share_id])
    else:
        path = reverse("portal:home")
    return settings.SAFEGUARD_SITE_URL.rstrip("/") + path


# Subject and opening line of each event's email. The organisation's name is the only detail: no names,
# no references, no case content (the partner reads the share in the portal, where reading is audited).
EMAILS = {
    SHARE_SENT: (
        "Safeguard: new information shared with {organisation}",
        "The police have shared new information with {organisation} through Safeguard.\n\n"
        "Sign in to the partner portal to read and acknowledge it: {link}",
    ),
    SHARE_REVOKED: (
        "Safeguard: information shared with {organisation} has been withdrawn",
        "The police have withdrawn information they shared with {organisation} through Safeguard. "
        "It can no longer be opened.\n\nThe partner portal lists what is still shared with you: {link}",
    ),
    SHARE_ESCALATED: (
        "Safeguard: information shared with {organisation} has not been acknowledged",
        "Information the police shared with {organisation} through Safeguard has not been acknowledged in the "
        "time agreed. You are {organisation}'s named contact for this.\n\n"
        "Sign in to the partner portal to read and acknowledge it: {link}",
    ),
}


def alert_email(message: OutboxMessage) -> EmailMessage:
    subject, opening = EMAILS[message.event]
    values = {"organisation": message.organisation.name, "link": portal_link(message)}
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return EmailMessage(
        subject=subject.format(**values),
        body=opening.format(**values) + "\n\nThis email holds no case details. Do not reply to it.",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        # The key twice: for a partner's system, and as the Message-ID mail clients deduplicate on.
        headers={"X-Safeguard-Key": str(message.key), "Message-ID": f"<{message.key}@{domain}>"},
    )


def send_email(message: OutboxMessage) -> None:
    email = alert_email(message)
    try:
        mailers.default.send_messages([email])
    except smtplib.SMTPRecipientsRefused as exc:
        codes = sorted({code for code, _ in exc.recipients.values()})
        retry = all(code < 500 for code in codes)
        raise Undelivered("the mail server refused the address", detail=str(codes), retry=retry) from exc
    except smtplib.SMTPResponseException as exc:
        permanent = 500 <= exc.smtp_code < 600
        raise Undelivered(f"the mail server answered {exc.smtp_code}", detail=repr(exc), retry=not permanent) from exc
    except OSError as exc:  # refused, timed out, disconnected
        raise Undelivered("the mail server could not be reached", detail=repr(exc), retry=True) from exc
    except ValueError as exc:  # an address the mail library will not send to
        raise Undelivered("the email address cannot be used", detail=str(exc), retry=False) from exc


def webhook_body(message: OutboxMessage) -> bytes:
    """What the partner's system is told: which alert, what happened, to which share, where to read it."""
    payload = {
        "id": str(message.key),
        "event": message.event,
        "share": message.share.reference if message.share else None,
        "organisation": message.organisation.name,
        "link": portal_link(message),
        "created_at": message.created_at.isoformat(),
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value: HMAC-SHA256 with the partner's secret over "<timestamp>.<body>"."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def verify_signature(
    secret: str, timestamp: str, body: bytes, header: str, tolerance: int = 300, now: float | None = None
) -> bool:
    """For a partner's receiver: true if ``header`` (X-Safeguard-Signature) signs ``body`` at ``timestamp``
    (X-Safeguard-Timestamp) with ``secret``, and the timestamp is within ``tolerance`` seconds of now, so
    a captured request cannot be replayed later. The header may hold several comma-separated signatures
    (one per secret while a partner rotates theirs); any one matching is enough."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - sent_at) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, part.strip()) for part in header.split(","))


def tls_context() -> ssl.SSLContext:
    """Certificates and host names always verified, against the system's CAs plus any named in settings."""
    context = ssl.create_default_context()
    if settings.SAFEGUARD_WEBHOOK_CA_FILE:
        context.load_verify_locations(cafile=settings.SAFEGUARD_WEBHOOK_CA_FILE)
    return context


def post_webhook(message: OutboxMessage, context: ssl.SSLContext) -> None:
    """POST the signed alert to the partner's registered https address. Redirects are not followed: the
    alert goes only where the partner registered."""
    profile = PartnerProfile.objects.filter(organisation_id=message.organisation_id).first()
    if profile is None or message.recipient != profile.webhook_url:
        raise Undelivered("the webhook address is no longer the one the partner registered", retry=False)
    if not profile.webhook_secret:
        raise Undelivered("the partner has no webhook signing secret", retry=False)
    try:
        url = urlsplit(message.recipient)
        host, port = url.hostname, url.port or 443
    except ValueError as exc:
        raise Undelivered("the webhook address is not a valid URL", retry=False) from exc
    if url.scheme != "https" or not host:
        raise Undelivered("the webhook address is not an https address", retry=False)
    body = webhook_body(message)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Safeguard-Webhook/1",
        "X-Safeguard-Key": str(message.key),
        "X-Safeguard-Event": message.event,
        "X-Safeguard-Timestamp": timestamp,
        "X-Safeguard-Signature": sign(profile.webhook_secret, timestamp, body),
    }
    path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    timeout = settings.SAFEGUARD_OUTBOX["timeout_seconds"]
    connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(RESPONSE_READ_LIMIT)
    except ssl.SSLCertVerificationError as exc:
        raise Undelivered("the partner's certificate did not verify", detail=exc.verify_message, retry=False) from exc
    except (OSError, http.client.HTTPException) as exc:  # refused, timed out, reset, garbled
        raise Undelivered("the partner's system could not be reached", detail=repr(exc), retry=True) from exc
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return
    retry = response.status >= 500 or response.status in (408, 429)
    raise Undelivered(f"the partner's system answered HTTP {response.status}", retry=retry)
