"""The median model: the capability × salience weighted median of positions.

Why a baseline: with utilities that fall linearly with distance, the weighted median is the Condorcet winner,
the one position no weighted majority would vote to leave. It is the outcome of a purely procedural story
(a vote, no bargaining) and the natural counterpart to the compromise model's weighted mean: a richer model
should beat both. Static: the trajectory holds only the input round.
"""

from __future__ import annotations

import numpy as np

from .aggregates import weighted_median
from .arrays import Arrays
from .spec import ModelSpec
from .trajectory import Trajectory
from .voice import voice


def run(arrays: Arrays, *, rounds: int | None = 0, **options: object) -> Trajectory:
    """Weighted median of the input positions per draw and issue; ``rounds`` is ignored (static model)."""
    if options:
        raise TypeError(f"median takes no options, got {sorted(options)}")
    w = np.moveaxis(voice(arrays), -1, -2)  # (D, I, A)
    forecast = weighted_median(np.moveaxis(arrays.position, -1, -2), w)
    return Trajectory("median", arrays, arrays.position[:, None].copy(), forecast)


SPEC = ModelSpec(
    name="median",
    title="Median model (capability × salience weighted median, the Condorcet winner)",
    reference="Black, D. (1948). On the rationale of group decision-making. Journal of Political Economy 56(1), "
    "23-34; as a baseline on EU data: Achen, C. H. (2006), in Thomson et al. (eds.), The European Union Decides, "
    "Cambridge University Press, ch. 10.",
    assumptions=(
        "Outcome is the position that beats every other in pairwise votes weighted by capability × salience.",
        "Utilities fall linearly with distance (single-peaked, symmetric).",
        "Ties (cumulative weight exactly one half) go to the lower of the two positions.",
        "No dynamics: actors do not move; channels and the status quo are not used.",
    ),
    run=run,
    default_rounds=0,
    reference_test="tests/test_models_baselines.py",
    reference_source="closed forms (Black 1948: the weighted median voter), hand-computed cases, exact",
    dynamic=False,
)
