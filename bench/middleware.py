"""The "audit off" baseline: takes AuditMiddleware's place and gives each request a trail that discards.

``safeguard.web.access`` refuses to show records when ``request.audit`` is missing, so the baseline
still runs every access check and builds every event; only writing them is left out.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from safeguard.audit.services import PendingEvent


class DiscardingTrail:
    """Accepts events like ``AuditTrail`` and throws them away, counting them for the functional check."""

    discarded = 0

    def add(self, event: PendingEvent) -> None:
        DiscardingTrail.discarded += 1


class NoAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.audit = DiscardingTrail()  # type: ignore[attr-defined]
        return self.get_response(request)
