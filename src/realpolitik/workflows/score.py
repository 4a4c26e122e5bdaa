"""Score: every model's forecast of a scenario against the outcomes it records, beside the "no change" baseline.

A forecast is only worth what it has been shown to be worth. For each issue with a recorded outcome, and each
model: the absolute error of the point forecast; the CRPS of the model's predictive distribution over the
scenario's uncertain inputs (the same keyed draws the lab uses; a point forecast's CRPS is its absolute error);
whether the outcome fell inside the central 50 / 80 / 95 % intervals of that distribution; and whether the
direction of change from the status quo was right. The "no change" baseline forecasts the status quo itself,
so a model's skill is shown relative to the simplest forecast there is (as the VIEWS prediction challenge does).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scoringrules

from ..lab.sampling import draw_values, uncertain_inputs
from ..scenario import LoadedScenario
from ..scenario.model import Outcome, Scenario
from .forecast import ForecastRequest, forecast
from .results import Tabular
from .text import CAVEAT

LEVELS = (0.5, 0.8, 0.95)
BASELINE = "no-change"
UNCHANGED = 0.01
"""A change smaller than this share of the scale counts as no change when judging direction."""


@dataclass(frozen=True)
class ScoreRequest:
    scenario: LoadedScenario
    models: tuple[str, ...] = ()
    draws: int = 200
    seed: int = 0


@dataclass(frozen=True)
class Score:
    """One forecaster on one issue against its outcome."""

    model: str
    issue: str
    forecast: float
    outcome: float
    abs_error: float
    crps: float
    inside: dict[str, bool | None]
    direction_right: bool | None
    draws: int

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "issue": self.issue,
            "forecast": self.forecast,
            "outcome": self.outcome,
            "abs_error": self.abs_error,
            "crps": self.crps,
            "inside": self.inside,
            "direction_right": self.direction_right,
            "draws": self.draws,
        }


@dataclass(frozen=True)
class ScoreResult(Tabular):
    """Scores of every forecaster; ``rows()`` gives one row per forecaster and issue."""

    request: ScoreRequest
    scores: tuple[Score, ...]
    pairs: dict[str, dict[str, Any]]
    failed: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                **{k: v for k, v in s.to_json_dict().items() if k != "inside"},
                **{f"in{k}": v for k, v in s.inside.items()},
            }
            for s in self.scores
        ]

    def summary(self) -> list[dict[str, Any]]:
        """Per forecaster: mean absolute error and CRPS over the scored issues, and skill against no change."""
        rows = []
        by_model: dict[str, list[Score]] = {}
        for s in self.scores:
            by_model.setdefault(s.model, []).append(s)
        base = by_model.get(BASELINE)
        base_mae = float(np.mean([s.abs_error for s in base])) if base else math.nan
        for model, scores in by_model.items():
            mae = float(np.mean([s.abs_error for s in scores]))
            skill = 1 - mae / base_mae if base and base_mae > 0 else None
            rows.append(
                {
                    "model": model,
                    "issues": len(scores),
                    "mae": mae,
                    "crps": float(np.mean([s.crps for s in scores])),
                    "skill_vs_no_change": skill,
                }
            )
        return rows

    def to_json_dict(self) -> dict[str, Any]:
        s = self.request.scenario.scenario
        return {
            "scenario": s.id,
            "as_of": s.as_of.isoformat() if s.as_of else None,
            "horizon": s.horizon,
            "draws": self.request.draws,
            "seed": self.request.seed,
            "outcomes": self.pairs,
            "scores": [x.to_json_dict() for x in self.scores],
            "summary": self.summary(),
            "failed": self.failed,
            "notes": list(self.notes),
            "caveat": CAVEAT,
        }


def pick_outcome(scenario: Scenario, issue: str) -> Outcome | None:
    """The recorded outcome of ``issue`` nearest ``as_of + horizon`` (the last listed where dates are missing)."""
    found = [o for o in scenario.outcomes if o.issue == issue]
    target = scenario.horizon_end()
    dated = [o for o in found if o.date is not None]
    if target is not None and dated:
        return min(dated, key=lambda o: abs(((o.date or target) - target).days))
    return found[-1] if found else None


def _inside(samples: np.ndarray | None, y: float) -> dict[str, bool | None]:
    out: dict[str, bool | None] = {}
    for level in LEVELS:
        key = f"{round(level * 100)}"
        if samples is None:
            out[key] = None
            continue
        lo, hi = np.quantile(samples, [(1 - level) / 2, (1 + level) / 2])
        out[key] = bool(lo <= y <= hi)
    return out


def _direction(point: float, y: float, q: float, width: float) -> bool | None:
    if math.isnan(q):
        return None

    def sign(x: float) -> int:
        return 0 if abs(x - q) < UNCHANGED * width else (1 if x > q else -1)

    return sign(point) == sign(y)


def _score(model: str, issue: str, point: float, samples: np.ndarray | None, y: float, q: float, width: float) -> Score:
    crps = float(scoringrules.crps_ensemble(y, samples)) if samples is not None else abs(point - y)
    n = 0 if samples is None else len(samples)
    return Score(model, issue, point, y, abs(point - y), crps, _inside(samples, y), _direction(point, y, q, width), n)


def _baseline(scenario: Scenario, request: ScoreRequest) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """The status quo of each issue (point) and its sampled values where it is uncertain."""
    point = {i.id: i.status_quo.value for i in scenario.issues if i.status_quo is not None}
    inputs = uncertain_inputs(scenario)
    names = [x.name for x in inputs]
    samples: dict[str, np.ndarray] = {}
    if inputs and request.draws > 0:
        values = draw_values(scenario, request.seed, 0, request.draws)
        for i in scenario.issues:
            name = f"issue.{i.id}.status_quo"
            if name in names:
                samples[i.id] = values[:, names.index(name)]
    return point, samples


def score(request: ScoreRequest) -> ScoreResult:
    """Score every requested model (default: every registered one) and the no-change baseline."""
    s = request.scenario.scenario
    result = forecast(ForecastRequest(request.scenario, request.models, seed=request.seed, band_draws=request.draws))
    issues = [i for i in s.issues if pick_outcome(s, i.id) is not None]
    notes = [] if issues else ["The scenario records no outcome, so nothing can be scored (see `outcomes:`)."]
    target = s.horizon_end()
    if issues and target is None:
        notes.append("The scenario states no as_of and horizon: each forecast is paired with its issue's outcome.")
    sq_point, sq_samples = _baseline(s, request)
    pairs, scores = {}, []
    for issue in issues:
        outcome = pick_outcome(s, issue.id)
        assert outcome is not None
        y, k = outcome.value.value, [x.id for x in s.issues].index(issue.id)
        width = issue.scale.high - issue.scale.low
        q = sq_point.get(issue.id, math.nan)
        pairs[issue.id] = {
            "outcome": y,
            "date": outcome.date.isoformat() if outcome.date else None,
            "target_date": target.isoformat() if isinstance(target, dt.date) else None,
            "status_quo": None if math.isnan(q) else q,
        }
        for run in result.runs:
            if run.error is None:
                samples = None if run.samples is None else run.samples[:, k]
                scores.append(_score(run.name, issue.id, float(run.forecast()[issue.id]), samples, y, q, width))
        if not math.isnan(q):
            scores.append(_score(BASELINE, issue.id, q, sq_samples.get(issue.id), y, q, width))
    if issues and not sq_point:
        notes.append("The scenario states no status quo, so the no-change baseline cannot be scored.")
    failed = {run.name: run.error for run in result.runs if run.error is not None}
    return ScoreResult(request, tuple(scores), pairs, failed, tuple(notes))
