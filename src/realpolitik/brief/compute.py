"""The numbers a brief shows, computed once and kept as plain data.

Why a separate step: the HTML page, the Markdown summary, the figures and the web dashboard all read the same
:class:`BriefData`, so they can never disagree, and the expensive parts (Monte Carlo lab, sensitivity) run once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..lab.experiment import Experiment, Target, client_utility
from ..lab.interventions import apply_strategy, change_values, sampled_arrays
from ..lab.runner import run_experiment
from ..lab.sampling import FloatArray, draw_values, uncertain_inputs
from ..lab.sensitivity import analyse
from ..lab.summary import summarise
from ..models import available_models, from_scenario
from ..models.base import ModelSpec, Trajectory
from ..scenario.model import Scenario


@dataclass(frozen=True)
class ModelForecast:
    """One model's forecast of every issue: the point forecast and a Monte Carlo band over the inputs' ranges."""

    name: str
    title: str
    reference: str
    assumptions: tuple[str, ...]
    dynamic: bool
    trajectory: Trajectory
    band: dict[str, tuple[float, float, float]]  # issue -> (q05, q50, q95) over sampled inputs
    error: str | None = None


@dataclass
class LabData:
    model: str
    client: str
    draws: int
    seed: int
    targets: list[str]
    summary: dict[str, Any]
    outcomes: dict[str, dict[str, FloatArray]]  # strategy -> issue -> outcome per draw
    out: Path
    sensitivity: dict[str, list[tuple[str, float, float]]] = field(default_factory=dict)  # outcome -> ranked
    sensitivity_note: str = ""


@dataclass
class BriefData:
    scenario: Scenario
    source: str
    sha256: str
    seed: int
    draws: int
    forecasts: list[ModelForecast]
    lab: LabData | None
    lab_note: str
    events: dict[str, Any] | None


def goal_targets(scenario: Scenario, targets: Sequence[str] | None) -> tuple[Target, ...]:
    """Targets from the caller, else the scenario's ``targets``, else ``metadata['targets']`` (older files)."""
    if targets:
        return tuple(Target.parse(t) for t in targets)
    if scenario.targets:
        return tuple(Target.parse(str(g)) for g in scenario.targets)
    raw = scenario.metadata.get("targets")
    if isinstance(raw, list):
        return tuple(Target.parse(str(t)) for t in raw if isinstance(t, str))
    return ()


def model_forecasts(scenario: Scenario, models: Sequence[str] | None, draws: int, seed: int) -> list[ModelForecast]:
    """Every requested (default: every registered) model on the scenario; a model that fails is reported, not fatal.

    The band re-runs each model on ``draws`` samples of the uncertain inputs (status quo, no strategy), so each
    point forecast is shown with how far the inputs' own ranges can move it.
    """
    registry = available_models()
    names = list(models) if models else list(registry)
    arrays = from_scenario(scenario)
    inputs = uncertain_inputs(scenario)
    sampled = None
    if inputs and draws > 0:
        values = draw_values(inputs, seed, 0, draws)
        sampled = sampled_arrays(scenario, inputs, values)
    out = []
    for name in names:
        spec: ModelSpec = registry[name]
        try:
            opts = spec.options_for(scenario.metadata)
            traj = spec(arrays, rng=seed, **opts)
            band: dict[str, tuple[float, float, float]] = {}
            if sampled is not None:
                fc = spec(sampled, rng=seed, **opts).forecast
                for i, issue in enumerate(arrays.issue_ids):
                    q = np.quantile(fc[:, i], [0.05, 0.5, 0.95])
                    band[issue] = (float(q[0]), float(q[1]), float(q[2]))
        except Exception as exc:  # a model that cannot handle this scenario is reported in the brief
            msg = f"{type(exc).__name__}: {exc}"
            empty = _empty(arrays)
            out.append(ModelForecast(name, spec.title, spec.reference, spec.assumptions, spec.dynamic, empty, {}, msg))
            continue
        out.append(ModelForecast(name, spec.title, spec.reference, spec.assumptions, spec.dynamic, traj, band))
    return out


def _empty(arrays: Any) -> Trajectory:
    """A placeholder trajectory (NaN forecast) for a model that failed, so tables keep their shape."""
    D, _, I = arrays.position.shape
    return Trajectory("failed", arrays, arrays.position[:, None], np.full((D, I), math.nan))


def run_lab(
    scenario: Scenario,
    out: Path,
    *,
    draws: int,
    seed: int,
    model: str,
    targets: tuple[Target, ...],
    source: dict[str, str],
    sensitivity_n: int,
) -> LabData:
    """The strategy comparison (lab) and what drives its ranking (Morris screening of the utility gap)."""
    strategies = tuple(s.id for s in scenario.strategies)
    assert scenario.client is not None
    experiment = Experiment(
        scenario=scenario,
        strategies=strategies,
        client=scenario.client,
        draws=draws,
        seed=seed,
        model=model,
        targets=targets,
        shard_size=max(draws, 1),
    )
    run_experiment(experiment, out, source=source)
    summary = summarise(out, list(strategies), targets).to_json_dict()
    outcomes = lab_outcomes(out, strategies)
    lab = LabData(model, scenario.client, draws, seed, [str(t) for t in targets], summary, outcomes, out)
    ranking = summary["rankings"]["expected_utility"]
    inputs = uncertain_inputs(scenario)
    if not inputs:
        lab.sensitivity_note = "The scenario has no uncertain inputs, so there is nothing to screen."
    elif sensitivity_n > 0:
        _sensitivity(lab, scenario, ranking, model, sensitivity_n, seed)
    return lab


def lab_outcomes(out: Path, strategies: tuple[str, ...]) -> dict[str, dict[str, FloatArray]]:
    import pyarrow.parquet as pq

    table = pq.read_table(out / "shards").to_pandas().sort_values(["strategy", "issue", "draw"])
    result: dict[str, dict[str, FloatArray]] = {s: {} for s in strategies}
    for (strat, issue), grp in table.groupby(["strategy", "issue"]):
        result[str(strat)][str(issue)] = grp["outcome"].to_numpy(dtype=np.float64)
    return result


def _sensitivity(lab: LabData, scenario: Scenario, ranking: list[str], model: str, n: int, seed: int) -> None:
    """Which inputs drive the client's utility under the leading strategy, and the gap to the runner-up."""
    spec = available_models()[model]
    opts = spec.options_for(scenario.metadata)
    inputs = uncertain_inputs(scenario)
    best = ranking[0]
    second = ranking[1] if len(ranking) > 1 else None
    client = lab.client

    def evaluate(values: FloatArray) -> dict[str, FloatArray]:
        base = sampled_arrays(scenario, inputs, values)
        changes = change_values(scenario, inputs, values)
        k = base.actor_ids.index(client)
        u_best = client_utility(base, k, spec(apply_strategy(base, scenario, best, changes), rng=seed, **opts).forecast)
        out = {f"client utility under {best}": u_best}
        if second is not None:
            runner_up = spec(apply_strategy(base, scenario, second, changes), rng=seed, **opts).forecast
            u_second = client_utility(base, k, runner_up)
            out[f"utility gap {best} − {second}"] = u_best - u_second
        return out

    result = analyse(inputs, evaluate, method="morris", n=n, seed=seed)
    for ix in result.indices:
        conf = dict(zip(ix.names, ix.values["mu_star_conf"], strict=True))
        lab.sensitivity[ix.outcome] = [(name, v, conf[name]) for name, v in ix.ranked("mu_star")[:10]]
    lab.sensitivity_note = (
        f"Morris screening, {n} trajectories ({result.n_evaluations} model runs per outcome set), seed {seed}: "
        "μ* is the mean absolute elementary effect of moving one input across its range; the bars show ±95% "
        "half-widths. A screening ranks inputs; it does not apportion variance."
    )
