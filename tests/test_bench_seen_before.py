"""The "seen before?" benchmark's core at a tiny size, so it cannot rot: it loads people, asks its
queries of the search and the three baselines, and prints its table. Figures are not asserted."""

from __future__ import annotations

import pytest

from bench.seen_before import SeenBeforeOptions, measure, report


@pytest.mark.django_db
def test_seen_before_benchmark_runs_at_a_tiny_size(capsys: pytest.CaptureFixture[str]) -> None:
    options = SeenBeforeOptions(queries=20, scan_queries=5, warmup=2, splink_training_rows=2_000)
    result = measure(2_000, options, progress=False)
    assert result.persons == 2_000 and result.variants >= 20
    search, exact, scan, splink = (result.methods[k] for k in ("search", "exact", "scan", "splink"))
    assert (search.asked, exact.asked, scan.asked, splink.asked) == (20, 20, 5, 20)
    assert len(search.times_ms) == 20 and result.statements_per_search > 0
    assert search.recall >= exact.recall  # every exact hit is in the search's blocks too
    report(result, options)
    printed = capsys.readouterr().out
    assert "recall@10" in printed and "Splink" in printed and "ratios: recall search/exact" in printed
