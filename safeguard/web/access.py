"""Request-aware doors to the access policy. Pages and endpoints read records only through these, so
that every record handed to a view is both allowed by the policy and queued for the audit log.

* ``get_or_404`` — one record. Out of scope or missing: the attempt is audited as denied and the
  answer is 404 (existence is never revealed). In scope but restricted: BreakGlassRequired.
* ``shown`` — a list. Evaluates the (already scoped) queryset and queues one event naming every
  record shown.
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest

from safeguard.accounts import policy
from safeguard.accounts.models import User
from safeguard.audit.models import Operation, Outcome
from safeguard.audit.services import PendingEvent

M = TypeVar("M", bound=models.Model)


class BreakGlassRequired(Exception):
    """The record is in the user's scope but restricted: they must give a reason to open it."""

    def __init__(self, obj: models.Model) -> None:
        super().__init__(f"{policy.record_type_of(obj)} {obj.pk} is restricted")
        self.obj = obj


def signed_in(request: HttpRequest) -> User:
    """The signed-in user of a request that the login middleware has already let through."""
    user = request.user
    assert isinstance(user, User)
    return user


def with_role(request: HttpRequest, *roles: str) -> User:
    """The signed-in user, if they hold one of ``roles``; 403 otherwise (before any record is read)."""
    user = signed_in(request)
    if not user.has_role(*roles):
        raise PermissionDenied
    return user


def administrator(request: HttpRequest) -> User:
    """The signed-in user, if the policy lets them administer; 403 otherwise."""
    user = signed_in(request)
    if not policy.can(user, policy.Action.ADMINISTER):
        raise PermissionDenied
    return user


def _queue(request: HttpRequest, event: PendingEvent) -> None:
    trail = getattr(request, "audit", None)
    if trail is None:
        raise RuntimeError("AuditMiddleware is not installed: refusing to show personal data unaudited")
    trail.add(event)


def audit_consult(
    request: HttpRequest, record_type: str, ids: list[str], *, outcome: str = Outcome.ALLOWED, reason: str = ""
) -> None:
    _queue(request, PendingEvent(Operation.CONSULT, record_type, ids, outcome=outcome, reason=reason))


def get_or_404(
    request: HttpRequest,
    model: type[M],
    pk: object,
    *,
    action: policy.Action = policy.Action.VIEW,
    queryset: models.QuerySet[M] | None = None,
    reason: str = "",
) -> M:
    """The record, if this user may ``action`` it; 404 otherwise (audited as a denied attempt).
    ``reason`` says why the record is consulted where the page alone does not (a partner reading a
    disclosure); it is written on the one consultation event."""
    record_type = policy.record_type_of(model)
    user = request.user
    base = queryset if queryset is not None else model._default_manager.all()
    scoped = policy.visible_to(user, base) if action == policy.Action.VIEW else policy.changeable_by(user, base)
    try:
        obj = scoped.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        audit_consult(request, record_type, [str(pk)[:64]], outcome=Outcome.DENIED, reason="not found or out of scope")
        raise Http404 from exc
    assert isinstance(user, User)
    if policy.is_locked(user, obj):
        audit_consult(request, record_type, [str(obj.pk)], outcome=Outcome.DENIED, reason="restricted: break the glass")
        raise BreakGlassRequired(obj)
    audit_consult(request, record_type, [str(obj.pk)], reason=reason)
    return obj


def shown(request: HttpRequest, queryset: models.QuerySet[M], *, limit: int = 100) -> list[M]:
    """Evaluate a scoped queryset for display and queue one consultation naming every record shown.

    Restricted records appear in the list (so that a hub knows they exist) but their content is
    locked; ``is_locked_for_viewer`` on each row tells the template which ones to mask.
    """
    return shown_rows(request, list(queryset[:limit]))


def shown_rows(request: HttpRequest, rows: list[M]) -> list[M]:
    """``shown`` for rows already fetched (from a scoped queryset) by a selector: mark and audit them."""
    if rows:
        record_type = policy.record_type_of(type(rows[0]))
        user = request.user
        assert isinstance(user, User)
        unlocked = policy.unlocked_ids(user, rows)
        for row in rows:
            row.is_locked_for_viewer = row.pk not in unlocked  # type: ignore[attr-defined]
        audit_consult(request, record_type, [str(r.pk) for r in rows])
    return rows
