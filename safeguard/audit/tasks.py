from __future__ import annotations

import logging

from django.tasks import task

from safeguard.accounts.models import RoleCode, User
from safeguard.accounts.services import notify

from .services import verify_chain

logger = logging.getLogger(__name__)


@task
def verify_audit_chain() -> dict[str, object]:
    """Daily: re-compute the whole chain; tell every administrator at once if it is broken."""
    checked, broken = verify_chain()
    if broken is None:
        logger.info("Audit chain verified: %s events", checked)
        return {"checked": checked, "broken_at": None}
    logger.error("Audit chain broken at event %s: %s", broken.seq, broken.problem)
    for admin in User.objects.filter(roles__code=RoleCode.ADMIN, is_active=True):
        notify(user_id=admin.pk, message=f"The access log failed verification at event {broken.seq}: {broken.problem}.")
    return {"checked": checked, "broken_at": broken.seq}
