"""The partner's end of delivery, for real, on loopback: an HTTPS webhook receiver (with a certificate
made for the run by the ``openssl`` CLI) and an SMTP server (aiosmtpd). Each checks what it is sent,
keeps each idempotency key once, and can be told to answer a failure or to stop listening.

Also here, because the fault test and the partner delivery benchmark share them: arranging a partner
with shares to alert (in the test's database, or in another process's), and a worker process that can
be killed with SIGKILL and started again.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import socket
import sqlite3
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psycopg
from aiosmtpd.controller import Controller

from safeguard.sharing.relay import verify_signature

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
SECRET = "partner-webhook-secret-for-tests"


# --- Certificates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path


def make_certificate(directory: Path, name: str = "receiver") -> Certificate:
    """A self-signed certificate for 127.0.0.1, valid for two days: trust it by naming ``cert`` as the
    webhook CA file, or leave it untrusted to see verification fail."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN=Safeguard test {name}",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return Certificate(cert, key)


# --- The webhook receiver --------------------------------------------------------------------------


@dataclass
class Delivery:
    key: str
    received_at: float  # time.time() when it was first accepted
    payload: dict[str, Any]
    headers: dict[str, str]


class WebhookReceiver:
    """A partner's system: checks each request's signature and that its key is the payload's id,
    answers ``answer`` (200 unless told otherwise), and on a 2xx keeps the key once. ``stop()`` closes
    the port, so the relay's connections are refused until ``start()``."""

    def __init__(self, certificate: Certificate, secret: str = SECRET, path: str = "/safeguard/alerts") -> None:
        self.certificate = certificate
        self.secret = secret
        self.path = path
        self.answer = 200
        self.port = 0
        self.deliveries: dict[str, Delivery] = {}  # by key, in the order first received
        self.requests = 0  # every request that reached the handler
        self.duplicates = 0  # accepted again with a key already held: absorbed by the dedupe
        self.rejected: list[str] = []  # why requests were refused (bad signature, wrong path, ...)
        self._lock = threading.Condition()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}{self.path}"

    @property
    def keys(self) -> list[str]:
        with self._lock:
            return list(self.deliveries)

    def start(self) -> WebhookReceiver:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certificate.cert, self.certificate.key)
        server = _TLSServer(("127.0.0.1", self.port), _handler(self), context)
        self.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait_for(self, count: int, timeout: float) -> bool:
        """True once at least ``count`` distinct keys have been received; False after ``timeout`` s."""
        with self._lock:
            return self._lock.wait_for(lambda: len(self.deliveries) >= count, timeout=timeout)

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> int:
        key = headers.get("x-safeguard-key", "")
        with self._lock:
            self.requests += 1
            problem = self._problem(path, headers, body, key)
            if problem:
                self.rejected.append(problem)
                return 401 if "signature" in problem else 400
            if not 200 <= self.answer < 300:
                return self.answer
            if key in self.deliveries:
                self.duplicates += 1
            else:
                self.deliveries[key] = Delivery(key, time.time(), json.loads(body), headers)
                self._lock.notify_all()
            return self.answer

    def _problem(self, path: str, headers: dict[str, str], body: bytes, key: str) -> str:
        if path != self.path:
            return f"wrong path {path}"
        signature = headers.get("x-safeguard-signature", "")
        if not verify_signature(self.secret, headers.get("x-safeguard-timestamp", ""), body, signature):
            return "bad signature"
        if json.loads(body).get("id") != key:
            return "key is not the payload's id"
        return ""


class _TLSServer(ThreadingHTTPServer):
    """TLS is negotiated in each request's own thread, so a client that gives up on the certificate
    cannot hold up the others."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], context: ssl.SSLContext):
        self.context = context
        super().__init__(address, handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            request = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client refused our certificate: that is its business
        super().finish_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up mid-request is not the receiver's failure


def _handler(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            status = receiver.receive(self.path, headers, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.send_header("Connection", "close")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def webhook_receiver(certificate: Certificate, secret: str = SECRET) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(certificate, secret).start()
    try:
        yield receiver
    finally:
        receiver.stop()


# --- The mail server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def mail_through(settings: Any, port: int) -> None:
    """Point Django's default mailer at the SMTP server on ``port``."""
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


@dataclass
class Mail:
    to: list[str]
    message: email.message.EmailMessage

    @property
    def key(self) -> str:
        return str(self.message["X-Safeguard-Key"] or "")  # staff alert emails carry none

    @property
    def subject(self) -> str:
        return str(self.message["Subject"]).strip()  # a long subject is folded onto its own line

    @property
    def text(self) -> str:
        return str(self.message.get_content()) if not self.message.is_multipart() else self.message.as_string()


@dataclass
class MailReceiver:
    """An SMTP server: accepts each message (or answers ``answer``, e.g. "451 4.3.0 Try again later"),
    and keeps it once by its X-Safeguard-Key."""

    answer: str = ""
    mails: list[Mail] = field(default_factory=list)
    duplicates: int = 0

    @property
    def keys(self) -> list[str]:
        return [m.key for m in self.mails]

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        if self.answer:
            return self.answer
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        mail = Mail(list(envelope.rcpt_tos), message)  # type: ignore[arg-type]
        if mail.key and mail.key in self.keys:
            self.duplicates += 1
        else:
            self.mails.append(mail)
        return "250 Message accepted for delivery"


@contextmanager
def mail_receiver(port: int) -> Iterator[MailReceiver]:
    inbox = MailReceiver()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


# --- Partners and shares ---------------------------------------------------------------------------


def partner(
    name: str, *, webhook_url: str = "", secret: str = SECRET, email_alerts: bool = True, contacts: int = 0
) -> Any:
    """A partner organisation with its sharing profile and ``contacts`` alert contacts."""
    from safeguard.accounts.models import Organisation, OrganisationKind
    from safeguard.sharing.models import PartnerContact, PartnerProfile

    organisation = Organisation.objects.create(name=name, kind=OrganisationKind.CHILDRENS_SOCIAL_CARE)
    PartnerProfile.objects.create(
        organisation=organisation,
        webhook_url=webhook_url,
        webhook_secret=secret if webhook_url else "",
        email_alerts=email_alerts,
    )
    for n in range(contacts):
        PartnerContact.objects.create(
            organisation=organisation, name=f"Contact {n}", email=f"contact{n}@partner.example"
        )
    return organisation


def sent_shares(concern: Any, organisation: Any, count: int) -> list[Any]:
    """``count`` shares of ``concern`` sent to ``organisation``, as send_share leaves them, written
    directly so that thousands take a moment."""
    from django.utils import timezone

    from safeguard.sharing.models import LawfulBasis, Share, ShareKind, ShareStatus

    now = timezone.now()
    batch = uuid.uuid4().hex[:8].upper()
    return Share.objects.bulk_create(
        Share(
            reference=f"SH-{batch}-{n:05d}",
            kind=ShareKind.MASH_REFERRAL,
            concern=concern,
            unit_id=concern.unit_id,
            owner_id=concern.owner_id,
            organisation=organisation,
            open_to=organisation,
            status=ShareStatus.SENT,
            lawful_basis=LawfulBasis.SAFEGUARDING,
            content=[{"field": "summary", "label": "Summary", "value": "Shared content for the portal only"}],
            sent_at=now,
        )
        for n in range(count)
    )


def queue_in_this_database(webhook_url: str, count: int, secret: str = SECRET) -> None:
    """For a process on a freshly migrated database (``manage.py shell``): a police unit, one concern,
    a partner whose system is at ``webhook_url``, and ``count`` shares sent to it, their alerts queued in
    one transaction. Prints the queued keys as one line of JSON."""
    from django.db import transaction

    from safeguard.accounts.models import Organisation, OrganisationKind, Unit, User
    from safeguard.concerns.models import Concern
    from safeguard.sharing.outbox import queue_alerts

    police = Organisation.objects.create(name="Faultshire Police", kind=OrganisationKind.POLICE_UNIT)
    unit = Unit.objects.create(organisation=police, name="Hub", code="HUB-FAULTS")
    user = User.objects.create_user(username="hub-faults", organisation=police, unit=unit)
    concern = Concern.objects.create(unit=unit, owner=user, summary="A concern for the fault test")
    organisation = partner("Faultshire Children's Social Care", webhook_url=webhook_url, secret=secret)
    with transaction.atomic():
        shares = sent_shares(concern, organisation, count)
        keys = [
            str(m.key)
            for share in shares
            for m in queue_alerts(organisation=organisation, event="share.sent", share=share)
        ]
    print(json.dumps({"keys": keys}))


# --- Another process's database, and a worker to kill ---------------------------------------------


@contextmanager
def fresh_database(tmp: Path, **settings: str) -> Iterator[dict[str, str]]:
    """The environment of processes on a database of their own, migrated: SQLite in ``tmp``, or, when the
    test run is on PostgreSQL, a new database on the same server, dropped afterwards. ``settings`` are
    more environment variables (SAFEGUARD_OUTBOX_LEASE_SECONDS="3", ...)."""
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "SAFEGUARD_ENV"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "safeguard.settings",
            "SAFEGUARD_SQLITE_PATH": str(tmp / "db.sqlite3"),
            "SAFEGUARD_VAR_DIR": str(tmp / "var"),
            "SAFEGUARD_MANIFEST_STATIC": "0",
            "SAFEGUARD_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **settings,
        }
    )
    url = os.environ.get("DATABASE_URL", "")
    name = ""
    if url.startswith(("postgres://", "postgresql://")):
        parsed = urlparse(url)
        name = f"safeguard_faults_{uuid.uuid4().hex[:12]}"
        admin_url = parsed._replace(path="/postgres").geturl()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = parsed._replace(path=f"/{name}").geturl()
    try:
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        yield env
    finally:
        if name:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class WorkerProcess:
    """``manage.py worker`` as a subprocess on ``env``'s database, killed with SIGKILL and started again
    as often as a test likes. Its output goes to ``log``."""

    def __init__(self, env: dict[str, str], log: Path, *args: str) -> None:
        self.env = env
        self.log = log
        self.args = args
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(PYTHON), "manage.py", "worker", *self.args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    def kill(self) -> None:
        """kill -9: no chance to finish a send, mark a row or release a lease."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """Run a management command on ``env``'s database; its standard output, or the test fails with both."""
    done = subprocess.run(
        [str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise AssertionError(f"manage.py {args[0]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def in_database(env: dict[str, str], call: str) -> dict[str, Any]:
    """Call a function of this module in a process on ``env``'s database; the JSON line it printed."""
    output = manage(env, "shell", "--command", f"import tests.sharing.receivers as r; r.{call}")
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def outbox_states(env: dict[str, str]) -> dict[str, int]:
    """How many alerts are in each state in ``env``'s database, read without Django (this process's
    Django is on the test database): a plain read, which neither waits for the worker nor holds it up."""
    query = "SELECT state, COUNT(*) FROM sharing_outboxmessage GROUP BY state"
    if "DATABASE_URL" in env:
        with psycopg.connect(env["DATABASE_URL"]) as conn:
            return dict(conn.execute(query).fetchall())
    with closing(sqlite3.connect(env["SAFEGUARD_SQLITE_PATH"], timeout=20)) as conn:
        return dict(conn.execute(query).fetchall())
