"""Safeguard's benchmarks (QUALITY.md, "Benchmarks"), run by ``./bin/safeguard bench [names]``.

Each benchmark builds its data in a throwaway database, prints its figures and the ratio against a
baseline measured in the same run on the same data, and raises ``BenchmarkFailed`` when something
does not work (a broken chain, a page that does not answer 200): timings are printed, never asserted.

This module is importable before Django is set up; the benchmarks themselves live in submodules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


class BenchmarkFailed(Exception):
    """Something the benchmark measures did not work; the run exits non-zero."""


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile of values already sorted ascending."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def thousands(n: float) -> str:
    return f"{n:,.0f}"


def out(text: str = "") -> None:
    print(text, flush=True)
