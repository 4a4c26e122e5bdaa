"""Rankings the draws can support: every criterion with a Monte Carlo interval, and leading sets, not orders.

Why: with a few thousand draws, the strict order of strategies by expected utility or maximum regret changed
with the seed, and the brief presented that noise as a robust ranking. Strategies share their draws (common
random numbers), so they are compared by **paired differences**: the best strategy under a criterion is the one
with the best value on all draws; the **leading set** is every strategy whose paired difference to the best has
a 95 % interval containing zero. The report gives the leading set, then the others with their differences.

Intervals come from a bootstrap over draws (``BOOTSTRAP`` resamples, multinomial weights; the same resamples for
every strategy, which keeps the pairing), seeded from the experiment's seed on its own stream, so the ranking is
as reproducible as the run. Maximum regret is reported but not ranked with an interval: the maximum of a sample
is a poor estimate of a distribution's maximum and the bootstrap cannot bound it (it never resamples a value
beyond the observed one). The robustness criterion is the 90 % quantile of regret instead (``regret_q90``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

BOOTSTRAP = 400
"""Bootstrap resamples over draws for every interval."""
LEVEL = 0.95
"""Confidence level of every interval and of the leading sets."""
RANKING_STREAM = 2**32 + 2
"""Spawn key of the bootstrap's random numbers (past the inputs' and the models' streams)."""

# criterion -> (larger is better, statistic over draws)
CRITERIA = ("expected_utility", "p_best", "p_satisficing", "mean_regret", "regret_q90")
LARGER_IS_BETTER = {"expected_utility": True, "p_best": True, "p_satisficing": True}


@dataclass(frozen=True)
class Ranking:
    """One criterion: each strategy's value and interval, the best, the leading set, and paired differences."""

    criterion: str
    values: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    best: str
    leading: list[str]
    differences: dict[str, tuple[float, float, float]]  # strategy -> (difference to best, lo, hi)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "larger_is_better": LARGER_IS_BETTER.get(self.criterion, False),
            "best": self.best,
            "leading_set": self.leading,
            "values": {s: {"value": v, "ci95": list(self.intervals[s])} for s, v in self.values.items()},
            "difference_to_best": {s: {"value": d, "ci95": [lo, hi]} for s, (d, lo, hi) in self.differences.items()},
        }


def _statistic(criterion: str, utility: FloatArray, ok: FloatArray, weights: FloatArray) -> FloatArray:
    """The criterion per strategy (S,) for draw weights (D,) summing to 1 (a bootstrap resample's counts / D)."""
    regret = utility.max(axis=0, keepdims=True) - utility  # (S, D)
    if criterion == "expected_utility":
        return np.asarray(utility @ weights, dtype=np.float64)
    if criterion == "p_best":
        return np.asarray((regret <= 0).astype(np.float64) @ weights, dtype=np.float64)
    if criterion == "p_satisficing":
        return np.asarray(ok @ weights, dtype=np.float64)
    if criterion == "mean_regret":
        return np.asarray(regret @ weights, dtype=np.float64)
    return _weighted_quantile(regret, weights, 0.9)


def _weighted_quantile(x: FloatArray, weights: FloatArray, q: float) -> FloatArray:
    """Per row of x (S, D), the q-quantile under draw weights (the lower of two values at a tie)."""
    order = np.argsort(x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    cum = np.cumsum(weights[order], axis=1)
    k = np.argmax(cum >= q - 1e-12, axis=1)
    return np.asarray(xs[np.arange(x.shape[0]), k], dtype=np.float64)


def rank(
    strategies: list[str], utility: FloatArray, ok: FloatArray, seed: int, criteria: tuple[str, ...] = CRITERIA
) -> dict[str, Ranking]:
    """Rankings of ``strategies`` from per-draw utilities and target hits, both (S, D) in draw order."""
    S, D = utility.shape
    g = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(RANKING_STREAM,)))
    counts = g.multinomial(D, np.full(D, 1.0 / D), size=BOOTSTRAP) / D  # (B, D)
    even = np.full(D, 1.0 / D)
    alpha = (1 - LEVEL) / 2
    out = {}
    for criterion in criteria:
        full = _statistic(criterion, utility, ok, even)
        boot = np.stack([_statistic(criterion, utility, ok, w) for w in counts])  # (B, S)
        sign = 1.0 if LARGER_IS_BETTER.get(criterion, False) else -1.0
        best = int(np.argmax(sign * full))
        diff = boot - boot[:, [best]]  # paired: the same resample for every strategy
        lo, hi = np.quantile(diff, [alpha, 1 - alpha], axis=0)
        ci = np.quantile(boot, [alpha, 1 - alpha], axis=0)
        leading = [strategies[s] for s in range(S) if s == best or lo[s] <= 0 <= hi[s]]
        out[criterion] = Ranking(
            criterion,
            {strategies[s]: float(full[s]) for s in range(S)},
            {strategies[s]: (float(ci[0, s]), float(ci[1, s])) for s in range(S)},
            strategies[best],
            leading,
            {strategies[s]: (float(full[s] - full[best]), float(lo[s]), float(hi[s])) for s in range(S)},
        )
    return out


def per_draw(
    table: Any, strategies: list[str], targets: Sequence[tuple[str, str, float]]
) -> tuple[FloatArray, FloatArray]:
    """Per strategy and draw: the client's utility and whether every target was met, (S, D) each, from the
    tidy result rows (an Arrow table with strategy, draw, issue, outcome, client_utility)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def codes(column: str, values: list[str]) -> NDArray[np.int64]:
        found = pc.fill_null(pc.index_in(table[column], value_set=pa.array(values)), -1)  # -1: not among them
        return np.asarray(found.to_numpy(), dtype=np.int64)

    draw = np.asarray(table["draw"].to_numpy(), dtype=np.int64)
    draws, d = np.unique(draw, return_inverse=True)
    s = codes("strategy", strategies)
    utility = np.full((len(strategies), len(draws)), np.nan)
    utility[s, d] = np.asarray(table["client_utility"].to_numpy(), dtype=np.float64)
    ok = np.ones((len(strategies), len(draws)))
    outcome = np.asarray(table["outcome"].to_numpy(), dtype=np.float64)
    issue_names = sorted({t_issue for t_issue, _, _ in targets})
    issue = codes("issue", issue_names) if issue_names else np.empty(0, dtype=np.int64)
    for t_issue, op, threshold in targets:
        met = outcome >= threshold if op == ">=" else outcome <= threshold
        missed = (issue == issue_names.index(t_issue)) & ~met
        ok[s[missed], d[missed]] = 0.0
    return utility, ok
