"""The API object: /api/v1/, token authentication, one error body, and each app's router.

Endpoints read records through the same access helpers as pages (safeguard.web.access), so the
policy and the audit are the same whichever door a request comes through.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from safeguard.accounts.api import router as accounts_router
from safeguard.accounts.services import user_for_token
from safeguard.concerns.api import router as concerns_router
from safeguard.investigations.api import router as investigations_router
from safeguard.people.api import router as people_router
from safeguard.sharing.api import router as sharing_router
from safeguard.timescales.api import router as timescales_router
from safeguard.voice.api import router as voice_router
from safeguard.web.access import BreakGlassRequired


class TokenAuth(HttpBearer):
    """``Authorization: Bearer sg_…`` — a personal token made and revoked on the profile page."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is None:
            return None
        request.user = user
        return user


# Swagger UI (served from the ninja package, never a CDN) sets inline styles; only its page may.
docs_csp = csp_override(
    {
        "default-src": [CSP.SELF],
        "script-src": [CSP.SELF],
        "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
        "img-src": [CSP.SELF, "data:"],
        "frame-ancestors": [CSP.NONE],
        "object-src": [CSP.NONE],
        "base-uri": [CSP.NONE],
    }
)

api = NinjaAPI(
    title="Safeguard API",
    version="1.0.0",
    description="Child protection records for police forces. Every call is authorised by the same access "
    "policy as the web pages and every record returned is written to the access log.",
    auth=TokenAuth(),
    urls_namespace="api",
    docs_decorator=docs_csp,
)


def error(request: HttpRequest, status: int, code: str, message: str, details: Any = None) -> HttpResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details is not None:
        body["error"]["details"] = details
    return api.create_response(request, body, status=status)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error(request, 401, "unauthenticated", "Send a valid API token as 'Authorization: Bearer <token>'.")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error(request, 404, "not_found", "Not found.")


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error(request, 403, "forbidden", "Your role does not allow this.")


@api.exception_handler(BreakGlassRequired)
def on_restricted(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error(
        request,
        403,
        "restricted",
        "This record is restricted. Open it once in the web service, giving "
        "a reason, before reading it through the API.",
    )


@api.exception_handler(NinjaValidationError)
def on_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = [{"field": _field_of(e.get("loc", [])), "message": e.get("msg", "")} for e in exc.errors]
    return error(request, 422, "invalid", "The request was not valid.", details)


def _field_of(loc: list[Any] | tuple[Any, ...]) -> str:
    """A body field is named as the client wrote it (``involvements.0.roles``), as the services name
    theirs; ninja's ``body.<parameter>.`` prefix is dropped. Path and query fields keep theirs."""
    parts = [str(p) for p in loc]
    if len(parts) > 2 and parts[0] == "body":
        parts = parts[2:]
    return ".".join(parts)


@api.exception_handler(DjangoValidationError)
def on_refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    """A service refused the change: each message says what to do, keyed by field where it has one."""
    if hasattr(exc, "error_dict"):
        details = [
            {"field": "" if name == NON_FIELD_ERRORS else name, "message": message}
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        details = [{"field": "", "message": message} for message in exc.messages]
    return error(request, 422, "invalid", "The request was not valid.", details)


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error(request, 413, "too_large", "The request body is too large.")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error(request, exc.status_code, "error", str(exc))


api.add_router("/", accounts_router)
api.add_router("/people", people_router)
api.add_router("/concerns", concerns_router)
api.add_router("/voice", voice_router)
api.add_router("/", timescales_router)
api.add_router("/", investigations_router)
api.add_router("/", sharing_router)
