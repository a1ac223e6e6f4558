"""Signing in through a real browser: first sign-in with authenticator set-up, sign out, sign in
again with a code, and a wrong code refused with the generic error. Every page is checked with axe."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from .conftest import DEMO_PASSWORD, ROOT

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
TOTP_STEP = 30
TOTP_DIGITS = 6
# django-otp's TOTPDevice accepts codes one step either side of now (tolerance=1).
TOTP_TOLERANCE = 1
MAX_WAIT_SECONDS = 31


# --- RFC 6238 -----------------------------------------------------------------------------------


def decode_setup_key(setup_key: str) -> bytes:
    """The key an authenticator app would store, from the page's spaced base32 groups."""
    compact = "".join(setup_key.split()).upper()
    return base64.b32decode(compact + "=" * (-len(compact) % 8))


def time_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // TOTP_STEP)


def totp(key: bytes, step: int) -> str:
    """HOTP (RFC 4226) of a TOTP time step: HMAC-SHA1, dynamic truncation, 6 digits."""
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**TOTP_DIGITS).zfill(TOTP_DIGITS)


class Authenticator:
    """A stand-in for the user's phone. It never hands out a code for a step already used, because
    django-otp refuses a step at or before the last one it accepted."""

    def __init__(self, setup_key: str) -> None:
        self.key = decode_setup_key(setup_key)
        self.last_step: int | None = None

    def code(self) -> str:
        step = time_step()
        if self.last_step is not None and step <= self.last_step:
            step = self.last_step + 1
            # A later step is accepted within the tolerance; beyond it, wait (bounded) for the clock.
            wait = (step - TOTP_TOLERANCE) * TOTP_STEP - time.time()
            if wait > 0:
                assert wait <= MAX_WAIT_SECONDS, f"refusing to wait {wait:.0f} s for a fresh code"
                time.sleep(wait)
        self.last_step = step
        return totp(self.key, step)

    def wrong_code(self) -> str:
        """A code that matches no step the server could accept now."""
        now = time_step()
        valid = {totp(self.key, now + d) for d in range(-TOTP_TOLERANCE - 1, TOTP_TOLERANCE + 2)}
        candidate = 0
        while f"{candidate:06d}" in valid:
            candidate += 1
        return f"{candidate:06d}"


def test_totp_matches_rfc_6238_vector() -> None:
    # RFC 6238 appendix B, SHA1, T = 59 s (last 6 of 94287082).
    assert totp(b"12345678901234567890", time_step(59)) == "287082"


# --- Page helpers -------------------------------------------------------------------------------


def assert_accessible(page: Page, what: str) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, f"axe found problems on the {what} ({page.url}):\n" + (
        results.generate_report()
    )


def fill_login(page: Page, username: str, password: str, code: str = "") -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Security code").fill(code)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page, server: str) -> None:
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{server}/login/")
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def assert_home(page: Page, server: str, role: str) -> None:
    expect(page).to_have_url(f"{server}/")
    expect(page.locator(f'h2[data-role="{role}"]')).to_be_visible()


# --- The journey --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_sign_in_with_authenticator(page: Page, server: str, role: str) -> None:
    page.goto("/login/")
    expect(page).to_have_title("Sign in \u2013 Safeguard")
    assert_accessible(page, "sign-in page")

    # First sign-in: password only, then MFA is required, so the app asks for an authenticator.
    fill_login(page, role, DEMO_PASSWORD)
    expect(page).to_have_url(f"{server}/login/set-up-authenticator/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    setup_key = page.get_by_test_id("totp-secret").inner_text()
    assert all(len(group) == 4 for group in setup_key.split()[:-1]), setup_key
    phone = Authenticator(setup_key)
    assert_accessible(page, "authenticator set-up page")

    page.get_by_label("Security code").fill(phone.code())
    page.get_by_role("button", name="Confirm").click()
    assert_home(page, server, role)
    expect(page.get_by_text("Your authenticator is set up.")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"home-{role}.png"), full_page=True)
    assert_accessible(page, "home page")

    # Sign out, then sign in on the one form with username, password and a fresh code.
    sign_out(page, server)
    fill_login(page, role, DEMO_PASSWORD, phone.code())
    assert_home(page, server, role)

    # A wrong code gets the one generic error, whatever was wrong.
    sign_out(page, server)
    fill_login(page, role, DEMO_PASSWORD, phone.wrong_code())
    expect(page).to_have_url(f"{server}/login/")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary).to_contain_text("The username, password or security code is not right")
    assert page.title().startswith("Error:"), page.title()
    assert_accessible(page, "sign-in page with an error")
