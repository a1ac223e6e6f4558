"""Load the synthetic demo force. Safe to run again: it only adds what is missing."""

from __future__ import annotations

import secrets
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from safeguard.people.models import Person
from safeguard.synthetic.force import DEMO_USERS, FORCE, build_force
from safeguard.synthetic.population import TIERS, PopulationSpec, load_population


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
    help = (
        "Create the synthetic demo force: organisations, units, partners, demo users and, if the nominal "
        "index is empty, the demo tier of the synthetic population (people and 10 years of concerns, "
        "investigations and shares with partners)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", help="Password for newly created demo users (default: generated once)")
        parser.add_argument(
            "--persons",
            type=int,
            default=TIERS["demo"][0],
            help="People to generate when there are none yet (default: the demo tier); 0 loads none",
        )
        parser.add_argument("--seed", type=int, default=PopulationSpec.seed, help="Seed of the synthetic population")
        parser.add_argument(
            "--ground-truth",
            type=Path,
            help="Where to write which records are the same person and which failures were injected "
            "(default: var/synthetic-ground-truth.json)",
        )

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
        self._population(options)
        if options["verbosity"] >= 1:
            self.stdout.write("Demo logins (username / password):")
            for spec in DEMO_USERS:
                where = f", {spec.organisation}" if spec.organisation != FORCE else ""
                self.stdout.write(f"  {spec.username:<13} {password}   ({', '.join(spec.roles)}{where})")

    def _population(self, options: dict[str, Any]) -> None:
        persons = options["persons"]
        if persons <= 0 or Person.objects.exists():
            return
        demo_persons, demo_concerns = TIERS["demo"]
        spec = PopulationSpec(
            persons=persons,
            concerns=round(persons * demo_concerns / demo_persons),
            seed=options["seed"],
            progress=options["verbosity"] >= 1 and sys.stderr.isatty(),
        )
        path = options["ground_truth"] or settings.VAR_DIR / "synthetic-ground-truth.json"
        started = time.perf_counter()
        truth = load_population(spec=spec, ground_truth_path=path)
        self.stdout.write(
            f"Synthetic population loaded in {time.perf_counter() - started:.0f} s: {truth.persons} people "
            f"({truth.counts.get('variants', 0)} recorded more than once), "
            f"{truth.counts.get('concerns', 0)} concerns, "
            f"{sum(n for key, n in truth.counts.items() if key.startswith('investigations_'))} investigations "
            f"({truth.counts.get('investigations_active', 0)} under investigation), "
            f"{sum(n for key, n in truth.counts.items() if key.startswith('shares_'))} shares with partners "
            f"({truth.counts.get('shares_not_shared', 0)} decisions not to share); ground truth in {path}."
        )
