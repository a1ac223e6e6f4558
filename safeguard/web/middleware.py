"""Cross-cutting request handling: request ids, no-store, login required, break-the-glass."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest, HttpResponse

from safeguard.audit.context import Origin, reset_origin, set_origin

REQUEST_ID = re.compile(r"^[A-Za-z0-9\-]{8,64}$")


class RequestIdMiddleware:
    """Gives each request an id (or keeps a well-formed one from the proxy) for logs and the audit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        channel = "api" if request.path.startswith("/api/") else "web"
        token = set_origin(Origin(request_id=request_id, channel=channel, path=request.path))
        try:
            response = self.get_response(request)
        finally:
            reset_origin(token)
        response["X-Request-ID"] = request_id
        return response


class NoStoreMiddleware:
    """Nothing Safeguard serves, other than static assets, may be kept by a browser or proxy cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Cache-Control"] = "no-store, max-age=0"
        response["Pragma"] = "no-cache"
        return response


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a login unless marked ``login_not_required``; the API authenticates by token."""

    def process_view(self, request, view_func, view_args, view_kwargs):  # type: ignore[no-untyped-def]
        if request.path.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from .access import BreakGlassRequired

        if isinstance(exception, BreakGlassRequired):
            from safeguard.accounts.views import break_glass_prompt

            return break_glass_prompt(request, exception.obj)
        return None
