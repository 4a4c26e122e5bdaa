"""The compromise model: the capability × salience weighted mean of positions.

Why a baseline this simple: on EU legislative data (DEU I–III) it predicts outcomes about as well as any
bargaining model (Achen 2006; Thomson et al. 2006), so every richer model must beat it to earn its keep.
It is static: the trajectory has one round, the input, and the forecast is the weighted mean whatever the
issue's decision rule.
"""

from __future__ import annotations

import numpy as np

from .aggregates import weighted_mean
from .arrays import Arrays
from .spec import ModelSpec
from .trajectory import Trajectory
from .voice import voice


def run(arrays: Arrays, *, rounds: int | None = 0, **options: object) -> Trajectory:
    if options:
        raise TypeError(f"compromise takes no options, got {sorted(options)}")
    w = np.moveaxis(voice(arrays), -1, -2)  # (D, I, A); absent actors never count
    forecast = weighted_mean(np.moveaxis(arrays.position, -1, -2), w)
    return Trajectory("compromise", arrays, arrays.position[:, None].copy(), forecast)


SPEC = ModelSpec(
    name="compromise",
    title="Compromise model (capability × salience weighted mean)",
    reference="Achen, C. H. (2006). Evaluating political decision-making models. In Thomson et al. (eds.), "
    "The European Union Decides, Cambridge University Press, ch. 10.",
    assumptions=(
        "Outcome is the mean of positions weighted by capability × salience.",
        "No dynamics: actors do not move; channels are not used.",
    ),
    run=run,
    default_rounds=0,
    reference_test="tests/test_models_baselines.py",
    reference_source="closed forms (Achen 2006: the capability × salience weighted mean), hand-computed cases to 1e-12",
    dynamic=False,
)
