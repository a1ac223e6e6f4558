from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safeguard.audit.services import verify_chain


class Command(BaseCommand):
    help = "Re-compute the audit log's hash chain and name the first broken sequence number."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken = verify_chain()
        if broken is not None:
            raise CommandError(
                f"Audit chain broken at sequence number {broken.seq}: {broken.problem} "
                f"({checked} events verified before it)"
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} events verified."))
