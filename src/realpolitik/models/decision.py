"""Who decides: reading an issue's outcome off positions by its decision structure.

A bargaining model forecasts positions; the decision structure says whose positions make the outcome. Until
schema 2 every issue's outcome was a weighted median or mean of everyone holding a stance, so a state's own
air strikes were "decided" by its adversaries' votes. Here:

* ``median`` / ``mean``: the weighted median or mean of every position (the model's own aggregate stands);
* ``owner``: the owner's position (a group acting as one: its members' ``base`` aggregate);
* ``veto``: the ``base`` aggregate of every position, clamped into the intersection of the veto players' win
  sets relative to the status quo ``q`` (for a player at ``x``: the points no farther from ``x`` than ``q``);
* ``qualified_majority``: the status quo if it lies between the two pivots (where the cumulative weight from
  each end first reaches the threshold share), otherwise the pivot nearest to it; share 1 is unanimity.

Weights are each actor's voice on the issue (influence, or capability, × salience; :func:`.base.voice`).
The structured rules are applied to every model's final positions in one place (``ModelSpec.__call__``), so no
registered model can ignore them; a static model's final positions are the stated ones.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from .aggregates import weighted_mean, weighted_median

if TYPE_CHECKING:
    from .arrays import Arrays
    from .trajectory import Trajectory

FloatArray = NDArray[np.float64]
Rule = Literal["median", "mean", "owner", "veto", "qualified_majority"]
STRUCTURED = ("owner", "veto", "qualified_majority")


@dataclass(frozen=True)
class IssueRule:
    """An issue's decision structure in array terms: members are actor indices (owners or veto players)."""

    rule: Rule = "median"
    base: Literal["median", "mean"] = "median"
    members: tuple[int, ...] = ()
    threshold: float = 0.5

    @property
    def structured(self) -> bool:
        return self.rule in STRUCTURED

    def describe(self, actor_ids: tuple[str, ...]) -> dict[str, object]:
        """The rule as the forecast JSON reports it."""
        out: dict[str, object] = {"rule": self.rule}
        if self.rule == "owner":
            out["owner"] = [actor_ids[k] for k in self.members]
        elif self.rule == "veto":
            out.update(players=[actor_ids[k] for k in self.members], base=self.base)
        elif self.rule == "qualified_majority":
            out["threshold"] = self.threshold
        return out


def aggregate(base: str, x: FloatArray, w: FloatArray) -> FloatArray:
    """Weighted median or mean over the last axis."""
    return weighted_mean(x, w) if base == "mean" else weighted_median(x, w)


def owner_outcome(rule: IssueRule, x: FloatArray, w: FloatArray) -> FloatArray:
    """x, w: (D, A) on one issue -> (D,): the owner's position, or its group's ``base`` aggregate."""
    members = list(rule.members)
    if len(members) == 1:
        return np.asarray(x[:, members[0]], dtype=np.float64)
    return aggregate(rule.base, x[:, members], w[:, members])


def veto_outcome(rule: IssueRule, x: FloatArray, w: FloatArray, q: FloatArray) -> FloatArray:
    """The base aggregate clamped into the veto players' common win set around the status quo ``q`` (D,)."""
    base = aggregate(rule.base, x, w)
    players = x[:, list(rule.members)]  # (D, P)
    reach = np.abs(players - q[:, None])
    lo = (players - reach).max(axis=1)
    hi = (players + reach).min(axis=1)
    return np.asarray(np.clip(base, lo, hi), dtype=np.float64)


def pivots(x: FloatArray, w: FloatArray, threshold: float) -> tuple[FloatArray, FloatArray]:
    """The two pivots (D,): the sorted positions where the cumulative weight from the low and from the high end
    first reaches ``threshold`` of the total weight."""
    order = np.argsort(x, axis=-1, kind="stable")
    xs = np.take_along_axis(x, order, axis=-1)
    ws = np.take_along_axis(w, order, axis=-1)
    total = ws.sum(axis=-1, keepdims=True)
    need = threshold * total - 1e-12 * np.maximum(total, 1.0)
    from_low = np.argmax(np.cumsum(ws, axis=-1) >= need, axis=-1)
    from_high = ws.shape[-1] - 1 - np.argmax(np.cumsum(ws[..., ::-1], axis=-1) >= need, axis=-1)
    low_pivot = np.take_along_axis(xs, from_low[..., None], axis=-1)[..., 0]
    high_pivot = np.take_along_axis(xs, from_high[..., None], axis=-1)[..., 0]
    return low_pivot, high_pivot


def qualified_majority_outcome(rule: IssueRule, x: FloatArray, w: FloatArray, q: FloatArray) -> FloatArray:
    """The status quo if it lies between the pivots (gridlock), else the pivot nearest to it."""
    a, b = pivots(x, w, rule.threshold)
    return np.asarray(np.clip(q, np.minimum(a, b), np.maximum(a, b)), dtype=np.float64)


def structured_outcome(rule: IssueRule, x: FloatArray, w: FloatArray, q: FloatArray) -> FloatArray:
    """One issue's outcome (D,) under a structured rule; x, w: (D, A) with absent actors at weight 0."""
    if rule.rule == "owner":
        return owner_outcome(rule, x, w)
    if np.isnan(q).any():
        raise ValueError(f"rule {rule.rule!r} needs the issue's status quo")
    if rule.rule == "veto":
        return veto_outcome(rule, x, w, q)
    return qualified_majority_outcome(rule, x, w, q)


def apply_rules(
    rules: tuple[IssueRule, ...], positions: FloatArray, weights: FloatArray, status_quo: FloatArray, base: FloatArray
) -> FloatArray:
    """The forecast (D, I): ``base`` (a model's own outcome) on median/mean issues, the structure elsewhere.

    positions, weights: (D, A, I); status_quo: (D, I)."""
    if not any(r.structured for r in rules):
        return base
    out = np.array(base, dtype=np.float64, copy=True)
    for i, rule in enumerate(rules):
        if rule.structured:
            out[:, i] = structured_outcome(rule, positions[:, :, i], weights[:, :, i], status_quo[:, i])
    return out


def rule_outcomes(
    rules: tuple[IssueRule, ...], positions: FloatArray, weights: FloatArray, status_quo: FloatArray
) -> FloatArray:
    """Every issue read by its own rule, median/mean included: (D, I). What the scenario's rules alone say."""
    x, w = np.moveaxis(positions, -1, -2), np.moveaxis(weights, -1, -2)  # (D, I, A)
    med, mean = weighted_median(x, w), weighted_mean(x, w)
    base = np.where(np.array([r.rule == "mean" for r in rules]), mean, med)
    return apply_rules(rules, positions, weights, status_quo, base)


def decide(arrays: Arrays, positions: FloatArray) -> FloatArray:
    """Read each issue's outcome off final positions (D, A, I) by the issue's decision structure -> (D, I)."""
    from .voice import voice

    return rule_outcomes(arrays.issue_rules, positions, voice(arrays), arrays.status_quo)


def honour_structure(arrays: Arrays, traj: Trajectory) -> Trajectory:
    """The trajectory with owner, veto and qualified-majority issues read off its final positions by their rule
    (median and mean issues keep the model's own outcome). Applied to every model by :meth:`ModelSpec.__call__`."""
    from .voice import voice

    rules = arrays.issue_rules
    if not any(r.structured for r in rules):
        return traj
    final = traj.positions[:, -1]
    forecast = apply_rules(rules, final, voice(arrays), arrays.status_quo, traj.forecast)
    return replace(traj, forecast=forecast)
