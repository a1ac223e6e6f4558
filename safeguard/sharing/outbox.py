"""Writing the outbox: the content-free alerts a change owes a partner, in the change's own transaction
(ARCHITECTURE.md, "Transactional outbox"). The relay (relay.py) delivers them.

Each alert is one row per recipient, so each is retried, marked sent or dead, and deduplicated by the
receiver on its own key. The rows commit with the share or not at all; only once they have committed is
the relay woken (``tasks.wake``), so it never looks for rows that are not there yet, and a rolled-back
change wakes nobody.
"""

from __future__ import annotations

import logging

from django.db import transaction

from safeguard.accounts.models import Organisation

from .models import Channel, OutboxMessage, PartnerContact, PartnerProfile, Share
from .relay import EVENTS
from .tasks import wake

logger = logging.getLogger(__name__)


def queue_alerts(
    *, organisation: Organisation, event: str, share: Share | None = None, escalation: bool = False
) -> list[OutboxMessage]:
    """The alerts ``event`` owes ``organisation``: an email to each of its active alert contacts (its
    escalation contacts, for an escalation) unless it has turned email alerts off, and a signed webhook
    to its system if it registered one. Call inside the transaction that makes the change.

    An escalation goes to the named escalation contacts by email whatever ``email_alerts`` says: that
    switch is for routine alerts, and an escalation is a person being told by name (DOMAIN.md)."""
    if event not in EVENTS:
        raise ValueError(f"Unknown outbox event {event!r}")
    profile = PartnerProfile.objects.filter(organisation=organisation).first()
    messages = []
    if escalation or profile is None or profile.email_alerts:
        contacts = PartnerContact.objects.filter(organisation=organisation, is_active=True)
        contacts = contacts.filter(escalation_contact=True) if escalation else contacts.filter(receives_alerts=True)
        addresses = {email.lower(): email for email in contacts.values_list("email", flat=True)}
        for address in sorted(addresses.values()):
            messages.append(_message(Channel.EMAIL, address, organisation, event, share))
    if profile is not None and profile.webhook_url and not escalation:
        messages.append(_message(Channel.WEBHOOK, profile.webhook_url, organisation, event, share))
    if not messages:
        logger.warning("%s: %s has no alert contacts and no webhook; nobody was alerted", event, organisation)
        return []
    created = OutboxMessage.objects.bulk_create(messages)
    # robust: the rows are committed whatever happens here, and the scheduled relay would send them.
    transaction.on_commit(wake, robust=True)
    return created


def _message(
    channel: str, recipient: str, organisation: Organisation, event: str, share: Share | None
) -> OutboxMessage:
    return OutboxMessage(channel=channel, recipient=recipient, organisation=organisation, event=event, share=share)
