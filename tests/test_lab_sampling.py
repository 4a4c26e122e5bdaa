"""Sampling uncertain inputs: each distribution checked against its analytic moments and quantiles."""

from __future__ import annotations

import math

import numpy as np
import pytest

from realpolitik.lab.sampling import inverse_cdf, sample_unit, to_values, uncertain_inputs
from realpolitik.scenario.model import Estimate

N = 200_000


def draws(e: Estimate, seed: int = 7) -> np.ndarray:
    return inverse_cdf(e, np.random.default_rng(seed).random(N))


def within(sample: np.ndarray, mean: float, sd: float) -> None:
    assert abs(sample.mean() - mean) < 4 * sd / math.sqrt(len(sample))


def test_triangular_quantiles_and_mean() -> None:
    e = Estimate(value=60, low=40, high=75)
    # F(c) = (c - a) / (b - a) = 20/35; the inverse CDF passes through (0, a), (F(c), c), (1, b)
    assert inverse_cdf(e, np.array([0.0, 20 / 35, 1.0])) == pytest.approx([40, 60, 75])
    a, b, c = 40, 75, 60
    var = (a * a + b * b + c * c - a * b - a * c - b * c) / 18
    within(draws(e), (a + b + c) / 3, math.sqrt(var))


def test_uniform_mean_and_bounds() -> None:
    e = Estimate(value=0.5, low=0.2, high=0.9, dist="uniform")
    x = draws(e)
    assert x.min() >= 0.2 and x.max() <= 0.9
    within(x, 0.55, 0.7 / math.sqrt(12))


def test_pert_mean() -> None:
    e = Estimate(value=30, low=0, high=100, dist="pert")
    x = draws(e)
    mean = (0 + 4 * 30 + 100) / 6  # beta-PERT mean (a + 4c + b) / 6
    alpha, beta = 1 + 4 * 30 / 100, 1 + 4 * 70 / 100
    sd = 100 * math.sqrt(alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1)))
    within(x, mean, sd)


def test_truncated_normal_symmetric_moments() -> None:
    e = Estimate(value=50, low=30, high=70, dist="truncnormal")
    x = draws(e)
    sigma = 10.0  # range = ±2 sd
    phi2 = math.exp(-2) / math.sqrt(2 * math.pi)
    mass = math.erf(2 / math.sqrt(2))
    sd = sigma * math.sqrt(1 - 2 * 2 * phi2 / mass)  # sd of N(0, σ) truncated to ±2σ
    assert x.min() >= 30 and x.max() <= 70
    within(x, 50, sd)
    assert x.std() == pytest.approx(sd, rel=0.01)


def test_point_values_are_constant() -> None:
    assert np.all(inverse_cdf(Estimate(value=3), np.array([0.1, 0.9])) == 3)


def test_seeded_and_reproducible() -> None:
    assert np.array_equal(sample_unit(5, 3, 42), sample_unit(5, 3, 42))
    assert not np.array_equal(sample_unit(5, 3, 42), sample_unit(5, 3, 43))
    gen = np.random.default_rng(1)
    assert sample_unit(2, 2, gen).shape == (2, 2)


def test_uncertain_inputs_are_named_by_place() -> None:
    import yaml

    from realpolitik.scenario.problems import LineMap
    from realpolitik.scenario.validate import build_scenario
    from tests.test_scenario_validation import GOOD

    s = build_scenario(yaml.safe_load(GOOD), LineMap(), "toy")
    names = [i.name for i in uncertain_inputs(s)]
    assert names == ["actor.b.capability", "stance.b.x.salience"]
    values = to_values(uncertain_inputs(s), np.array([[0.0, 1.0]]))
    assert values.tolist() == [[1.0, 1.0]]
