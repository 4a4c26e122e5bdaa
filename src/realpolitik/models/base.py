"""What every model returns and how models are registered.

A model is a module with a pure function ``run(arrays, *, rounds, **options) -> Trajectory``. The registry
carries, next to the function, what a user needs to judge the model: its reference, assumptions, options, and
the test that proves it against a published or peer trajectory (as Axelrod does for its strategies).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from .aggregates import weighted_mean, weighted_median
from .arrays import Arrays, FloatArray


def voice(arrays: Arrays) -> FloatArray:
    """Capability × salience of each actor on each issue, (D, A, I), zero where the actor takes no stance.

    Where no present actor has any weight on an issue, every present actor counts once: nobody cares more than
    anybody else, and absent actors' (meaningless) positions must never decide the outcome.
    """
    present = arrays.present[None].astype(np.float64)  # (1, A, I)
    w = arrays.capability[:, :, None] * arrays.salience * present
    none = w.sum(axis=1, keepdims=True) <= 0  # (D, 1, I)
    return np.asarray(np.where(none, np.broadcast_to(present, w.shape), w), dtype=np.float64)


@dataclass(frozen=True)
class Trajectory:
    """Positions over rounds and the forecast read off them.

    ``positions`` is (D, R+1, A, I) on each issue's own scale, round 0 being the input; ``forecast`` is (D, I).
    ``details`` holds model-specific records (e.g. the moves of each round) for reports and reference tests.
    """

    model: str
    arrays: Arrays
    positions: FloatArray
    forecast: FloatArray
    options: Mapping[str, Any] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def rounds(self) -> int:
        return int(self.positions.shape[1]) - 1

    def weights(self) -> FloatArray:
        """Capability × salience, (D, A, I): the weight of each actor's voice on each issue (see :func:`voice`)."""
        return voice(self.arrays)

    def medians(self) -> FloatArray:
        """Weighted median of each round's positions, (D, R+1, I)."""
        w = np.moveaxis(self.weights(), -1, -2)[:, None]  # (D, 1, I, A)
        x = np.moveaxis(self.positions, -1, -2)  # (D, R+1, I, A)
        return weighted_median(x, np.broadcast_to(w, x.shape).copy())

    def means(self) -> FloatArray:
        """Capability × salience weighted mean of each round's positions, (D, R+1, I)."""
        w = np.moveaxis(self.weights(), -1, -2)[:, None]
        x = np.moveaxis(self.positions, -1, -2)
        return weighted_mean(x, np.broadcast_to(w, x.shape))

    def to_json_dict(self, draw: int = 0, issues: list[str] | None = None) -> dict[str, Any]:
        """The documented JSON shape of one draw (see ``realpolitik forecast --format json``)."""
        a = self.arrays
        medians, means = self.medians()[draw], self.means()[draw]
        out = []
        for i, issue_id in enumerate(a.issue_ids):
            if issues is not None and issue_id not in issues:
                continue
            rounds = []
            for r in range(self.rounds + 1):
                positions = {
                    a.actor_names[k]: float(self.positions[draw, r, k, i])
                    for k in range(len(a.actor_ids))
                    if a.present[k, i]
                }
                rounds.append(
                    {"round": r, "positions": positions, "median": float(medians[r, i]), "mean": float(means[r, i])}
                )
            out.append({"id": issue_id, "forecast": float(self.forecast[draw, i]), "rounds": rounds})
        return {"model": self.model, "issues": out}


def decide(arrays: Arrays, positions: FloatArray) -> FloatArray:
    """Read each issue's outcome off final positions (D, A, I) by the issue's decision rule -> (D, I)."""
    w = np.moveaxis(voice(arrays), -1, -2)  # (D, I, A)
    x = np.moveaxis(positions, -1, -2)
    med = weighted_median(x, w)
    mean = weighted_mean(x, w)
    use_mean = np.array([rule == "mean" for rule in arrays.decision_rules])
    return np.where(use_mean, mean, med)


class RunFunction(Protocol):
    def __call__(self, arrays: Arrays, *, rounds: int | None = ..., **options: Any) -> Trajectory: ...


@dataclass(frozen=True)
class OptionSpec:
    name: str
    default: Any
    choices: tuple[Any, ...] | None
    help: str


@dataclass(frozen=True)
class ModelSpec:
    """A registered model and what a user should know before trusting it."""

    name: str
    title: str
    reference: str
    assumptions: tuple[str, ...]
    run: RunFunction
    default_rounds: int
    options: tuple[OptionSpec, ...] = ()
    reference_test: str = ""
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    dynamic: bool = True
    multi_issue: bool = False  # the model links issues (e.g. vote trading), so a backtest runs it per proposal

    @property
    def stochastic(self) -> bool:
        """Whether the model draws random numbers of its own (it then takes ``rng=`` and records its seed)."""
        return any(o.name == "rng" for o in self.options)

    def __call__(self, arrays: Arrays, *, rounds: int | None = None, rng: Any = None, **options: Any) -> Trajectory:
        """Run the model. ``rng`` reaches only stochastic models, so every caller can pass its seed uniformly and a
        deterministic model is not handed an option it does not know."""
        if rng is not None and self.stochastic:
            options.setdefault("rng", rng)
        return self.run(arrays, rounds=self.default_rounds if rounds is None else rounds, **options)


RunCallable = Callable[..., Trajectory]
