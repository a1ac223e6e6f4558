"""Production settings pass `check --deploy` with no warning; relaxing MFA makes it fail."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def deploy_check(**extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEGUARD_") and k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        SAFEGUARD_ENV="production",
        SAFEGUARD_SECRET_KEY="test-" + "k9Xq2" * 12,
        SAFEGUARD_AUDIT_KEY="test-audit-key-" + "z" * 20,
        SAFEGUARD_ALLOWED_HOSTS="safeguard.example.police.uk",
        DJANGO_SETTINGS_MODULE="safeguard.settings",
        **extra,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deploy_check() -> None:
    result = deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_relaxed_mfa_fails_the_deploy_check() -> None:
    result = deploy_check(SAFEGUARD_REQUIRE_MFA="0")
    assert result.returncode != 0
    assert "safeguard.E001" in result.stdout + result.stderr


def test_pages_send_security_headers(db: None) -> None:
    from django.test import Client

    response = Client().get("/login/")
    assert response["Cache-Control"] == "no-store, max-age=0"
    assert "nonce-" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
