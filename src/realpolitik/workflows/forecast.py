"""Forecast: one or more models on a scenario, each with its point forecast and, if asked, a Monte Carlo band.

The band re-runs a model on draws ``0 … band_draws − 1`` of the scenario's uncertain inputs with no strategy
applied, keyed exactly as the lab keys its draws (:mod:`realpolitik.randomness`), so the band of a model is the
distribution the lab would report for a strategy that changes nothing, for the same seed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..lab.interventions import sampled_arrays
from ..lab.sampling import draw_values, uncertain_inputs
from ..models import available_models, from_scenario
from ..models.arrays import Arrays, FloatArray
from ..models.spec import ModelSpec
from ..models.trajectory import Trajectory
from ..randomness import model_seed_sequence
from ..scenario import LoadedScenario
from ..scenario.model import Scenario
from .defaults import FORECAST_MODEL, NO_BAND, DefaultModel, default_model
from .diagnostics import THRESHOLD, RoundZero, round_zero
from .edits import StanceEdit, apply_edits
from .errors import RequestError
from .limits import check_draws, check_model_memory, check_rounds, check_seed
from .results import Tabular

Band = tuple[float, float, float]
"""(5 %, 50 %, 95 %) quantiles of a forecast over sampled inputs."""


@dataclass(frozen=True)
class ForecastRequest:
    """``models`` empty means every registered model; ``options`` (``KEY=VALUE`` texts) need exactly one model."""

    scenario: LoadedScenario
    models: tuple[str, ...] = (FORECAST_MODEL,)
    rounds: int | None = None
    issues: tuple[str, ...] = ()
    seed: int = 0
    options: tuple[str, ...] = ()
    edits: tuple[StanceEdit, ...] = ()
    band_draws: int = 0
    round_zero_threshold: float = THRESHOLD
    band_models: tuple[str, ...] | None = None
    """Models that get a band (None: every model but the slow reference presets of ``defaults.NO_BAND``)."""

    def wants_band(self, model: str) -> bool:
        return model in self.band_models if self.band_models is not None else model not in NO_BAND

    allow_large: bool = False
    """Run a model even when its estimated memory is over ``MAX_MODEL_BYTES`` (the CLI's ``--allow-large``)."""


@dataclass(frozen=True)
class ModelRun:
    """One model's forecast. A model that fails on a scenario is a result (``error``), not an exception."""

    spec: ModelSpec
    trajectory: Trajectory
    band: Mapping[str, Band] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    user_options: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None
    samples: FloatArray | None = None
    """(band_draws, I) the model's forecast over the sampled inputs (None without a band)."""

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def track_record(self) -> str | None:
        """``error on EU legislation (DEU III), out of fold: 23.2 [21.0, 25.3]`` (None without a record)."""
        from ..models.records import describe

        return describe(self.spec.name)

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def reference(self) -> str:
        return self.spec.reference

    @property
    def assumptions(self) -> tuple[str, ...]:
        return self.spec.assumptions

    @property
    def dynamic(self) -> bool:
        return self.spec.dynamic

    def forecast(self) -> dict[str, float]:
        """Issue id → point forecast (NaN where the model failed)."""
        return {
            issue: float(self.trajectory.forecast[0, i]) for i, issue in enumerate(self.trajectory.arrays.issue_ids)
        }


@dataclass(frozen=True)
class ForecastResult(Tabular):
    """Every requested model's run; ``rows()`` gives one row per model and issue."""

    request: ForecastRequest
    scenario: Scenario
    runs: tuple[ModelRun, ...]
    round_zero: tuple[RoundZero, ...] = ()
    """Issues whose outcome under the scenario's own rules, before bargaining, is far from the status quo."""
    default: DefaultModel | None = None
    """The default model and why, when the request named none."""

    def run(self, model: str) -> ModelRun:
        return next(r for r in self.runs if r.name == model)

    def to_json_dict(self) -> dict[str, Any]:
        """One model's documented JSON (``realpolitik forecast --format json``) when one was asked for."""
        issues = list(self.request.issues) or None
        doc = self.runs[0].trajectory.to_json_dict(issues=issues)
        doc["track_record"] = self.runs[0].track_record
        if self.default is not None:
            doc["model_reason"] = f"the default model: {self.default.reason}"
        doc["round_zero"] = [r.to_json_dict() for r in self.round_zero if issues is None or r.issue in issues]
        return doc

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for run in self.runs:
            for issue, x in run.forecast().items():
                q05, q50, q95 = run.band.get(issue, (math.nan, math.nan, math.nan))
                out.append(
                    {
                        "model": run.name,
                        "issue": issue,
                        "forecast": x,
                        "q05": q05,
                        "q50": q50,
                        "q95": q95,
                        "rounds": run.trajectory.rounds,
                        "error": run.error,
                    }
                )
        return out

    def manifest_parameters(self) -> dict[str, Any]:
        run = self.runs[0]
        return {
            "model": run.name,
            "rounds": run.trajectory.rounds,
            "issues": list(self.request.issues) or None,
            "rng": self.request.seed if run.spec.stochastic else None,
            "options": dict(run.trajectory.options),
            "scenario_options": {k: v for k, v in run.options.items() if k not in run.user_options},
            "user_options": dict(run.user_options),
            "edits": [str(e) for e in self.request.edits],
        }


def _specs(request: ForecastRequest, default: DefaultModel | None) -> list[ModelSpec]:
    registry = available_models()
    named = [default.name if m == FORECAST_MODEL and default else m for m in request.models]
    names = list(dict.fromkeys(named)) or list(registry)
    unknown = [m for m in names if m not in registry]
    if unknown:
        raise RequestError(
            f"unknown model(s): {', '.join(unknown)} (available: {', '.join(registry)})", parameter="models"
        )
    if request.options and len(names) != 1:
        raise RequestError("model options need exactly one model", parameter="options")
    return [registry[n] for n in names]


def _check_issues(scenario: Scenario, issues: tuple[str, ...]) -> None:
    known = [i.id for i in scenario.issues]
    unknown = [i for i in issues if i not in known]
    if unknown:
        raise RequestError(f"unknown issue(s): {', '.join(unknown)} (known: {', '.join(known)})", parameter="issues")


def placeholder(arrays: Arrays) -> Trajectory:
    """A NaN forecast with the arrays' shape, for a model that failed, so tables keep their shape."""
    D, _, I = arrays.position.shape
    return Trajectory("failed", arrays, arrays.position[:, None], np.full((D, I), math.nan))


def sampled_forecasts(
    scenario: Scenario, spec: ModelSpec, options: Mapping[str, Any], *, seed: int, draws: int, rounds: int | None
) -> FloatArray | None:
    """The model's forecast (draws, I) over draws 0 … draws − 1 of the inputs, no strategy applied (None when the
    scenario has no uncertain input or no draw is asked for)."""
    inputs = uncertain_inputs(scenario)
    if not inputs or draws < 1:
        return None
    sampled = sampled_arrays(scenario, inputs, draw_values(scenario, seed, 0, draws))
    keys = np.arange(draws, dtype=np.int64)
    fc = spec(sampled, rounds=rounds, rng=model_seed_sequence(seed), draw_keys=keys, forecast_only=True, **options)
    return np.asarray(fc.forecast, dtype=np.float64)


def band_of(samples: FloatArray | None, issue_ids: tuple[str, ...]) -> dict[str, Band]:
    """5/50/95 % quantiles of sampled forecasts per issue."""
    if samples is None:
        return {}
    q = np.quantile(samples, [0.05, 0.5, 0.95], axis=0)  # (3, I)
    return {issue: (float(q[0, i]), float(q[1, i]), float(q[2, i])) for i, issue in enumerate(issue_ids)}


def _run_one(request: ForecastRequest, scenario: Scenario, arrays: Arrays, spec: ModelSpec) -> ModelRun:
    try:
        user = spec.parse_option_texts(list(request.options))
    except ValueError as exc:
        raise RequestError(str(exc), parameter="options") from None
    applied = spec.options_for(scenario.metadata, user)
    try:
        traj = spec(arrays, rounds=request.rounds, rng=request.seed, **applied)
        if not np.all(np.isfinite(traj.forecast)):
            raise ValueError("the model returned a non-finite forecast")
        draws = request.band_draws if request.wants_band(spec.name) else 0
        samples = sampled_forecasts(scenario, spec, applied, seed=request.seed, draws=draws, rounds=request.rounds)
    except (TypeError, ValueError) as exc:
        if user:  # a value of the right name but the wrong kind is the caller's error
            raise RequestError(str(exc), parameter="options") from None
        return ModelRun(spec, placeholder(arrays), {}, applied, user, f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a model that cannot handle this scenario is reported with the others
        return ModelRun(spec, placeholder(arrays), {}, applied, user, f"{type(exc).__name__}: {exc}")
    return ModelRun(spec, traj, band_of(samples, arrays.issue_ids), applied, user, samples=samples)


def forecast(request: ForecastRequest) -> ForecastResult:
    """Run every requested model on the (edited) scenario."""
    if request.band_draws < 0:
        raise RequestError("band_draws must be >= 0", parameter="band_draws")
    check_draws(request.band_draws, "band_draws", low=0)
    check_rounds(request.rounds)
    check_seed(request.seed)
    scenario = apply_edits(request.scenario.scenario, request.edits)
    default = default_model(scenario) if FORECAST_MODEL in request.models else None
    specs = _specs(request, default)
    _check_issues(scenario, request.issues)
    too_large = {}
    for spec in specs:
        try:
            check_model_memory(
                scenario,
                spec.name,
                draws=max(1, request.band_draws),
                rounds=request.rounds,
                allow_large=request.allow_large,
                parameter="models",
                hint="choose another model or a smaller scenario" + (" or band" if request.band_draws else ""),
            )
        except RequestError as exc:
            if len(specs) == 1:
                raise
            too_large[spec.name] = exc.message  # one of several: reported with the others, like a failure
    arrays = from_scenario(scenario)
    runs = tuple(
        ModelRun(spec, placeholder(arrays), error=too_large[spec.name])
        if spec.name in too_large
        else _run_one(request, scenario, arrays, spec)
        for spec in specs
    )
    zero = tuple(round_zero(scenario, request.round_zero_threshold))
    return ForecastResult(request, scenario, runs, zero, default)
