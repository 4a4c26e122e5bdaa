"""Benchmarks of the BDM expected-utility model: cost against the number of actors, and batched draws.

Run with ``pytest benchmarks/bench_bdm.py --benchmark-only``. Goals: A = 160, 10 rounds, in < 0.1 s; ≥ 10,000
EC-case runs per second when batched. The largest sizes run once (``pedantic``) so a plain ``pytest benchmarks``
stays quick (A = 1000 takes a few seconds per preset: both are O(A² log A) per round at that size).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from realpolitik.models import bdm
from realpolitik.models.arrays import Arrays

EC = (  # Bueno de Mesquita (1994) via Scholz et al. (2011): capability, position, salience
    (0.08, 4, 0.8), (0.08, 7, 0.4), (0.03, 4, 0.2), (0.16, 4, 0.8), (0.16, 10, 0.6),
    (0.16, 10, 0.6), (0.16, 10, 0.9), (0.05, 7, 0.1), (0.05, 4, 1.0), (0.08, 7, 0.7),
)  # fmt: skip


def _arrays(position: Any, salience: Any, capability: Any, scale: tuple[float, float]) -> Arrays:
    D, A = position.shape
    names = tuple(f"a{k}" for k in range(A))
    return Arrays(
        position=position[:, :, None],
        salience=salience[:, :, None],
        capability=capability,
        channels=np.ones((D, A, A)),
        status_quo=np.full((D, 1), np.nan),
        scale=np.array([scale]),
        present=np.ones((A, 1), dtype=bool),
        actor_ids=names,
        actor_names=names,
        issue_ids=("issue",),
        decision_rules=("median",),
    )


def random_case(A: int, seed: int = 0) -> Arrays:
    g = np.random.default_rng(seed)
    return _arrays(g.uniform(0, 100, (1, A)), g.uniform(0, 1, (1, A)), g.uniform(0.1, 1, (1, A)), (0.0, 100.0))


def ec_batch(D: int) -> Arrays:
    c, x, s = (np.tile(np.array(col, dtype=float), (D, 1)) for col in zip(*EC, strict=True))
    return _arrays(x, s, c, (0.0, 10.0))


@pytest.mark.parametrize("A", [10, 40, 160])
@pytest.mark.parametrize("preset", ["bdm", "bdm-scholz"])
def test_bdm_10_rounds(benchmark: Any, A: int, preset: str) -> None:
    arrays = random_case(A)
    t = benchmark(bdm.run, arrays, rounds=10, preset=preset)
    assert t.positions.shape == (1, 11, A, 1)


@pytest.mark.parametrize("preset", ["bdm", "bdm-scholz"])
def test_bdm_10_rounds_1000_actors(benchmark: Any, preset: str) -> None:
    arrays = random_case(1000)
    t = benchmark.pedantic(bdm.run, args=(arrays,), kwargs={"rounds": 10, "preset": preset}, rounds=1, iterations=1)
    assert t.positions.shape == (1, 11, 1000, 1)


@pytest.mark.parametrize("preset", ["bdm", "bdm-scholz"])
def test_bdm_ec_batch_10000_draws(benchmark: Any, preset: str) -> None:
    D = 10_000
    arrays = ec_batch(D)
    t = benchmark.pedantic(bdm.run, args=(arrays,), kwargs={"rounds": 10, "preset": preset}, rounds=3, iterations=1)
    assert t.positions.shape == (D, 11, 10, 1)
    if benchmark.stats is not None:
        benchmark.extra_info["runs_per_second"] = D / benchmark.stats.stats.mean
