"""What every model returns: positions over rounds and the forecast read off them, with its JSON shape.

Why apart from the registry: a result is data a front end reads; the spec that produced it is not needed to
read it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .aggregates import weighted_mean, weighted_median
from .arrays import Arrays, FloatArray
from .voice import voice


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
        """The documented JSON shape of one draw (see ``realpolitik forecast --format json``).

        Where the model records each actor's chance of winning per round (``details["win_prob"]``, (D, R+1, A),
        e.g. KTAB's SMP), each round also carries ``"win_prob": {actor name: p}``.
        """
        a = self.arrays
        names = actor_keys(a.actor_names)
        medians, means = self.medians()[draw], self.means()[draw]
        win_prob = self.details.get("win_prob")
        if win_prob is not None:
            win_prob = np.asarray(win_prob, dtype=np.float64)
            if win_prob.shape != (self.positions.shape[0], self.rounds + 1, len(a.actor_ids)):
                win_prob = None
        out = []
        for i, issue_id in enumerate(a.issue_ids):
            if issues is not None and issue_id not in issues:
                continue
            rounds = []
            for r in range(self.rounds + 1):
                positions = {
                    names[k]: float(self.positions[draw, r, k, i]) for k in range(len(a.actor_ids)) if a.present[k, i]
                }
                entry: dict[str, Any] = {
                    "round": r,
                    "positions": positions,
                    "median": float(medians[r, i]),
                    "mean": float(means[r, i]),
                }
                if win_prob is not None:
                    entry["win_prob"] = {names[k]: float(win_prob[draw, r, k]) for k in range(len(a.actor_ids))}
                rounds.append(entry)
            decision = a.issue_rules[i].describe(a.actor_ids)
            out.append(
                {"id": issue_id, "forecast": float(self.forecast[draw, i]), "decision": decision, "rounds": rounds}
            )
        return {"model": self.model, "issues": out}


def actor_keys(names: Sequence[str]) -> list[str]:
    """JSON keys for actors: the names as written, with `` (2)``, `` (3)`` added to repeats in input order.

    Community files use names as labels, not keys (the litigation case has eleven "Attorney" rows, different
    people), so plain names would overwrite each other in a JSON object. The suffixes follow the ids' ``-2``,
    ``-3`` so a reader can match them.
    """
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    taken = set(out)
    if len(taken) != len(out):  # a name that already looks like "X (2)": fall back to position numbers
        out = [f"{name} (#{k + 1})" for k, name in enumerate(names)]
    return out
