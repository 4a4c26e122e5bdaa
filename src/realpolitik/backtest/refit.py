"""The one command that regenerates the shipped ensemble fit and the DEU III track record.

    python -m realpolitik.backtest.refit ../shared/data/bargaining/deu3/deu3.csv

writes ``src/realpolitik/models/data/ensemble-v1.json`` and ``deu3-track-record.json`` (``--out-dir DIR`` writes
them elsewhere). What it does, in this order, and why (``docs/backtest.md``):

1. **Hold out** :data:`HOLDOUT_PROPOSALS` proposals, drawn once by a fixed seed, before anything is fitted or
   chosen. They are used once, at step 3.
2. **Choose** the combination among :data:`realpolitik.models.ensemble.METHODS` by grouped cross-validation on
   the other proposals only (the development set): :data:`SELECTION_FOLDS` folds of whole proposals, repeated
   with :data:`SELECTION_REPEATS` fold seeds; the lowest mean out-of-fold MAE wins.
3. **Score once** on the held-out proposals: the chosen method fitted on the whole development set, against
   the compromise model on the same issues, with a proposal-bootstrap interval of the difference; its 80 %
   conformal interval calibrated on the development set's out-of-fold residuals.
4. **Fit** the chosen method on every scored issue: the shipped fit.
5. **Track record**: the cross-validated backtest of every registered model (the ensemble refitted per fold).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..models import ensemble
from ..models.arrays import FloatArray
from .core import BASELINE, LEVELS, boot_ci, cluster_sums, proposal_clusters, run_backtest
from .cv import assign_folds, conformal_offsets, ensemble_design
from .data import SCALE, Deu3, read_deu3
from .track_record import FORMAT_VERSION as TRACK_FORMAT
from .track_record import TRACK_RECORD_FILE, figures

HOLDOUT_SEED = 17
"""Seed of the held-out draw (issue #17, which asked for it); fixed before any method was scored on DEU III."""
HOLDOUT_PROPOSALS = 30
SELECTION_FOLDS = 10
SELECTION_REPEATS = 5
TRACK_FOLDS = 10
TRACK_SEED = 0
N_BOOT = 2000
COMMAND = "python -m realpolitik.backtest.refit ../shared/data/bargaining/deu3/deu3.csv"
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "models" / "data"


def sha256_of(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _round(x: float, digits: int = 4) -> float | None:
    return None if not math.isfinite(x) else round(float(x), digits)


def held_out_proposals(proposals: Sequence[str], n: int = HOLDOUT_PROPOSALS, seed: int = HOLDOUT_SEED) -> list[str]:
    """The proposals held out from the start: ``n`` of the sorted scored proposals, drawn by ``seed``."""
    unique = sorted(set(proposals))
    picked = np.random.default_rng(seed).choice(len(unique), size=n, replace=False)
    return sorted(unique[int(k)] for k in picked)


def oof(method: str, d: ensemble.Design, y01: FloatArray, fold: NDArray[np.intp], k: int) -> FloatArray:
    """Out-of-fold forecasts (0–1) of one method over the given folds."""
    pred = np.full(len(y01), np.nan)
    for f in range(k):
        train, test = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        pred[test] = ensemble.predict(ensemble.fit(method, d.take(train), y01[train]), d.take(test))[0]
    return pred


def select(
    d: ensemble.Design, y01: FloatArray, proposals: Sequence[str], methods: Sequence[str]
) -> tuple[dict[str, float], dict[str, FloatArray]]:
    """Mean out-of-fold MAE (0–100) of each method over repeated grouped folds of ``proposals``, and each
    method's out-of-fold forecasts of the first repeat (for calibrating its intervals)."""
    span = SCALE[1] - SCALE[0]
    maes: dict[str, list[float]] = {m: [] for m in methods}
    first: dict[str, FloatArray] = {}
    for repeat in range(SELECTION_REPEATS):
        fold, _ = assign_folds(proposals, SELECTION_FOLDS, repeat)
        for m in methods:
            pred = oof(m, d, y01, fold, SELECTION_FOLDS)
            maes[m].append(float(np.mean(np.abs(pred - y01))) * span)
            first.setdefault(m, pred)
    return {m: float(np.mean(v)) for m, v in maes.items()}, first


def fit_ensemble(data: Deu3, source: str) -> dict[str, Any]:
    """Steps 1–4: the ensemble file's content (without the date)."""
    low, span = SCALE[0], SCALE[1] - SCALE[0]
    rows = data.scored
    y = data.outcome[rows]
    y01 = (y - low) / span
    proposals = [data.proposal[r] for r in rows]
    d = ensemble_design(data, rows)
    held = set(held_out_proposals(proposals))
    is_held = np.array([p in held for p in proposals])
    dev, test = np.flatnonzero(~is_held), np.flatnonzero(is_held)
    dev_d, dev_y = d.take(dev), y01[dev]
    dev_props = [proposals[i] for i in dev]

    methods = list(ensemble.METHODS)
    maes, first = select(dev_d, dev_y, dev_props, methods)
    chosen = min(methods, key=lambda m: (round(maes[m], 9), methods.index(m)))
    compromise_dev = float(np.mean(np.abs(dev_d.compromise[0] - dev_y))) * span

    # step 3: once, on the held-out proposals
    params_dev = ensemble.fit(chosen, dev_d, dev_y)
    pred = low + span * ensemble.predict(params_dev, d.take(test))[0]
    base = low + span * d.take(test).compromise[0]
    err, base_err = np.abs(pred - y[test]), np.abs(base - y[test])
    cluster, unique = proposal_clusters([proposals[i] for i in test])
    P = len(unique)
    g = np.random.default_rng(HOLDOUT_SEED)
    resample = g.multinomial(P, np.full(P, 1.0 / P), size=N_BOOT).astype(np.int64)
    ok = np.ones(len(test), dtype=bool)
    resid = np.sort(dev_y * span + low - (low + span * first[chosen]))
    off_lo, off_hi = conformal_offsets(resid, 0.8)
    lo, hi = np.clip(pred + off_lo, *SCALE), np.clip(pred + off_hi, *SCALE)
    held_out = {
        "proposals": sorted(held),
        "n_issues": len(test),
        "mae": _round(float(err.mean())),
        "mae_ci": [_round(v) for v in boot_ci(cluster_sums(err, ok, cluster, P), resample, 0.95)],
        "compromise_mae": _round(float(base_err.mean())),
        "diff_vs_compromise": _round(float((err - base_err).mean())),
        "diff_ci": [_round(v) for v in boot_ci(cluster_sums(err - base_err, ok, cluster, P), resample, 0.95)],
        "coverage80": _round(float(np.mean((lo <= y[test]) & (y[test] <= hi)))),
        "width80": _round(float(np.mean(hi - lo))),
    }
    params = ensemble.fit(chosen, d, y01)
    return {
        "format": ensemble.FORMAT_VERSION,
        "what": "the shipped ensemble fit: method chosen by cross-validation on DEU III development proposals, "
        "scored once on held-out proposals, then fitted on every scored issue (docs/backtest.md)",
        "members": list(ensemble.MEMBERS),
        "features": list(ensemble.FEATURES),
        "params": params,
        "selection": {
            "development": {
                "n_issues": len(dev),
                "n_proposals": len(set(dev_props)),
                "folds": SELECTION_FOLDS,
                "repeats": SELECTION_REPEATS,
                "compromise_mae": _round(compromise_dev),
                "oof_mae": {m: _round(v) for m, v in maes.items()},
                "chosen": chosen,
            },
            "held_out": held_out,
        },
        "provenance": {
            "command": COMMAND,
            "data": "DEU III (Arregui & Perarnaud 2021, doi:10.34810/data53), copy of blksv/predictioneers_game",
            "data_sha256": sha256_of(source),
            "n_issues": len(rows),
            "n_proposals": len(set(proposals)),
            "holdout_seed": HOLDOUT_SEED,
        },
    }


def track_record_doc(source: str, method: str) -> dict[str, Any]:
    """Step 5: the track-record file's content (without the date)."""
    from ..models.registry import available_models

    registered = list(available_models())  # the procedural model is a backtest-only comparison, not shipped
    result = run_backtest(
        source, registered, rng=TRACK_SEED, n_boot=N_BOOT, cv="proposal", folds=TRACK_FOLDS, ensemble_method=method
    )
    return {
        "format": TRACK_FORMAT,
        "what": "each registered model's out-of-fold error on EU legislation (DEU III): grouped by proposal, "
        "conformal intervals (docs/backtest.md)",
        "units": "0-100 scale of DEU III issues, i.e. percent of an issue's scale",
        "provenance": {
            "command": COMMAND,
            "data_sha256": sha256_of(source),
            "n_issues": result.n,
            "n_proposals": result.n_proposals,
            "folds": TRACK_FOLDS,
            "seed": TRACK_SEED,
            "n_boot": N_BOOT,
            "baseline": BASELINE,
            "levels": list(LEVELS),
            "ensemble_method": method,
        },
        "models": figures(result),
    }


def refit(source: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both shipped documents as the command writes them, without their dates (the test compares these)."""
    data = read_deu3(source)
    fit_doc = fit_ensemble(data, str(source))
    return fit_doc, track_record_doc(str(source), str(fit_doc["params"]["method"]))


def _dated(doc: dict[str, Any], date: str) -> dict[str, Any]:
    return {**doc, "provenance": {**doc["provenance"], "date": date}}


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m realpolitik.backtest.refit", description=__doc__.split("\n")[0])
    parser.add_argument("deu3_file", help="DEU III in the layout of deu3.csv")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT, help="where to write (default: the package)")
    args = parser.parse_args(argv)
    fit_doc, track_doc = refit(args.deu3_file)
    date = dt.date.today().isoformat()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / ensemble.DATA_FILE).write_text(dumps(_dated(fit_doc, date)), encoding="utf-8")
    (args.out_dir / TRACK_RECORD_FILE).write_text(dumps(_dated(track_doc, date)), encoding="utf-8")
    chosen, held = fit_doc["params"]["method"], fit_doc["selection"]["held_out"]
    print(
        f"ensemble: {chosen}; held-out MAE {held['mae']} vs compromise {held['compromise_mae']} "
        f"({held['n_issues']} issues); wrote {args.out_dir / ensemble.DATA_FILE} and "
        f"{args.out_dir / TRACK_RECORD_FILE}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
