"""API endpoints for the caller's own account and for reference data."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema

from safeguard.web.access import audit_consult

from . import policy
from .models import Notification, Organisation, Unit, User

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    username: str
    name: str
    organisation: str | None
    unit: str | None
    roles: list[str]


class NotificationOut(Schema):
    id: int
    message: str
    link: str
    created_at: datetime
    read: bool


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str


class UnitOut(Schema):
    id: int
    name: str
    code: str
    organisation_id: int


class UserOut(Schema):
    id: int
    username: str
    name: str
    organisation: str | None
    unit: str | None
    roles: list[str]
    is_active: bool


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _user_out(user: User) -> UserOut:
    return UserOut(
        id=user.pk,
        username=user.username,
        name=user.display_name,
        organisation=user.organisation.name if user.organisation else None,
        unit=user.unit.name if user.unit else None,
        roles=sorted(user.role_codes()),
        is_active=user.is_active,
    )


@router.get("/me", response=MeOut, summary="The account this token belongs to")
def me(request: HttpRequest) -> MeOut:
    user = _me(request)
    return MeOut(
        id=user.pk,
        username=user.username,
        name=user.display_name,
        organisation=user.organisation.name if user.organisation else None,
        unit=user.unit.name if user.unit else None,
        roles=sorted(user.role_codes()),
    )


@router.get("/notifications", response=list[NotificationOut], summary="Your notifications, newest first")
def notifications(request: HttpRequest) -> list[NotificationOut]:
    rows = Notification.objects.filter(user=_me(request))[:100]
    return [
        NotificationOut(id=n.pk, message=n.message, link=n.link, created_at=n.created_at, read=n.read_at is not None)
        for n in rows
    ]


@router.get("/organisations", response=list[OrganisationOut], summary="The force and its partner organisations")
def organisations(request: HttpRequest) -> list[OrganisationOut]:
    return [OrganisationOut(id=o.pk, name=o.name, kind=o.kind) for o in Organisation.objects.filter(is_active=True)]


@router.get("/units", response=list[UnitOut], summary="Police units and teams")
def units(request: HttpRequest) -> list[UnitOut]:
    return [
        UnitOut(id=u.pk, name=u.name, code=u.code, organisation_id=u.organisation_id)
        for u in Unit.objects.filter(is_active=True)
    ]


@router.get("/users", response=list[UserOut], summary="All user accounts (administrators only)")
def users(request: HttpRequest) -> list[UserOut]:
    if not policy.can(_me(request), policy.Action.ADMINISTER):
        raise PermissionDenied
    rows = list(User.objects.select_related("organisation", "unit").prefetch_related("roles")[:1000])
    audit_consult(request, "accounts.user", [str(u.pk) for u in rows])
    return [_user_out(u) for u in rows]
