"""Scoring models on DEU III: results, running the models over issues, the proposal bootstrap.

Why the bootstrap resamples *proposals*: issues of one proposal are negotiated together by the same people, so
their errors are correlated; resampling issues would pretend there is more independent evidence than there is
and give too narrow intervals. All models share the same bootstrap replicates (one seeded draw), so their
intervals and paired differences come from the same resamples. See ``docs/backtest.md`` for the reading rules.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from .. import randomness
from ..models.arrays import BoolArray, FloatArray
from ..models.registry import available_models, get_model
from ..models.spec import ModelSpec
from . import procedural
from .data import Capability, Deu3, read_deu3
from .procedural import PROCEDURAL

if TYPE_CHECKING:
    import pandas as pd

BASELINE = "compromise"
"""The model every other one is compared with (paired differences): the weighted mean, hard to beat on EU data."""

ENSEMBLE = "ensemble"
"""The one registered model fitted on DEU III itself: scored in sample unless cross-validated (``cv``)."""

LEVELS: tuple[float, ...] = (0.5, 0.8, 0.95)
"""Central interval levels whose coverage and width a cross-validated backtest reports."""


# ---------------------------------------------------------------------------------------------------------------
# results


def _num(x: float) -> float | None:
    """JSON has no NaN: an undefined figure is null."""
    return None if not math.isfinite(x) else float(x)


def level_key(level: float) -> str:
    """``0.8`` -> ``"80"``: how interval levels are named in JSON and rows."""
    return f"{100 * level:g}"


@dataclass(frozen=True)
class PairedDifference:
    """Mean over common issues of |error of model| − |error of baseline|: negative means the model is better."""

    baseline: str
    n: int
    mean: float
    ci: tuple[float, float]

    def to_json_dict(self) -> dict[str, Any]:
        return {"baseline": self.baseline, "n": self.n, "mae_diff": _num(self.mean), "ci": [_num(c) for c in self.ci]}


@dataclass(frozen=True)
class IntervalScore:
    """One central interval level over the scored issues: share of outcomes inside, mean width, mean interval
    score (Gneiting & Raftery 2007: width plus 2/α times the miss; lower is better), all on 0–100."""

    level: float
    coverage: float
    width: float
    score: float

    def to_json_dict(self) -> dict[str, Any]:
        return {"coverage": _num(self.coverage), "width": _num(self.width), "interval_score": _num(self.score)}


@dataclass(frozen=True)
class ModelScore:
    """One model's errors on the scored issues. ``predictions`` is NaN where the model failed (see ``errors``).

    Cross-validated runs add ``crps`` (of the conformal predictive distribution), its bootstrap interval, and one
    :class:`IntervalScore` per level; ``in_sample`` marks a model fitted on the very issues it is scored on.
    ``scope`` describes a model scored on a subset by design (the procedural model: issues with a reference
    point), with the baseline's MAE on exactly those issues."""

    name: str
    n: int
    mae: float
    rmse: float
    median_ae: float
    mae_ci: tuple[float, float]
    predictions: FloatArray
    errors: Mapping[str, str] = field(default_factory=dict)
    diff_vs_baseline: PairedDifference | None = None
    seconds: float = 0.0
    options: Mapping[str, Any] = field(default_factory=dict)
    crps: float = math.nan
    crps_ci: tuple[float, float] = (math.nan, math.nan)
    intervals: Mapping[str, IntervalScore] = field(default_factory=dict)
    in_sample: bool = False
    scope: Mapping[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "n": self.n,
            "mae": _num(self.mae),
            "rmse": _num(self.rmse),
            "median_ae": _num(self.median_ae),
            "mae_ci": [_num(c) for c in self.mae_ci],
            "failed": len(self.errors),
        }
        if self.intervals:
            out["crps"] = _num(self.crps)
            out["crps_ci"] = [_num(c) for c in self.crps_ci]
            out["intervals"] = {key: s.to_json_dict() for key, s in self.intervals.items()}
        if self.in_sample:
            out["in_sample"] = True
            out["note"] = "fitted on these DEU III issues: an in-sample score; use --cv proposal for an honest one"
        if self.options:
            out["options"] = dict(self.options)
        if self.scope:
            out["scope"] = dict(self.scope)
        if self.errors:
            out["errors"] = dict(list(self.errors.items())[:10])
        if self.diff_vs_baseline is not None:
            out["diff_vs_compromise"] = self.diff_vs_baseline.to_json_dict()
        return out


@dataclass(frozen=True)
class CrossValidation:
    """How a cross-validated backtest split the data: ``folds[k]`` lists the proposals of fold k (whole proposals:
    a proposal's issues are never split), drawn from ``seed``; the conformal calibration rule in words."""

    scheme: Literal["proposal"]
    k: int
    seed: int
    folds: tuple[tuple[str, ...], ...]
    levels: tuple[float, ...] = LEVELS
    ensemble_method: str | None = None

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "k": self.k,
            "seed": self.seed,
            "levels": list(self.levels),
            "intervals": "split conformal by fold: signed residuals of the other folds' proposals (the ensemble: "
            "its inner out-of-fold residuals there), clipped to 0–100",
            "ensemble_method": self.ensemble_method,
            "folds": [list(f) for f in self.folds],
        }


@dataclass(frozen=True)
class BacktestResult:
    """Per-model scores on DEU III, with what is needed to reproduce them (source, seed, options, folds)."""

    source: str
    n: int
    n_proposals: int
    issue_ids: tuple[str, ...]
    proposal: tuple[str, ...]
    outcome: FloatArray
    models: Mapping[str, ModelScore]
    seed: int | None
    n_boot: int
    capability: Capability
    confidence: float = 0.95
    cv: CrossValidation | None = None

    def to_json_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "n": self.n,
            "n_proposals": self.n_proposals,
            "seed": self.seed,
            "n_boot": self.n_boot,
            "confidence": self.confidence,
            "capability": self.capability,
            "resampling": "proposals",
        }
        if self.cv is not None:
            out["cv"] = self.cv.to_json_dict()
        out["models"] = {name: score.to_json_dict() for name, score in self.models.items()}
        return out

    def to_rows(self) -> list[dict[str, Any]]:
        """One flat row per model, for a table (CLI) or a data frame; cross-validated runs add CRPS and each
        level's coverage and width (``coverage80``, ``width80``, ...)."""
        rows = []
        levels = self.cv.levels if self.cv is not None else ()
        for name, s in self.models.items():
            d = s.diff_vs_baseline
            row: dict[str, Any] = {
                "model": name,
                "n": s.n,
                "mae": s.mae,
                "mae_lo": s.mae_ci[0],
                "mae_hi": s.mae_ci[1],
                "rmse": s.rmse,
                "median_ae": s.median_ae,
                "diff_vs_compromise": d.mean if d else math.nan,
                "diff_lo": d.ci[0] if d else math.nan,
                "diff_hi": d.ci[1] if d else math.nan,
                "failed": len(s.errors),
                "seconds": s.seconds,
            }
            if levels:
                row["crps"] = s.crps
                for level in levels:
                    iv = s.intervals.get(level_key(level))
                    row[f"coverage{level_key(level)}"] = iv.coverage if iv else math.nan
                    row[f"width{level_key(level)}"] = iv.width if iv else math.nan
            rows.append(row)
        return rows

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.to_rows())

    def predictions_frame(self) -> pd.DataFrame:
        """Issue-level table: proposal, issue, outcome and each model's forecast (out of fold when ``cv``)."""
        import pandas as pd

        data: dict[str, Any] = {"proposal": self.proposal, "issue": self.issue_ids, "outcome": self.outcome}
        if self.cv is not None:
            fold_of = {p: k for k, props in enumerate(self.cv.folds) for p in props}
            data["fold"] = [fold_of[p] for p in self.proposal]
        for name, s in self.models.items():
            data[name] = s.predictions
        return pd.DataFrame(data)


# ---------------------------------------------------------------------------------------------------------------
# running


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def forecast_issues(
    spec: ModelSpec,
    data: Deu3,
    rows: NDArray[np.intp],
    *,
    capability: Capability = "weights",
    rounds: int | None = None,
    batch: bool = True,
    options: Mapping[str, Any] | None = None,
    rng: randomness.RNGLike = 0,
) -> tuple[FloatArray, dict[str, str]]:
    """Forecast each given issue row with one model; returns (forecasts (n,), {issue id: error message}).

    A stochastic model gets ``rng`` (its own ``rng`` option wins), so a backtest repeats exactly; every call
    (the batch, or each proposal) starts from the same seed. Deterministic models never see it.

    Issues are independent in every single-issue model, so by default all rows go into one Arrays (I = n) and
    one vectorised call. A model whose spec says ``multi_issue`` (e.g. the exchange model) instead gets one
    call per proposal, all of that proposal's issues together. If a batched call raises, the rows are rerun one
    call each (only the actors with a stance), so one bad issue costs only itself; its error is reported.
    """
    pred = np.full(len(rows), np.nan)
    errors: dict[str, str] = {}
    opts = dict(options or {})
    opts["rng"] = opts.get("rng", rng)
    if getattr(spec, "multi_issue", False):
        where = {int(r): k for k, r in enumerate(rows)}
        for issue_rows in data.proposals().values():
            wanted = [r for r in issue_rows if r in where]
            if not wanted:
                continue
            try:
                arrays = data.arrays(issue_rows, capability=capability, compact=True)
                fc = spec(arrays, rounds=rounds, **opts).forecast[0]
                for i, r in enumerate(issue_rows):
                    if r in where:
                        pred[where[r]] = fc[i]
            except Exception as exc:  # a model's failure is a result, not a crash of the backtest
                for r in wanted:
                    errors[data.issue_ids[r]] = _describe(exc)
    else:
        done = False
        if batch:
            try:
                arrays = data.arrays(rows, capability=capability)
                pred = np.asarray(spec(arrays, rounds=rounds, **opts).forecast[0], dtype=np.float64)
                done = True
            except Exception:
                done = False
        if not done:
            for k, r in enumerate(rows):
                try:
                    arrays = data.arrays([int(r)], capability=capability, compact=True)
                    pred[k] = spec(arrays, rounds=rounds, **opts).forecast[0, 0]
                except Exception as exc:
                    errors[data.issue_ids[r]] = _describe(exc)
    for k, r in enumerate(rows):
        iid = data.issue_ids[r]
        if not np.isfinite(pred[k]) and iid not in errors:
            errors[iid] = "non-finite forecast"
    return pred, errors


def cluster_sums(values: FloatArray, ok: BoolArray, cluster: NDArray[np.intp], n_clusters: int) -> FloatArray:
    """(2, P): per-cluster sum of the values and count of issues, over issues where ``ok``."""
    sums = np.bincount(cluster, weights=np.where(ok, values, 0.0), minlength=n_clusters)
    counts = np.bincount(cluster, weights=ok.astype(np.float64), minlength=n_clusters)
    return np.stack([sums, counts])


def boot_ci(stats: FloatArray, resample: NDArray[np.int64], confidence: float) -> tuple[float, float]:
    """Percentile interval of the ratio-of-sums mean over bootstrap replicates of clusters."""
    num = resample @ stats[0]
    den = resample @ stats[1]
    means = np.divide(num, den, out=np.full(num.shape, np.nan), where=den > 0)
    if not np.any(np.isfinite(means)):
        return math.nan, math.nan
    alpha = (1 - confidence) / 2
    lo, hi = np.nanquantile(means, [alpha, 1 - alpha])
    return float(lo), float(hi)


def proposal_clusters(proposal_ids: Sequence[str]) -> tuple[NDArray[np.intp], list[str]]:
    """Each issue's proposal as an index into the sorted proposal ids, and those ids."""
    unique = sorted(set(proposal_ids))
    index = {p: k for k, p in enumerate(unique)}
    return np.array([index[p] for p in proposal_ids], dtype=np.intp), unique


def point_score(
    name: str,
    pred: FloatArray,
    errors: dict[str, str],
    seconds: float,
    options: dict[str, Any],
    y: FloatArray,
    base_err: FloatArray,
    cluster: NDArray[np.intp],
    resample: NDArray[np.int64],
    confidence: float,
    **extra: Any,
) -> ModelScore:
    """A model's :class:`ModelScore` from its predictions: n, MAE, RMSE, median AE, the MAE's proposal-bootstrap
    interval and the paired difference to the baseline; ``extra`` fills the remaining fields (the in-sample and
    cross-validated backtests add different ones)."""
    P = resample.shape[1]
    err = np.abs(pred - y)
    ok = np.isfinite(err)
    n = int(ok.sum())
    e = err[ok]
    mae = float(e.mean()) if n else math.nan
    rmse = float(np.sqrt((e**2).mean())) if n else math.nan
    median_ae = float(np.median(e)) if n else math.nan
    mae_ci = boot_ci(cluster_sums(err, ok, cluster, P), resample, confidence)
    diff = None
    if name != BASELINE:
        both = ok & np.isfinite(base_err)
        d = np.where(both, err - base_err, 0.0)
        m = int(both.sum())
        diff = PairedDifference(
            BASELINE,
            m,
            float(d[both].mean()) if m else math.nan,
            boot_ci(cluster_sums(d, both, cluster, P), resample, confidence),
        )
    return ModelScore(name, n, mae, rmse, median_ae, mae_ci, pred, errors, diff, seconds, options, **extra)


def procedural_scope(
    fc: procedural.ProceduralForecast,
    pred: FloatArray,
    base_err: FloatArray,
    cluster: NDArray[np.intp],
    resample: NDArray[np.int64],
    confidence: float,
) -> dict[str, Any]:
    """The procedural model's ``scope``: which issues it forecasts, the baseline's MAE and interval on exactly the
    issues it was scored on (the same replicates), its treaty eras, and the issues forecast with a missing actor."""
    ok = np.isfinite(pred) & np.isfinite(base_err)
    eras = [e for e, s in zip(fc.era, fc.in_scope, strict=True) if s]
    return {
        "issues": "issues with a reference point (rp); the others are outside the model, not failures",
        "n_in_scope": int(fc.in_scope.sum()),
        "n_out_of_scope": int((~fc.in_scope).sum()),
        f"{BASELINE}_mae_same_issues": _num(float(base_err[ok].mean())) if ok.any() else None,
        f"{BASELINE}_mae_ci_same_issues": [
            _num(c) for c in boot_ci(cluster_sums(base_err, ok, cluster, resample.shape[1]), resample, confidence)
        ],
        "eras": {era: eras.count(era) for era in ("amsterdam", "nice", "lisbon") if era in eras},
        "no_commission_position": len(fc.no_commission),
        "no_parliament_position_codecision": len(fc.no_parliament),
    }


def run_backtest(
    path: str | os.PathLike[str],
    models: list[str] | None = None,
    *,
    rng: randomness.RNGLike = 0,
    n_boot: int = 2000,
    capability: Capability = "weights",
    rounds: int | None = None,
    batch: bool = True,
    confidence: float = 0.95,
    model_options: Mapping[str, Mapping[str, Any]] | None = None,
    cv: Literal["proposal"] | None = None,
    folds: int = 10,
    levels: Sequence[float] = LEVELS,
    ensemble_method: str | None = None,
) -> BacktestResult:
    """Score models on every DEU III issue with an outcome; see ``docs/backtest.md``.

    ``models`` defaults to every registered model and, when the file codes the Council's voting rule and the
    procedure, the procedural model (``"procedural"``, :mod:`.procedural`: not a registered model, scored on the
    issues with a reference point only; its ``scope`` gives the compromise model's MAE on the same issues).
    Unknown names raise ``KeyError`` before any work.
    ``capability``: the file's weights row (default) or equal capabilities. ``rounds`` goes to every model
    (None = each model's default); ``model_options`` maps a model name to options for it (e.g.
    ``{"nbs": {"disagreement": "worst"}}``). ``batch=False`` runs one call per issue (slower; the same numbers
    for issue-independent models, which the tests check). ``rng`` seeds the proposal bootstrap (SPEC 7) and,
    with ``cv``, the folds; the seed is recorded.
    The compromise model is always run as the baseline of the paired differences, and reported only when
    selected. A model that fails on some issues is scored on the others and its errors are listed.

    ``cv="proposal"`` cross-validates over ``folds`` groups of whole proposals (:mod:`.cv`): the ensemble is
    refitted on each fold's training proposals (method ``ensemble_method``, default the shipped one), every
    model gets split-conformal intervals at ``levels`` and the CRPS of its conformal predictive distribution.
    Without it the ensemble is scored with its shipped fit, which saw these issues (marked ``in_sample``).
    """
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1, got {n_boot}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if cv not in (None, "proposal"):
        raise ValueError(f"cv must be 'proposal' or None, got {cv!r}")
    names = [*available_models(), PROCEDURAL] if models is None else list(dict.fromkeys(models))
    specs = {name: get_model(name) for name in names if name != PROCEDURAL}
    generator, seed = randomness.generator(rng)
    data = read_deu3(path)
    data.capability(capability)  # a bad choice is the caller's error, not every model's failure
    if PROCEDURAL in names and not procedural.applicable(data):
        if models is not None:
            raise ValueError(f"{path}: the procedural model needs the columns counvte and proc")
        names.remove(PROCEDURAL)
    rows = data.scored
    y = data.outcome[rows]
    proposal_ids = [data.proposal[r] for r in rows]
    cluster, unique = proposal_clusters(proposal_ids)
    P = len(unique)
    resample = generator.multinomial(P, np.full(P, 1.0 / P), size=n_boot).astype(np.int64)  # (B, P)

    forecasts: dict[str, procedural.ProceduralForecast] = {}

    def errors_of(name: str) -> tuple[FloatArray, dict[str, str], float]:
        start = time.perf_counter()
        if name == PROCEDURAL:
            fc = procedural.forecast(data, rows, **dict((model_options or {}).get(name, {})))
            forecasts[name] = fc
            return fc.predictions, fc.errors, time.perf_counter() - start
        spec = specs[name] if name in specs else get_model(name)
        opts = (model_options or {}).get(name)
        pred, errors = forecast_issues(
            spec, data, rows, capability=capability, rounds=rounds, batch=batch, options=opts, rng=seed
        )
        return pred, errors, time.perf_counter() - start

    def scope_of(name: str, pred: FloatArray, base_err: FloatArray) -> dict[str, Any]:
        fc = forecasts.get(name)
        return {} if fc is None else procedural_scope(fc, pred, base_err, cluster, resample, confidence)

    if cv is not None:
        from .cv import cross_validate

        return cross_validate(
            data,
            names,
            errors_of,
            resample=resample,
            seed=seed,
            source=str(path),
            k=folds,
            levels=tuple(levels),
            confidence=confidence,
            capability=capability,
            n_boot=n_boot,
            model_options=model_options,
            ensemble_method=ensemble_method,
            reuse_members=rounds is None,
            scope_of=scope_of,
        )
    results = {name: errors_of(name) for name in names}
    baseline_pred = results[BASELINE][0] if BASELINE in results else errors_of(BASELINE)[0]
    base_err = np.abs(baseline_pred - y)
    scores: dict[str, ModelScore] = {}
    for name, (pred, errors, seconds) in results.items():
        scores[name] = point_score(
            name,
            pred,
            errors,
            seconds,
            dict((model_options or {}).get(name, {})),
            y,
            base_err,
            cluster,
            resample,
            confidence,
            in_sample=name == ENSEMBLE,
            scope=scope_of(name, pred, base_err),
        )
    return BacktestResult(
        source=str(path),
        n=len(rows),
        n_proposals=P,
        issue_ids=tuple(data.issue_ids[r] for r in rows),
        proposal=tuple(proposal_ids),
        outcome=y,
        models=scores,
        seed=seed,
        n_boot=n_boot,
        capability=capability,
        confidence=confidence,
    )
