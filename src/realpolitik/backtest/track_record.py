"""Each model's out-of-fold error on EU legislation (DEU III), as the front ends show it next to the model.

End users do not have DEU III, so the figures ship as a small file (``realpolitik/models/data/
deu3-track-record.json``) regenerated with the ensemble fit by one command (``python -m realpolitik.backtest.refit
DEU3_FILE``); :func:`load_track_record` reads the shipped copy without DEU III and without pandas, and
:func:`track_record` recomputes the figures from a DEU III file.

Every figure is on the 0–100 scale of DEU III issues, i.e. in percent of an issue's scale. The shape of one
model's entry (``"models"`` maps each registered model name to it)::

    {"n": 353, "failed": 0,                                  # the compromise model's entry, 2026-12-06
     "mae": 23.224, "mae_lo": 21.017, "mae_hi": 25.334,      # out-of-fold MAE and its 95 % proposal-bootstrap CI
     "rmse": 30.216, "median_ae": 18.798,
     "diff_vs_compromise": null, "diff_lo": null, "diff_hi": null,   # paired Δ MAE (null for compromise itself)
     "crps": 16.575, "crps_lo": 15.151, "crps_hi": 17.96,    # CRPS of the conformal predictive distribution
     "coverage50": 0.507, "width50": 38.015,                 # share of outcomes inside the conformal interval,
     "coverage80": 0.799, "width80": 69.921,                 # and its mean width, at 50 / 80 / 95 %
     "coverage95": 0.955, "width95": 93.054,
     "interval50": [-23.877, 15.97], "interval80": [-42.875, 34.847], "interval95": [-65.982, 58.655]}
                                      # conformal offsets to add to a forecast (percent of the scale) for an
                                      # interval at that level, from all out-of-fold residuals

Numbers are rounded to 3 decimals. A figure that is undefined (a model that failed everywhere) is null.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from .core import LEVELS, BacktestResult, level_key

DIGITS = 3


def _r(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), DIGITS)


def figures(result: BacktestResult) -> dict[str, dict[str, Any]]:
    """The track-record entry of every model in a cross-validated backtest (shape: module docstring)."""
    if result.cv is None:
        raise ValueError("a track record needs a cross-validated backtest (cv='proposal')")
    from .cv import conformal_offsets

    out: dict[str, dict[str, Any]] = {}
    for name, s in result.models.items():
        d = s.diff_vs_baseline
        entry: dict[str, Any] = {
            "n": s.n,
            "failed": len(s.errors),
            "mae": _r(s.mae),
            "mae_lo": _r(s.mae_ci[0]),
            "mae_hi": _r(s.mae_ci[1]),
            "rmse": _r(s.rmse),
            "median_ae": _r(s.median_ae),
            "diff_vs_compromise": _r(d.mean) if d else None,
            "diff_lo": _r(d.ci[0]) if d else None,
            "diff_hi": _r(d.ci[1]) if d else None,
            "crps": _r(s.crps),
            "crps_lo": _r(s.crps_ci[0]),
            "crps_hi": _r(s.crps_ci[1]),
        }
        for level in result.cv.levels:
            iv = s.intervals.get(level_key(level))
            entry[f"coverage{level_key(level)}"] = _r(iv.coverage) if iv else None
            entry[f"width{level_key(level)}"] = _r(iv.width) if iv else None
        resid = result.outcome - s.predictions
        resid = np.sort(resid[np.isfinite(resid)])
        for level in result.cv.levels:
            lo, hi = conformal_offsets(resid, level) if len(resid) else (math.nan, math.nan)
            entry[f"interval{level_key(level)}"] = [_r(lo), _r(hi)]
        out[name] = entry
    return out


def track_record(
    path: str | os.PathLike[str],
    models: list[str] | None = None,
    *,
    folds: int = 10,
    rng: int = 0,
    n_boot: int = 2000,
    ensemble_method: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Each registered model's out-of-fold DEU III figures (``mae``, ``mae_lo``, ``mae_hi``, ``coverage80``, ...;
    the shape is in the module docstring): a cross-validated backtest over proposals, ``folds`` folds and the
    bootstrap seeded by ``rng``, the ensemble refitted per fold (``ensemble_method``: default the shipped one)."""
    from ..models.registry import available_models
    from .core import run_backtest

    names = list(available_models()) if models is None else models  # the procedural model is not shipped
    result = run_backtest(
        path, names, rng=rng, n_boot=n_boot, cv="proposal", folds=folds, levels=LEVELS, ensemble_method=ensemble_method
    )
    return figures(result)


# the shipped record is read by the front ends, which must not pay for pandas: its loader lives with the models
from ..models.records import FORMAT_VERSION, TRACK_RECORD_FILE, describe, load_track_record  # noqa: E402

__all__ = ["FORMAT_VERSION", "TRACK_RECORD_FILE", "describe", "figures", "load_track_record", "track_record"]
