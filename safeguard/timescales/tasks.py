"""The worker's timescales tasks: the sweeps and the alert emails."""

from __future__ import annotations

import logging
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from .models import AlertNotice
from .sweep import sweep

logger = logging.getLogger(__name__)


@task
def sweep_clocks() -> dict[str, int]:
    """Every minute: the clocks whose next threshold has passed."""
    result = sweep()
    return {"clocks": result.clocks, "alerts": result.alerts, "notices": result.notices}


@task
def sweep_all_clocks() -> dict[str, int]:
    """Nightly: every open clock re-derived from its thresholds, whatever ``next_at`` says."""
    result = sweep(full=True)
    if result.clocks:
        logger.warning("The full sweep moved %s clocks the incremental sweep had not", result.clocks)
    return {"clocks": result.clocks, "alerts": result.alerts, "notices": result.notices}


@task
def send_alert_emails() -> int:
    """Email each person told of alerts, one message per person per run. The email carries no case
    content, not even a reference: it says there is work and where to sign in. A failure leaves the
    notices unsent (the transaction rolls back) for the next run to retry."""
    sent = 0
    while True:
        with transaction.atomic():
            notices = list(
                AlertNotice.objects.select_for_update(skip_locked=True)
                .filter(emailed_at__isnull=True)
                .select_related("user")
                .order_by("user_id", "pk")[:500]
            )
            if not notices:
                return sent
            by_user: dict[int, list[AlertNotice]] = defaultdict(list)
            for notice in notices:
                by_user[notice.user_id].append(notice)
            messages = [_email(group) for group in by_user.values() if group[0].user.email]
            if messages:
                mailers.default.send_messages(messages)
            AlertNotice.objects.filter(pk__in=[n.pk for n in notices]).update(emailed_at=timezone.now())
            sent += len(messages)


def _email(notices: list[AlertNotice]) -> EmailMessage:
    count = len(notices)
    link = settings.SAFEGUARD_SITE_URL.rstrip("/") + reverse("accounts:notifications")
    items = "1 item needs" if count == 1 else f"{count} items need"
    return EmailMessage(
        subject=f"Safeguard: {items} your attention",
        body=(
            f"{items} your attention in Safeguard: work that is due soon, overdue or escalated to you.\n\n"
            f"Sign in to see it: {link}\n\n"
            "This email holds no case details. Do not reply to it."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notices[0].user.email],
    )
