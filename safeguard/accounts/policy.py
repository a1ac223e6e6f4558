"""The single access policy. Every page and endpoint asks here; nothing filters records by hand.

Deny by default. A record with case content is a ScopedRecord (or declares a ``Scope``); which of
them a user may see follows from their roles (ARCHITECTURE.md, "Users and roles"):

| role         | sees                                                      | may change            |
|--------------|-----------------------------------------------------------|-----------------------|
| officer      | own records and their unit's                              | own                   |
| investigator | own records and their unit's                              | own                   |
| supervisor   | records of their unit and of units they supervise         | those records         |
| hub          | force-wide                                                | force-wide            |
| leader       | force-wide, on demand (every opening audited)             | nothing               |
| partner      | only what was shared with their organisation, while live  | nothing here          |
| auditor      | records granted for an audit, until the grant expires     | nothing               |
| admin        | no case content                                           | users and reference data |

A *nominal* record (a person in the force's index of people) is the exception: every officer,
investigator and supervisor sees and may add to it force-wide, because the same child is met by
many units. What happened to the person (concerns, voice records) stays scoped as above.

A restricted record (for example a child of a police officer) is in scope as above but its content
opens only to its owner or to someone holding a live grant — a break-the-glass opening with a typed
reason, or an audit grant.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .models import AccessGrant, RoleCode, Scope, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

M = TypeVar("M", bound=models.Model)


class Action(StrEnum):
    VIEW = "view"
    CHANGE = "change"
    ADMINISTER = "administer"


FORCE_WIDE_VIEW = {RoleCode.HUB, RoleCode.LEADER}
FORCE_WIDE_CHANGE = {RoleCode.HUB}
UNIT_VIEW = {RoleCode.OFFICER, RoleCode.INVESTIGATOR, RoleCode.SUPERVISOR}
OWN_CHANGE = {RoleCode.OFFICER, RoleCode.INVESTIGATOR, RoleCode.SUPERVISOR}
# Roles that write case records (a concern, a person), and roles that may look people up force-wide.
RECORDERS = frozenset(OWN_CHANGE | FORCE_WIDE_CHANGE)
NOMINAL_SEARCHERS = frozenset(UNIT_VIEW | FORCE_WIDE_VIEW)


def record_type_of(model: type[models.Model] | models.Model) -> str:
    scope = scope_of(model)
    return scope.record_type or model._meta.label_lower


def scope_of(model: type[models.Model] | models.Model) -> Scope:
    scope = getattr(model, "access_scope", None)
    if not isinstance(scope, Scope):
        raise TypeError(f"{model} declares no access scope; the policy will not guess one")
    return scope


def _is_active(user: User | AnonymousUser | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _scope_q(user: User, model: type[models.Model], action: Action) -> Q | None:
    """The records of ``model`` that ``user`` may see (VIEW) or change (CHANGE); None means none."""
    scope = scope_of(model)
    roles = user.role_codes()
    force_wide = FORCE_WIDE_VIEW if action == Action.VIEW else FORCE_WIDE_CHANGE
    if roles & force_wide:
        return Q()
    parts: list[Q] = []
    if scope.nominal and roles & UNIT_VIEW:
        return Q()
    if roles & UNIT_VIEW:
        if action == Action.VIEW:
            if user.unit_id:
                parts.append(Q(**{f"{scope.unit}_id": user.unit_id}))
            parts.append(Q(**{f"{scope.owner}_id": user.pk}))
        elif roles & OWN_CHANGE:
            parts.append(Q(**{f"{scope.owner}_id": user.pk}))
    if RoleCode.SUPERVISOR in roles:
        parts.append(Q(**{f"{scope.unit}__supervisor_id": user.pk}))
    if action == Action.VIEW and RoleCode.PARTNER in roles and scope.partner_org and user.organisation_id:
        parts.append(Q(**{f"{scope.partner_org}": user.organisation_id}))
    if action == Action.VIEW and RoleCode.AUDITOR in roles:
        granted = _granted_ids(user, model, AccessGrant.Kind.AUDIT)
        if granted:
            parts.append(Q(pk__in=granted))
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined |= part
    return combined


def _granted_ids(user: User, model: type[models.Model], kind: str | None = None) -> list[str]:
    grants = AccessGrant.objects.filter(user=user, record_type=record_type_of(model), expires_at__gt=timezone.now())
    if kind:
        grants = grants.filter(kind=kind)
    return list(grants.values_list("record_id", flat=True))


def visible_to(user: User | AnonymousUser | None, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    """The records of ``queryset`` in this user's scope (restricted ones included, still locked)."""
    if not _is_active(user):
        return queryset.none()
    assert isinstance(user, User)
    q = _scope_q(user, queryset.model, Action.VIEW)
    if q is None:
        return queryset.none()
    return queryset.filter(q).distinct() if _needs_distinct(queryset.model) else queryset.filter(q)


def _needs_distinct(model: type[models.Model]) -> bool:
    # A partner path crosses a to-many relation (one record, many shares); the others do not.
    return bool(scope_of(model).partner_org)


def changeable_by(user: User | AnonymousUser | None, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    if not _is_active(user):
        return queryset.none()
    assert isinstance(user, User)
    q = _scope_q(user, queryset.model, Action.CHANGE)
    return queryset.none() if q is None else queryset.filter(q)


def is_locked(user: User, obj: models.Model) -> bool:
    """True when ``obj`` is restricted and this user must break the glass to open it."""
    scope = scope_of(obj)
    if not scope.restricted or not getattr(obj, scope.restricted):
        return False
    if getattr(obj, f"{scope.owner}_id", None) == user.pk or _shared_with(user, obj):
        return False
    if scope.opens_with and not is_locked(user, getattr(obj, scope.opens_with)):
        return False
    return not AccessGrant.objects.filter(
        user=user, record_type=record_type_of(obj), record_id=str(obj.pk), expires_at__gt=timezone.now()
    ).exists()


def _shared_with(user: User, obj: models.Model) -> bool:
    """A partner reading what was shared with their organisation: what was disclosed to them is theirs to
    read (it was chosen for them), even when the police record it came from is restricted."""
    scope = scope_of(obj)
    return bool(
        scope.partner_org
        and RoleCode.PARTNER in user.role_codes()
        and user.organisation_id
        and getattr(obj, f"{scope.partner_org}_id", None) == user.organisation_id
    )


def unlocked_ids(user: User, objs: list[Any]) -> set[Any]:
    """The primary keys among ``objs`` whose content this user may see without breaking the glass."""
    if not objs:
        return set()
    scope = scope_of(objs[0])
    granted = set(_granted_ids(user, type(objs[0])))
    open_parents: set[Any] = set()
    if scope.opens_with:
        parent_model = type(objs[0])._meta.get_field(scope.opens_with).related_model
        parent_ids = {getattr(obj, f"{scope.opens_with}_id") for obj in objs}
        open_parents = unlocked_ids(user, list(parent_model._default_manager.filter(pk__in=parent_ids)))
    unlocked = set()
    for obj in objs:
        restricted = bool(scope.restricted and getattr(obj, scope.restricted))
        if (
            not restricted
            or getattr(obj, f"{scope.owner}_id", None) == user.pk
            or _shared_with(user, obj)
            or str(obj.pk) in granted
            or (scope.opens_with and getattr(obj, f"{scope.opens_with}_id") in open_parents)
        ):
            unlocked.add(obj.pk)
    return unlocked


def can(user: User | AnonymousUser | None, action: Action | str, obj: models.Model | None = None) -> bool:
    """May ``user`` do ``action`` to ``obj``? For records, VIEW means the content, not only the existence."""
    if not _is_active(user):
        return False
    assert isinstance(user, User)
    action = Action(action)
    if action == Action.ADMINISTER:
        return user.has_role(RoleCode.ADMIN)
    if obj is None:
        return False
    manager = type(obj)._default_manager
    if action == Action.VIEW:
        in_scope = visible_to(user, manager.filter(pk=obj.pk)).exists()
        return in_scope and not is_locked(user, obj)
    in_scope = changeable_by(user, manager.filter(pk=obj.pk)).exists()
    return in_scope and not is_locked(user, obj)


def may_break_glass(user: User, obj: models.Model) -> bool:
    """Only someone whose scope already covers the record may open it with a reason."""
    return visible_to(user, type(obj)._default_manager.filter(pk=obj.pk)).exists() and is_locked(user, obj)


def sees_case_content(user: User | AnonymousUser | None) -> bool:
    """Does this user's role give any access to case records at all? (Admins: no, by default.)"""
    if not _is_active(user):
        return False
    assert isinstance(user, User)
    return bool(user.role_codes() - {RoleCode.ADMIN})
