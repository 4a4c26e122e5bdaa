"""The asymmetric Nash bargaining solution (NBS) on each issue.

The forecast maximises Nash's product Π_i (u_i(x) − u_i(d_i))^{w_i} over the points x of the issue's scale at
which no actor is worse off than at disagreement. Choices, and why:

* **Utility** ``u_i(x) = −|x − x_i|^k``, quadratic (k = 2, the default, as in Achen 2006) or linear (k = 1, the
  same loss the median model assumes). Salience does not multiply the utility: a positive factor on u_i cancels
  out of Nash's product (the NBS is invariant to affine rescaling of each utility), so it could never matter.
* **Bargaining power** ``w_i = capability_i × salience_i``, the same weight as in the compromise and median
  models, so the three baselines differ only in how they aggregate, not in who counts. Actors without a stance
  (or with zero weight) do not bargain and cannot block. If nobody on an issue has any weight, all present
  actors count equally.
* **Disagreement point**. Where the issue has a status quo (reference point) and ``disagreement="status_quo"``
  (the default), it is that point for everyone: failing to agree leaves the status quo in place. Then the
  bargain is restricted to points every bargaining actor weakly prefers to the status quo, which is the
  unanimity reading of Nash: an actor whose ideal *is* the status quo, or actors on both sides of it, leave
  only the status quo itself, and the forecast is the status quo. Where the issue has none (or with
  ``disagreement="worst"``), each actor's disagreement is the end of the scale farthest from its ideal, the
  worst outcome it could suffer; every point of the scale is then acceptable to all.

With these utilities the log of Nash's product is concave on the acceptable interval (a sum of logs of positive
concave functions), so the maximiser is unique and is found exactly by bisection on the sign of the derivative,
vectorised over draws and issues: no grid, no Python loop over actors or issues. Closed forms check the solver in
the tests, e.g. linear utilities, actors at the two ends, worst-point disagreement: x = (w_2·hi + w_1·lo)/(w_1+w_2),
the weighted mean; the quadratic case is *not* the weighted mean (its first-order condition weights each actor by
1/(r_i² − (x − x_i)²), the inverse of its remaining gain).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .arrays import Arrays, FloatArray
from .spec import ModelSpec, about, build_options, options_of
from .trajectory import Trajectory
from .voice import voice

Utility = Literal["quadratic", "linear"]
Disagreement = Literal["status_quo", "worst"]

_ITERATIONS = 64  # bisection steps on a 0–1 interval: 2^-64 is below float64 resolution
_DEGENERATE = 1e-12  # an acceptable interval narrower than this (on 0–1) is a single point


def _exponent(utility: str) -> float:
    if utility == "quadratic":
        return 2.0
    if utility == "linear":
        return 1.0
    raise ValueError(f"nbs: utility must be 'quadratic' or 'linear', got {utility!r}")


def solve(
    x: FloatArray, w: FloatArray, reach: FloatArray, *, k: float, iterations: int = _ITERATIONS
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Maximise Σ_i w_i log(reach_i^k − |y − x_i|^k) over y in [0, 1]; arrays are (..., A), results (...).

    ``reach_i`` = |d_i − x_i| is how far actor i will let the outcome stray from its ideal before it would rather
    disagree. Returns the maximiser and the acceptable interval [low, high] (the intersection of every weighted
    actor's [x_i − reach_i, x_i + reach_i] with [0, 1]). Why bisection: the objective is concave, so the sign of
    its derivative brackets the maximiser and every step halves the bracket, with kinks (k = 1) handled as well.
    """
    active = w > 0
    low = np.maximum(np.max(np.where(active, x - reach, -np.inf), axis=-1), 0.0)
    high = np.minimum(np.min(np.where(active, x + reach, np.inf), axis=-1), 1.0)
    high = np.maximum(high, low)  # rounding can cross them when the interval is a single point
    a, b = low.copy(), high.copy()
    reach_k = reach**k
    for _ in range(iterations):
        mid = (a + b) / 2
        dist = mid[..., None] - x
        gain = reach_k - np.abs(dist) ** k
        slope = -k * np.abs(dist) ** (k - 1) * np.sign(dist)
        terms = np.where(active, w * slope / np.where(gain > 0, gain, 1.0), 0.0)
        rising = terms.sum(axis=-1) > 0
        a = np.where(rising, mid, a)
        b = np.where(rising, b, mid)
    best = np.where(high - low > _DEGENERATE, (a + b) / 2, (low + high) / 2)
    return np.asarray(best, dtype=np.float64), np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)


@dataclass(frozen=True)
class NBSOptions:
    """The options of :func:`run`, each declared once (:data:`SPEC`'s options are derived from it)."""

    utility: Utility = field(default="quadratic", metadata=about("loss in distance: |x − x_i|² or |x − x_i|"))
    disagreement: Disagreement = field(
        default="status_quo",
        metadata=about(
            "disagreement point: the status quo where the issue has one, or always each actor's worst scale end"
        ),
    )


def run(arrays: Arrays, *, rounds: int | None = 0, **options: object) -> Trajectory:
    """NBS forecast per draw and issue; ``rounds`` is ignored (static model).

    ``details``: ``acceptable`` (D, I, 2), the interval every bargaining actor weakly prefers to disagreement, on
    the issue's scale; ``status_quo_used`` (D, I), whether the status quo was the disagreement point.
    """
    opts = build_options(NBSOptions, options, unknown="nbs: unknown options {names}")
    utility, disagreement = opts.utility, opts.disagreement
    if disagreement not in ("status_quo", "worst"):
        raise ValueError(f"nbs: disagreement must be 'status_quo' or 'worst', got {disagreement!r}")
    k = _exponent(utility)
    lo, hi = arrays.scale[:, 0], arrays.scale[:, 1]
    x = np.moveaxis(arrays.normalised_position(), -1, -2)  # (D, I, A)
    w = np.moveaxis(voice(arrays), -1, -2)
    sq = (arrays.status_quo - lo) / (hi - lo)  # (D, I), NaN where none
    use_sq = np.isfinite(sq) if disagreement == "status_quo" else np.zeros(sq.shape, dtype=bool)
    worst = np.maximum(x, 1.0 - x)
    reach = np.where(use_sq[..., None], np.abs(np.where(use_sq, sq, 0.0)[..., None] - x), worst)
    best, low, high = solve(x, w, reach, k=k)
    return Trajectory(
        "nbs",
        arrays,
        arrays.position[:, None].copy(),
        arrays.from_normalised(best),
        {"utility": utility, "disagreement": disagreement},
        {
            "acceptable": np.stack([arrays.from_normalised(low), arrays.from_normalised(high)], axis=-1),
            "status_quo_used": use_sq,
        },
    )


SPEC = ModelSpec(
    name="nbs",
    title="Asymmetric Nash bargaining solution (capability × salience as bargaining power)",
    reference="Nash, J. F. (1950). The bargaining problem. Econometrica 18(2), 155-162; asymmetric form and EU "
    "application: Achen, C. H. (2006), in Thomson et al. (eds.), The European Union Decides, Cambridge University "
    "Press, ch. 10; Schneider, G., Finke, D. & Bailer, S. (2010). Bargaining power in the European Union: an "
    "evaluation of competing game-theoretic models. Political Studies 58(1), 85-103.",
    assumptions=(
        "Outcome maximises Π (u_i(x) − u_i(d_i))^{w_i} with w_i = capability × salience.",
        "u_i(x) = −|x − x_i|^k: quadratic (k = 2) by default, linear (k = 1) as an option.",
        "Disagreement: the issue's status quo where it has one (unanimity: nobody may end worse off than at it); "
        "otherwise each actor's worst end of the scale.",
        "No dynamics: actors do not move; channels are not used.",
    ),
    run=run,
    default_rounds=0,
    options=options_of(NBSOptions),
    reference_test="tests/test_models_baselines.py",
    reference_source=(
        "closed forms of the asymmetric Nash bargaining solution (linear utilities: the weighted mean; status quo "
        "cases) to 1e-9"
    ),
    dynamic=False,
)
