"""The numeric form of a scenario that every model consumes: arrays shaped (draws, actors, issues).

Keeping models on plain numpy arrays (not on the pydantic scenario) is what lets the lab run thousands of Monte
Carlo draws in one vectorised call: a plain forecast is simply the case D = 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ..scenario.model import Estimate, Scenario
from .decision import IssueRule

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Arrays:
    """One scenario (or D sampled variants of it) as arrays.

    Shapes: ``position`` and ``salience`` (D, A, I); ``capability`` (D, A); ``channels`` (D, A, A) with
    ``channels[d, i, j]`` the strength with which i can reach j (1 everywhere = everyone talks to everyone);
    ``status_quo`` (D, I), NaN where an issue has none; ``scale`` (I, 2) low/high of each issue's own scale;
    ``present`` (A, I) False where an actor takes no stance on an issue (its salience is then 0).
    Positions are on each issue's own scale; :meth:`normalised` maps them to 0–1 for models that want that.
    Saliences are always on 0–1 here, whatever scale the file used.
    """

    position: FloatArray
    salience: FloatArray
    capability: FloatArray
    channels: FloatArray
    status_quo: FloatArray
    scale: FloatArray
    present: BoolArray
    actor_ids: tuple[str, ...]
    actor_names: tuple[str, ...]
    issue_ids: tuple[str, ...]
    decision_rules: tuple[Literal["median", "mean"], ...]
    risk: FloatArray | None = field(default=None)
    influence: FloatArray | None = field(default=None)
    """(D, A, I) weight an actor brings to one issue, NaN where its capability applies (None: nowhere)."""
    rules: tuple[IssueRule, ...] | None = field(default=None)
    """Each issue's decision structure (None: ``decision_rules`` as plain median/mean)."""

    def __post_init__(self) -> None:
        D, A, I = self.position.shape
        expected = {
            "salience": (D, A, I),
            "capability": (D, A),
            "channels": (D, A, A),
            "status_quo": (D, I),
            "scale": (I, 2),
            "present": (A, I),
        }
        for name, shape in expected.items():
            got = getattr(self, name).shape
            if got != shape:
                raise ValueError(f"Arrays.{name} has shape {got}, expected {shape}")
        if len(self.actor_ids) != A or len(self.issue_ids) != I or len(self.decision_rules) != I:
            raise ValueError("Arrays: ids do not match the array shapes")
        if self.influence is not None and self.influence.shape != (D, A, I):
            raise ValueError(f"Arrays.influence has shape {self.influence.shape}, expected {(D, A, I)}")
        if self.rules is not None and len(self.rules) != I:
            raise ValueError("Arrays.rules: one rule per issue")

    @property
    def issue_rules(self) -> tuple[IssueRule, ...]:
        """Each issue's decision structure (plain median/mean from ``decision_rules`` when none is given)."""
        if self.rules is not None:
            return self.rules
        return tuple(IssueRule(rule=r, base=r) for r in self.decision_rules)

    @property
    def has_influence(self) -> bool:
        return self.influence is not None and bool(np.isfinite(self.influence).any())

    def weight(self) -> FloatArray:
        """(D, A, I) the weight each actor brings to each issue: its influence there, else its capability."""
        cap = np.broadcast_to(self.capability[:, :, None], self.position.shape)
        if self.influence is None:
            return np.asarray(cap, dtype=np.float64)
        return np.asarray(np.where(np.isnan(self.influence), cap, self.influence), dtype=np.float64)

    @property
    def shape(self) -> tuple[int, int, int]:
        D, A, I = self.position.shape
        return D, A, I

    def normalised_position(self) -> FloatArray:
        lo, hi = self.scale[:, 0], self.scale[:, 1]
        return (self.position - lo) / (hi - lo)

    def from_normalised(self, x: FloatArray) -> FloatArray:
        """Map values on 0–1 (any leading shape, issues last) back to each issue's own scale."""
        lo, hi = self.scale[:, 0], self.scale[:, 1]
        return np.asarray(lo + x * (hi - lo), dtype=np.float64)

    def take(self, draws: slice | NDArray[np.intp]) -> Arrays:
        """A subset of draws (for splitting work into shards)."""
        return replace(
            self,
            position=self.position[draws],
            salience=self.salience[draws],
            capability=self.capability[draws],
            channels=self.channels[draws],
            status_quo=self.status_quo[draws],
            influence=None if self.influence is None else self.influence[draws],
        )


def _value(e: Estimate | None) -> float:
    return float("nan") if e is None else e.value


def from_scenario(scenario: Scenario) -> Arrays:
    """Point values of a scenario as arrays with D = 1 (the lab builds sampled arrays from the same mapping)."""
    actors = [a.id for a in scenario.actors]
    issues = [i.id for i in scenario.issues]
    a_index = {a: k for k, a in enumerate(actors)}
    i_index = {i: k for k, i in enumerate(issues)}
    A, I = len(actors), len(issues)
    scale = np.array([[i.scale.low, i.scale.high] for i in scenario.issues], dtype=np.float64).reshape(I, 2)
    position = np.tile((scale[:, 0] + scale[:, 1]) / 2, (A, 1))
    salience = np.zeros((A, I))
    present = np.zeros((A, I), dtype=bool)
    influence = np.full((A, I), np.nan)
    for st in scenario.stances:
        a, i = a_index[st.actor], i_index[st.issue]
        position[a, i] = st.position.value
        salience[a, i] = st.salience.value / scenario.salience_scale
        present[a, i] = True
        if st.influence is not None:
            influence[a, i] = st.influence.value
    capability = np.array([a.capability.value for a in scenario.actors], dtype=np.float64)
    channels = channel_matrix(scenario, [[link.strength.value for link in scenario.channels.links]])[0]
    risk = None
    if any(a.risk is not None for a in scenario.actors):
        risk = np.array([np.nan if a.risk is None else a.risk for a in scenario.actors], dtype=np.float64)
    return Arrays(
        position=position[None],
        salience=salience[None],
        capability=capability[None],
        channels=channels[None],
        status_quo=np.array([[_value(i.status_quo) for i in scenario.issues]], dtype=np.float64),
        scale=scale,
        present=present,
        actor_ids=tuple(actors),
        actor_names=tuple(a.name for a in scenario.actors),
        issue_ids=tuple(issues),
        decision_rules=tuple(i.decision_rule for i in scenario.issues),
        risk=risk,
        influence=influence[None] if np.isfinite(influence).any() else None,
        rules=issue_rules(scenario),
    )


def issue_rules(scenario: Scenario) -> tuple[IssueRule, ...]:
    """Each issue's decision structure in array terms (actor and group names resolved to actor indices)."""
    index = {a.id: k for k, a in enumerate(scenario.actors)}

    def members(names: list[str]) -> tuple[int, ...]:
        out: list[int] = []
        for name in names:
            ids = [name] if name in index else [a.id for a in scenario.actors if a.group == name]
            out += [index[a] for a in ids if index[a] not in out]
        return tuple(out)

    rules = []
    for issue in scenario.issues:
        d = issue.rule
        base = d.rule if d.rule in ("median", "mean") else d.base
        threshold = max(d.share or 0.0, 1.0 - d.blocking if d.blocking is not None else 0.0)
        rules.append(IssueRule(d.rule, base, members(d.owner or d.players), threshold))
    return tuple(rules)


def channel_matrix(
    scenario: Scenario, strengths: list[list[float]] | FloatArray, default: FloatArray | None = None
) -> FloatArray:
    """(D, A, A) channel strengths from per-draw link strengths (D, L), in the order of ``channels.links``.

    Unlisted pairs get ``default`` (per draw, shape (D,); ``channels.default``'s value when omitted); an actor always
    reaches itself. Undirected links set both ways.
    """
    strengths = np.asarray(strengths, dtype=np.float64)
    D = strengths.shape[0]
    A = len(scenario.actors)
    index = {a.id: k for k, a in enumerate(scenario.actors)}
    fill = np.full(D, scenario.channels.default.value) if default is None else np.asarray(default, dtype=np.float64)
    out = np.repeat(fill[:, None, None], A, axis=1).repeat(A, axis=2)
    for k, link in enumerate(scenario.channels.links):
        a, b = index[link.between[0]], index[link.between[1]]
        out[:, a, b] = strengths[:, k]
        if not link.directed:
            out[:, b, a] = strengths[:, k]
    idx = np.arange(A)
    out[:, idx, idx] = 1.0
    return out
