"""Writes the consultations a page or endpoint collected, before the response leaves the server.

Views never call the audit log for reads: the request-aware access helpers (safeguard.web.access)
queue an event for every record they hand to a view, and this middleware writes them. If the write
fails, the response is replaced by an error page, so nothing is shown that was not audited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .services import AuditWriteError, PendingEvent, record_many

logger = logging.getLogger(__name__)


class AuditTrail:
    """The events one request has collected, written together when the response is ready."""

    def __init__(self) -> None:
        self.pending: list[PendingEvent] = []

    def add(self, event: PendingEvent) -> None:
        self.pending.append(event)


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        trail = AuditTrail()
        request.audit = trail  # type: ignore[attr-defined]
        response = self.get_response(request)
        if not trail.pending:
            return response
        # Build the whole body before writing the audit, so a failure in rendering never leaves an
        # event for a page nobody saw, and an audit failure never lets a rendered page out.
        render = getattr(response, "render", None)
        if callable(render) and not getattr(response, "is_rendered", True):
            render()
        try:
            record_many(actor=getattr(request, "user", None), events=trail.pending)
        except AuditWriteError:
            logger.exception("Audit write failed; withholding the response for %s", request.path)
            from safeguard.web.errors import audit_failure_response

            return audit_failure_response(request)
        return response
