"""Cross-validation over proposals: out-of-fold errors, conformal intervals and CRPS for every model.

Why folds of whole proposals: the issues of one proposal are bargained together, so a model fitted on some of a
proposal's issues has partly seen the others; only whole proposals held out say how it does on new legislation.

Why conformal intervals, even for models that are not fitted: a bargaining model gives a point, not a range, and
how far EU outcomes fall from that point can only be learnt from outcomes. Split conformal prediction (Vovk,
Gammerman & Shafer 2005; Lei et al. 2018) turns the errors a model made on other proposals into an interval with
a finite-sample coverage guarantee when proposals are exchangeable: for a test issue in fold k, the calibration
set is the signed residuals y − ŷ of every issue in the other folds (never one of the same proposal); the
interval at level 1 − α runs from the ⌊(α/2)(n+1)⌋-th to the ⌈(1 − α/2)(n+1)⌉-th smallest residual added to
the forecast, clipped to the 0–100 scale. The same residuals added to the forecast (clipped) are its predictive
distribution, whose CRPS is reported (a conformal predictive system, Vovk et al. 2017).

The ensemble is fitted: its residuals on its own training issues would be too small. Its calibration residuals
for fold k are therefore out of fold *within* the training folds (refitted once per other fold, as CV+ does;
Barber et al. 2021), so no outcome of fold k ever reaches its forecast or its interval.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import scoringrules
from numpy.typing import NDArray

from ..models import ensemble
from ..models.arrays import FloatArray
from .core import (
    BASELINE,
    ENSEMBLE,
    BacktestResult,
    CrossValidation,
    IntervalScore,
    ModelScore,
    boot_ci,
    cluster_sums,
    level_key,
    point_score,
    proposal_clusters,
)
from .data import SCALE, Capability, Deu3

FOLD_STREAM = 1
"""Spawn key of the fold assignment under the run's seed (the bootstrap uses the seed itself)."""


def assign_folds(
    proposal_ids: Sequence[str], k: int, seed: int
) -> tuple[NDArray[np.intp], tuple[tuple[str, ...], ...]]:
    """Grouped K-fold over proposals: (fold of each issue, proposals of each fold).

    Proposals are shuffled by the seed, then dealt largest first to the fold with the fewest issues so far, so
    folds have about equal numbers of issues and no proposal is split."""
    cluster, unique = proposal_clusters(proposal_ids)
    P = len(unique)
    if not 2 <= k <= P:
        raise ValueError(f"folds must be between 2 and the number of proposals ({P}), got {k}")
    sizes = np.bincount(cluster, minlength=P)
    g = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(FOLD_STREAM,)))
    order = g.permutation(P)
    order = order[np.argsort(-sizes[order], kind="stable")]
    load = np.zeros(k, dtype=np.int64)
    fold_of = np.empty(P, dtype=np.intp)
    for p in order:
        f = int(np.argmin(load))
        fold_of[p] = f
        load[f] += sizes[p]
    folds = tuple(tuple(unique[p] for p in range(P) if fold_of[p] == f) for f in range(k))
    return fold_of[cluster], folds


def conformal_offsets(residuals: FloatArray, level: float) -> tuple[float, float]:
    """The split-conformal offsets (lo, hi) to add to a forecast for a central interval at ``level`` from sorted
    signed calibration residuals y − ŷ; ±inf where the calibration set is too small for the level."""
    n = len(residuals)
    alpha = 1.0 - level
    i_lo = math.floor(alpha / 2 * (n + 1) + 1e-9)  # 1e-9: 0.2 / 2 · 20 must be rank 2, not 1.999…
    i_hi = math.ceil((1 - alpha / 2) * (n + 1) - 1e-9)
    lo = float(residuals[i_lo - 1]) if i_lo >= 1 else -math.inf
    hi = float(residuals[i_hi - 1]) if i_hi <= n else math.inf
    return lo, hi


def ensemble_design(
    data: Deu3,
    rows: NDArray[np.intp],
    capability: Capability = "weights",
    known: Mapping[str, FloatArray] | None = None,
    rng: int = 0,
) -> ensemble.Design:
    """The ensemble's inputs on the given issues, its members' forecasts taken from ``known`` where already
    computed, else run by :func:`.core.forecast_issues` (batched, one issue at a time if the batch fails)."""
    from ..models.registry import get_model
    from .core import forecast_issues

    forecasts = []
    for name in ensemble.MEMBERS:
        if known is not None and name in known:
            pred = known[name]
        else:
            pred, errors = forecast_issues(get_model(name), data, rows, capability=capability, rng=rng)
            if errors:
                first = next(iter(errors.items()))
                raise ValueError(
                    f"ensemble member {name} failed on {len(errors)} issue(s), e.g. {first[0]}: {first[1]}"
                )
        forecasts.append(pred)
    return ensemble.design(data.arrays(rows, capability=capability), forecasts=np.stack(forecasts)[:, None, :])


def _ensemble_oof(
    d: ensemble.Design, y01: FloatArray, fold: NDArray[np.intp], k: int, method: str
) -> tuple[FloatArray, list[FloatArray]]:
    """Out-of-fold ensemble forecasts (0–1) and, per fold, its inner out-of-fold forecasts on the training issues
    (NaN elsewhere): refitted on the training folds only, and once more per other fold for calibration."""
    n = len(y01)
    pred = np.full(n, np.nan)
    inner: list[FloatArray] = []
    for f in range(k):
        train, test = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        params = ensemble.fit(method, d.take(train), y01[train])
        pred[test] = ensemble.predict(params, d.take(test))[0]
        calib = np.full(n, np.nan)
        for j in range(k):
            if j == f:
                continue
            tr = np.flatnonzero((fold != f) & (fold != j))
            te = np.flatnonzero(fold == j)
            inner_params = ensemble.fit(method, d.take(tr), y01[tr])
            calib[te] = ensemble.predict(inner_params, d.take(te))[0]
        inner.append(calib)
    return pred, inner


def distribution_scores(
    pred: FloatArray,
    y: FloatArray,
    fold: NDArray[np.intp],
    calibration: Sequence[FloatArray],
    levels: Sequence[float],
) -> tuple[FloatArray, dict[float, tuple[FloatArray, FloatArray]]]:
    """Per issue: CRPS of the conformal predictive distribution, and each level's interval (lo, hi), NaN where
    the model has no forecast. ``calibration[f]`` holds the forecasts whose residuals calibrate fold f (NaN for
    issues that are not in its calibration set)."""
    low, high = SCALE
    n = len(y)
    crps = np.full(n, np.nan)
    bounds = {level: (np.full(n, np.nan), np.full(n, np.nan)) for level in levels}
    for f, calib in enumerate(calibration):
        test = np.flatnonzero((fold == f) & np.isfinite(pred))
        resid = np.sort((y - calib)[(fold != f) & np.isfinite(calib)])
        if not len(test) or not len(resid):
            continue
        samples = np.clip(pred[test, None] + resid[None, :], low, high)
        crps[test] = np.asarray(scoringrules.crps_ensemble(y[test], samples), dtype=np.float64)
        for level in levels:
            off_lo, off_hi = conformal_offsets(resid, level)
            bounds[level][0][test] = np.clip(pred[test] + off_lo, low, high)
            bounds[level][1][test] = np.clip(pred[test] + off_hi, low, high)
    return crps, bounds


def cross_validate(
    data: Deu3,
    names: Sequence[str],
    errors_of: Callable[[str], tuple[FloatArray, dict[str, str], float]],
    *,
    resample: NDArray[np.int64],
    seed: int,
    source: str,
    k: int,
    levels: tuple[float, ...],
    confidence: float,
    capability: Capability,
    n_boot: int,
    model_options: Mapping[str, Mapping[str, Any]] | None = None,
    ensemble_method: str | None = None,
    reuse_members: bool = True,
    scope_of: Callable[[str, FloatArray, FloatArray], Mapping[str, Any]] | None = None,
) -> BacktestResult:
    """The body of ``run_backtest(..., cv="proposal")``: see the module docstring and ``docs/backtest.md``.

    ``errors_of(name)`` forecasts every scored issue with one model; ``scope_of(name, predictions, baseline
    errors)`` gives a model's ``scope`` (the procedural model's subset), empty for the others."""
    if not levels or any(not 0 < level < 1 for level in levels):
        raise ValueError(f"levels must lie in (0, 1), got {levels}")
    rows = data.scored
    y = data.outcome[rows]
    proposal_ids = [data.proposal[r] for r in rows]
    cluster, _ = proposal_clusters(proposal_ids)
    P = resample.shape[1]
    fold, folds = assign_folds(proposal_ids, k, seed)
    method = ensemble_method or (str(ensemble.shipped()["params"]["method"]) if ENSEMBLE in names else "")
    if ENSEMBLE in names and method not in ensemble.METHODS:
        raise ValueError(f"unknown ensemble method {method!r} (known: {', '.join(ensemble.METHODS)})")

    outputs: dict[str, tuple[FloatArray, dict[str, str], float, list[FloatArray]]] = {}
    for name in names:
        if name != ENSEMBLE:
            pred, errors, seconds = errors_of(name)
            outputs[name] = (pred, errors, seconds, [pred] * k)  # not fitted: every other fold calibrates
    if ENSEMBLE in names:
        start = time.perf_counter()
        low, span = SCALE[0], SCALE[1] - SCALE[0]
        # members already run as themselves (default options and rounds, no failure) need not run again
        known = {
            m: outputs[m][0]
            for m in ensemble.MEMBERS
            if reuse_members and m in outputs and not outputs[m][1] and m not in (model_options or {})
        }
        try:
            d = ensemble_design(data, rows, capability, known, seed)
            pred01, inner01 = _ensemble_oof(d, (y - low) / span, fold, k, method)
            pred, calibration, errors = low + span * pred01, [low + span * c for c in inner01], {}
        except Exception as exc:  # a failure is a result, as for any model
            message = f"{type(exc).__name__}: {exc}"
            pred, calibration = np.full(len(rows), np.nan), [np.full(len(rows), np.nan)] * k
            errors = {data.issue_ids[r]: message for r in rows}
        outputs[ENSEMBLE] = (pred, errors, time.perf_counter() - start, calibration)
        outputs = {name: outputs[name] for name in names}
    base_pred = outputs[BASELINE][0] if BASELINE in outputs else errors_of(BASELINE)[0]
    base_err = np.abs(base_pred - y)

    scores: dict[str, ModelScore] = {}
    for name, (pred, errors, seconds, calibration) in outputs.items():
        crps, bounds = distribution_scores(pred, y, fold, calibration, levels)
        ok = np.isfinite(crps)
        crps_mean = float(crps[ok].mean()) if ok.any() else math.nan
        crps_ci = boot_ci(cluster_sums(crps, ok, cluster, P), resample, confidence)
        intervals = {}
        for level in levels:
            lo, hi = bounds[level]
            okl = np.isfinite(lo) & np.isfinite(hi)
            inside = (lo[okl] <= y[okl]) & (y[okl] <= hi[okl])
            iscore = np.asarray(scoringrules.interval_score(y[okl], lo[okl], hi[okl], 1.0 - level), dtype=np.float64)
            intervals[level_key(level)] = IntervalScore(
                level,
                float(inside.mean()) if okl.any() else math.nan,
                float((hi[okl] - lo[okl]).mean()) if okl.any() else math.nan,
                float(iscore.mean()) if okl.any() else math.nan,
            )
        opts = dict((model_options or {}).get(name, {})) if name != ENSEMBLE else {"method": method}
        scores[name] = point_score(
            name,
            pred,
            errors,
            seconds,
            opts,
            y,
            base_err,
            cluster,
            resample,
            confidence,
            crps=crps_mean,
            crps_ci=crps_ci,
            intervals=intervals,
            scope=dict(scope_of(name, pred, base_err)) if scope_of is not None else {},
        )
    return BacktestResult(
        source=source,
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
        cv=CrossValidation("proposal", k, seed, folds, levels, method if ENSEMBLE in names else None),
    )
