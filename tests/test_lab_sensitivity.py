"""Sensitivity plumbing proven on analytic cases (Ishigami; a linear function), PRIM on a known box."""

from __future__ import annotations

import math

import numpy as np
import pytest

from realpolitik.lab.prim import pick_box, prim
from realpolitik.lab.sampling import UncertainInput
from realpolitik.lab.sensitivity import analyse
from realpolitik.scenario.model import Estimate

# Ishigami & Homma (1990), a = 7, b = 0.1, x_i ~ U(-π, π). Analytic first-order and total indices
# (e.g. Saltelli et al. 2008, Global Sensitivity Analysis: The Primer, §4.3; SALib's test suite):
A, B = 7.0, 0.1
V = A**2 / 8 + B * math.pi**4 / 5 + B**2 * math.pi**8 / 18 + 0.5
V1 = 0.5 * (1 + B * math.pi**4 / 5) ** 2
V2 = A**2 / 8
V13 = B**2 * math.pi**8 * (1 / 18 - 1 / 50)
S1 = [V1 / V, V2 / V, 0.0]
ST = [(V1 + V13) / V, V2 / V, V13 / V]


def ishigami_inputs() -> list[UncertainInput]:
    return [
        UncertainInput(f"x{i + 1}", Estimate(value=0, low=-math.pi, high=math.pi, dist="uniform")) for i in range(3)
    ]


def ishigami(values: np.ndarray) -> dict[str, np.ndarray]:
    x1, x2, x3 = values.T
    return {"y": np.sin(x1) + A * np.sin(x2) ** 2 + B * x3**4 * np.sin(x1)}


def test_analytic_values_are_the_published_ones() -> None:
    assert S1 == pytest.approx([0.3139, 0.4424, 0.0], abs=1e-4)
    assert ST == pytest.approx([0.5576, 0.4424, 0.2437], abs=1e-4)


def test_sobol_through_our_plumbing_recovers_ishigami() -> None:
    result = analyse(ishigami_inputs(), ishigami, method="sobol", n=2048, seed=1)
    (ix,) = result.indices
    assert result.n_evaluations == 2048 * (3 + 2)
    assert ix.values["S1"] == pytest.approx(S1, abs=0.04)
    assert ix.values["ST"] == pytest.approx(ST, abs=0.04)
    assert all(c > 0 for c in ix.values["ST_conf"])
    assert [name for name, _ in ix.ranked("ST")] == ["x1", "x2", "x3"]


def test_morris_on_a_linear_function_gives_its_coefficients() -> None:
    """y = 2 a + 0.5 b + 0 c with a, b, c ~ U(0, 1): every elementary effect equals the coefficient, so
    mu* = |coefficient| and sigma = 0 exactly."""
    inputs = [UncertainInput(n, Estimate(value=0.5, low=0, high=1, dist="uniform")) for n in "abc"]
    result = analyse(inputs, lambda v: {"y": 2 * v[:, 0] + 0.5 * v[:, 1]}, method="morris", n=20, seed=3)
    (ix,) = result.indices
    assert ix.values["mu_star"] == pytest.approx([2.0, 0.5, 0.0], abs=1e-6)
    assert ix.values["sigma"] == pytest.approx([0.0, 0.0, 0.0], abs=1e-6)


def test_seeded_sensitivity_is_reproducible() -> None:
    a = analyse(ishigami_inputs(), ishigami, n=256, seed=5).to_json_dict()
    b = analyse(ishigami_inputs(), ishigami, n=256, seed=5).to_json_dict()
    assert a == b


def test_prim_finds_a_planted_box() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((5000, 3))
    interest = (x[:, 0] < 0.3) & (x[:, 1] > 0.5)
    boxes = prim(x, interest, ["a", "b", "c"], alpha=0.05)
    assert boxes[0].coverage == 1.0 and boxes[0].density == pytest.approx(interest.mean())
    best = pick_box(boxes, min_density=0.9)
    assert best.density >= 0.9 and best.coverage >= 0.8
    assert set(best.limits) <= {"a", "b", "c"} and {"a", "b"} <= set(best.limits)
    assert best.limits["a"][1] == pytest.approx(0.3, abs=0.05)
    assert best.limits["b"][0] == pytest.approx(0.5, abs=0.05)
    if "c" in best.limits:  # c is irrelevant: any restriction on it must be slight
        lo, hi = best.limits["c"]
        assert hi - lo > 0.8


def test_simplify_drops_restrictions_that_do_not_matter() -> None:
    from realpolitik.lab.prim import Box, box_stats, simplify_box

    rng = np.random.default_rng(1)
    x = rng.random((4000, 3))
    interest = x[:, 0] < 0.3
    noisy = Box({"a": (0.0, 0.3), "b": (0.05, 1.0), "c": (0.0, 0.93)}, coverage=0.0, density=0.0, mass=0.0)
    noisy = box_stats(x, interest, ["a", "b", "c"], noisy.limits)
    simple = simplify_box(noisy, x, interest, ["a", "b", "c"])
    assert set(simple.limits) == {"a"}
    assert simple.density == pytest.approx(1.0) and simple.coverage == pytest.approx(1.0)


def test_unresolved_indices_are_warned_about() -> None:
    """y = a + 0.05 b, a, b ~ U(0, 1): b's true S1 is 0.0025 / 1.0025 ≈ 0.0025, while the Saltelli estimator's
    per-sample spread for it is about sqrt(E[y²]·0.05²·Var(b − b')) / Var(y) ≈ 0.14, so with N = 64 its 95%
    half-width (≈ 1.96 · 0.14 / 8 ≈ 0.035) dwarfs the index: the output must say b's S1 is not resolved.
    The linear Morris case has identical elementary effects (half-widths 0): nothing to warn about."""
    inputs = [UncertainInput(n, Estimate(value=0.5, low=0, high=1, dist="uniform")) for n in "ab"]
    sobol = analyse(inputs, lambda v: {"y": v[:, 0] + 0.05 * v[:, 1]}, method="sobol", n=64, seed=2)
    warnings = sobol.warnings()
    assert any(w.startswith("y: ") and " S1 values " in w and "n=64" in w for w in warnings), warnings
    assert sobol.to_json_dict()["warnings"] == warnings
    morris = analyse(inputs, lambda v: {"y": 2 * v[:, 0] + 0.5 * v[:, 1]}, method="morris", n=20, seed=3)
    assert morris.warnings() == []
