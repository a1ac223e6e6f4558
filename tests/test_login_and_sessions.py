"""Signing in with password and TOTP, the lockout, and the server-side session limits."""

from __future__ import annotations

import difflib
import time

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguard.accounts.models import User, UserSession
from safeguard.accounts.services import disable_user
from tests.conftest import PASSWORD, Force


def device_for(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def code(device: TOTPDevice, at: float | None = None) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=0):06d}"


def login(client: Client, username: str, password: str = PASSWORD, otp: str = "") -> object:
    return client.post(reverse("accounts:login"), {"username": username, "password": password, "code": otp})


def test_password_and_totp_sign_in_and_rotate_the_session_id(force: Force) -> None:
    user = force.user("officer")
    device = device_for(user)
    client = Client()
    client.get(reverse("accounts:login"))
    client.session.save()
    before = client.session.session_key
    response = login(client, "officer", otp=code(device))
    assert response.status_code == 302 and response["Location"] == "/"  # type: ignore[attr-defined]
    assert client.session.session_key != before
    assert UserSession.objects.filter(user=user, session_key=client.session.session_key).exists()
    assert client.get("/").status_code == 200


def test_password_alone_is_not_enough_when_a_device_exists(force: Force) -> None:
    device_for(force.user("officer"))
    client = Client()
    response = login(client, "officer")
    assert response.status_code == 200 and b"There is a problem" in response.content  # type: ignore[attr-defined]
    assert client.get("/").status_code == 302


def test_first_sign_in_without_device_goes_to_authenticator_set_up(force: Force) -> None:
    client = Client()
    response = login(client, "officer")
    assert response["Location"] == reverse("accounts:mfa_setup")  # type: ignore[index]
    assert client.get("/").status_code == 302  # not signed in until the code is confirmed
    page = client.get(reverse("accounts:mfa_setup"))
    assert b"Setup key" in page.content
    device = TOTPDevice.objects.get(user=force.user("officer"), confirmed=False)
    wrong = "000000" if code(device) != "000000" else "111111"
    assert b"That code is not right" in client.post(reverse("accounts:mfa_setup"), {"code": wrong}).content
    with time_machine.travel(time.time() + 5):  # django-otp throttles the next try after a failure
        assert client.post(reverse("accounts:mfa_setup"), {"code": code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200


@override_settings(SAFEGUARD_REQUIRE_MFA=False)
def test_relaxed_mfa_lets_a_user_without_device_sign_in(force: Force) -> None:
    client = Client()
    assert login(client, "officer")["Location"] == "/"  # type: ignore[index]


@pytest.mark.parametrize("username", ["officer", "no-such-user"])
def test_ten_failures_lock_the_account_with_identical_responses(force: Force, username: str) -> None:
    device = device_for(force.user("officer"))
    bodies = set()
    for _ in range(10):
        response = login(Client(), username, password="wrong-password-123")
        assert response.status_code == 200  # type: ignore[attr-defined]
        bodies.add(strip_tokens(response.content))  # type: ignore[attr-defined]
    locked = login(Client(), username, otp=code(device))  # the right password and code, but locked
    assert locked.status_code == 200  # type: ignore[attr-defined]
    bodies.add(strip_tokens(locked.content))  # type: ignore[attr-defined]
    first, *rest = sorted(bodies)
    diff = [
        line for b in rest for line in difflib.unified_diff(first.decode().splitlines(), b.decode().splitlines(), n=0)
    ]
    assert not diff, f"a locked, unknown or wrong login must look the same: {diff}"
    with time_machine.travel(time.time() + 16 * 60):
        assert login(Client(), "officer", otp=code(device))["Location"] == "/"  # type: ignore[index]


def test_unknown_and_known_users_get_the_same_failure_page(force: Force) -> None:
    known = login(Client(), "officer", password="wrong-password-123")
    unknown = login(Client(), "nobody-here", password="wrong-password-123")
    assert strip_tokens(known.content) == strip_tokens(unknown.content)  # type: ignore[attr-defined]


def strip_tokens(body: bytes) -> bytes:
    import re

    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)
    body = re.sub(rb'nonce="[^"]+"', b"", body)
    return re.sub(rb' value="(officer|no-such-user|nobody-here)"', b"", body)


def signed_in_client(force: Force) -> Client:
    client = Client()
    with override_settings(SAFEGUARD_REQUIRE_MFA=False):
        login(client, "officer")
    return client


def test_idle_timeout_ends_the_session(force: Force) -> None:
    start = time.time()
    with time_machine.travel(start, tick=False):
        client = signed_in_client(force)
    with time_machine.travel(start + 14 * 60, tick=False):
        assert client.get("/").status_code == 200
    with time_machine.travel(start + 28 * 60, tick=False):
        assert client.get("/").status_code == 200  # activity 14 min ago
    with time_machine.travel(start + 44 * 60, tick=False):
        response = client.get("/profile/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        assert client.get("/").status_code == 302


def test_absolute_lifetime_ends_an_active_session(force: Force) -> None:
    start = time.time()
    with time_machine.travel(start, tick=False):
        client = signed_in_client(force)
    for minutes in range(10, 600, 10):
        with time_machine.travel(start + minutes * 60, tick=False):
            assert client.get("/").status_code == 200
    with time_machine.travel(start + 600 * 60 + 60, tick=False):
        assert client.get("/").status_code == 302


def test_logout_invalidates_the_server_side_session(force: Force) -> None:
    client = signed_in_client(force)
    key = client.session.session_key
    client.post(reverse("accounts:logout"))
    assert not Session.objects.filter(session_key=key).exists()
    stolen = Client()
    stolen.cookies["safeguard_session"] = key  # type: ignore[assignment]
    assert stolen.get("/").status_code == 302


def test_disabling_a_user_ends_all_their_sessions(force: Force) -> None:
    laptop, phone = signed_in_client(force), signed_in_client(force)
    assert UserSession.objects.filter(user=force.user("officer")).count() == 2
    disable_user(by=force.user("admin"), user=force.user("officer"), reason="left")
    assert laptop.get("/").status_code == 302 and phone.get("/").status_code == 302
    assert not UserSession.objects.filter(user=force.user("officer")).exists()
    assert login(Client(), "officer").status_code == 200  # type: ignore[attr-defined]
