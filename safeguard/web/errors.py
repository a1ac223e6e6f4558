"""Error pages that reveal nothing: no record ids, no stack traces, no hint whether a record exists."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _page(request: HttpRequest, status: int, title: str, body: str) -> HttpResponse:
    return render(request, "errors/error.html", {"title": title, "body": body, "status": status}, status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        404,
        "Page not found",
        "If you typed the web address, check it is correct. "
        "If you followed a link, the record may not exist or you may not have access to it.",
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 403, "You cannot do this", "Your role does not allow this action.")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 400, "Something was wrong with that request", "Go back and try again.")


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(request, 500, "Sorry, there is a problem with the service", "Try again later.")


def audit_failure_response(request: HttpRequest) -> HttpResponse:
    """Shown instead of a page whose access could not be recorded (fail closed)."""
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse(
            {
                "error": {
                    "code": "audit_unavailable",
                    "message": "The access log could not be written; nothing was shown.",
                }
            },
            status=503,
        )
    return _page(
        request,
        503,
        "Sorry, this page cannot be shown right now",
        "Safeguard could not record your access, so it has not shown the record. Try again later.",
    )
