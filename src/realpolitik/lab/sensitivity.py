"""Which uncertain inputs drive each outcome: Sobol indices and Morris elementary effects, via SALib.

The plumbing is shared with the Monte Carlo lab: SALib designs points on the unit cube, we map them through
each input's inverse CDF (so a triangular or PERT input is analysed under its own distribution), evaluate, and
hand the outputs back to SALib. The same function is tested on the Ishigami function, whose Sobol indices are
known analytically, so the plumbing is proven before it is trusted on a scenario.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..models.registry import get_model
from ..scenario.model import Scenario
from .experiment import client_utility
from .interventions import apply_strategy, change_values, sampled_arrays
from .sampling import FloatArray, UncertainInput, to_values, uncertain_inputs

Method = Literal["sobol", "morris"]
Evaluate = Callable[[FloatArray], Mapping[str, FloatArray]]


@dataclass(frozen=True)
class Indices:
    """Sensitivity of one outcome to each input (Sobol: S1, ST with 95% half-widths; Morris: mu*, sigma)."""

    outcome: str
    names: list[str]
    values: dict[str, list[float]]

    def ranked(self, key: str) -> list[tuple[str, float]]:
        return sorted(zip(self.names, self.values[key], strict=True), key=lambda x: -abs(x[1]))


@dataclass(frozen=True)
class SensitivityResult:
    method: Method
    n_base: int
    n_evaluations: int
    seed: int
    indices: list[Indices]

    def warnings(self, top: int = 8) -> list[str]:
        """Outcomes whose leading indices are not resolved: a 95% half-width as large as the index itself.

        Checked over the ``top`` inputs ranked by ST (Sobol) or mu* (Morris); for Sobol both S1 and ST count.
        """
        key = "ST" if self.method == "sobol" else "mu_star"
        checked = ("S1", "ST") if self.method == "sobol" else ("mu_star",)
        out = []
        for ix in self.indices:
            shown = [ix.names.index(name) for name, _ in ix.ranked(key)[:top]]
            for c in checked:
                conf = ix.values[f"{c}_conf"]
                wide = [j for j in shown if 0 < abs(conf[j]) and abs(conf[j]) >= abs(ix.values[c][j])]
                if wide:
                    out.append(
                        f"{ix.outcome}: {len(wide)} of the top {len(shown)} {c} values have a 95% half-width as "
                        f"large as the value itself; they are not resolved at n={self.n_base} (raise --n)"
                    )
        return out

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "n_base": self.n_base,
            "n_evaluations": self.n_evaluations,
            "seed": self.seed,
            "warnings": self.warnings(),
            "outcomes": {
                ix.outcome: {name: {k: v[j] for k, v in ix.values.items()} for j, name in enumerate(ix.names)}
                for ix in self.indices
            },
        }


def analyse(
    inputs: list[UncertainInput], evaluate: Evaluate, *, method: Method = "sobol", n: int = 512, seed: int = 0
) -> SensitivityResult:
    """Design on the unit cube, evaluate through the inputs' distributions, analyse each output."""
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    if not inputs:
        raise ValueError("the scenario has no uncertain inputs (no number with a low-high range)")
    names = [i.name for i in inputs]
    problem = {"num_vars": len(inputs), "names": names, "bounds": [[0.0, 1.0]] * len(inputs)}
    if method == "sobol":
        unit = sobol_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    else:
        unit = morris_sample.sample(problem, n, num_levels=4, seed=seed)
    # the Sobol design touches the cube's faces; keep the inverse CDFs finite
    unit = np.clip(unit, 1e-12, 1 - 1e-12)
    outputs = evaluate(to_values(inputs, unit))
    indices = []
    for name, y in outputs.items():
        y = np.asarray(y, dtype=np.float64)
        if method == "sobol":
            res = sobol_analyze.analyze(problem, y, calc_second_order=False, conf_level=0.95, seed=seed)
            values = {k: [float(x) for x in res[k]] for k in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            res = morris_analyze.analyze(problem, unit, y, conf_level=0.95, num_levels=4, seed=seed)
            values = {k: [float(x) for x in res[k]] for k in ("mu", "mu_star", "sigma", "mu_star_conf")}
        indices.append(Indices(name, names, values))
    return SensitivityResult(method, n, int(unit.shape[0]), seed, indices)


def scenario_evaluator(
    scenario: Scenario,
    inputs: list[UncertainInput],
    *,
    strategy: str,
    client: str,
    model: str,
    rounds: int | None,
    seed: int = 0,
) -> Evaluate:
    """Outputs for a scenario under one strategy: each issue's forecast and the client's utility.

    The model runs with the options its file carries (``spec.options_for``), and a stochastic model with one fixed
    seed for every evaluation, so the indices measure the inputs' effect and not the model's own noise.
    """
    spec = get_model(model)
    options = spec.options_for(scenario.metadata)

    def evaluate(values: FloatArray) -> dict[str, FloatArray]:
        base = sampled_arrays(scenario, inputs, values)
        arrays = apply_strategy(base, scenario, strategy, change_values(scenario, inputs, values))
        forecast = spec(arrays, rounds=rounds, rng=seed, **options).forecast
        out = {f"outcome.{issue}": forecast[:, i] for i, issue in enumerate(base.issue_ids)}
        out["client_utility"] = client_utility(base, base.actor_ids.index(client), forecast)
        return out

    return evaluate


def gap_evaluator(
    scenario: Scenario,
    inputs: list[UncertainInput],
    *,
    strategy: str,
    versus: str | None,
    client: str,
    model: str,
    rounds: int | None = None,
    seed: int = 0,
) -> Evaluate:
    """Outputs for a strategy ranking: the client's utility under ``strategy`` and, when ``versus`` is given, the
    utility gap to it (what decides whether the ranking of the two holds across the inputs' ranges)."""
    spec = get_model(model)
    options = spec.options_for(scenario.metadata)

    def utility(base: Any, changes: Any, strat: str) -> FloatArray:
        arrays = apply_strategy(base, scenario, strat, changes)
        return client_utility(
            base, base.actor_ids.index(client), spec(arrays, rounds=rounds, rng=seed, **options).forecast
        )

    def evaluate(values: FloatArray) -> dict[str, FloatArray]:
        base = sampled_arrays(scenario, inputs, values)
        changes = change_values(scenario, inputs, values)
        first = utility(base, changes, strategy)
        out = {f"client utility under {strategy}": first}
        if versus is not None:
            out[f"utility gap {strategy} − {versus}"] = first - utility(base, changes, versus)
        return out

    return evaluate


def scenario_sensitivity(
    scenario: Scenario,
    *,
    strategy: str,
    client: str,
    model: str,
    rounds: int | None = None,
    method: Method = "sobol",
    n: int = 512,
    seed: int = 0,
) -> SensitivityResult:
    inputs = uncertain_inputs(scenario)
    evaluate = scenario_evaluator(
        scenario, inputs, strategy=strategy, client=client, model=model, rounds=rounds, seed=seed
    )
    return analyse(inputs, evaluate, method=method, n=n, seed=seed)
