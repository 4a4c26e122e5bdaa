"""Backtest forecast models against decided EU legislation: the DEU III data set.

Why: a bargaining model earns trust only by beating simple baselines on outcomes that really happened. DEU III
(Arregui & Perarnaud 2021) records, for 141 EU legislative proposals and their 364 controversial issues, the
expert-coded positions and saliences of the Commission, the Parliament and each member state, the reference
point, and the outcome, all on 0–100 scales. Every registered model forecasts every issue from the positions and
saliences alone and is scored against the outcome.

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
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from . import randomness
from .models.arrays import Arrays, BoolArray, FloatArray
from .models.base import ModelSpec
from .models.registry import available_models, get_model

Capability = Literal["weights", "equal"]

BASELINE = "compromise"
"""The model every other one is compared with (paired differences): the weighted mean, hard to beat on EU data."""

SCALE = (0.0, 100.0)
"""DEU III codes positions, reference points and outcomes on 0–100 and saliences on 0–100."""

ACTOR_NAMES: Mapping[str, str] = {
    "com": "European Commission",
    "ep": "European Parliament",
    "at": "Austria",
    "be": "Belgium",
    "bu": "Bulgaria",
    "cr": "Croatia",
    "cy": "Cyprus",
    "cz": "Czech Republic",
    "dk": "Denmark",
    "ee": "Estonia",
    "fi": "Finland",
    "fr": "France",
    "de": "Germany",
    "el": "Greece",
    "hu": "Hungary",
    "ie": "Ireland",
    "it": "Italy",
    "lv": "Latvia",
    "lt": "Lithuania",
    "lu": "Luxembourg",
    "mt": "Malta",
    "nl": "Netherlands",
    "pl": "Poland",
    "pt": "Portugal",
    "ro": "Romania",
    "si": "Slovenia",
    "sk": "Slovakia",
    "es": "Spain",
    "se": "Sweden",
    "uk": "United Kingdom",
}


# ---------------------------------------------------------------------------------------------------------------
# reading


@dataclass(frozen=True)
class Deu3:
    """The DEU III table as arrays, one row per issue (N issues, A actors); nothing imputed but the documented rules.

    ``position`` (N, A) is NaN where the actor took no stance; ``salience`` (N, A) on 0–1, 0 where missing;
    ``weights`` (A,) the capability-like row of the file (NaN if the file has none); ``reference_point`` and
    ``outcome`` (N,) NaN where missing. ``proposal`` names each issue's proposal (``prnr``).
    """

    actor_ids: tuple[str, ...]
    weights: FloatArray
    proposal: tuple[str, ...]
    issue_ids: tuple[str, ...]
    position: FloatArray
    salience: FloatArray
    reference_point: FloatArray
    outcome: FloatArray
    voting_rule: tuple[str, ...]

    @property
    def present(self) -> BoolArray:
        """(N, A): an actor takes part in an issue exactly when the file gives its position on it."""
        return np.asarray(np.isfinite(self.position), dtype=bool)

    @property
    def scored(self) -> NDArray[np.intp]:
        """Rows with a recorded outcome and at least one actor with a position: the issues a backtest scores."""
        ok = np.isfinite(self.outcome) & self.present.any(axis=1)
        return np.flatnonzero(ok)

    def proposals(self) -> dict[str, list[int]]:
        """Proposal id -> its issue rows, in file order (what a multi-issue model bargains over at once)."""
        out: dict[str, list[int]] = {}
        for row, p in enumerate(self.proposal):
            out.setdefault(p, []).append(row)
        return out

    def capability(self, capability: Capability = "weights") -> FloatArray:
        """(A,) capabilities: the file's weights row, or 1 for everyone."""
        if capability == "equal":
            return np.ones(len(self.actor_ids))
        if capability != "weights":
            raise ValueError(f"capability must be 'weights' or 'equal', got {capability!r}")
        if not np.all(np.isfinite(self.weights)):
            raise ValueError("this DEU III file has no complete weights row; use capability='equal'")
        return self.weights

    def arrays(
        self,
        rows: Sequence[int] | NDArray[np.intp],
        *,
        capability: Capability = "weights",
        compact: bool = False,
        decision_rule: Literal["median", "mean"] = "median",
    ) -> Arrays:
        """One :class:`Arrays` (D = 1) holding the given issue rows as its I issues.

        All A actors are kept, with ``present`` False where an actor has no position on an issue (position set
        to the scale midpoint, salience 0). With ``compact``, actors present on none of the rows are dropped:
        a single issue then carries exactly the actors that took a stance on it. The issues of one proposal
        (:meth:`proposals`) make the multi-issue space a model like ``exchange`` bargains over.
        """
        idx = np.asarray(rows, dtype=np.intp)
        present = self.present[idx].T  # (A, I)
        keep = np.asarray(present.any(axis=1) if compact else np.ones(len(self.actor_ids)), dtype=bool)
        present = present[keep]
        cap = self.capability(capability)[keep]
        position = np.where(present, self.position[idx].T[keep], (SCALE[0] + SCALE[1]) / 2)
        salience = np.where(present, self.salience[idx].T[keep], 0.0)
        A, I = present.shape
        actors = tuple(self.actor_ids[k] for k in np.flatnonzero(keep))
        return Arrays(
            position=position[None].astype(np.float64),
            salience=salience[None].astype(np.float64),
            capability=cap[None].astype(np.float64),
            channels=np.ones((1, A, A)),
            status_quo=self.reference_point[idx][None].astype(np.float64),
            scale=np.tile(np.array(SCALE, dtype=np.float64), (I, 1)),
            present=present,
            actor_ids=actors,
            actor_names=tuple(ACTOR_NAMES.get(a, a.upper()) for a in actors),
            issue_ids=tuple(self.issue_ids[i] for i in idx),
            decision_rules=(decision_rule,) * I,
        )


def _actor_columns(columns: Sequence[str]) -> list[str]:
    """Actor codes: every ``p<code>`` column that has a matching ``s<code>`` salience column (``prnr`` has none)."""
    names = set(columns)
    return [c[1:] for c in columns if c.startswith("p") and len(c) > 1 and "s" + c[1:] in names]


def read_deu3(path: str | os.PathLike[str]) -> Deu3:
    """Read the tab-separated DEU III layout (see ``docs/backtest.md``).

    The row without an issue id (``isnr``) is the weights row; every other row is one issue. Positions,
    reference points and outcomes must lie on 0–100, saliences on 0–100 (stored here on 0–1).
    """
    df = pd.read_csv(Path(path), sep="\t", dtype={"prnr": str, "isnr": str}, low_memory=False)
    missing = [c for c in ("prnr", "isnr", "rp", "out") if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: not the DEU III layout, missing column(s) {', '.join(missing)}")
    actors = _actor_columns(list(df.columns))
    if not actors:
        raise ValueError(f"{path}: no actor columns (p<code> with a matching s<code>)")
    pcols, scols = ["p" + a for a in actors], ["s" + a for a in actors]
    is_weights = df["isnr"].isna()
    if int(is_weights.sum()) > 1:
        raise ValueError(f"{path}: {int(is_weights.sum())} rows without an issue id; expected at most one weights row")
    weights = (
        df.loc[is_weights, pcols].to_numpy(dtype=np.float64)[0] if is_weights.any() else np.full(len(actors), np.nan)
    )
    issues = df.loc[~is_weights]
    position = issues[pcols].to_numpy(dtype=np.float64)
    salience = issues[scols].to_numpy(dtype=np.float64)
    rp = issues["rp"].to_numpy(dtype=np.float64)
    out = issues["out"].to_numpy(dtype=np.float64)
    for name, values in (("position", position), ("salience", salience), ("rp", rp), ("out", out)):
        finite = values[np.isfinite(values)]
        if finite.size and (finite.min() < SCALE[0] or finite.max() > SCALE[1]):
            raise ValueError(f"{path}: {name} values outside 0–100 ({finite.min()}..{finite.max()})")
    salience = np.where(np.isfinite(salience), salience, 0.0) / 100.0
    voting = issues["counvte"].fillna("").astype(str) if "counvte" in issues else pd.Series([""] * len(issues))
    return Deu3(
        actor_ids=tuple(actors),
        weights=weights,
        proposal=tuple(issues["prnr"].astype(str)),
        issue_ids=tuple(issues["isnr"].astype(str)),
        position=position,
        salience=salience,
        reference_point=rp,
        outcome=out,
        voting_rule=tuple(voting),
    )


# ---------------------------------------------------------------------------------------------------------------
# results


def _num(x: float) -> float | None:
    """JSON has no NaN: an undefined figure is null."""
    return None if not math.isfinite(x) else float(x)


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
class ModelScore:
    """One model's errors on the scored issues. ``predictions`` is NaN where the model failed (see ``errors``)."""

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

    def to_json_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "n": self.n,
            "mae": _num(self.mae),
            "rmse": _num(self.rmse),
            "median_ae": _num(self.median_ae),
            "mae_ci": [_num(c) for c in self.mae_ci],
            "failed": len(self.errors),
        }
        if self.options:
            out["options"] = dict(self.options)
        if self.errors:
            out["errors"] = dict(list(self.errors.items())[:10])
        if self.diff_vs_baseline is not None:
            out["diff_vs_compromise"] = self.diff_vs_baseline.to_json_dict()
        return out


@dataclass(frozen=True)
class BacktestResult:
    """Per-model scores on DEU III, with what is needed to reproduce them (source, seed, options)."""

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

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "n": self.n,
            "n_proposals": self.n_proposals,
            "seed": self.seed,
            "n_boot": self.n_boot,
            "confidence": self.confidence,
            "capability": self.capability,
            "resampling": "proposals",
            "models": {name: score.to_json_dict() for name, score in self.models.items()},
        }

    def to_rows(self) -> list[dict[str, Any]]:
        """One flat row per model, for a table (CLI) or a data frame."""
        rows = []
        for name, s in self.models.items():
            d = s.diff_vs_baseline
            rows.append(
                {
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
            )
        return rows

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.to_rows())

    def predictions_frame(self) -> pd.DataFrame:
        """Issue-level table: proposal, issue, outcome and each model's forecast (for residual analysis)."""
        data: dict[str, Any] = {"proposal": self.proposal, "issue": self.issue_ids, "outcome": self.outcome}
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
) -> tuple[FloatArray, dict[str, str]]:
    """Forecast each given issue row with one model; returns (forecasts (n,), {issue id: error message}).

    Issues are independent in every single-issue model, so by default all rows go into one Arrays (I = n) and
    one vectorised call. A model whose spec says ``multi_issue`` (e.g. a future exchange model) instead gets one
    call per proposal, all of that proposal's issues together. If a batched call raises, the rows are rerun one
    call each (only the actors with a stance), so one bad issue costs only itself; its error is reported.
    """
    pred = np.full(len(rows), np.nan)
    errors: dict[str, str] = {}
    opts = dict(options or {})
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


def _cluster_sums(values: FloatArray, ok: BoolArray, cluster: NDArray[np.intp], n_clusters: int) -> FloatArray:
    """(2, P): per-cluster sum of the values and count of issues, over issues where ``ok``."""
    sums = np.bincount(cluster, weights=np.where(ok, values, 0.0), minlength=n_clusters)
    counts = np.bincount(cluster, weights=ok.astype(np.float64), minlength=n_clusters)
    return np.stack([sums, counts])


def _boot_ci(stats: FloatArray, resample: NDArray[np.int64], confidence: float) -> tuple[float, float]:
    """Percentile interval of the ratio-of-sums mean over bootstrap replicates of clusters."""
    num = resample @ stats[0]
    den = resample @ stats[1]
    means = np.divide(num, den, out=np.full(num.shape, np.nan), where=den > 0)
    if not np.any(np.isfinite(means)):
        return math.nan, math.nan
    alpha = (1 - confidence) / 2
    lo, hi = np.nanquantile(means, [alpha, 1 - alpha])
    return float(lo), float(hi)


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
) -> BacktestResult:
    """Score models on every DEU III issue with an outcome; see ``docs/backtest.md``.

    ``models`` defaults to every registered model (unknown names raise ``KeyError`` before any work).
    ``capability``: the file's weights row (default) or equal capabilities. ``rounds`` goes to every model
    (None = each model's default); ``model_options`` maps a model name to options for it (e.g.
    ``{"nbs": {"disagreement": "worst"}}``). ``batch=False`` runs one call per issue (slower; the same numbers
    for issue-independent models, which the tests check). ``rng`` seeds the proposal bootstrap (SPEC 7); the
    seed is recorded.
    The compromise model is always run as the baseline of the paired differences, and reported only when
    selected. A model that fails on some issues is scored on the others and its errors are listed.
    """
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1, got {n_boot}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    names = list(available_models()) if models is None else list(dict.fromkeys(models))
    specs = {name: get_model(name) for name in names}
    generator, seed = randomness.generator(rng)
    data = read_deu3(path)
    data.capability(capability)  # a bad choice is the caller's error, not every model's failure
    rows = data.scored
    y = data.outcome[rows]
    proposal_ids = [data.proposal[r] for r in rows]
    unique = sorted(set(proposal_ids))
    cluster = np.array([unique.index(p) for p in proposal_ids], dtype=np.intp)
    P = len(unique)
    resample = generator.multinomial(P, np.full(P, 1.0 / P), size=n_boot).astype(np.int64)  # (B, P)

    def errors_of(spec: ModelSpec) -> tuple[FloatArray, dict[str, str], float]:
        start = time.perf_counter()
        opts = (model_options or {}).get(spec.name)
        pred, errors = forecast_issues(
            spec, data, rows, capability=capability, rounds=rounds, batch=batch, options=opts
        )
        return pred, errors, time.perf_counter() - start

    results = {name: errors_of(spec) for name, spec in specs.items()}
    baseline_pred = results[BASELINE][0] if BASELINE in results else errors_of(get_model(BASELINE))[0]
    base_err = np.abs(baseline_pred - y)
    scores: dict[str, ModelScore] = {}
    for name, (pred, errors, seconds) in results.items():
        err = np.abs(pred - y)
        ok = np.isfinite(err)
        n = int(ok.sum())
        e = err[ok]
        mae = float(e.mean()) if n else math.nan
        rmse = float(np.sqrt((e**2).mean())) if n else math.nan
        median_ae = float(np.median(e)) if n else math.nan
        mae_ci = _boot_ci(_cluster_sums(err, ok, cluster, P), resample, confidence)
        diff = None
        if name != BASELINE:
            both = ok & np.isfinite(base_err)
            d = np.where(both, err - base_err, 0.0)
            m = int(both.sum())
            diff = PairedDifference(
                BASELINE,
                m,
                float(d[both].mean()) if m else math.nan,
                _boot_ci(_cluster_sums(d, both, cluster, P), resample, confidence),
            )
        opts = dict((model_options or {}).get(name, {}))
        scores[name] = ModelScore(name, n, mae, rmse, median_ae, mae_ci, pred, errors, diff, seconds, opts)
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
