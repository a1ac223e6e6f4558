"""Every change to accounts goes through here: one transaction with its audit event each time.

Staff accounts are personal data too, so creating, changing and disabling them is audited like any
other record (as ``accounts.user``).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguard.audit import services as audit
from safeguard.audit.models import Operation

from . import policy
from .models import AccessGrant, ApiToken, LoginThrottle, Notification, Organisation, Role, Unit, User, UserSession

USER = "accounts.user"


def _require_admin(by: User) -> None:
    if not policy.can(by, policy.Action.ADMINISTER):
        raise PermissionError("Only an administrator can manage accounts and reference data")


# --- Users --------------------------------------------------------------------------------------


@transaction.atomic
def create_user(
    *,
    by: User,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    organisation: Organisation,
    unit: Unit | None,
    roles: list[Role],
    password: str,
    collar_number: str = "",
) -> User:
    _require_admin(by)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "A user with this username already exists"})
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        organisation=organisation,
        unit=unit,
        collar_number=collar_number,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    user.roles.set(roles)
    audit.record(actor=by, operation=Operation.COLLECT, record_type=USER, records=[user])
    return user


@transaction.atomic
def update_user(
    *,
    by: User,
    user: User,
    first_name: str,
    last_name: str,
    email: str,
    organisation: Organisation,
    unit: Unit | None,
    roles: list[Role],
    collar_number: str = "",
) -> User:
    _require_admin(by)
    old_roles = set(user.roles.values_list("code", flat=True))
    user.first_name, user.last_name, user.email = first_name, last_name, email
    user.organisation, user.unit, user.collar_number = organisation, unit, collar_number
    user.full_clean()
    user.save()
    user.roles.set(roles)
    new_roles = {r.code for r in roles}
    reason = ""
    if old_roles != new_roles:
        reason = f"roles {sorted(old_roles)} -> {sorted(new_roles)}"
    audit.record(actor=by, operation=Operation.ALTER, record_type=USER, records=[user], reason=reason)
    return user


@transaction.atomic
def disable_user(*, by: User, user: User, reason: str) -> None:
    """Disable an account and end every session it has, wherever it is signed in."""
    _require_admin(by)
    if user.pk == by.pk:
        raise ValidationError("You cannot disable your own account")
    user.is_active = False
    user.disabled_at = timezone.now()
    user.save(update_fields=["is_active", "disabled_at"])
    end_all_sessions(user)
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(actor=by, operation=Operation.ALTER, record_type=USER, records=[user], reason=f"disabled: {reason}")


@transaction.atomic
def enable_user(*, by: User, user: User) -> None:
    _require_admin(by)
    user.is_active = True
    user.disabled_at = None
    user.save(update_fields=["is_active", "disabled_at"])
    LoginThrottle.objects.filter(username=user.username.lower()).delete()
    audit.record(actor=by, operation=Operation.ALTER, record_type=USER, records=[user], reason="enabled")


@transaction.atomic
def reset_mfa(*, by: User, user: User) -> None:
    """Remove a user's authenticator so they enrol a new one at their next sign-in."""
    _require_admin(by)
    TOTPDevice.objects.filter(user=user).delete()
    end_all_sessions(user)
    audit.record(actor=by, operation=Operation.ALTER, record_type=USER, records=[user], reason="MFA reset")


def end_all_sessions(user: User) -> int:
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


# --- Reference data -----------------------------------------------------------------------------


def _save_reference(by: User, obj: models.Model, created: bool) -> None:
    obj.full_clean()
    obj.save()
    audit.record(
        actor=by,
        operation=Operation.COLLECT if created else Operation.ALTER,
        record_type=obj._meta.label_lower,
        records=[obj],
    )


@transaction.atomic
def save_organisation(*, by: User, organisation: Organisation) -> Organisation:
    _require_admin(by)
    _save_reference(by, organisation, organisation.pk is None)
    return organisation


@transaction.atomic
def save_unit(*, by: User, unit: Unit) -> Unit:
    _require_admin(by)
    if unit.supervisor_id and unit.supervisor and unit.supervisor.organisation_id != unit.organisation_id:
        raise ValidationError({"supervisor": "The supervisor must belong to the unit's organisation"})
    _save_reference(by, unit, unit.pk is None)
    return unit


# --- Logins -------------------------------------------------------------------------------------


def throttle_key(username: str) -> str:
    return username.strip().lower()[:150]


def is_locked_out(username: str) -> bool:
    throttle = LoginThrottle.objects.filter(username=throttle_key(username)).first()
    return throttle is not None and throttle.is_locked()


@transaction.atomic
def record_login_failure(username: str) -> None:
    """Count a failure for this username (known or not) and lock it at the threshold."""
    key = throttle_key(username)
    now = timezone.now()
    throttle, _ = LoginThrottle.objects.select_for_update().get_or_create(username=key)
    if throttle.locked_until and throttle.locked_until <= now:
        throttle.failures = 0
        throttle.locked_until = None
    throttle.failures = F("failures") + 1
    throttle.last_failure_at = now
    throttle.save()
    throttle.refresh_from_db()
    if throttle.failures >= settings.SAFEGUARD_LOCKOUT_THRESHOLD and not throttle.is_locked(now):
        throttle.locked_until = now + timedelta(seconds=settings.SAFEGUARD_LOCKOUT_SECONDS)
        throttle.save(update_fields=["locked_until"])


def clear_login_failures(username: str) -> None:
    LoginThrottle.objects.filter(username=throttle_key(username)).delete()


def register_session(user: User, session_key: str, user_agent: str) -> None:
    UserSession.objects.update_or_create(
        session_key=session_key, defaults={"user": user, "user_agent": user_agent[:300]}
    )


# --- API tokens ---------------------------------------------------------------------------------


@transaction.atomic
def create_api_token(*, user: User, name: str, days: int = 90) -> tuple[ApiToken, str]:
    """Make a token and return it with its raw value, which is shown once and never stored."""
    raw = f"{ApiToken.PREFIX}{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        digest=ApiToken.digest_of(raw),
        hint=raw[:10],
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit.record(actor=user, operation=Operation.COLLECT, record_type="accounts.apitoken", records=[token])
    return token, raw


@transaction.atomic
def revoke_api_token(*, by: User, token: ApiToken) -> None:
    if token.user_id != by.pk and not policy.can(by, policy.Action.ADMINISTER):
        raise PermissionError("You can revoke only your own tokens")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=by, operation=Operation.ALTER, record_type="accounts.apitoken", records=[token], reason="revoked"
        )


def user_for_token(raw: str) -> User | None:
    """The active user a token belongs to, if the token is live."""
    if not raw.startswith(ApiToken.PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=ApiToken.digest_of(raw)).first()
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- Break the glass ----------------------------------------------------------------------------


@transaction.atomic
def break_glass(*, by: User, obj: models.Model, reason: str) -> AccessGrant:
    """Open a restricted record with a typed reason: time-limited, audited, and its owner is told."""
    reason = reason.strip()
    if len(reason) < 10:
        raise ValidationError({"reason": "Explain why you need to open this record (at least 10 characters)"})
    if not policy.may_break_glass(by, obj):
        raise PermissionError("This record is not in your scope")
    record_type = policy.record_type_of(obj)
    grant = AccessGrant.objects.create(
        user=by,
        kind=AccessGrant.Kind.BREAK_GLASS,
        record_type=record_type,
        record_id=str(obj.pk),
        reason=reason,
        granted_by=by,
        expires_at=timezone.now() + timedelta(seconds=settings.SAFEGUARD_BREAK_GLASS_SECONDS),
    )
    audit.record(
        actor=by,
        operation=Operation.CONSULT,
        record_type=record_type,
        records=[obj],
        reason=f"break the glass: {reason}",
    )
    owner_id = getattr(obj, f"{policy.scope_of(obj).owner}_id", None)
    if owner_id and owner_id != by.pk:
        notify(
            user_id=owner_id,
            message=f"{by.display_name} opened a restricted record you own, giving a reason. It has been logged.",
            link="",
        )
    return grant


def notify(*, user_id: int, message: str, link: str = "") -> Notification:
    return Notification.objects.create(user_id=user_id, message=message[:300], link=link)


def mark_notifications_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
