"""Bueno de Mesquita's expected-utility ("old") model, vectorised over draws, issues and actor pairs.

The model (BDM 1994 appendix; Scholz, Calbert & Smith 2011): each round every actor i weighs, for every other
actor j, its expected utility of challenging j (E_ij) against j's of challenging i (E_ji). The signs and sizes of
the two say whether i would lose a confrontation to j, has to compromise, or capitulates; each actor then acts on
one offer and all move at once. Risk exponents, set each round from how exposed each actor's position is, bend
the utilities. See ``docs/models/bdm.md`` for the formulas and every choice; the choices themselves are the
options in :mod:`.bdm_options`.

Why it is written this way:

* Issues are independent in this model, so draws and issues are folded into one batch dimension ``B = D·I`` and
  every round is a handful of (A, A, B) array operations. The batch axis is last: with A ≈ 10 and B in the
  thousands every broadcast and reduction then runs along long contiguous rows (the batch-first layout ran
  them along rows of A, several times slower). The only Python loops are over rounds and over cache-sized
  chunks of rows. The sorted kernels (large A) are batch-first and get transposed copies.
* The public Scholz-faithful code sums the win-probability normaliser over all (voter, a1, a2) triples: O(A³)
  per probability, O(A⁵)–O(A⁶) per round. Here it is one number per voter from a sort (Σ over pairs of
  |u_a1 − u_a2| of sorted values is a weighted sum), O(A² log A). With linear voter utilities the numerators
  (votes for i over j) come from prefix sums over sorted positions, also O(A² log A); only Scholz's per-voter
  risk exponents force the direct O(A³) sum, done in chunks so memory stays O(A²) per chunk.
* Positions stay on each issue's own scale (distances are divided by Δ), so moves are computed with the same
  arithmetic as the reference code and match its log to rounding.
* Where the public program's choice is decided by rounding (an actor closing in on another until the expected
  utilities are at rounding level), ``bdm-scholz`` recomputes the row in the program's own order of arithmetic
  (``arithmetic="reference-at-ties"``, :class:`_Program`); ``bdm`` never does, so its kernels and bits are as fast.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from . import kernels
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
_DIRECT_ELEMS = 1 << 18  # elements of the (K, A, A, rows) temporary in the direct sum (2 MiB; measured)
_FREEZE_SHARE = 20  # rows at a fixed point are dropped from a chunk once they are at least 1/20 of it (measured)
_ROW_ELEMS = 1 << 16  # batch rows are processed in chunks of about this many (i, j) pairs (cache-sized arrays)


class _Sorted:
    """Per round and batch row: the positions sorted, and how many lie strictly below each pair's midpoint.

    Shared by both sorted vote kernels, so a round with two kinds of voter utility sorts only once.
    """

    def __init__(self, x: FloatArray) -> None:
        B, A = x.shape
        self.order = np.argsort(x, axis=1, kind="stable")
        self.xs = np.take_along_axis(x, self.order, axis=1)
        self.mid = ((x[:, :, None] + x[:, None, :]) / 2).reshape(B, A * A)
        self.lt_m = _count_below(self.xs, self.mid, strict=True)


def _support_sorted(x: FloatArray, w: FloatArray, delta: FloatArray, srt: _Sorted | None = None) -> FloatArray:
    """N[b, i, j] = Σ_k w_k max(0, |x_k − x_j| − |x_k − x_i|) / Δ: the weighted votes for i over j.

    With linear utilities a voter's margin is piecewise linear in its position: for x_i < x_j it is x_j − x_i
    at or left of x_i, x_i + x_j − 2 x_k between x_i and the midpoint, and negative beyond. So N is a few
    prefix sums of w and w·x over the sorted positions, looked up at x_i and at the midpoints: O(A² log A).
    Voters exactly at a midpoint have margin 0, so it does not matter on which side they are counted.
    """
    B, A = x.shape
    srt = _Sorted(x) if srt is None else srt
    xs = srt.xs
    ws = np.take_along_axis(w, srt.order, axis=1)
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
    lt_m = srt.lt_m
    w_m = np.take_along_axis(cw, lt_m, 1).reshape(B, A, A)
    wx_m = np.take_along_axis(cwx, lt_m, 1).reshape(B, A, A)

    up = (b - a) * w_le + (a + b) * (w_m - w_le) - 2 * (wx_m - wx_le)  # x_i < x_j
    down = (a - b) * (total[:, :, None] - w_lt) + 2 * (wx_lt - wx_m) - (a + b) * (w_lt - w_m)  # x_i > x_j
    n = np.where(a < b, up, np.where(a > b, down, 0.0))
    return np.asarray(np.maximum(n, 0.0) / delta[:, None, None], dtype=np.float64)


def _support_prefix(x: FloatArray, v: FloatArray, w: FloatArray, srt: _Sorted | None = None) -> FloatArray:
    """N[b, i, j] = Σ_k w_k max(0, v[b, k, j] − v[b, k, i]) where each voter's utility loss v[b, k, ·] grows
    with the distance |x_k − x_·| (e.g. distance^r_k, Scholz's voters): O(A² log A) instead of O(A³).

    For x_i < x_j the voters who prefer i are exactly those left of the midpoint, so N_ij is a difference of
    two prefix sums over the voters sorted by position, C[n, a] = Σ of the n lowest voters' w_k v_ka; for
    x_i > x_j those right of it. A voter exactly at the midpoint is indifferent (v_kj = v_ki) and adds 0 on
    either side. Same sums as :func:`_support_direct`, added in another order (equal to rounding).
    """
    B, A = x.shape
    srt = _Sorted(x) if srt is None else srt
    wv = np.take_along_axis(v * w[:, :, None], srt.order[:, :, None], axis=1)  # voters in position order
    c = np.zeros((B, A + 1, A))
    np.cumsum(wv, axis=1, out=c[:, 1:])
    flat = c.reshape(B, (A + 1) * A)
    base = srt.lt_m.reshape(B, A, A) * A
    cols = np.arange(A)
    g = np.take_along_axis(flat, (base + cols[None, None, :]).reshape(B, A * A), 1)
    g -= np.take_along_axis(flat, (base + cols[None, :, None]).reshape(B, A * A), 1)
    g = g.reshape(B, A, A)  # C[lt, j] − C[lt, i]: voters left of the midpoint
    tot = c[:, A]
    right = (tot[:, None, :] - tot[:, :, None]) - g  # voters at or right of it
    xi, xj = x[:, :, None], x[:, None, :]
    n = np.where(xi < xj, g, np.where(xi > xj, right, 0.0))
    return np.asarray(np.maximum(n, 0.0, out=n), dtype=np.float64)


def _support_direct(v: FloatArray, w: FloatArray) -> FloatArray:
    """N[b, i, j] = Σ_k w_k max(0, v[b, k, j] − v[b, k, i]) for any per-voter utilities v (B, K, A).

    The batch-first face of :func:`_support_last` (the round itself works batch-last); same bits.
    """
    vt = np.ascontiguousarray(np.moveaxis(v, 0, -1))
    return np.ascontiguousarray(np.moveaxis(_support_last(vt, np.ascontiguousarray(w.T)), -1, 0))


def _support_last(v: FloatArray, w: FloatArray) -> FloatArray:
    """N[i, j, b] = Σ_k w[k, b] max(0, v[k, j, b] − v[k, i, b]): the direct O(A³) vote sum, batch axis last.

    Fastest for a few actors. The compiled kernel (:mod:`.kernels`) does it in one pass, about ten times faster,
    with the same bits as :func:`_support_last_numpy`, which is used where it was not built.
    """
    if kernels.compiled is None:
        return _support_last_numpy(v, w)
    _, A, B = v.shape
    out = np.empty((A, A, B))
    kernels.compiled.vote_sum(np.ascontiguousarray(v, dtype=np.float64), np.ascontiguousarray(w, dtype=np.float64), out)
    return out


def _support_last_numpy(v: FloatArray, w: FloatArray) -> FloatArray:
    """:func:`_support_last` in numpy. With the batch axis last every broadcast runs along contiguous rows; the
    (K, A, A, rows) temporary is cut into pieces of about ``_DIRECT_ELEMS`` that stay in cache. The weighting is a
    multiplication and the sum over voters an ``add.reduce`` over the outer axis, which adds in voter order, so
    the bits depend neither on the piece size nor on the layout, and match the compiled kernel on every platform
    (``einsum`` would be one pass less, but its inner loop fuses multiply and add where numpy is built with FMA,
    which rounds differently). ``maximum`` against an array of zeros, not the scalar 0: numpy's scalar-broadcast
    path is not vectorised and takes twice as long.
    """
    K, A, B = v.shape
    out = np.zeros((A, A, B))
    if K == 0:
        return out
    step = max(1, min(B, _DIRECT_ELEMS // max(1, K * A * A)))
    buf = np.empty((K, A, A, step))
    zero = np.zeros((K, A, A, step))
    for lo in range(0, B, step):
        hi = min(B, lo + step)
        vb = v[:, :, lo:hi]
        diff = buf[..., : hi - lo]
        np.subtract(vb[:, None, :, :], vb[:, :, None, :], out=diff)  # (k, i, j, b) = v_kj − v_ki
        np.maximum(diff, zero[..., : hi - lo], out=diff)
        np.multiply(diff, w[:, None, None, lo:hi], out=diff)
        np.add.reduce(diff, axis=0, out=out[:, :, lo:hi])
    return out


def _to_last(z: NDArray[Any]) -> NDArray[Any]:
    """(B, ...) -> (..., B), contiguous: a batch-first kernel's result in the round's layout."""
    return np.ascontiguousarray(np.moveaxis(z, 0, -1))


def _to_first(z: NDArray[Any]) -> NDArray[Any]:
    """(..., B) -> (B, ...), contiguous: the round's arrays for a batch-first kernel."""
    return np.ascontiguousarray(np.moveaxis(z, -1, 0))


def _spread(v: FloatArray, active: BoolArray) -> FloatArray:
    """S[b, k] = Σ over ordered pairs (a1, a2) of active actors of |v[b, k, a1] − v[b, k, a2]|.

    For sorted values u_0 ≤ … ≤ u_{n−1}, Σ_{p<q} (u_q − u_p) = Σ_m u_m (2m − n + 1): one sort per voter instead
    of the A² pairs. (The model itself gets Σ_k w_k S_k more cheaply as 2 Σ_ij N_ij; this is its check.)
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
    """The batch-folded inputs that stay fixed over rounds, for all rows or a chunk of them (:meth:`rows`).

    Everything is stored batch-last, (A, B) and (A, A, B) with row b = draw b // I, issue b % I: the round's
    broadcasts then run along contiguous rows of B instead of rows of A (A ≈ 10 in the lab's batches).
    """

    def __init__(self, arrays: Arrays, opts: BDMOptions) -> None:
        D, A, I = arrays.shape
        self.D, self.A, self.I = D, A, I
        B = D * I

        def fold(z: NDArray[Any]) -> NDArray[Any]:  # (D, A, I) -> (A, B)
            return np.ascontiguousarray(np.broadcast_to(z, (D, A, I)).transpose(1, 0, 2).reshape(A, B))

        self.active: BoolArray = fold(np.asarray(arrays.present, dtype=bool)[None])
        self.s: FloatArray = np.where(self.active, fold(np.asarray(arrays.salience, dtype=np.float64)), 0.0)
        c = fold(arrays.weight())  # capability, or the actor's influence on the issue where the scenario gives one
        self.w: FloatArray = np.where(self.active, c * self.s, 0.0)
        self.x0: FloatArray = fold(np.asarray(arrays.position, dtype=np.float64))
        if opts.range == "scale":
            span = np.broadcast_to(arrays.scale[:, 1] - arrays.scale[:, 0], (D, I)).reshape(B)
        else:
            hi = np.where(self.active, self.x0, -np.inf).max(axis=0)
            lo = np.where(self.active, self.x0, np.inf).min(axis=0)
            span = np.where(np.isfinite(hi - lo), hi - lo, 0.0)
        self.delta: FloatArray = np.asarray(np.where(span > 0, span, 1.0), dtype=np.float64)  # Δ = 0: nothing moves
        # every actor on every issue: the masks below are then implied by the arithmetic and are skipped
        self.all_active = bool(self.active.all())
        eye = np.eye(A, dtype=bool)
        present: BoolArray = np.asarray(arrays.present.T, dtype=bool)
        pair: BoolArray = present[:, :, None] & present[:, None, :] & ~eye  # (I, A, A)
        # channels of strength 1 on every pair that takes part: κ·E = E exactly, so κ is skipped
        kappa = np.clip(np.asarray(arrays.channels, dtype=np.float64), 0.0, 1.0)  # (D, A, A)
        self.unit_kappa = bool(np.all(np.where(np.asarray(np.any(pair, axis=0))[None], kappa, 1.0) == 1.0))
        self._kappa_d, self._pair_i = kappa, pair
        self._rows = np.arange(B)
        self._cache: dict[str, NDArray[Any]] = {}

    def rows(self, which: slice | BoolArray) -> _Case:
        """The same case restricted to some batch rows (a slice, or a mask over this case's rows), copied
        contiguous."""
        sub = object.__new__(_Case)
        sub.__dict__.update(self.__dict__)
        for name in ("active", "s", "w", "x0"):
            setattr(sub, name, np.ascontiguousarray(getattr(self, name)[:, which]))
        sub.delta, sub._rows = self.delta[which], self._rows[which]
        sub._cache = {}
        return sub

    def _cached(self, name: str, make: Any) -> NDArray[Any]:
        if name not in self._cache:
            self._cache[name] = make()
        return self._cache[name]

    @property
    def kappa(self) -> FloatArray:
        """κ[i, j, b], the strength of the channel i -> j (materialised once per chunk of rows)."""
        return self._cached("kappa", lambda: _to_last(self._kappa_d[self._rows // self.I]))

    @property
    def kappa_t(self) -> FloatArray:
        """κ[j, i, b], the channel j -> i, contiguous (it weighs every partner's challenge, every round)."""
        return self._cached("kappa_t", lambda: np.ascontiguousarray(self.kappa.swapaxes(0, 1)))

    @property
    def pair(self) -> BoolArray:
        """pair[i, j, b]: i ≠ j and both take part in row b's issue."""
        return self._cached("pair", lambda: _to_last(self._pair_i[self._rows % self.I]))

    @property
    def s_target(self) -> FloatArray:
        """s_j broadcast over challengers i, (1, A, B); and 1 − s_j below: per-round invariants of E_ij."""
        return self.s[None]

    @property
    def s_rest(self) -> FloatArray:
        return self._cached("s_rest", lambda: 1 - self.s[None])

    @property
    def at_partner(self) -> IntArray:
        """Flat index of [i, 0, b] in an (A, A, B) array: + partner·B picks each actor's entry with its partner."""
        A, B = self.s.shape
        return self._cached("at_partner", lambda: np.arange(A)[:, None] * (A * B) + np.arange(B)[None, :])

    @property
    def cols(self) -> IntArray:
        """0..B−1: flat index of [0, b] in an (A, B) array."""
        return self._cached("cols", lambda: np.arange(self.s.shape[1]))

    def unfold(self, z: NDArray[Any]) -> NDArray[Any]:
        """(..., B) -> (D, ..., I) for all rows of the case."""
        moved = z.reshape(*z.shape[:-1], self.D, self.I)
        return np.moveaxis(moved, -2, 0)


def _mu(x: FloatArray, w: FloatArray, opts: BDMOptions) -> FloatArray:
    """μ per row from batch-first (B, A) positions and weights."""
    if opts.mu == "mean":
        return weighted_mean(x, w)
    return weighted_median(x, w)


def _probability(case: _Case, same: BoolArray, support: FloatArray, opts: BDMOptions) -> FloatArray:
    """P[i, j, b], the probability that i beats j, from the vote sums N[i, j, b] (votes for i over j).

    Overwrites ``support`` (the caller's fresh array) with the result.
    """
    if opts.probability == "pairwise":
        den = support + support.swapaxes(0, 1)
    else:
        # Scholz's normaliser Σ_k w_k Σ_{a1, a2} |v_k,a1 − v_k,a2| over all (voter, a1, a2) triples is twice the
        # sum of every N_ij (each voter adds its margin once to N_ij or N_ji): O(A²) instead of a sort per voter.
        # Summed per row over a contiguous copy, so the additions are in the same (pairwise) order as always.
        counted = support if case.all_active else np.where(case.pair, support, 0.0)
        A = counted.shape[0]
        total = 2 * np.ascontiguousarray(counted.reshape(A * A, -1).T).sum(axis=1)
        den = np.broadcast_to(total, support.shape)
    # Where a contest has no votes (den = 0, always so on the diagonal) the odds are even, except between
    # actors at the same spot, which never contest (and whose N is 0, so they are among the den = 0 ones).
    # Written as (N + ½·[den = 0, apart]) / (den + [den = 0]): adding 0 changes no bit of the other elements,
    # and it avoids numpy's masked assignments, which are several times slower than this arithmetic.
    none = den <= 0
    np.add(support, np.multiply(none & ~same, 0.5), out=support)
    return np.divide(support, np.add(den, none), out=support)


def _status_quo_term(
    dist: FloatArray, dmu_challenger: FloatArray | None, r: FloatArray, opts: BDMOptions
) -> FloatArray:
    """Q·U_sq + (1 − Q)[T·U_b + (1 − T)·U_w]: what the challenger expects if it does not challenge."""
    u_sq = 2 - 4 * 0.5**r
    if opts.q == 1.0 or dmu_challenger is None:  # (μ is only needed, and only given, when Q < 1)
        return np.asarray(opts.q * u_sq, dtype=np.float64)
    spread = 0.25 * (dmu_challenger + dist)
    u_b = 2 - 4 * (0.5 - spread) ** r
    u_w = 2 - 4 * (0.5 + spread) ** r
    return np.asarray(opts.q * u_sq + (1 - opts.q) * (opts.t * u_b + (1 - opts.t) * u_w), dtype=np.float64)


def _eu(
    p: FloatArray, u_s: FloatArray, u_f: FloatArray, s_target: FloatArray, s_rest: FloatArray, sq: FloatArray | None
) -> FloatArray:
    """E = s_j (P U_s + (1 − P) U_f) + (1 − s_j) U_s − status quo: a challenge the target resists with
    probability s_j is won with probability P; unresisted, it succeeds. (In place, in the order the formula
    reads, so every element is rounded as the formula says; ``s_rest`` = 1 − s_j; ``sq`` None: a status quo
    worth exactly 0.)"""
    out = np.multiply(p, u_s)
    tmp = np.subtract(1, p)
    tmp *= u_f
    out += tmp
    out *= s_target
    np.multiply(s_rest, u_s, out=tmp)
    out += tmp
    if sq is not None:
        out -= sq
    return out


def _utilities(dist: FloatArray, r_row: FloatArray | None) -> tuple[FloatArray, FloatArray]:
    """U_s and U_f of a challenge over distance d, priced with risk exponent r (None: risk neutral, r = 1)."""
    if r_row is None:  # x**1 == x exactly, so skipping the power changes no bit
        return 2 - 4 * (0.5 - 0.5 * dist), 2 - 4 * (0.5 + 0.5 * dist)
    return 2 - 4 * (0.5 - 0.5 * dist) ** r_row, 2 - 4 * (0.5 + 0.5 * dist) ** r_row


def _price(base: FloatArray, r_row: FloatArray | None) -> FloatArray:
    """2 − 4·base^r (base = ½ ∓ ½d), into a fresh array (r None: r = 1, and x**1 == x exactly)."""
    out = np.power(base, r_row) if r_row is not None else base.copy()
    out *= 4
    np.subtract(2, out, out=out)
    return out


def _risk_from_danger(active: BoolArray, danger: FloatArray, lo: FloatArray, hi: FloatArray) -> FloatArray:
    """r = (1 − R/3)/(1 + R/3), R = (2 D − D_max − D_min)/(D_max − D_min) ∈ [−1, 1], so r ∈ [0.5, 2]."""
    width = hi - lo
    big_r = np.where(width > 0, (2 * danger - hi - lo) / np.where(width > 0, width, 1.0), 0.0)
    r = (1 - big_r / 3) / (1 + big_r / 3)
    return np.asarray(np.where(active, r, 1.0), dtype=np.float64)


def _risk_across_actors(case: _Case, valid: BoolArray, e1: FloatArray) -> FloatArray:
    """Risk exponents r (A, B) from each actor's danger D_i = Σ_j κ_ji E_j(U_ji), the (channel-weighted,
    risk-neutral) expected utilities of everyone else's challenge of i, compared across the actors.
    Overwrites ``e1``; the sum over challengers is sequential, as it always was."""
    if not case.unit_kappa:
        np.multiply(case.kappa, e1, out=e1)
    np.multiply(e1, valid, out=e1)  # (only the sign of a zero can differ from a masked copy: same sums)
    danger = np.add.reduce(e1, axis=0)  # (A, B): over challengers j of e1[j, i]
    if case.all_active:
        hi, lo = danger.max(axis=0, keepdims=True), danger.min(axis=0, keepdims=True)
    else:
        hi = np.where(case.active, danger, -np.inf).max(axis=0, keepdims=True)
        lo = np.where(case.active, danger, np.inf).min(axis=0, keepdims=True)
    return _risk_from_danger(case.active, danger, lo, hi)


def _risk_own_alternatives(case: _Case, x_last: FloatArray, opts: BDMOptions) -> FloatArray:
    """R_i from i's danger at its own position compared with its danger at every position held by an actor.

    Moving i to y changes i's distance to every challenger and i's own vote; the other voters' votes are the
    same pairwise sums as at the current positions. So for every (i, y, j) the numerators are the current
    ones with voter i's term swapped: O(A³) elementwise, chunked over i (risk neutral, pairwise probability).
    Not on the hot path: computed batch-first on copies of the round's batch-last arrays; returns (A, B).
    """
    x = _to_first(x_last)
    B, A = x.shape
    delta = case.delta
    w0, s, active = _to_first(case.w), _to_first(case.s), _to_first(case.active)
    if A < _DIRECT_BELOW:
        n = _support_direct(np.abs(x[:, :, None] - x[:, None, :]) / delta[:, None, None], w0)
    else:
        n = _support_sorted(x, w0, delta)  # n[b, p, q]: votes for actor p's position over q's
    n_t = np.swapaxes(n, 1, 2)
    w = w0 / delta[:, None]
    dmu = (np.abs(x - _mu(x, w0, opts)[:, None]) / delta[:, None])[:, None, None, :] if opts.q != 1.0 else None
    pair = _to_first(case.pair)
    kappa_t = None if case.unit_kappa else _to_first(case.kappa_t)  # κ_ji
    y = x[:, None, :, None]  # candidate positions (B, 1, a, 1)
    xj = x[:, None, None, :]  # challengers (B, 1, 1, j)
    d = np.abs(y - xj) / delta[:, None, None, None]  # (B, 1, a, j)
    one = np.ones_like(d)
    off = y != xj
    danger = np.zeros((B, A, A))  # danger[b, i, a]: i's danger if it stood at x_a
    step = max(1, _CHUNK // max(1, B * A * A))
    for lo in range(0, A, step):
        ii = np.arange(lo, min(A, lo + step))
        xi = x[:, ii, None, None]  # (B, c, 1, 1)
        wi = w[:, ii, None, None]
        # votes for j over i-at-y, and for i-at-y over j, with voter i moved from x_i to y
        to_y, to_j = np.abs(xi - y), np.abs(xi - xj)
        n_jy = n_t[:, None, :, :] - wi * np.maximum(0.0, to_y - to_j)
        n_yj = n[:, None, :, :] - wi * np.maximum(0.0, to_j - to_y) + wi * np.abs(y - xj)
        np.maximum(n_jy, 0.0, out=n_jy)
        np.maximum(n_yj, 0.0, out=n_yj)
        den = n_jy + n_yj
        p = np.full_like(den, 0.5)
        np.divide(n_jy, den, out=p, where=den > 0)
        u_s, u_f = _utilities(d, None)
        sq = None if dmu is None else _status_quo_term(d, dmu, one, opts)
        s_i = s[:, ii, None, None]
        e = _eu(p, u_s, u_f, s_i, 1 - s_i, sq)  # E_j(U_j,i@y); with Q = 1 the status quo is worth 0
        ok = pair[:, ii, None, :] & off
        if kappa_t is not None:
            e *= kappa_t[:, ii, None, :]
        danger[:, ii, :] = np.where(ok, e, 0.0).sum(axis=-1)
    held = np.where(active[:, None, :], danger, np.nan)
    own = danger[:, np.arange(A), np.arange(A)]
    with np.errstate(all="ignore"):
        hi = np.nanmax(np.where(active[:, :, None], held, np.nan), axis=2)
        lo = np.nanmin(np.where(active[:, :, None], held, np.nan), axis=2)
    hi, lo = np.nan_to_num(hi), np.nan_to_num(lo)
    return _to_last(_risk_from_danger(active, own, lo, hi))


def _kinds(a: FloatArray, b: FloatArray, capitulation: bool) -> IntArray:
    """The move i would make on j's offer, for a valid pair: a = i's EU of challenging j, b = j's of i."""
    conflict = (b > a) & (a > 0)
    yielding = (b > 0) & (a < 0)
    kind = np.where(conflict, CONFLICT, NONE)
    kind[yielding & (b > -a)] = COMPROMISE
    if capitulation:
        kind[yielding & (-a > b)] = CAPITULATION
    return np.asarray(kind, dtype=np.int64)


def _landing(x: FloatArray, xp: FloatArray, a: FloatArray, b: FloatArray, opts: BDMOptions) -> FloatArray:
    """Where i (at x) lands when it compromises with p (at xp): elementwise, any shape."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if opts.compromise_point == "proportional":
            return np.asarray(x + (xp - x) * np.abs(a / b), dtype=np.float64)
        return np.asarray((np.abs(a) * x + np.abs(b) * xp) / (np.abs(a) + np.abs(b)), dtype=np.float64)


_Pick = tuple[IntArray, BoolArray, IntArray, FloatArray, FloatArray]


def _pick_class_order(
    case: _Case,
    x: FloatArray,
    gap: FloatArray,
    valid: BoolArray,
    a: FloatArray,
    b: FloatArray,
    opts: BDMOptions,
    near: BoolArray | None = None,
) -> _Pick:
    """Scholz's choice: any confrontation first (smallest move), then compromises, then capitulations.

    All pair arrays are (i, j, B); returns partner, acts, kind, and a, b at the partner, each (A, B). ``near``
    (B,), where given, is set for rows whose choice could turn on rounding (:func:`_near_tie`).
    """
    conflict = valid & (b > a) & (a > 0)
    yielding = valid & (b > 0) & (a < 0)
    compromise = yielding & (b > -a)
    has_conf = conflict.any(axis=1)
    has_comp = compromise.any(axis=1)
    key = np.where(conflict, gap, np.inf)  # a confrontation moves i to j: by |x_i − x_j|
    who, rows = np.nonzero(~has_conf & has_comp)  # usually few: the key is computed for those only
    if who.size:
        am, bm, xm = a[who, :, rows], b[who, :, rows], x[who, rows][:, None]
        xo = x[:, rows].T
        with np.errstate(divide="ignore", invalid="ignore"):
            if opts.compromise_key == "lowest-point":
                comp_key = (np.abs(am) * xm + np.abs(bm) * xo) / (np.abs(am) + np.abs(bm))
            else:
                comp_key = np.abs(xm - _landing(xm, xo, am, bm, opts))
        key[who, :, rows] = np.where(compromise[who, :, rows], comp_key, np.inf)
    if near is not None:
        open_ = valid if case.unit_kappa else valid & (case.kappa > 0) & (case.kappa_t > 0)
        near |= _near_tie(x, open_, a, b, key, case.delta)
    cap_rows = np.asarray(~has_conf & ~has_comp, dtype=bool)
    if opts.capitulation and cap_rows.any():
        np.copyto(key, gap, where=yielding & (-a > b) & cap_rows[:, None, :])
    partner = np.asarray(np.argmin(key, axis=1), dtype=np.int64)
    at = case.at_partner + partner * x.shape[1]
    acts = np.isfinite(np.take(key, at))
    kind = np.where(has_conf, CONFLICT, np.where(has_comp, COMPROMISE, CAPITULATION))
    return partner, acts, np.asarray(kind, dtype=np.int64), np.take(a, at), np.take(b, at)


def _pick_highest_eu(
    case: _Case,
    x: FloatArray,
    gap: FloatArray,
    valid: BoolArray,
    a: FloatArray,
    b: FloatArray,
    opts: BDMOptions,
    near: BoolArray | None = None,
) -> _Pick:
    """The challenge the sender values most; exact ties by the sender nearest to i, then by the smallest
    resulting move (no move counts as 0). Ties are broken on values, never on actor order, so relabelling
    actors cannot change a trajectory; equally good offers pulling i both ways cancel out.

    All pair arrays are (i, j, B); returns partner, acts, kind, and a, b at the partner, each (A, B).
    """
    B = x.shape[1]
    bv = np.multiply(b, valid)  # b on valid pairs, ±0 elsewhere: its max over j is the best offer when positive
    sent = bv > 0
    tied = np.equal(bv, bv.max(axis=1, keepdims=True), out=np.empty_like(sent))
    tied &= sent
    first, last = _first_last(tied)
    any_tied = first >= 0
    partner = np.where(any_tied, first, 0)  # (as argmax would: 0 where no offer came; it is not acted on)
    torn = np.zeros(x.shape, dtype=bool)
    who, rows = np.nonzero(last > first)  # rare: the remaining filters only matter here
    if who.size:
        t = tied[who, :, rows]  # (m, A)
        g = gap[who, :, rows]
        t &= g == np.where(t, g, np.inf).min(axis=1, keepdims=True)
        am, bm, xm = a[who, :, rows], b[who, :, rows], x[who, rows][:, None]
        xo = x[:, rows].T
        kind_m = np.where(valid[who, :, rows], _kinds(am, bm, opts.capitulation), NONE)
        target = np.where(kind_m == COMPROMISE, _landing(xm, xo, am, bm, opts), xo)
        moved = np.where(kind_m != NONE, np.abs(xm - target), 0.0)
        t &= moved == np.where(t, moved, np.inf).min(axis=1, keepdims=True)
        pulls = np.where(kind_m != NONE, np.sign(target - xm), 0.0)
        torn[who, rows] = (t & (pulls > 0)).any(axis=1) & (t & (pulls < 0)).any(axis=1)
        partner[who, rows] = np.argmax(t, axis=1)
    at = case.at_partner + partner * B
    a_p, b_p = np.take(a, at), np.take(b, at)
    kind = _kinds(a_p, b_p, opts.capitulation)
    acts = any_tied & ~torn & (kind != NONE)
    return np.asarray(partner, dtype=np.int64), acts, kind, a_p, b_p


def _first_last(mask: BoolArray) -> tuple[IntArray, IntArray]:
    """First and last j with mask[i, j, b] (−1 where none), each (A, B).

    As the maxima of mask·(A − j) and mask·(j + 1) in small integers: a reduction over the middle axis of
    (A, A, B) runs along contiguous rows, where ``argmax`` and ``count_nonzero`` over it copy and are slow.
    """
    A = mask.shape[1]
    dtype = np.uint8 if A < 127 else np.int64
    j = np.arange(A, dtype=dtype)[None, :, None]
    first = np.multiply(mask, (A - j).astype(dtype), dtype=dtype).max(axis=1).astype(np.int64)
    last = np.multiply(mask, j + 1, dtype=dtype).max(axis=1).astype(np.int64) - 1
    return np.where(first > 0, A - first, -1), last


def _round(
    case: _Case, x: FloatArray, opts: BDMOptions, near: BoolArray | None = None
) -> tuple[FloatArray, IntArray, IntArray, FloatArray, FloatArray, FloatArray]:
    """One round: risk, expected utilities, offers, simultaneous moves. Returns the new positions and records.

    Batch-last throughout: x and the records are (A, B), pair arrays (i, j, B). ``near`` (B,), where given, is
    set for the rows whose choice could turn on rounding (:func:`_near_tie`).
    """
    A, B = x.shape
    gap = np.subtract(x[:, None, :], x[None, :, :])
    same = gap == 0.0  # x_i == x_j exactly (IEEE subtraction is 0 only for equal values)
    np.abs(gap, out=gap)  # |x_i − x_j|
    dist = np.divide(gap, case.delta)
    if case.all_active:
        valid = ~same  # i ≠ j and apart (the diagonal is always "same")
    else:
        np.multiply(dist, case.pair, out=dist)  # distances to absent actors are never used; 0 keeps powers real
        valid = case.pair & ~same
    large = A >= _DIRECT_BELOW
    xf = _to_first(x) if large or opts.q != 1.0 else x  # batch-first copy for the sorted kernels and μ
    srt = _Sorted(xf) if large else None
    dmu = np.abs(x - _mu(xf, _to_first(case.w), opts)) / case.delta if opts.q != 1.0 else None
    s_t, s_r = case.s_target, case.s_rest

    # risk-neutral voters and utilities
    if srt is None:
        votes = _support_last(dist, case.w)
    else:
        votes = _to_last(_support_sorted(xf, _to_first(case.w), case.delta, srt))
    p = _probability(case, same, votes, opts)
    half = 0.5 * dist
    base_s = 0.5 - half  # U_s = 2 − 4 (½ − ½d)^r, U_f = 2 − 4 (½ + ½d)^r
    base_f = np.add(0.5, half, out=half)
    if opts.risk == "neutral":
        r = np.ones_like(x)
    elif opts.risk == "own-alternatives":
        r = _risk_own_alternatives(case, x, opts)
    else:
        sq1 = _status_quo_term(dist, dmu[:, None, :], np.ones((A, 1, B)), opts) if dmu is not None else None
        e1 = _eu(p, _price(base_s, None), _price(base_f, None), s_t, s_r, sq1)  # E_i(U_ij) at r = 1
        r = _risk_across_actors(case, valid, e1)

    # p[i, j] = P(i beats j); with linear votes it does not depend on r, so the risk-neutral P is reused
    if opts.vote_risk != "linear" and opts.risk != "neutral":
        v = dist ** r[:, None, :]  # v[k, a, b] = (|x_k − x_a| / Δ)^r_k
        if srt is None:
            votes = _support_last(v, case.w)
        else:
            votes = _to_last(_support_prefix(xf, _to_first(v), _to_first(case.w), srt))
        p = _probability(case, same, votes, opts)

    r_i = r[:, None, :]
    u_s, u_f = _price(base_s, r_i), _price(base_f, r_i)  # priced with i's exponent
    sq_i = _status_quo_term(dist, None if dmu is None else dmu[:, None, :], r_i, opts)
    e_ij = _eu(p, u_s, u_f, s_t, s_r, sq_i)
    if opts.perspective == "each":
        e_ji = np.swapaxes(e_ij, 0, 1)
    else:  # i prices j's challenge with its own exponent (Scholz's code)
        sq_j = _status_quo_term(dist, None if dmu is None else dmu[None, :, :], r_i, opts)
        s_i = case.s[:, None, :]
        e_ji = _eu(np.swapaxes(p, 0, 1), u_s, u_f, s_i, 1 - s_i, sq_j)

    # A challenge only happens through a channel: its expected utility is scaled by the contact probability.
    if case.unit_kappa:
        a, b = e_ij, np.ascontiguousarray(e_ji)
    else:
        b = np.multiply(case.kappa_t, e_ji)  # j's EU of challenging i, via j -> i (first: e_ji may view e_ij)
        a = np.multiply(case.kappa, e_ij, out=e_ij)  # i's EU of challenging j, via i -> j
    pick = _pick_class_order if opts.selection == "class-order" else _pick_highest_eu
    partner, acts, kind, a_p, b_p = pick(case, x, gap, valid, a, b, opts, near)

    x_p = np.take(x, partner * B + case.cols)
    chosen_kind = np.where(acts, kind, NONE)
    target = np.where(chosen_kind == COMPROMISE, _landing(x, x_p, a_p, b_p, opts), x_p)
    return (
        np.where(acts, target, x),
        np.asarray(chosen_kind, dtype=np.int64),
        np.where(acts, partner, -1).astype(np.int64),
        np.where(acts, a_p, np.nan),
        np.where(acts, b_p, np.nan),
        r,
    )


# ---------------------------------------------------------------------------------------------------------------
# the public program's arithmetic (arithmetic="reference"; "reference-at-ties" where a near-tie decides)
#
# The Scholz-faithful program adds its vote sums voter by voter, its normaliser term by term over every (voter, a1,
# a2) triple, and each danger challenger by challenger, groups ½·d/Δ as (½·|x_i − x_j|)/Δ, and raises to powers
# with the C library's pow. Where an expected utility, or the difference of two, is within rounding of zero (an
# actor closing in on another geometrically, as on WW1 and columbus), that order decides which offer wins; the
# code below repeats it, one batch row at a time.

_NEAR = 1e-11  # an expected utility, or a gap between two, this small is a near-tie (EU units; offer keys: × Δ)


def _near_tie(
    x: FloatArray, valid: BoolArray, a: FloatArray, b: FloatArray, key: FloatArray, delta: FloatArray
) -> BoolArray:
    """Per batch row, whether the class-order choice could turn on rounding: for a pair apart with both channels
    open (``valid``; a closed one makes an exact 0, which decides), E_ij, E_ji or |E_ij| − |E_ji| within _NEAR
    of 0 (a sign or a class about to flip: b > a > 0, b > |a|), or an actor's best offer ``key`` (gap or
    compromise point, inf where none) within _NEAR·Δ of another offer toward another spot."""
    aa, bb = np.abs(a), np.abs(b)
    margin = np.minimum(aa, bb)
    np.minimum(margin, np.abs(aa - bb), out=margin)  # min(|a−b|, |a+b|) = ||a| − |b||
    near = np.asarray(((margin < _NEAR) & valid).any(axis=(0, 1)), dtype=bool)
    with np.errstate(invalid="ignore"):  # (inf − inf where an actor has no offer)
        tied = (key - key.min(axis=1, keepdims=True)) < _NEAR * delta
    spot = np.broadcast_to(x[None, :, :], key.shape)
    low = np.where(tied, spot, np.inf).min(axis=1)
    high = np.where(tied, spot, -np.inf).max(axis=1)
    return np.asarray(near | (high > low).any(axis=0), dtype=bool)


def _in_order(terms: FloatArray) -> FloatArray:
    """Σ over the first axis, added one term after another from the first (as the program's ``sum``)."""
    total = np.zeros(terms.shape[1:])
    for term in terms:
        total = total + term
    return total


def _libm_pow(base: FloatArray, exponent: Any) -> FloatArray:
    """base ** exponent elementwise with the C library's pow, as Python's floats do (numpy's vectorised power
    can differ from it in the last bit)."""
    b, e = np.broadcast_arrays(np.asarray(base, dtype=np.float64), np.asarray(exponent, dtype=np.float64))
    flat = list(map(math.pow, b.ravel().tolist(), e.ravel().tolist()))
    return np.asarray(flat, dtype=np.float64).reshape(b.shape)


class _Program:
    """Some batch rows evaluated as the public program does, batch-last like :func:`_round` (x is (A, R), pair
    arrays (A, A, R)); channels (κ) and absent actors as in the kernels."""

    def __init__(self, case: _Case, rows: IntArray) -> None:
        self.on = case.active[:, rows]
        self.pair = self.on[:, None, :] & self.on[None, :, :]
        self.w, self.s, self.delta = case.w[:, rows], case.s[:, rows], case.delta[rows]
        self.kappa = None if case.unit_kappa else case.kappa[:, :, rows]

    def apart(self, x: FloatArray) -> FloatArray:
        """|x_i − x_j| on pairs that take part, 0 elsewhere (so powers stay real)."""
        return np.where(self.pair, np.abs(x[:, None, :] - x[None, :, :]), 0.0)

    def probability(self, x: FloatArray, r: FloatArray) -> FloatArray:
        """P[i, j]: votes for i over j (voter by voter) over the votes of every (voter, a1, a2) triple."""
        A, R = x.shape
        v = _libm_pow(self.apart(x) / self.delta, r[:, None, :])  # v[k, a] = (|x_k − x_a|/Δ)^r_k
        margin = self.w[:, None, None, :] * (v[:, None, :, :] - v[:, :, None, :])  # [k, i, j]: k's vote, i over j
        margin = np.where(self.pair[None], margin, 0.0)
        votes = _in_order(np.maximum(margin, 0.0))
        everything = np.cumsum(np.abs(margin).reshape(A**3, R).T, axis=1)[:, -1]  # term by term, (k, a1, a2)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = votes / everything
        return np.where(x[:, None, :] == x[None, :, :], 0.0, p)

    def eu(self, x: FloatArray, p: FloatArray, s_target: FloatArray, r: FloatArray) -> FloatArray:
        """E[c, t]: challenger c's expected utility of challenging t, priced with exponents r (broadcast), as
        s_t·(P·U_s + (1 − P)·U_f) + (1 − s_t)·U_s − Q·U_sq, each part grouped as the program groups it."""
        half = (0.5 * self.apart(x)) / self.delta
        u_s = 2 - 4 * _libm_pow(0.5 - half, r)
        u_f = 2 - 4 * _libm_pow(0.5 + half, r)
        u_sq = 2 - 4 * _libm_pow(np.full(np.shape(r), 0.5), r)
        return np.asarray(s_target * (p * u_s + (1 - p) * u_f) + (1 - s_target) * u_s - 1.0 * u_sq, dtype=np.float64)

    def risk(self, x: FloatArray) -> FloatArray:
        """r_i from the dangers D_i = Σ_j E_j(U_ji), challenger by challenger, everyone risk neutral."""
        A, R = x.shape
        e = self.eu(x, self.probability(x, np.ones((A, R))), self.s[None], np.ones((1, 1, R)))
        if self.kappa is not None:
            e = self.kappa * e
        e = np.where(self.pair & ~np.eye(A, dtype=bool)[:, :, None], e, 0.0)
        danger = _in_order(e)  # over challengers j of e[j, i]
        hi = np.where(self.on, danger, -np.inf).max(axis=0, keepdims=True)
        lo = np.where(self.on, danger, np.inf).min(axis=0, keepdims=True)
        return _risk_from_danger(self.on, danger, lo, hi)

    def round(self, x: FloatArray) -> tuple[FloatArray, ...]:
        """One round: the new positions and the records (kind, partner, E_ij, E_ji, r), as :func:`_round`."""
        r = self.risk(x)
        p = self.probability(x, r)
        a = self.eu(x, p, self.s[None], r[:, None])  # i's challenge of j, priced by i
        b = self.eu(x, p.swapaxes(0, 1), self.s[:, None], r[:, None])  # j's challenge of i, priced by i
        if self.kappa is not None:
            a, b = self.kappa * a, self.kappa.swapaxes(0, 1) * b
        xi, xj = x[:, None, :], x[None, :, :]
        valid = self.pair & (xi != xj)
        conflict = valid & (b > a) & (a > 0)
        compromise = valid & (b > 0) & (0 > a) & (b > np.abs(a))
        with np.errstate(divide="ignore", invalid="ignore"):
            point = (np.abs(a) * xi + np.abs(b) * xj) / (np.abs(a) + np.abs(b))
            landing = xi + (xj - xi) * np.abs(a / b)
        by_conflict = conflict.any(axis=1, keepdims=True)
        key = np.where(by_conflict, np.where(conflict, np.abs(xi - xj), np.inf), np.where(compromise, point, np.inf))
        partner = np.argmin(key, axis=1)[:, None, :]  # the first of equal keys, as the program's min()
        acts = np.isfinite(np.take_along_axis(key, partner, 1))[:, 0]
        kind = np.where(acts, np.where(by_conflict[:, 0], CONFLICT, COMPROMISE), NONE)
        target = np.where(by_conflict, np.broadcast_to(xj, key.shape), landing)
        at = [np.take_along_axis(z, partner, 1)[:, 0] for z in (target, a, b)]
        partner = partner[:, 0]
        return (np.where(acts, at[0], x), kind, np.where(acts, partner, -1), np.where(acts, at[1], np.nan),
                np.where(acts, at[2], np.nan), r)  # fmt: skip


def _reference_rows(
    case: _Case, rows: IntArray, n_rounds: int, history: FloatArray, records: Mapping[str, NDArray[Any]]
) -> None:
    """Overwrite the given batch rows of ``history`` (R+1, A, B) and ``records`` (R, A, B) with the program's
    own arithmetic, all rounds from round 0, some rows at a time (the triple sum holds A³ terms per row)."""
    A = case.x0.shape[0]
    step = max(1, _CHUNK // max(1, A**3))
    for lo in range(0, rows.size, step):
        some = rows[lo : lo + step]
        program = _Program(case, some)
        x = case.x0[:, some]
        for k in range(n_rounds):
            x, *recorded = program.round(x)
            history[k + 1][:, some] = x
            for values, value in zip(records.values(), recorded, strict=False):
                values[k][:, some] = value


# ---------------------------------------------------------------------------------------------------------------
# public API


def run(
    arrays: Arrays, *, rounds: int | None = 10, preset: str = "bdm", record_details: bool = True, **options: object
) -> Trajectory:
    """Run the model for a fixed number of rounds; options override the preset (see :class:`BDMOptions`).

    ``details`` holds, per round r = 1..R, arrays shaped (D, R, A, I): ``kind`` (codes of :data:`MOVE_KINDS`),
    ``partner`` (index of the actor moved toward, −1 if none), ``eu`` and ``other_eu`` (E_ij and E_ji of the
    acted-on offer as the mover saw them, channel-weighted; NaN if none) and ``risk`` (the exponents r_i used).
    ``record_details=False`` keeps only the positions (``details`` then has just ``move_kinds``): for large
    batches whose moves nobody reads. It is not a modelling choice, so it is not among the options.
    Actors without a stance on an issue (``present`` False) take no part in it: they cast no vote, make and
    receive no offers, do not enter Δ or the security-level range, and keep their (meaningless) position.

    Draws and issues are independent, so the batch rows are run through all rounds a chunk at a time, each
    chunk small enough for its (A, A, rows) arrays to stay in cache.
    """
    opts = resolve(preset, options)
    n_rounds = 10 if rounds is None else int(rounds)
    if n_rounds < 0:
        raise ValueError(f"rounds must be >= 0, got {n_rounds}")
    case = _Case(arrays, opts)
    D, A, I = arrays.shape
    B = D * I
    history = np.empty((n_rounds + 1, A, B))  # batch-last, like the round
    history[0] = case.x0
    names = ("kind", "partner", "eu", "other_eu", "risk") if record_details else ()
    records = {
        name: np.empty((n_rounds, A, B), dtype=np.int64 if name in ("kind", "partner") else np.float64)
        for name in names
    }
    step = max(1, _ROW_ELEMS // max(1, A * A))
    near_all = np.zeros(B, dtype=bool)  # rows a near-tie may decide (arithmetic="reference-at-ties")

    def run_rows(lo: int) -> None:
        hi = min(B, lo + step)
        chunk = case.rows(slice(lo, hi))
        where = np.arange(lo, hi)  # where the chunk's rows go in the history
        x = chunk.x0
        for k in range(n_rounds):
            near = np.zeros(where.size, dtype=bool) if opts.arithmetic == "reference-at-ties" else None
            new, *recorded = _round(chunk, x, opts, near)
            if near is not None:
                near_all[where[near]] = True
            history[k + 1][:, where] = new
            for name, value in zip(names, recorded, strict=False):
                records[name][k][:, where] = value
            # A round is a pure function of the positions, so a row whose positions came back bit for bit the
            # same is at a fixed point: every later round repeats this one. Such rows are filled in and dropped
            # (once enough of them gather to pay for the copy), which changes no bit of any result.
            fixed = np.all(new.view(np.int64) == x.view(np.int64), axis=0)
            x = new
            n_fixed = int(fixed.sum())
            if k + 1 < n_rounds and n_fixed and n_fixed * _FREEZE_SHARE >= fixed.size:
                at = where[fixed]
                history[k + 2 :, :, at] = x[None, :, fixed]
                for name, value in zip(names, recorded, strict=False):
                    records[name][k + 1 :, :, at] = value[None, :, fixed]
                if n_fixed == fixed.size:
                    return
                moving = ~fixed
                where, chunk, x = where[moving], chunk.rows(moving), np.ascontiguousarray(x[:, moving])

    for lo in range(0, B, step) if n_rounds and opts.arithmetic != "reference" else ():
        run_rows(lo)
    exact = np.arange(B) if opts.arithmetic == "reference" else np.flatnonzero(near_all)
    if n_rounds and exact.size:
        _reference_rows(case, exact, n_rounds, history, records)
    positions = case.unfold(history)  # (D, R+1, A, I)
    details: dict[str, Any] = {"move_kinds": MOVE_KINDS}
    for name, values in records.items():
        details[name] = case.unfold(values)
    # the forecast counts only actors with a stance, whatever salience the arrays carry for the others
    voiced = replace(arrays, salience=np.where(arrays.present[None], arrays.salience, 0.0))
    return Trajectory(preset, arrays, positions, decide(voiced, positions[:, -1]), opts.as_dict(), details)


def run_scholz(arrays: Arrays, *, rounds: int | None = 10, **options: object) -> Trajectory:
    """The ``bdm-scholz`` preset: Scholz, Calbert & Smith's code as replicated by McKibben-Sanders."""
    return run(arrays, rounds=rounds, preset="bdm-scholz", **cast(dict[str, Any], options))


def run_bdm(arrays: Arrays, *, rounds: int | None = 10, **options: object) -> Trajectory:
    """The recommended ``bdm`` preset."""
    return run(arrays, rounds=rounds, preset="bdm", **cast(dict[str, Any], options))


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
    reference_test="tests/test_models_bdm.py::test_two_actors_by_hand",
    reference_source=(
        "a case derived by hand in the test's docstring from the BDM (1994) formulas as Masad reads them: risk "
        "exponents, both expected utilities and the move, to 1e-12 relative (positions exact); no published "
        "trajectory of this reading exists to compare with"
    ),
    presets={"bdm": PRESETS["bdm"], "bdm-scholz": PRESETS["bdm-scholz"]},
    forecast_only={"record_details": False},
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
        "Where an expected utility or a difference of two is within 1e-11 of zero, or two offers' keys within "
        "1e-11 of the range, the row is computed in the program's own order of arithmetic (its sums, pow).",
    ),
    run=run_scholz,
    default_rounds=10,
    options=_option_specs("bdm-scholz"),
    reference_test="tests/test_models_bdm.py::test_scholz_reproduces_the_program_on_every_public_case",
    reference_source=(
        "the public program itself (bdm_scholz_model.py, dmasad fork @ d7c7bbab, run with Python 3.11 on the 25 "
        "single-issue BDM tables of the shared data; runs kept in tests/data/bdm_scholz/): every round's "
        "positions and risk exponents to 1e-9 (observed: bit for bit on WW1 and columbus, 1e-13 elsewhere; "
        "bit for bit everywhere with arithmetic='reference'); and its own published log, Example.log, to 1e-9"
    ),
    presets={"bdm-scholz": PRESETS["bdm-scholz"]},
    forecast_only={"record_details": False},
)
