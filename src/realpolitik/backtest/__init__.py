"""Backtest forecast models against decided EU legislation: the DEU III data set.

Why: a bargaining model earns trust only by beating simple baselines on outcomes that really happened. DEU III
(Arregui & Perarnaud 2021) records, for 141 EU legislative proposals and their 364 controversial issues, the
expert-coded positions and saliences of the Commission, the Parliament and each member state, the reference
point, and the outcome, all on 0–100. Every registered model forecasts every issue from the positions and
saliences alone and is scored against the outcome; ``cv="proposal"`` scores them out of fold, with conformal
intervals and CRPS, and refits the one fitted model (``ensemble``) on the training proposals only.

* :mod:`.data`: reading the file (:func:`read_deu3`, :class:`Deu3`);
* :mod:`.core`: results, running models over issues, the proposal bootstrap (:func:`run_backtest`);
* :mod:`.cv`: grouped folds, conformal intervals, CRPS;
* :mod:`.procedural`: a procedural model (Council voting rule, Commission agenda setter, Parliament veto under
  co-decision) scored against the compromise model on the issues with a reference point;
* :mod:`.track_record`: each model's out-of-fold error as the front ends show it, and the shipped copy;
* :mod:`.refit`: the one command that regenerates the shipped ensemble fit and track record.

See ``docs/backtest.md`` for the reading rules, the method and the figures.
"""

from __future__ import annotations

from .core import (
    BASELINE,
    ENSEMBLE,
    LEVELS,
    BacktestResult,
    CrossValidation,
    IntervalScore,
    ModelScore,
    PairedDifference,
    forecast_issues,
    run_backtest,
)
from .data import ACTOR_NAMES, SCALE, Capability, Deu3, read_deu3
from .procedural import PROCEDURAL
from .track_record import load_track_record, track_record

__all__ = [
    "ACTOR_NAMES",
    "BASELINE",
    "ENSEMBLE",
    "LEVELS",
    "PROCEDURAL",
    "SCALE",
    "BacktestResult",
    "Capability",
    "CrossValidation",
    "Deu3",
    "IntervalScore",
    "ModelScore",
    "PairedDifference",
    "forecast_issues",
    "load_track_record",
    "read_deu3",
    "run_backtest",
    "track_record",
]
