"""Summaries of a set of positions that several models share: weighted mean and weighted median.

Both are vectorised over any leading dimensions: positions ``x`` and weights ``w`` are (..., A) and the
result is (...). They are the two classic decision rules (mean: compromise; median: the median voter, who beats
every other position in pairwise majority votes when utilities fall linearly with distance).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def weighted_mean(x: FloatArray, w: FloatArray) -> FloatArray:
    """Σ w x / Σ w; where all weights are zero, the plain mean (no actor cares, so none counts more)."""
    total = w.sum(axis=-1)
    safe = np.where(total > 0, total, 1.0)
    mean = (w * x).sum(axis=-1) / safe
    return np.asarray(np.where(total > 0, mean, x.mean(axis=-1)), dtype=np.float64)


def weighted_median(x: FloatArray, w: FloatArray) -> FloatArray:
    """The actor position minimising Σ_k w_k |x_k − y|: the Condorcet winner among actors' positions.

    When the minimum is an interval (the cumulative weight reaches exactly half at a position), the lower
    of the two tied positions is returned, so the result is always some actor's position. Cost O(A log A).
    """
    order = np.argsort(x, axis=-1, kind="stable")
    xs = np.take_along_axis(x, order, axis=-1)
    ws = np.take_along_axis(w, order, axis=-1)
    total = ws.sum(axis=-1, keepdims=True)
    cum = np.cumsum(ws, axis=-1)
    # first sorted position whose cumulative weight reaches half of the total (ties: the lower position)
    reach = cum >= total / 2 - 1e-12 * np.maximum(total, 1.0)
    k = np.argmax(reach, axis=-1)
    med = np.take_along_axis(xs, k[..., None], axis=-1)[..., 0]
    return np.asarray(np.where(total[..., 0] > 0, med, np.median(x, axis=-1)), dtype=np.float64)
