"""Scenario arrays for many draws at once, and strategies applied to them.

Strategies act on :class:`~realpolitik.models.arrays.Arrays` (not on the pydantic scenario) so that one
vectorised pass applies a strategy to every Monte Carlo draw; an intervention whose effect size is uncertain
takes that draw's sampled value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from ..models.arrays import Arrays, BoolArray, FloatArray, channel_matrix, from_scenario
from ..scenario.model import Change, Scenario
from ..scenario.validate import parse_target
from .sampling import UncertainInput, chancy_interventions

ChangeKey = tuple[str, int]  # (intervention id, index of the change)


def sampled_arrays(scenario: Scenario, inputs: list[UncertainInput], values: FloatArray) -> Arrays:
    """The scenario's arrays with D = len(values) draws, uncertain inputs set from ``values`` (D, k)."""
    D = values.shape[0]
    base = from_scenario(scenario)
    a_index = {a: k for k, a in enumerate(base.actor_ids)}
    i_index = {i: k for k, i in enumerate(base.issue_ids)}
    position = np.repeat(base.position, D, axis=0)
    salience = np.repeat(base.salience, D, axis=0)
    influence = np.repeat(base.influence, D, axis=0) if base.influence is not None else None
    capability = np.repeat(base.capability, D, axis=0)
    status_quo = np.repeat(base.status_quo, D, axis=0)
    links = scenario.channels.links
    link_index = {f"{link.between[0]}.{link.between[1]}": k for k, link in enumerate(links)}
    strengths = np.tile([link.strength.value for link in links], (D, 1)).reshape(D, len(links))
    default = np.full(D, scenario.channels.default.value)
    for col, inp in enumerate(inputs):
        kind, *parts = inp.name.split(".")
        v = values[:, col]
        if kind == "actor":
            capability[:, a_index[parts[0]]] = v
        elif kind == "issue":
            status_quo[:, i_index[parts[0]]] = v
        elif kind == "stance":
            a, i = a_index[parts[0]], i_index[parts[1]]
            if parts[2] == "position":
                position[:, a, i] = v
            elif parts[2] == "influence":
                assert influence is not None  # an uncertain influence makes the base carry one
                influence[:, a, i] = v
            else:
                salience[:, a, i] = v / scenario.salience_scale
        elif kind == "channel":
            strengths[:, link_index[".".join(parts)]] = v
        elif kind == "channels":  # channels.default: every pair not listed
            default = v
    return replace(
        base,
        position=position,
        salience=salience,
        capability=capability,
        status_quo=status_quo,
        influence=influence,
        channels=channel_matrix(scenario, strengths, default),
    )


def change_values(scenario: Scenario, inputs: list[UncertainInput], values: FloatArray) -> dict[ChangeKey, FloatArray]:
    """Per-draw value (D,) of every intervention change that has one: sampled if uncertain, else constant."""
    D = values.shape[0]
    sampled = {inp.name: values[:, k] for k, inp in enumerate(inputs) if inp.name.startswith("intervention.")}
    out: dict[ChangeKey, FloatArray] = {}
    for iv in scenario.interventions:
        for n, change in enumerate(iv.changes):
            name = f"intervention.{iv.id}.{n}"
            if name in sampled:
                out[(iv.id, n)] = sampled[name]
            elif change.value is not None:
                out[(iv.id, n)] = np.full(D, change.value.value)
    return out


def _op(current: FloatArray, op: str, v: FloatArray) -> FloatArray:
    if op == "add":
        return current + v
    if op == "scale":
        return current * v
    return np.broadcast_to(v, current.shape).astype(np.float64)


def takes_effect(
    scenario: Scenario, inputs: list[UncertainInput], values: FloatArray, effect_unit: FloatArray
) -> dict[str, BoolArray]:
    """Per draw, whether each intervention that may fail takes effect: its effect column below its success
    probability (that draw's sampled value when the probability itself is uncertain).

    The columns are the same for every strategy (common random numbers): in a draw where an intervention fails,
    it fails in every strategy that uses it."""
    sampled = {inp.name: values[:, k] for k, inp in enumerate(inputs)}
    interventions = {iv.id: iv for iv in scenario.interventions}
    out: dict[str, BoolArray] = {}
    for col, iv_id in enumerate(chancy_interventions(scenario)):
        success = interventions[iv_id].success
        assert success is not None
        p = sampled.get(f"intervention.{iv_id}.success", np.full(values.shape[0], success.value))
        out[iv_id] = np.asarray(effect_unit[:, col] < p, dtype=bool)
    return out


def in_effect(scenario: Scenario, strategy_id: str, effect: Mapping[str, BoolArray], n: int) -> BoolArray:
    """Per draw, whether every intervention of the strategy took effect (always, for the status quo)."""
    mask = np.ones(n, dtype=bool)
    for iv_id in scenario.strategy(strategy_id).interventions:
        if iv_id in effect:
            mask &= effect[iv_id]
    return mask


def _select(mask: BoolArray, after: Arrays, before: Arrays) -> Arrays:
    """``after`` in the draws where ``mask`` holds, ``before`` elsewhere."""
    m3 = mask[:, None, None]
    influence = before.influence
    if after.influence is not None and before.influence is not None:
        influence = np.where(m3, after.influence, before.influence)
    return replace(
        after,
        position=np.where(m3, after.position, before.position),
        salience=np.where(m3, after.salience, before.salience),
        capability=np.where(mask[:, None], after.capability, before.capability),
        channels=np.where(m3, after.channels, before.channels),
        influence=influence,
    )


def apply_strategy(
    arrays: Arrays,
    scenario: Scenario,
    strategy_id: str,
    values: Mapping[ChangeKey, FloatArray],
    effect: Mapping[str, BoolArray] | None = None,
) -> Arrays:
    """Apply a strategy's interventions, in order, to every draw of ``arrays``; an intervention listed in
    ``effect`` applies only in the draws where it takes effect."""
    strategy = scenario.strategy(strategy_id)
    interventions = {iv.id: iv for iv in scenario.interventions}
    out = arrays
    for iv_id in strategy.interventions:
        before = out
        for n, change in enumerate(interventions[iv_id].changes):
            out = apply_change(out, scenario, change, values.get((iv_id, n)))
        if effect is not None and iv_id in effect:
            out = _select(effect[iv_id], out, before)
    return out


def apply_change(arrays: Arrays, scenario: Scenario, change: Change, value: FloatArray | None) -> Arrays:
    """One change to all draws. Results are kept in range: positions on the scale, saliences and channels in
    [0, 1], capabilities non-negative."""
    kind, parts = parse_target(change.target)
    a_index = {a: k for k, a in enumerate(arrays.actor_ids)}
    i_index = {i: k for k, i in enumerate(arrays.issue_ids)}
    D = arrays.shape[0]
    v = np.full(D, np.nan) if value is None else value
    if kind == "channel":
        a, b = a_index[parts[0]], a_index[parts[1]]
        channels = arrays.channels.copy()
        if change.op == "open":
            v = np.ones(D) if value is None else value
            op = "set"
        elif change.op == "close":
            v, op = np.zeros(D), "set"
        else:
            op = change.op
        pairs = [(a, b)] if change.directed else [(a, b), (b, a)]
        for x, y in pairs:
            channels[:, x, y] = np.clip(_op(channels[:, x, y], op, v), 0.0, 1.0)
        return replace(arrays, channels=channels)
    if kind == "coalition":
        i = i_index[parts[0]]
        members = np.array([a_index[m] for m in change.members])
        position = arrays.position.copy()
        if value is None:
            weight = arrays.weight()[:, members, i] * arrays.salience[:, members, i]
            where = position[:, members, i]
            total = weight.sum(axis=1)
            mean = (weight * where).sum(axis=1) / np.where(total > 0, total, 1)
            common: FloatArray = np.where(total > 0, mean, where.mean(axis=1))
        else:
            common = value
        position[:, members, i] = common[:, None]
        return replace(arrays, position=position)
    if kind == "capability":
        a = a_index[parts[0]]
        capability = arrays.capability.copy()
        capability[:, a] = np.maximum(_op(capability[:, a], change.op, v), 0.0)
        return replace(arrays, capability=capability)
    a, i = a_index[parts[0]], i_index[parts[1]]
    present = arrays.present.copy()
    present[a, i] = True
    if kind == "position":
        position = arrays.position.copy()
        lo, hi = arrays.scale[i]
        position[:, a, i] = np.clip(_op(position[:, a, i], change.op, v), lo, hi)
        return replace(arrays, position=position, present=present)
    salience = arrays.salience.copy()
    step = v if change.op == "scale" else v / scenario.salience_scale
    salience[:, a, i] = np.clip(_op(salience[:, a, i], change.op, step), 0.0, 1.0)
    return replace(arrays, salience=salience, present=present)
