"""Server-side session limits: an idle timeout and an absolute lifetime, whatever the cookie says."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from .signin import SESSION_SEEN, SESSION_STARTED


class SessionLifetimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/api/"):
            now = time.time()
            started = request.session.get(SESSION_STARTED)
            seen = request.session.get(SESSION_SEEN)
            idle = settings.SAFEGUARD_SESSION_IDLE_SECONDS
            absolute = settings.SAFEGUARD_SESSION_ABSOLUTE_SECONDS
            if started is None or seen is None or now - seen > idle or now - started > absolute:
                logout(request)
                messages.info(request, "You were signed out because your session expired. Sign in again.")
                if request.headers.get("Accept", "").startswith("application/json"):
                    return JsonResponse(
                        {"error": {"code": "session_expired", "message": "Session expired"}}, status=401
                    )
                return redirect(f"{settings.LOGIN_URL_PATH}?next={quote(request.get_full_path())}")
            request.session[SESSION_SEEN] = now
        return self.get_response(request)
