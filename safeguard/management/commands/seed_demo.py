"""Load the synthetic demo force. Safe to run again: it only adds what is missing."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from safeguard.synthetic.force import DEMO_USERS, build_force


def demo_password() -> str:
    """One password for the demo users of this installation, generated once and kept in var/."""
    path = settings.VAR_DIR / "demo-password.txt"
    if path.exists():
        return path.read_text().strip()
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    password = "demo-" + secrets.token_urlsafe(9)
    path.write_text(password)
    path.chmod(0o600)
    return password


class Command(BaseCommand):
    help = "Create the synthetic demo force: organisations, units and one demo user per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", help="Password for newly created demo users (default: generated once)")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            self.stderr.write("seed_demo refuses to run with production settings.")
            raise SystemExit(2)
        password = options["password"] or demo_password()
        seeded = build_force(password=password)
        self.stdout.write(
            f"Synthetic force ready ({seeded.organisations} organisations, {seeded.units} units, "
            f"{seeded.users} users added)."
        )
        if options["verbosity"] >= 1:
            self.stdout.write("Demo logins (username / password):")
            for spec in DEMO_USERS:
                self.stdout.write(f"  {spec.username:<13} {password}   ({', '.join(spec.roles)})")
