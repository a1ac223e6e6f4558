"""The timescales sweep benchmark's core at a tiny size, so it cannot rot: it loads clocks, runs the
incremental sweep, the full sweep and the Python-loop baseline from the same state, checks they agree
with each other and with what the data predicts, and prints its table. Figures are not asserted."""

from __future__ import annotations

import pytest

from bench.timescales_sweep import SweepOptions, measure, report
from safeguard.timescales.models import Alert, Clock, Stage


@pytest.mark.django_db
def test_timescales_sweep_benchmark_runs_at_a_tiny_size(capsys: pytest.CaptureFixture[str]) -> None:
    # Six hours from T0 to T1, so that 500 open clocks have something to cross (some two thresholds).
    options = SweepOptions(clocks=5_000, open=500, runs=2, window=6 * 3600, batch=50, progress=False)
    result = measure(options)
    truth = result.truth

    assert Clock.objects.count() == 5_000
    assert Clock.objects.filter(stopped_at__isnull=True).count() == 500
    assert not Clock.objects.filter(stopped_at__isnull=False, next_at__isnull=False).exists()
    assert sum(truth.open_by_stage.values()) == 500 and all(truth.open_by_stage.values())
    assert len(truth.moved) > 10 and len(truth.alerts) > len(truth.moved)  # some clocks crossed two thresholds

    for method in result.methods.values():
        assert len(method.runs) == 2
        for run in method.runs:
            assert run.moved == truth.moved and run.alerts == truth.alerts
            assert run.clocks == len(truth.moved) and run.raised == len(truth.alerts)
    assert result.methods["incremental"].runs[0].notices > 0  # people were told
    assert result.methods["baseline"].runs[0].notices == 0

    # Every run was rolled back: the loaded state is untouched.
    assert not Alert.objects.exists()
    escalated_now = Clock.objects.filter(stopped_at__isnull=True, stage=Stage.ESCALATED).count()
    assert escalated_now == truth.open_by_stage[Stage.ESCALATED]

    report(result)
    printed = capsys.readouterr().out
    assert "ratios: baseline/incremental" in printed and "baseline/full" in printed
    assert "target: full <= 30 s" in printed and "results identical" in printed
