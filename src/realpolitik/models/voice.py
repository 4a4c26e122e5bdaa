"""Who counts how much on an issue: each actor's voice, weight × salience.

Why its own module: every aggregate (median, mean, the decision rules, the static models) reads the same weights,
so they are defined once.
"""

from __future__ import annotations

import numpy as np

from .arrays import Arrays, FloatArray


def voice(arrays: Arrays) -> FloatArray:
    """Weight × salience of each actor on each issue, (D, A, I), zero where the actor takes no stance; the weight
    is the actor's influence on the issue where the scenario gives one, else its capability.

    Where no present actor has any weight on an issue, every present actor counts once: nobody cares more than
    anybody else, and absent actors' (meaningless) positions must never decide the outcome.
    """
    present = arrays.present[None].astype(np.float64)  # (1, A, I)
    w = arrays.weight() * arrays.salience * present
    none = w.sum(axis=1, keepdims=True) <= 0  # (D, 1, I)
    return np.asarray(np.where(none, np.broadcast_to(present, w.shape), w), dtype=np.float64)
