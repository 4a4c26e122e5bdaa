"""Benchmarks of the Stokman exchange model on COP21 (15 actors, 13 issues: 1,300–2,100 candidate exchanges a round).

Run with ``pytest benchmarks/bench_exchange.py --benchmark-only`` (figures in ``docs/models/exchange.md``). The
sizes are moderate so a plain ``pytest benchmarks/bench_exchange.py`` also runs them quickly as tests. The data
are read in place from the shared reference data; the benchmarks skip when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from realpolitik.models import exchange
from realpolitik.models.arrays import Arrays, from_scenario


def _cop21() -> Arrays:
    env = os.environ.get("REALPOLITIK_REFERENCE_DATA")
    root = Path(env) if env else Path(__file__).resolve().parent.parent.parent / "shared" / "data"
    path = root / "bargaining" / "decide" / "input" / "cop21.csv"
    if not path.is_file():
        pytest.skip(f"COP21 Decide input not found at {path}")
    from realpolitik.scenario import load

    return from_scenario(load(str(path)).scenario)


def _tile(x: Any, D: int) -> Any:
    return np.repeat(x, D, axis=0)


def _batch(arrays: Arrays, D: int, seed: int = 0) -> Arrays:
    """D draws of COP21 with saliences jittered by ±10% (as the lab's Monte Carlo would)."""
    g = np.random.default_rng(seed)
    sal = np.clip(arrays.salience * g.uniform(0.9, 1.1, (D, *arrays.salience.shape[1:])), 0, 1)
    return Arrays(
        position=_tile(arrays.position, D),
        salience=np.where(arrays.present[None], sal, 0.0),
        capability=_tile(arrays.capability, D),
        channels=_tile(arrays.channels, D),
        status_quo=_tile(arrays.status_quo, D),
        scale=arrays.scale,
        present=arrays.present,
        actor_ids=arrays.actor_ids,
        actor_names=arrays.actor_names,
        issue_ids=arrays.issue_ids,
        decision_rules=arrays.decision_rules,
    )


def test_cop21_equal_gain_10_rounds(benchmark: Any) -> None:
    arrays = _cop21()
    t = benchmark(exchange.run, arrays, rounds=10)
    assert len(t.details["exchanges"]["step"]) > 100


def test_cop21_random_rate_10_rounds(benchmark: Any) -> None:
    arrays = _cop21()
    t = benchmark(exchange.run, arrays, rounds=10, variant="random-rate", rng=0)
    assert len(t.details["exchanges"]["step"]) > 100


def test_cop21_16_draws_10_rounds(benchmark: Any) -> None:
    arrays = _batch(_cop21(), 16)
    t = benchmark.pedantic(exchange.run, args=(arrays,), kwargs={"rounds": 10}, rounds=1, iterations=1)
    assert t.forecast.shape == (16, arrays.shape[2])
