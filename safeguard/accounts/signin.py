"""Signing in: password, then TOTP, with a lockout that answers the same whoever you claim to be."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from .models import User

# One message for every failure: wrong username, wrong password, wrong code or a locked account.
FAILED_MESSAGE = (
    "The username, password or security code is not right, or the account is locked. "
    "After {threshold} failed attempts an account is locked for {minutes} minutes."
)

ENROL_USER = "sg_enrol_user"
ENROL_STARTED = "sg_enrol_started"
ENROL_SECONDS = 600
SESSION_STARTED = "sg_started"
SESSION_SEEN = "sg_seen"


class Result(Enum):
    FAILED = "failed"
    SIGNED_IN = "signed_in"
    ENROL = "enrol"


@dataclass(frozen=True)
class Attempt:
    result: Result
    user: User | None = None


def failed_message() -> str:
    return FAILED_MESSAGE.format(
        threshold=settings.SAFEGUARD_LOCKOUT_THRESHOLD, minutes=settings.SAFEGUARD_LOCKOUT_SECONDS // 60
    )


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def attempt(request: HttpRequest, *, username: str, password: str, code: str) -> Attempt:
    locked = services.is_locked_out(username)
    # Always check the password, even when locked, so a locked account costs the same time to refuse.
    user = authenticate(request, username=username, password=password)
    if locked:
        return Attempt(Result.FAILED)
    if not isinstance(user, User):
        services.record_login_failure(username)
        return Attempt(Result.FAILED)
    device = confirmed_device(user)
    if device is not None:
        if not code.strip() or not device.verify_token(code.strip().replace(" ", "")):
            services.record_login_failure(username)
            return Attempt(Result.FAILED)
        services.clear_login_failures(username)
        complete(request, user, device)
        return Attempt(Result.SIGNED_IN, user)
    services.clear_login_failures(username)
    if settings.SAFEGUARD_REQUIRE_MFA:
        request.session.cycle_key()
        request.session[ENROL_USER] = user.pk
        request.session[ENROL_STARTED] = time.time()
        return Attempt(Result.ENROL, user)
    complete(request, user, None)
    return Attempt(Result.SIGNED_IN, user)


def pending_enrolment(request: HttpRequest) -> User | None:
    user_id = request.session.get(ENROL_USER)
    started = request.session.get(ENROL_STARTED, 0)
    if not user_id or time.time() - started > ENROL_SECONDS:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def complete(request: HttpRequest, user: User, device: TOTPDevice | None) -> None:
    """Sign the user in: a new session id, the second factor marked, the session's clocks started."""
    auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if device is not None:
        otp_login(request, device)
    now = time.time()
    request.session.pop(ENROL_USER, None)
    request.session.pop(ENROL_STARTED, None)
    request.session[SESSION_STARTED] = now
    request.session[SESSION_SEEN] = now
    request.session.save()
    services.register_session(user, request.session.session_key or "", request.headers.get("User-Agent", ""))
