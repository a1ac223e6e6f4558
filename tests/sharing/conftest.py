"""Fixtures for the sharing tests: the partner's real receivers on loopback (tests/sharing/receivers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sharing.receivers import (
    Certificate,
    MailReceiver,
    WebhookReceiver,
    free_port,
    mail_receiver,
    mail_through,
    make_certificate,
    webhook_receiver,
)


@pytest.fixture
def certificate(tmp_path: Path) -> Certificate:
    return make_certificate(tmp_path / "tls")


@pytest.fixture
def webhook(certificate: Certificate, settings: object) -> Iterator[WebhookReceiver]:
    """A partner's HTTPS endpoint, its self-signed certificate trusted by the relay for this test."""
    settings.SAFEGUARD_WEBHOOK_CA_FILE = str(certificate.cert)  # type: ignore[attr-defined]
    with webhook_receiver(certificate) as receiver:
        yield receiver


@pytest.fixture
def mailbox(settings: object) -> Iterator[MailReceiver]:
    """An SMTP server the default mailer sends to for this test."""
    port = free_port()
    mail_through(settings, port)
    with mail_receiver(port) as inbox:
        yield inbox
