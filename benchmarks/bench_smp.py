"""Benchmarks of KTAB's Spatial Model of Politics on KTAB's own inputs.

Run with ``pytest benchmarks/bench_smp.py --benchmark-only`` (the KTAB files are read in place from the shared
reference data; the tests skip without it). Goals: SOE-Pol-Comp (13 actors x 2 dims, 27 turns) at least 10x
faster than KTAB's C++ (1.21 s with logging in its reference run), and the 160-actor scaling file in seconds.
The 80- and 160-actor runs take about 0.3 s and 2 s a run, so they run once (``pedantic``) unless
``REALPOLITIK_BENCH_LARGE=1`` asks for the usual repeated rounds.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from realpolitik.models import smp
from realpolitik.models.arrays import Arrays, from_scenario
from realpolitik.scenario import load


def _data_dir() -> Path | None:
    env = os.environ.get("REALPOLITIK_REFERENCE_DATA")
    path = Path(env) if env else Path(__file__).resolve().parent.parent.parent / "shared" / "data"
    return path if path.is_dir() else None


def ktab_arrays(stem: str) -> Arrays:
    data = _data_dir()
    if data is None:
        pytest.skip("reference data not found: set REALPOLITIK_REFERENCE_DATA or put shared/data beside the repo")
    return from_scenario(load(data / "bargaining" / "ktab" / f"{stem}.csv").scenario)


def test_smp_soe_pol_comp(benchmark: Any) -> None:
    arrays = ktab_arrays("SOE-Pol-Comp")
    t = benchmark(smp.run, arrays)
    assert int(t.details["turns"][0]) == 27


@pytest.mark.parametrize("stem", ["dummyData-a040", "dummyData-a080", "dummyData-a160"])
def test_smp_scaling(benchmark: Any, stem: str) -> None:
    arrays = ktab_arrays(stem)
    if stem == "dummyData-a040" or os.environ.get("REALPOLITIK_BENCH_LARGE") == "1":
        t = benchmark(smp.run, arrays)
    else:
        t = benchmark.pedantic(smp.run, args=(arrays,), rounds=1, iterations=1)
    assert t.positions.shape[2] == int(stem[-3:])
