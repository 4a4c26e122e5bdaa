"""Uncertain inputs and how they are sampled.

Every :class:`~realpolitik.scenario.model.Estimate` with a range in a scenario is one uncertain input. Draws
are made on the unit hypercube first and then mapped through each input's inverse CDF. Two reasons: the same
unit draws serve every strategy (common random numbers, so that differences between strategies are due to the
strategies and not to sampling noise), and sensitivity methods (Sobol, Morris) hand us unit-cube designs that
go through exactly the same mapping.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..randomness import RNGLike, generator, input_unit_draws
from ..scenario.model import Estimate, Scenario

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class UncertainInput:
    """One uncertain number of a scenario, named by where it stands.

    Names: ``actor.ACTOR.capability``, ``stance.ACTOR.ISSUE.position|salience|influence``, ``issue.ISSUE.status_quo``,
    ``channel.A.B`` (the link's strength, in the order of ``channels.links``) and ``intervention.ID.N`` (the
    value of the intervention's N-th change), ``intervention.ID.success`` (its probability of taking effect).
    """

    name: str
    estimate: Estimate

    @property
    def bounds(self) -> tuple[float, float]:
        assert self.estimate.low is not None and self.estimate.high is not None
        return self.estimate.low, self.estimate.high

    def ppf(self, u: FloatArray) -> FloatArray:
        """Map unit draws ``u`` to values of this input (inverse CDF of its distribution)."""
        return inverse_cdf(self.estimate, u)


def inverse_cdf(e: Estimate, u: FloatArray) -> FloatArray:
    u = np.asarray(u, dtype=np.float64)
    if e.low is None or e.high is None or e.low == e.high:
        return np.full_like(u, e.value)
    a, b, c = e.low, e.high, e.value
    width = b - a
    if e.dist == "uniform":
        return a + u * width
    if e.dist == "triangular":
        fc = (c - a) / width
        left = a + np.sqrt(u * width * (c - a))
        right = b - np.sqrt((1 - u) * width * (b - c))
        return np.asarray(np.where(u < fc, left, right), dtype=np.float64)
    from scipy import special  # here, not at import: the forecast command starts faster without scipy

    if e.dist == "pert":  # beta-PERT with mode c: Beta(1 + 4(c-a)/w, 1 + 4(b-c)/w) on [a, b]
        alpha = 1 + 4 * (c - a) / width
        beta = 1 + 4 * (b - c) / width
        return np.asarray(a + width * special.betaincinv(alpha, beta, u), dtype=np.float64)
    # truncnormal: mean = value, sd = width / 4 (the range is about ±2 sd), truncated to [low, high]
    sd = width / 4
    pa, pb = special.ndtr((a - c) / sd), special.ndtr((b - c) / sd)
    x = c + sd * special.ndtri(pa + u * (pb - pa))
    return np.asarray(np.clip(x, a, b), dtype=np.float64)


def uncertain_inputs(scenario: Scenario) -> list[UncertainInput]:
    """Every number of the scenario that has a range (low < high), in a stable documented order."""
    out: list[UncertainInput] = []

    def add(name: str, e: Estimate | None) -> None:
        if e is not None and e.is_uncertain:
            out.append(UncertainInput(name, e))

    for a in scenario.actors:
        add(f"actor.{a.id}.capability", a.capability)
    for i in scenario.issues:
        add(f"issue.{i.id}.status_quo", i.status_quo)
    for s in scenario.stances:
        add(f"stance.{s.actor}.{s.issue}.position", s.position)
        add(f"stance.{s.actor}.{s.issue}.salience", s.salience)
        add(f"stance.{s.actor}.{s.issue}.influence", s.influence)
    add("channels.default", scenario.channels.default)
    for link in scenario.channels.links:
        add(f"channel.{link.between[0]}.{link.between[1]}", link.strength)
    for iv in scenario.interventions:
        for n, change in enumerate(iv.changes):
            add(f"intervention.{iv.id}.{n}", change.value)
        add(f"intervention.{iv.id}.success", iv.success)
    return out


def sample_unit(n_draws: int, n_inputs: int, rng: RNGLike) -> FloatArray:
    """Unit-cube draws (n_draws, n_inputs), plain Monte Carlo from one generator (SPEC 7 ``rng``)."""
    return generator(rng)[0].random((n_draws, n_inputs))


def chancy_interventions(scenario: Scenario) -> list[str]:
    """Ids of interventions that may fail: a ``success`` below 1 or with a range. Each gets one more unit column
    per draw, after the inputs' columns, to decide whether it takes effect in that draw."""
    return [
        iv.id
        for iv in scenario.interventions
        if iv.success is not None and (iv.success.is_uncertain or iv.success.value < 1)
    ]


def draw_units(scenario: Scenario, seed: int, start: int, stop: int) -> tuple[FloatArray, FloatArray]:
    """Unit draws for draws ``start … stop − 1`` of a run seeded ``seed``: (inputs' columns, interventions' columns).

    Keyed per draw (:func:`realpolitik.randomness.input_unit_draws`): every caller that asks for draw ``d`` of a
    seed gets the same numbers, whatever range it asks for: the lab's shards, scenario discovery, the brief.
    """
    k = len(uncertain_inputs(scenario))
    unit = input_unit_draws(seed, start, stop, k + len(chancy_interventions(scenario)))
    return unit[:, :k], unit[:, k:]


def draw_values(scenario: Scenario, seed: int, start: int, stop: int) -> FloatArray:
    """Values (stop − start, k) of the scenario's uncertain inputs for draws ``start … stop − 1`` (keyed per draw)."""
    return to_values(uncertain_inputs(scenario), draw_units(scenario, seed, start, stop)[0])


def to_values(inputs: list[UncertainInput], unit: FloatArray) -> FloatArray:
    """Map unit draws (n, k) to input values (n, k), column by column."""
    if unit.shape[1] != len(inputs):
        raise ValueError(f"{unit.shape[1]} columns of draws for {len(inputs)} uncertain inputs")
    out = np.empty_like(unit)
    for k, inp in enumerate(inputs):
        out[:, k] = inp.ppf(unit[:, k])
    return out
