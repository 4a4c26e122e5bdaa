"""Lab throughput: model runs per second for the built-in scenario, all strategies, one shard at a time.

Run: ``.venv/bin/pytest benchmarks/bench_lab.py --benchmark-only`` (figures go in docs/benchmarks.md).
A 'model run' is one strategy × one draw (one full forecast of every issue).
"""

from __future__ import annotations

import pytest

from realpolitik.lab.experiment import Experiment, run_shard
from realpolitik.models.registry import available_models
from realpolitik.scenario import load_scenario

DRAWS = 2000


@pytest.mark.parametrize("model", ["compromise", "bdm"])
def test_lab_shard_throughput(benchmark, model: str) -> None:  # type: ignore[no-untyped-def]
    if model not in available_models():
        pytest.skip(f"model {model!r} is not registered")
    s = load_scenario("afghanistan-2025")
    exp = Experiment(
        scenario=s,
        strategies=tuple(x.id for x in s.strategies),
        client="pakistan",
        draws=DRAWS,
        seed=1,
        model=model,
        shard_size=DRAWS,
    )
    table = benchmark(run_shard, exp, 0)
    runs = len(exp.strategies) * DRAWS
    benchmark.extra_info["model_runs"] = runs
    benchmark.extra_info["runs_per_second"] = runs / benchmark.stats.stats.mean
    assert table.num_rows == runs * len(s.issues)
