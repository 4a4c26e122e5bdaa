"""The optional compiled kernels give the same bits as the numpy code they replace.

Reference: the numpy implementation (itself checked against published trajectories in test_models_bdm.py). The
two must agree bit for bit, so that a result never depends on whether the extension was built. ``make test``
sets REALPOLITIK_REQUIRE_COMPILED=1, so there (and in CI) a missing build is a failure, not a skip.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realpolitik.lab.experiment import Experiment, run_shard
from realpolitik.models import bdm, kernels
from realpolitik.models.arrays import from_scenario
from realpolitik.scenario import load_scenario

if kernels.compiled is None:
    if os.environ.get("REALPOLITIK_REQUIRE_COMPILED", "").strip() not in ("", "0"):
        raise RuntimeError("REALPOLITIK_REQUIRE_COMPILED is set but realpolitik.models._kernels was not built")
    pytest.skip("the compiled kernels were not built (no C compiler at install time)", allow_module_level=True)

compiled = kernels.compiled


def bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).view(np.int64)


@settings(max_examples=80, deadline=None)
@given(
    k=st.integers(0, 14),
    a=st.integers(0, 14),
    b=st.integers(0, 40),
    seed=st.integers(0, 2**32 - 1),
    grid=st.sampled_from([0, 1, 10]),
    special=st.sampled_from([None, np.nan, np.inf, -np.inf, -0.0]),
)
def test_vote_sum_matches_numpy_bit_for_bit(k: int, a: int, b: int, seed: int, grid: int, special: float) -> None:
    rng = np.random.default_rng(seed)
    v = rng.random((k, a, b))
    if grid:  # coarse values: many exact ties and zero differences, where the sign of zero could differ
        v = np.round(v * grid) / grid
    if special is not None and v.size:  # NaN and infinities propagate as numpy's maximum propagates them
        v.flat[rng.integers(0, v.size, 3)] = special
    w = rng.random((k, b)) * (rng.random((k, b)) > 0.2)  # some voters without weight
    out = np.empty((a, a, b))
    compiled.vote_sum(v, w, out)
    with np.errstate(invalid="ignore"):
        expected = bdm._support_last_numpy(v, w)
    assert np.array_equal(bits(out), bits(expected))


def test_vote_sum_analytic_two_voters() -> None:
    # voters at 0 and 1 on actors at 0 and 1 (v = distance): each voter prefers its own spot by 1;
    # N[0, 1] = w_0 · max(0, 1 − 0) = 2, N[1, 0] = w_1 · 1 = 3, diagonal 0
    v = np.array([[0.0, 1.0], [1.0, 0.0]])[:, :, None]
    w = np.array([[2.0], [3.0]])
    out = np.empty((2, 2, 1))
    compiled.vote_sum(v, w, out)
    assert out[:, :, 0].tolist() == [[0.0, 2.0], [3.0, 0.0]]


def test_vote_sum_rejects_bad_arrays() -> None:
    v, w, out = np.zeros((2, 3, 4)), np.zeros((2, 4)), np.zeros((3, 3, 4))
    with pytest.raises(ValueError, match="disagree"):
        compiled.vote_sum(v, np.zeros((2, 5)), out)
    with pytest.raises(TypeError, match="float64"):
        compiled.vote_sum(v.astype(np.float32), w, out)
    with pytest.raises((TypeError, ValueError, BufferError)):
        compiled.vote_sum(np.zeros((2, 4, 3)).transpose(0, 2, 1), w, out)  # not C-contiguous
    with pytest.raises(ValueError, match="expects"):
        compiled.vote_sum(np.zeros((2, 3)), w, out)


@pytest.mark.parametrize("preset", ["bdm", "bdm-scholz"])
def test_whole_trajectories_match_without_the_kernel(preset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = load_scenario("afghanistan-2025")
    arrays = from_scenario(scenario)
    fast = bdm.run(arrays, rounds=10, preset=preset)
    monkeypatch.setattr(kernels, "compiled", None)
    slow = bdm.run(arrays, rounds=10, preset=preset)
    assert np.array_equal(bits(fast.positions), bits(slow.positions))
    for key in ("kind", "partner", "eu", "other_eu", "risk"):  # NaN where no move: the same NaN bits
        assert np.array_equal(fast.details[key].view(np.int64), slow.details[key].view(np.int64)), key


def test_lab_shard_is_the_same_without_the_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    s = load_scenario("afghanistan-2025")
    exp = Experiment(scenario=s, strategies=tuple(x.id for x in s.strategies), client="pakistan", draws=200, seed=3)
    fast = run_shard(exp, 0)
    monkeypatch.setattr(kernels, "compiled", None)
    assert run_shard(exp, 0).equals(fast)
