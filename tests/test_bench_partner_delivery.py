"""The partner delivery benchmark at a tiny size, so it cannot rot: ``python -m bench partner_delivery``
as the README runs it (its own throwaway database, the real worker killed once), with short leases so it
takes seconds. Figures are not asserted; that nothing was lost is."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]


def test_partner_delivery_benchmark_runs_at_a_tiny_size() -> None:
    env = {
        **os.environ,
        "SAFEGUARD_OUTBOX_LEASE_SECONDS": "3",
        "SAFEGUARD_OUTBOX_TIMEOUT_SECONDS": "1",
    }
    command = [str(ROOT / ".venv" / "bin" / "python"), "-m", "bench", "partner_delivery"]
    if env.get("DATABASE_URL"):  # the bench makes its own database on that server, connecting to "postgres"
        env["DATABASE_URL"] = urlparse(env["DATABASE_URL"])._replace(path="/postgres").geturl()
        command.append("--postgres")
    done = subprocess.run(
        [*command, "--alerts", "40", "--kills", "1", "--rate", "40"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    printed = done.stdout
    assert done.returncode == 0, f"{printed}\n{done.stderr}"
    assert "40 webhook alerts a phase" in printed and "lease 3 s" in printed
    rows = [line.split() for line in printed.splitlines() if line.strip().startswith(("burst ", "kills "))]
    assert [row[0] for row in rows] == ["burst", "kills"]
    assert all(row[11] == "0" for row in rows), printed  # the "lost" column
    assert "worker killed with SIGKILL 1 times" in printed and "every alert marked sent: yes" in printed
    assert "0 lost across 1 kill -9 -> meets it" in printed
