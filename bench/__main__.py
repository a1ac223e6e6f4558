"""``python -m bench [names]``: run benchmarks in a throwaway database and print their figures.

    ./bin/safeguard bench                          every benchmark, SQLite in a temporary directory
    ./bin/safeguard bench verify_audit --events 100000
    ./bin/safeguard bench audit --postgres         on a fresh PostgreSQL database (DATABASE_URL's server)
    ./bin/safeguard bench seen_before --persons 250000,2000000 --queries 500 --postgres
    ./bin/safeguard bench timescales_sweep --clocks 10000000 --open 500000 --runs 3 --postgres
    ./bin/safeguard bench partner_delivery --alerts 1000 --kills 5 --rate 50

Exits 1 if a benchmark fails functionally (a broken chain, a page not answering 200); timings are
only printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import BenchmarkFailed, out
from .database import DEFAULT_SERVER_URL, describe, throwaway

if TYPE_CHECKING:
    from .audit import Options

BENCHMARKS = ("verify_audit", "audit_overhead", "seen_before", "timescales_sweep", "partner_delivery")
GROUPS = {
    "audit": ("verify_audit", "audit_overhead"),
    "people": ("seen_before",),
    "timescales": ("timescales_sweep",),
    "sharing": ("partner_delivery",),
    "all": BENCHMARKS,
}


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run: {', '.join(BENCHMARKS)}, or audit / all")
    parser.add_argument("--events", type=int, default=1_000_000, help="audit events for verify_audit")
    parser.add_argument("--batch", type=int, default=50_000, help="rows per insert batch when building the chain")
    parser.add_argument("--requests", type=int, default=500, help="measured requests per page and mode")
    parser.add_argument("--warmup", type=int, default=50, help="discarded requests per page and mode")
    parser.add_argument("--notes", type=int, default=50, help="notes on the casework list page")
    parser.add_argument(
        "--persons", default="250000", help="seen_before: comma-separated population sizes, e.g. 250000,2000000"
    )
    parser.add_argument("--queries", type=int, default=500, help="seen_before: searches per size")
    parser.add_argument("--scan-queries", type=int, default=50, help="seen_before: searches for the unindexed scan")
    parser.add_argument("--no-splink", action="store_true", help="seen_before: skip the Splink baseline")
    parser.add_argument("--clocks", type=int, default=10_000_000, help="timescales_sweep: clocks in all")
    parser.add_argument("--open", type=int, default=500_000, help="timescales_sweep: how many of them are open")
    parser.add_argument("--runs", type=int, default=3, help="timescales_sweep: timed runs of each method")
    parser.add_argument(
        "--window", type=int, default=60, help="timescales_sweep: seconds from the loaded state (T0) to the sweep (T1)"
    )
    parser.add_argument("--alerts", type=int, default=1_000, help="partner_delivery: alerts in each phase")
    parser.add_argument("--kills", type=int, default=5, help="partner_delivery: kill -9s of the worker while sending")
    parser.add_argument("--rate", type=float, default=50.0, help="partner_delivery: alerts a second while killing")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="use a fresh PostgreSQL database (also when DATABASE_URL is set) on the server in DATABASE_URL, "
        f"default {DEFAULT_SERVER_URL}",
    )
    args = parser.parse_args(argv)
    names: list[str] = []
    for name in args.names or ["all"]:
        for expanded in GROUPS.get(name, (name,)):
            if expanded not in BENCHMARKS:
                parser.error(f"unknown benchmark {name!r}; choose from {', '.join([*BENCHMARKS, *GROUPS])}")
            if expanded not in names:
                names.append(expanded)
    args.names = names
    try:
        args.persons = tuple(int(n.replace("_", "")) for n in args.persons.split(","))
    except ValueError:
        parser.error("--persons takes comma-separated numbers, e.g. 250000,2000000")
    if min(args.persons) < 100 or args.queries < 1 or args.scan_queries < 0:
        parser.error("--persons must be at least 100, --queries positive, --scan-queries not negative")
    if not 0 < args.open <= args.clocks or args.runs < 1 or args.window < 1:
        parser.error("--open must be positive and at most --clocks; --runs and --window must be positive")
    if args.alerts < 1 or args.kills < 0 or args.rate <= 0:
        parser.error("--alerts and --rate must be positive, --kills not negative")
    if args.events < 1 or args.requests < 1 or args.warmup < 0 or args.notes < 1 or args.batch < 1:
        parser.error("--events, --requests, --notes and --batch must be positive, --warmup not negative")
    return args


def setup_django() -> None:
    """Test settings (they install the casework pages), production-like knobs, then migrate."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ["SAFEGUARD_ENV"] = "demo"
    os.environ["SAFEGUARD_DEBUG"] = "0"  # DEBUG keeps every query in memory and would skew timings
    os.environ.setdefault("SAFEGUARD_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def runners(args: argparse.Namespace) -> dict[str, Callable[[Options], None]]:
    from .audit import audit_overhead, verify_audit
    from .partner_delivery import DeliveryOptions, partner_delivery
    from .seen_before import SeenBeforeOptions, seen_before
    from .timescales_sweep import SweepOptions, timescales_sweep

    people = SeenBeforeOptions(
        persons=args.persons, queries=args.queries, scan_queries=args.scan_queries, splink=not args.no_splink
    )
    clocks = SweepOptions(clocks=args.clocks, open=args.open, runs=args.runs, window=args.window)
    return {
        "verify_audit": verify_audit,
        "audit_overhead": audit_overhead,
        "seen_before": lambda _options: seen_before(people),
        "timescales_sweep": lambda _options: timescales_sweep(clocks),
        "partner_delivery": lambda _options: partner_delivery(
            DeliveryOptions(alerts=args.alerts, kills=args.kills, rate=args.rate)
        ),
    }


def main(argv: Sequence[str]) -> int:
    args = parse(argv)
    postgres = args.postgres or bool(os.environ.get("DATABASE_URL"))
    server_url = os.environ.get("DATABASE_URL") or DEFAULT_SERVER_URL
    failed: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="safeguard-bench-") as tmp,
        throwaway(Path(tmp), postgres=postgres, server_url=server_url) as target,
    ):
        setup_django()
        from .audit import Options

        options = Options(
            events=args.events, batch=args.batch, requests=args.requests, warmup=args.warmup, notes=args.notes
        )
        out(f"Safeguard benchmarks: {', '.join(args.names)}")
        out(describe(target))
        table = runners(args)
        for name in args.names:
            out()
            started = time.perf_counter()
            try:
                table[name](options)
            except BenchmarkFailed as exc:
                failed.append(name)
                out(f"  FAILED: {exc}")
            except Exception:
                failed.append(name)
                out(f"  FAILED with an error:\n{traceback.format_exc()}")
            out(f"  ({name} took {time.perf_counter() - started:.1f} s in all)")
    out()
    if failed:
        out(f"Failed: {', '.join(failed)}")
        return 1
    out("All benchmarks ran.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
