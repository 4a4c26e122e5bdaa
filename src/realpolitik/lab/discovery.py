"""Scenario discovery on a finished experiment: under which input ranges does a strategy miss its targets?

The inputs of every draw are not stored with the results: they are regenerated from the experiment's seed
(keyed per draw, as the shards drew them), which is both cheaper and a check that the run is reproducible.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np

from .experiment import Experiment
from .prim import Discovery, discover_boxes
from .sampling import FloatArray, draw_values, uncertain_inputs
from .summary import register_results, targets_met


def experiment_inputs(experiment: Experiment) -> tuple[list[str], FloatArray]:
    """Names and values (draws, k) of the uncertain inputs of every draw, as the shards drew them."""
    inputs = uncertain_inputs(experiment.scenario)
    return [i.name for i in inputs], draw_values(experiment.scenario, experiment.seed, 0, experiment.draws)


def failures(out: Path, experiment: Experiment, strategy: str) -> np.ndarray:
    """Per draw, True where the strategy misses at least one target (draw order 0..D-1)."""
    if not experiment.targets:
        raise ValueError("scenario discovery needs at least one target (--target ISSUE>=X)")
    cond, params = targets_met(experiment.targets)
    with duckdb.connect() as con:
        register_results(con, out)
        rows = con.execute(
            f"SELECT draw, {cond} AS ok FROM r WHERE strategy = ? GROUP BY draw ORDER BY draw", [*params, strategy]
        ).fetchall()
    if len(rows) != experiment.draws:
        raise ValueError(f"{out} holds {len(rows)} draws of {strategy!r}, expected {experiment.draws}")
    return np.array([not ok for _, ok in rows], dtype=bool)


def discover(
    out: Path, experiment: Experiment, strategy: str, *, alpha: float = 0.05, max_dims: int | None = 4
) -> Discovery:
    """PRIM on the draws where ``strategy`` fails, reported by the rule in ``lab.prim`` (lift over the base rate)."""
    names, values = experiment_inputs(experiment)
    failed = failures(out, experiment, strategy)
    return discover_boxes(values, failed, names, alpha=alpha, max_dims=max_dims)
