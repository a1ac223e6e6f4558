"""System checks for a safe deployment: ``manage.py check --deploy`` fails while MFA is relaxed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def mfa_enforced(app_configs: Any, **kwargs: Any) -> list[Error]:
    if not settings.SAFEGUARD_REQUIRE_MFA:
        return [
            Error(
                "Multi-factor authentication is relaxed (SAFEGUARD_REQUIRE_MFA is off).",
                hint="Production must require MFA for every user. Unset SAFEGUARD_REQUIRE_MFA.",
                id="safeguard.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def production_mode(app_configs: Any, **kwargs: Any) -> list[Error]:
    if not settings.PRODUCTION:
        return [
            Error(
                "Safeguard is running with demo settings.",
                hint="Set SAFEGUARD_ENV=production with the secrets and hosts from the environment.",
                id="safeguard.E002",
            )
        ]
    return []
