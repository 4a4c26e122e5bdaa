"""Bueno de Mesquita's expected-utility ("old") model, vectorised over draws, issues and actor pairs.

The model (BDM 1994 appendix; Scholz, Calbert & Smith 2011): each round every actor i weighs, for every other
actor j, its expected utility of challenging j (E_ij) against j's of challenging i (E_ji). The signs and sizes of
the two say whether i would lose a confrontation to j, has to compromise, or capitulates; each actor then acts on
one offer and all move at once. Risk exponents, set each round from how exposed each actor's position is, bend
the utilities. See ``docs/models/bdm.md`` for the formulas and every choice; the choices themselves are the
options in :mod:`.bdm_options`.

Why it is written this way:

* Issues are independent in this model, so draws and issues are folded into one batch dimension ``B = D·I`` and
  every round is a handful of (B, A, A) array operations. The only Python loop is over rounds (and over memory
  chunks in the one O(A³) kernel).
* The public Scholz-faithful code sums the win-probability normaliser over all (voter, a1, a2) triples: O(A³)
  per probability, O(A⁵)–O(A⁶) per round. Here it is one number per voter from a sort (Σ over pairs of
  |u_a1 − u_a2| of sorted values is a weighted sum), O(A² log A). With linear voter utilities the numerators
  (votes for i over j) come from prefix sums over sorted positions, also O(A² log A); only Scholz's per-voter
  risk exponents force the direct O(A³) sum, done in chunks so memory stays O(A²) per chunk.
* Positions stay on each issue's own scale (distances are divided by Δ), so moves are computed with the same
  arithmetic as the reference code and match its log to rounding.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .aggregates import weighted_mean, weighted_median
from .arrays import Arrays, BoolArray, FloatArray
from .base import ModelSpec, Trajectory, decide
from .bdm_options import OPTION_SPECS, PRESETS, BDMOptions, resolve

IntArray = NDArray[np.int64]

MOVE_KINDS: tuple[str, ...] = ("none", "conflict", "compromise", "capitulation")
"""Codes of ``details['kind']``: 1 = i lost a confrontation to the partner and took its position, 2 = i
compromised toward it, 3 = i capitulated to it."""
NONE, CONFLICT, COMPROMISE, CAPITULATION = 0, 1, 2, 3

_CHUNK = 1 << 22  # elements per temporary in the O(A³) kernel (32 MiB of float64)


# ---------------------------------------------------------------------------------------------------------------
# vote sums


def _count_below(sorted_vals: FloatArray, queries: FloatArray, *, strict: bool) -> IntArray:
    """Per batch row, how many of ``sorted_vals`` are < (strict) or <= each query: a batched searchsorted.

    numpy's searchsorted takes one sorted row; here each batch row has its own. Sorting data and queries
    together (stably, queries placed first among equals for '<', last for '<=') and counting data elements
    before each query gives exact ranks in O(n log n) per row.
    """
    A = sorted_vals.shape[1]
    Q = queries.shape[1]
    if strict:
        vals = np.concatenate([queries, sorted_vals], axis=1)
        is_data = np.concatenate([np.zeros(Q, dtype=np.int64), np.ones(A, dtype=np.int64)])
        q_slice = slice(0, Q)
    else:
        vals = np.concatenate([sorted_vals, queries], axis=1)
        is_data = np.concatenate([np.ones(A, dtype=np.int64), np.zeros(Q, dtype=np.int64)])
        q_slice = slice(A, A + Q)
    order = np.argsort(vals, axis=1, kind="stable")
    before = np.cumsum(is_data[order], axis=1)  # a query adds 0, so this counts data up to it
    ranks = np.empty_like(before)
    np.put_along_axis(ranks, order, before, axis=1)
    return np.asarray(ranks[:, q_slice], dtype=np.int64)


_DIRECT_BELOW = 48  # below this many actors the direct O(A³) sum is faster than sorting (measured)


def _support(x: FloatArray, w: FloatArray, delta: FloatArray) -> FloatArray:
    """Linear-utility vote sums, by whichever of the two exact methods is faster for this many actors."""
    if x.shape[1] < _DIRECT_BELOW:
        dist = np.abs(x[:, :, None] - x[:, None, :]) / delta[:, None, None]
        return _support_direct(dist, w)
    return _support_sorted(x, w, delta)


def _support_sorted(x: FloatArray, w: FloatArray, delta: FloatArray) -> FloatArray:
    """N[b, i, j] = Σ_k w_k max(0, |x_k − x_j| − |x_k − x_i|) / Δ: the weighted votes for i over j.

    With linear utilities a voter's margin is piecewise linear in its position: for x_i < x_j it is x_j − x_i
    at or left of x_i, x_i + x_j − 2 x_k between x_i and the midpoint, and negative beyond. So N is a few
    prefix sums of w and w·x over the sorted positions, looked up at x_i and at the midpoints: O(A² log A).
    Voters exactly at a midpoint have margin 0, so it does not matter on which side they are counted.
    """
    B, A = x.shape
    order = np.argsort(x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    ws = np.take_along_axis(w, order, axis=1)
    zero = np.zeros((B, 1))
    cw = np.concatenate([zero, np.cumsum(ws, axis=1)], axis=1)  # cw[:, n] = weight of the n lowest
    cwx = np.concatenate([zero, np.cumsum(ws * xs, axis=1)], axis=1)
    total = cw[:, -1:]

    lt_a = _count_below(xs, x, strict=True)
    le_a = _count_below(xs, x, strict=False)
    w_lt, wx_lt = np.take_along_axis(cw, lt_a, 1)[:, :, None], np.take_along_axis(cwx, lt_a, 1)[:, :, None]
    w_le, wx_le = np.take_along_axis(cw, le_a, 1)[:, :, None], np.take_along_axis(cwx, le_a, 1)[:, :, None]

    a = x[:, :, None]
    b = x[:, None, :]
    mid = ((a + b) / 2).reshape(B, A * A)
    lt_m = _count_below(xs, mid, strict=True)
    w_m = np.take_along_axis(cw, lt_m, 1).reshape(B, A, A)
    wx_m = np.take_along_axis(cwx, lt_m, 1).reshape(B, A, A)

    up = (b - a) * w_le + (a + b) * (w_m - w_le) - 2 * (wx_m - wx_le)  # x_i < x_j
    down = (a - b) * (total[:, :, None] - w_lt) + 2 * (wx_lt - wx_m) - (a + b) * (w_lt - w_m)  # x_i > x_j
    n = np.where(a < b, up, np.where(a > b, down, 0.0))
    return np.asarray(np.maximum(n, 0.0) / delta[:, None, None], dtype=np.float64)


def _support_direct(v: FloatArray, w: FloatArray) -> FloatArray:
    """N[b, i, j] = Σ_k w_k max(0, v[b, k, j] − v[b, k, i]) for any per-voter utilities v (B, K, A).

    Used when voters' utilities are distance^r_k (Scholz's code): no longer piecewise linear, so the sum is
    direct, O(A³), in chunks over batch rows and voters so temporaries stay under ``_CHUNK`` elements.
    """
    B, K, A = v.shape
    out = np.zeros((B, A, A))
    per_row = K * A * A
    if per_row <= _CHUNK:
        step = max(1, _CHUNK // per_row)
        for lo in range(0, B, step):
            vb = v[lo : lo + step]
            diff = vb[:, :, None, :] - vb[:, :, :, None]  # (b, k, i, j) = v_kj − v_ki
            np.maximum(diff, 0.0, out=diff)
            out[lo : lo + step] = np.einsum("bkij,bk->bij", diff, w[lo : lo + step])
    else:
        kstep = max(1, _CHUNK // (A * A))
        for bi in range(B):
            for lo in range(0, K, kstep):
                vk = v[bi, lo : lo + kstep]
                diff = vk[:, None, :] - vk[:, :, None]
                np.maximum(diff, 0.0, out=diff)
                out[bi] += np.tensordot(w[bi, lo : lo + kstep], diff, axes=(0, 0))
    return out


def _spread(v: FloatArray, active: BoolArray) -> FloatArray:
    """S[b, k] = Σ over ordered pairs (a1, a2) of active actors of |v[b, k, a1] − v[b, k, a2]|.

    For sorted values u_0 ≤ … ≤ u_{n−1}, Σ_{p<q} (u_q − u_p) = Σ_m u_m (2m − n + 1): one sort per voter instead
    of the A² pairs, which is what turns Scholz's all-triples normaliser from O(A³) into O(A² log A).
    """
    mask = np.broadcast_to(active[:, None, :], v.shape)
    vm = np.where(mask, v, np.inf)
    order = np.argsort(vm, axis=-1, kind="stable")
    us = np.take_along_axis(vm, order, axis=-1)
    ms = np.take_along_axis(mask, order, axis=-1)
    rank: IntArray = np.cumsum(ms, axis=-1, dtype=np.int64) - ms  # active values before this one
    n = ms.sum(axis=-1, keepdims=True)
    terms = np.where(ms, us, 0.0) * (2 * rank - n + 1)
    return np.asarray(2 * terms.sum(axis=-1), dtype=np.float64)


# ---------------------------------------------------------------------------------------------------------------
# one round


class _Case:
    """The batch-folded inputs that stay fixed over rounds."""

    def __init__(self, arrays: Arrays, opts: BDMOptions) -> None:
        D, A, I = arrays.shape
        self.D, self.A, self.I = D, A, I
        B = D * I

        def fold(z: FloatArray) -> FloatArray:
            return np.ascontiguousarray(np.moveaxis(z, 2, 1).reshape(B, A))

        self.active: BoolArray = np.broadcast_to(arrays.present.T[None], (D, I, A)).reshape(B, A).copy()
        self.s: FloatArray = np.where(self.active, fold(arrays.salience), 0.0)
        c = np.broadcast_to(arrays.capability[:, None, :], (D, I, A)).reshape(B, A)
        self.w: FloatArray = np.where(self.active, c * self.s, 0.0)
        kappa = np.broadcast_to(arrays.channels[:, None], (D, I, A, A)).reshape(B, A, A)
        self.kappa: FloatArray = np.clip(kappa, 0.0, 1.0)
        self.x0: FloatArray = fold(arrays.position)
        if opts.range == "scale":
            span = np.broadcast_to(arrays.scale[:, 1] - arrays.scale[:, 0], (D, I)).reshape(B)
        else:
            hi = np.where(self.active, self.x0, -np.inf).max(axis=1)
            lo = np.where(self.active, self.x0, np.inf).min(axis=1)
            span = np.where(np.isfinite(hi - lo), hi - lo, 0.0)
        self.delta: FloatArray = np.where(span > 0, span, 1.0)  # Δ = 0: everyone agrees, nothing moves
        eye = np.eye(A, dtype=bool)[None]
        self.pair: BoolArray = self.active[:, :, None] & self.active[:, None, :] & ~eye

    def unfold(self, z: NDArray[Any]) -> NDArray[Any]:
        """(B, A) -> (D, A, I)."""
        return np.moveaxis(z.reshape(self.D, self.I, self.A), 1, 2)


def _mu(case: _Case, x: FloatArray, opts: BDMOptions) -> FloatArray:
    if opts.mu == "mean":
        return weighted_mean(x, case.w)
    return weighted_median(x, case.w)


def _probability(case: _Case, x: FloatArray, dist: FloatArray, r: FloatArray | None, opts: BDMOptions) -> FloatArray:
    """P[b, i, j], the probability that i beats j, with voter utilities linear (r None) or distance^r_k."""
    if r is None or opts.vote_risk == "linear":
        support = _support(x, case.w, case.delta)
        v = dist
    else:
        v = dist ** r[:, :, None]  # v[b, k, a] = (|x_k − x_a| / Δ)^r_k
        support = _support_direct(v, case.w)
    if opts.probability == "pairwise":
        den = support + np.swapaxes(support, 1, 2)
    else:
        total = (case.w * _spread(v, case.active)).sum(axis=1)
        den = np.broadcast_to(total[:, None, None], support.shape)
    p = np.where(den > 0, support / np.where(den > 0, den, 1.0), 0.5)
    same = x[:, :, None] == x[:, None, :]
    return np.asarray(np.where(same, 0.0, p), dtype=np.float64)


def _status_quo_term(dist: FloatArray, dmu_challenger: FloatArray, r: FloatArray, opts: BDMOptions) -> FloatArray:
    """Q·U_sq + (1 − Q)[T·U_b + (1 − T)·U_w]: what the challenger expects if it does not challenge."""
    u_sq = 2 - 4 * 0.5**r
    if opts.q == 1.0:
        return np.asarray(opts.q * u_sq, dtype=np.float64)
    spread = 0.25 * (dmu_challenger + dist)
    u_b = 2 - 4 * (0.5 - spread) ** r
    u_w = 2 - 4 * (0.5 + spread) ** r
    return np.asarray(opts.q * u_sq + (1 - opts.q) * (opts.t * u_b + (1 - opts.t) * u_w), dtype=np.float64)


def _eu(p: FloatArray, u_s: FloatArray, u_f: FloatArray, s_target: FloatArray, sq: FloatArray) -> FloatArray:
    """E = s_j (P U_s + (1 − P) U_f) + (1 − s_j) U_s − status quo: a challenge the target resists with
    probability s_j is won with probability P; unresisted, it succeeds."""
    return np.asarray(s_target * (p * u_s + (1 - p) * u_f) + (1 - s_target) * u_s - sq, dtype=np.float64)


def _utilities(dist: FloatArray, r_row: FloatArray | None) -> tuple[FloatArray, FloatArray]:
    """U_s and U_f of a challenge over distance d, priced with risk exponent r (None: risk neutral, r = 1)."""
    if r_row is None:  # x**1 == x exactly, so skipping the power changes no bit
        return 2 - 4 * (0.5 - 0.5 * dist), 2 - 4 * (0.5 + 0.5 * dist)
    return 2 - 4 * (0.5 - 0.5 * dist) ** r_row, 2 - 4 * (0.5 + 0.5 * dist) ** r_row


def _challenge_eu(case: _Case, x: FloatArray, dist: FloatArray, p: FloatArray, opts: BDMOptions) -> FloatArray:
    """E1[b, j, i]: j's expected utility of challenging i, everyone risk neutral (the input to risk)."""
    one = np.ones_like(x)[:, :, None]
    u_s, u_f = _utilities(dist, None)
    dmu = np.abs(x - _mu(case, x, opts)[:, None]) / case.delta[:, None]
    sq = _status_quo_term(dist, dmu[:, :, None], one, opts)
    return _eu(p, u_s, u_f, case.s[:, None, :], sq)


def _risk_from_danger(case: _Case, danger: FloatArray, lo: FloatArray, hi: FloatArray) -> FloatArray:
    """r = (1 − R/3)/(1 + R/3), R = (2 D − D_max − D_min)/(D_max − D_min) ∈ [−1, 1], so r ∈ [0.5, 2]."""
    width = hi - lo
    big_r = np.where(width > 0, (2 * danger - hi - lo) / np.where(width > 0, width, 1.0), 0.0)
    r = (1 - big_r / 3) / (1 + big_r / 3)
    return np.asarray(np.where(case.active, r, 1.0), dtype=np.float64)


def _risk(case: _Case, x: FloatArray, dist: FloatArray, p_linear: FloatArray, opts: BDMOptions) -> FloatArray:
    """Risk exponents r (B, A) from each actor's danger: Σ_j of j's (channel-weighted) EU of challenging it."""
    if opts.risk == "neutral":
        return np.ones_like(x)
    contest = case.pair & (x[:, :, None] != x[:, None, :])
    if opts.risk == "own-alternatives":
        return _risk_own_alternatives(case, x, opts)
    e1 = _challenge_eu(case, x, dist, p_linear, opts)
    danger = np.where(contest, case.kappa * e1, 0.0).sum(axis=1)  # D_i = Σ_j κ_ji E_j(U_ji)
    hi = np.where(case.active, danger, -np.inf).max(axis=1, keepdims=True)
    lo = np.where(case.active, danger, np.inf).min(axis=1, keepdims=True)
    return _risk_from_danger(case, danger, lo, hi)


def _risk_own_alternatives(case: _Case, x: FloatArray, opts: BDMOptions) -> FloatArray:
    """R_i from i's danger at its own position compared with its danger at every position held by an actor.

    Moving i to y changes i's distance to every challenger and i's own vote; the other voters' votes are the
    same pairwise sums as at the current positions. So for every (i, y, j) the numerators are the current
    ones with voter i's term swapped: O(A³) elementwise, chunked over i (risk neutral, pairwise probability).
    """
    B, A = x.shape
    n = _support(x, case.w, case.delta)  # n[b, p, q]: votes for actor p's position over q's
    w = case.w / case.delta[:, None]
    s = case.s
    mu = _mu(case, x, opts)
    danger = np.zeros((B, A, A))  # danger[b, i, a]: i's danger if it stood at x_a
    step = max(1, _CHUNK // max(1, B * A * A))
    for lo in range(0, A, step):
        ii = np.arange(lo, min(A, lo + step))
        xi = x[:, ii, None, None]  # (B, c, 1, 1)
        y = x[:, None, :, None]  # candidate positions (B, 1, a, 1)
        xj = x[:, None, None, :]  # challengers (B, 1, 1, j)
        wi = w[:, ii, None, None]
        # votes for j over i-at-y, and for i-at-y over j, with voter i moved from x_i to y
        n_jy = n[:, None, :, :].swapaxes(2, 3) - wi * np.maximum(0.0, np.abs(xi - y) - np.abs(xi - xj))
        n_yj = n[:, None, :, :] - wi * np.maximum(0.0, np.abs(xi - xj) - np.abs(xi - y)) + wi * np.abs(y - xj)
        n_jy, n_yj = np.maximum(n_jy, 0.0), np.maximum(n_yj, 0.0)
        den = n_jy + n_yj
        p = np.where(den > 0, n_jy / np.where(den > 0, den, 1.0), 0.5)
        d = np.abs(y - xj) / case.delta[:, None, None, None]
        one = np.ones_like(d)
        u_s, u_f = _utilities(d, None)
        dmu = (np.abs(x - mu[:, None]) / case.delta[:, None])[:, None, None, :]
        sq = _status_quo_term(d, dmu, one, opts)
        e = _eu(p, u_s, u_f, s[:, ii, None, None], sq)  # E_j(U_j,i@y)
        ok = case.pair[:, ii, None, :] & (y != xj)
        kap = np.swapaxes(case.kappa, 1, 2)[:, ii, None, :]  # κ_ji
        danger[:, ii, :] = np.where(ok, kap * e, 0.0).sum(axis=-1)
    held = np.where(case.active[:, None, :], danger, np.nan)
    own = danger[:, np.arange(A), np.arange(A)]
    with np.errstate(all="ignore"):
        hi = np.nanmax(np.where(case.active[:, :, None], held, np.nan), axis=2)
        lo = np.nanmin(np.where(case.active[:, :, None], held, np.nan), axis=2)
    hi, lo = np.nan_to_num(hi), np.nan_to_num(lo)
    return _risk_from_danger(case, own, lo, hi)


def _round(
    case: _Case, x: FloatArray, opts: BDMOptions
) -> tuple[FloatArray, IntArray, IntArray, FloatArray, FloatArray, FloatArray]:
    """One round: risk, expected utilities, offers, simultaneous moves. Returns the new positions and records."""
    # distances to absent actors are never used; zeroing them keeps powers of (0.5 - d/2) real
    dist = np.where(case.pair, np.abs(x[:, :, None] - x[:, None, :]) / case.delta[:, None, None], 0.0)
    p_linear = _probability(case, x, dist, None, opts)  # risk-neutral voters
    r = _risk(case, x, dist, p_linear, opts)
    # p[b, i, j] = P(i beats j); with linear votes it does not depend on r, so the risk step's P is reused
    p = p_linear if opts.vote_risk == "linear" else _probability(case, x, dist, r, opts)
    dmu = np.abs(x - _mu(case, x, opts)[:, None]) / case.delta[:, None]

    r_i = r[:, :, None]
    u_s, u_f = _utilities(dist, r_i)  # priced with i's exponent
    e_ij = _eu(p, u_s, u_f, case.s[:, None, :], _status_quo_term(dist, dmu[:, :, None], r_i, opts))
    if opts.perspective == "each":
        e_ji = np.swapaxes(e_ij, 1, 2).copy()
    else:  # i prices j's challenge with its own exponent (Scholz's code)
        p_ji = np.swapaxes(p, 1, 2)
        e_ji = _eu(p_ji, u_s, u_f, case.s[:, :, None], _status_quo_term(dist, dmu[:, None, :], r_i, opts))

    # A challenge only happens through a channel: its expected utility is scaled by the contact probability.
    a = case.kappa * e_ij  # i's EU of challenging j, via i -> j
    b = np.swapaxes(case.kappa, 1, 2) * e_ji  # j's EU of challenging i, via j -> i
    xi, xj = x[:, :, None], x[:, None, :]
    valid = case.pair & (xi != xj)
    conflict = valid & (b > a) & (a > 0)
    yielding = valid & (b > 0) & (a < 0)
    compromise = yielding & (b > -a)
    capitulate = yielding & (-a > b) if opts.capitulation else np.zeros_like(valid)

    with np.errstate(divide="ignore", invalid="ignore"):
        if opts.compromise_point == "proportional":
            comp_pos = xi + (xj - xi) * np.abs(a / b)
        else:
            comp_pos = (np.abs(a) * xi + np.abs(b) * xj) / (np.abs(a) + np.abs(b))
    kind = np.where(conflict, CONFLICT, np.where(compromise, COMPROMISE, np.where(capitulate, CAPITULATION, NONE)))
    target = np.where(kind == COMPROMISE, comp_pos, np.broadcast_to(xj, kind.shape))
    move = np.abs(xi - target)

    if opts.selection == "class-order":
        if opts.compromise_key == "lowest-point":
            with np.errstate(divide="ignore", invalid="ignore"):
                comp_key = (np.abs(a) * xi + np.abs(b) * xj) / (np.abs(a) + np.abs(b))
        else:
            comp_key = move
        has_conf = conflict.any(axis=2, keepdims=True)
        has_comp = compromise.any(axis=2, keepdims=True)
        chosen_class = np.where(has_conf, CONFLICT, np.where(has_comp, COMPROMISE, CAPITULATION))
        key = np.where(kind == COMPROMISE, comp_key, move)
        key = np.where((kind == chosen_class) & (kind != NONE), key, np.inf)
        partner = np.argmin(key, axis=2)
        acts = np.isfinite(np.take_along_axis(key, partner[:, :, None], 2)[:, :, 0])
    else:
        # highest-eu: the challenge the sender values most; exact ties by the sender nearest to i, then by the
        # smallest resulting move (no move counts as 0). Ties are broken on values, never on actor order, so
        # relabelling actors cannot change a trajectory; equally good offers pulling i both ways cancel out.
        sent = valid & (b > 0)
        tied = sent & (b == np.where(sent, b, -np.inf).max(axis=2, keepdims=True))
        gap = np.abs(xi - xj)
        tied &= gap == np.where(tied, gap, np.inf).min(axis=2, keepdims=True)
        moved = np.where(kind != NONE, move, 0.0)
        tied &= moved == np.where(tied, moved, np.inf).min(axis=2, keepdims=True)
        pulls = np.where(kind != NONE, np.sign(target - xi), 0.0)
        torn = (tied & (pulls > 0)).any(axis=2) & (tied & (pulls < 0)).any(axis=2)
        partner = np.argmax(tied, axis=2)
        acts = tied.any(axis=2) & ~torn & (np.take_along_axis(kind, partner[:, :, None], 2)[:, :, 0] != NONE)

    pick = partner[:, :, None]
    chosen_kind = np.where(acts, np.take_along_axis(kind, pick, 2)[:, :, 0], NONE)
    new_x = np.where(acts, np.take_along_axis(target, pick, 2)[:, :, 0], x)
    eu_self = np.where(acts, np.take_along_axis(a, pick, 2)[:, :, 0], np.nan)
    eu_other = np.where(acts, np.take_along_axis(b, pick, 2)[:, :, 0], np.nan)
    return (
        np.asarray(new_x, dtype=np.float64),
        np.asarray(chosen_kind, dtype=np.int64),
        np.where(acts, partner, -1).astype(np.int64),
        np.asarray(eu_self, dtype=np.float64),
        np.asarray(eu_other, dtype=np.float64),
        r,
    )


# ---------------------------------------------------------------------------------------------------------------
# public API


def run(arrays: Arrays, *, rounds: int | None = 10, preset: str = "bdm", **options: Any) -> Trajectory:
    """Run the model for a fixed number of rounds; options override the preset (see :class:`BDMOptions`).

    ``details`` holds, per round r = 1..R, arrays shaped (D, R, A, I): ``kind`` (codes of :data:`MOVE_KINDS`),
    ``partner`` (index of the actor moved toward, −1 if none), ``eu`` and ``other_eu`` (E_ij and E_ji of the
    acted-on offer as the mover saw them, channel-weighted; NaN if none) and ``risk`` (the exponents r_i used).
    Actors without a stance on an issue (``present`` False) take no part in it: they cast no vote, make and
    receive no offers, do not enter Δ or the security-level range, and keep their (meaningless) position.
    """
    opts = resolve(preset, options)
    n_rounds = 10 if rounds is None else int(rounds)
    if n_rounds < 0:
        raise ValueError(f"rounds must be >= 0, got {n_rounds}")
    case = _Case(arrays, opts)
    D, A, I = arrays.shape
    x = case.x0.copy()
    history = [x]
    records: dict[str, list[NDArray[Any]]] = {k: [] for k in ("kind", "partner", "eu", "other_eu", "risk")}
    for _ in range(n_rounds):
        x, kind, partner, eu, other, r = _round(case, x, opts)
        history.append(x)
        for name, value in zip(records, (kind, partner, eu, other, r), strict=True):
            records[name].append(case.unfold(value))
    positions = np.stack([case.unfold(h) for h in history], axis=1)  # (D, R+1, A, I)
    details: dict[str, Any] = {"move_kinds": MOVE_KINDS}
    for name, values in records.items():
        if values:
            details[name] = np.stack(values, axis=1)
        else:
            dtype = np.int64 if name in ("kind", "partner") else np.float64
            details[name] = np.zeros((D, 0, A, I), dtype=dtype)
    # the forecast counts only actors with a stance, whatever salience the arrays carry for the others
    voiced = replace(arrays, salience=np.where(arrays.present[None], arrays.salience, 0.0))
    return Trajectory(preset, arrays, positions, decide(voiced, positions[:, -1]), opts.as_dict(), details)


def run_scholz(arrays: Arrays, *, rounds: int | None = 10, **options: Any) -> Trajectory:
    """The ``bdm-scholz`` preset: Scholz, Calbert & Smith's code as replicated by McKibben-Sanders."""
    return run(arrays, rounds=rounds, preset="bdm-scholz", **options)


def run_bdm(arrays: Arrays, *, rounds: int | None = 10, **options: Any) -> Trajectory:
    """The recommended ``bdm`` preset."""
    return run(arrays, rounds=rounds, preset="bdm", **options)


def moves(trajectory: Trajectory, draw: int = 0, issue: int = 0) -> list[list[dict[str, Any]]]:
    """The moves of each round (1..R) of one draw and issue, in actor order, as readable records."""
    det = trajectory.details
    names = trajectory.arrays.actor_names
    out: list[list[dict[str, Any]]] = []
    for r in range(det["kind"].shape[1]):
        row = []
        for a in range(len(names)):
            k = int(det["kind"][draw, r, a, issue])
            if k == NONE:
                continue
            j = int(det["partner"][draw, r, a, issue])
            row.append(
                {
                    "actor": names[a],
                    "kind": MOVE_KINDS[k],
                    "partner": names[j],
                    "eu": float(det["eu"][draw, r, a, issue]),
                    "other_eu": float(det["other_eu"][draw, r, a, issue]),
                    "position": float(trajectory.positions[draw, r + 1, a, issue]),
                }
            )
        out.append(row)
    return out


_REFERENCE = (
    "Bueno de Mesquita, B. (1994). Political forecasting: an expected utility method. In Bueno de Mesquita & "
    "Stokman (eds.), European Community Decision Making, Yale UP, ch. 4; Scholz, J. B., Calbert, G. J. & "
    "Smith, G. A. (2011). Unravelling Bueno de Mesquita's group decision model. Journal of Theoretical "
    "Politics 23(4), 510-531."
)

_ASSUMPTIONS = (
    "One issue at a time: issues do not interact; positions are points on each issue's scale.",
    "Utility falls linearly with distance, bent by a per-round risk exponent r_i in [0.5, 2].",
    "A challenged actor resists with probability equal to its salience.",
    "An actor acts on at most one offer per round; all actors move at once.",
    "A challenge needs a channel: its expected utility is scaled by the channel strength (0 closes it).",
    "Fixed number of rounds; the forecast is read off the final positions by each issue's decision rule.",
)


def _option_specs(preset: str) -> tuple[Any, ...]:
    values = {**BDMOptions().as_dict(), **PRESETS[preset]}
    return tuple(replace(spec, default=values[spec.name]) for spec in OPTION_SPECS)


SPEC = ModelSpec(
    name="bdm",
    title="BDM expected-utility model (recommended reading)",
    reference=_REFERENCE,
    assumptions=(
        *_ASSUMPTIONS,
        "Win probability: votes for i over j among all votes cast in that contest (P_ij + P_ji = 1).",
        "An actor acts on the challenge whose sender expects most from it (Masad's reading), Q = T = 1.",
    ),
    run=run_bdm,
    default_rounds=10,
    options=_option_specs("bdm"),
    reference_test="tests/test_models_bdm.py",
    presets={"bdm": PRESETS["bdm"], "bdm-scholz": PRESETS["bdm-scholz"]},
)

SCHOLZ_SPEC = ModelSpec(
    name="bdm-scholz",
    title="BDM expected-utility model as coded by Scholz, Calbert & Smith (2011)",
    reference=_REFERENCE + " Replication: github.com/jmckib/bdm-scholz-expected-utility-model.",
    assumptions=(
        *_ASSUMPTIONS,
        "Win probability normalised by the votes over all triples (tiny probabilities, as in Scholz's code).",
        "Confrontations before compromises; compromise picked by the lowest EU-weighted point; no capitulations.",
        "Each actor prices both sides' expected utilities with its own risk exponent.",
    ),
    run=run_scholz,
    default_rounds=10,
    options=_option_specs("bdm-scholz"),
    reference_test="tests/test_models_bdm.py::test_scholz_reproduces_example_log",
    presets={"bdm-scholz": PRESETS["bdm-scholz"]},
)
