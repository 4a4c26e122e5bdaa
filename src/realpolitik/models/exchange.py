"""Stokman's exchange model of voting positions (equal-gain and random-rate), vectorised over draws and pairs.

The model (Stokman & Van Oosten 1994; Stokman & Thomson 2004; Dijkstra, van Assen, Stokman & Draaijer 2018):
an issue's outcome is the compromise point (the power × salience weighted mean of positions, Decide's "NBS").
An actor gains from moving that point toward itself on issues it cares about and loses little by moving its own
*voting* position on issues it cares less about. Two actors on opposite sides of the compromise point on two
issues p and q can therefore trade: the one that cares relatively more about p (I) gives way on q and the other
(J) gives way on p. Every such pair is a candidate; candidates are realised one at a time, best first, and what
remains is re-evaluated after each. At the end of a round actors' positions partly move to their voting positions,
and the next round starts from there. See ``docs/models/exchange.md`` for the formulas and every choice.

Formulas, on each issue's interval mapped to 0–100 (as Decide does, so gains are in Decide's units):

* compromise point N_d = Σ_a w_ad x_ad / Σ_a w_ad with w_ad = power_ad · salience_ad (Σ over actors that take part);
* a move of Δ by actor a on d shifts N_d by Δ·w_ad/Σ_d ("exchange ratio" in the reference code);
* with shifts δ_p (J's move on p) and δ_q = r·δ_p (I's move on q) the gains are
  G_I = δ_p s_Ip − δ_q s_Iq and G_J = δ_q s_Jq − δ_p s_Jp. Equal gain fixes the rate
  r = (s_Ip + s_Jp)/(s_Iq + s_Jq); random rate draws it between that and one of the two rates where one side
  gains nothing (s_Ip/s_Iq or s_Jp/s_Jq);
* one side moves all the way to its partner's (round-start) position and the other as far as the rate says; if
  that would overshoot, the roles swap. Neither shift may carry a compromise point past the demander's position
  (Decide's ``check_nbs``): the exchange shrinks, at the same rate, until it just reaches it;
* new start position x' = x + ((1 − s)·0.4 + 0.1)·(y − x), y the voting position after the round.

Why it is written this way:

* The candidate search is one set of array operations over (draws × issue pairs × actor pairs). The realisation
  loop is inherently sequential (each realised exchange changes what the others are worth), so it runs in lockstep
  across draws: each step realises, in every draw at once, that draw's best remaining exchange, then re-evaluates
  all candidates of all draws with the same vectorised kernel.
* Cost per round and draw: O(A·I) to find the groups, O(K) per step with K ≤ A(A−1)/2 · I(I−1)/2 candidates, and
  S steps, S the number of exchanges realised (each candidate is realised at most once; in practice S = O(A·I)):
  O(S·K) = O(A³·I³) time in the worst case and O(K) memory per draw. Draws are processed in chunks so the
  (chunk × K) temporaries stay small.
* Random numbers come from one child seed per draw (spawned from the recorded seed), so a draw's result does not
  depend on how many other draws run with it or on the chunk size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from ..randomness import draw_seed_sequences, seed_of
from .aggregates import weighted_mean
from .arrays import Arrays, BoolArray, FloatArray
from .base import ModelSpec, OptionSpec, Trajectory, decide, voice

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..scenario.model import Scenario

IntArray = NDArray[np.int64]
Variant = Literal["equal-gain", "random-rate"]
VARIANTS: tuple[str, ...] = ("equal-gain", "random-rate")
OUTCOMES: tuple[str, ...] = ("nbs", "rule")
NBS_CHECKS: tuple[str, ...] = ("demander", "current")

SCALE = 100.0  # Decide normalises every issue to 0–100; gains and shifts are reported in these units
_TOL = 1e-10  # Decide's threshold for a move or a gain to count
_CHUNK_ELEMENTS = 1 << 21  # draws × candidates per chunk (each temporary ≈ 16 MiB)

EXCHANGE_COLUMNS: tuple[str, ...] = (
    "draw", "round", "step", "actor_i", "actor_j", "issue_p", "issue_q",
    "x_i", "y_i", "x_j", "y_j", "shift_p", "shift_q", "gain_i", "gain_j", "rate",
)  # fmt: skip
"""Columns of ``details['exchanges']``. Actor I gives way on q (its move x_i → y_i) for J's move on p (x_j → y_j);
positions on the issue's own scale; ``shift_*`` (compromise-point shifts), gains and the rate δ_q/δ_p on 0–100."""


@dataclass(frozen=True)
class ExchangeOptions:
    """Resolved options of one run (see :data:`OPTION_SPECS` for what each means and why the default)."""

    variant: Variant = "equal-gain"
    spread: float = 1.0
    salience_weight: float = 0.4
    fixed_weight: float = 0.1
    outcome: Literal["nbs", "rule"] = "nbs"
    nbs_check: Literal["demander", "current"] = "demander"


OPTION_SPECS: tuple[OptionSpec, ...] = (
    OptionSpec("variant", "equal-gain", VARIANTS, "equal-gain: both gain the same (Stokman & Van Oosten 1994); "
               "random-rate: the rate is drawn between equal gain and one side's break-even (Dijkstra et al. 2018)."),
    OptionSpec("rng", None, None, "seed or numpy Generator for random-rate (recorded as options['seed'])."),
    OptionSpec("draw_keys", None, None, "one int per draw: draws with the same key share random numbers (the lab)"),
    OptionSpec("spread", 1.0, None, "random-rate only: how far (0–1) toward a break-even rate a draw may go "
               "(Decide's p)."),
    OptionSpec("power", None, None, "per actor-issue power (A, I) or (D, A, I); default: capability on every "
               "issue. decide_power(scenario) builds it from a Decide file's per-issue powers."),
    OptionSpec("issue_power", None, None, "Decide's per-issue powers {actor id: {issue id: power}} (a Decide file's "
               "metadata.decide.power, applied by forecast and the lab): power = capability × power / the actor's "
               "mean power, so it equals the file's power and follows sampled or changed capabilities."),
    OptionSpec("salience_weight", 0.4, None, "new start x' = x + ((1-s)·salience_weight + fixed_weight)·(y - x)."),
    OptionSpec("fixed_weight", 0.1, None, "see salience_weight (Decide's FIXED_WEIGHT)."),
    OptionSpec("outcome", "nbs", OUTCOMES, "nbs: forecast = compromise point of the last round's voting positions "
               "(Decide's outcome); rule: each issue's decision rule on the final start positions."),
    OptionSpec("nbs_check", "demander", NBS_CHECKS, "which compromise point an exchange may not carry past the "
               "demander: demander = the round-start point moved by what the demander already bought and by the "
               "supplier's own moves (Decide); current = the point after every exchange realised so far."),
)  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# helpers


def decide_power(scenario: Scenario) -> FloatArray:
    """Per actor-issue power (A, I) of a scenario: capability, overridden by Decide's per-issue powers.

    The Decide loader keeps powers that differ by issue in ``metadata['decide']['power']`` (actor id -> issue id
    -> power) and sets the capability to their mean; pass this array as ``power=`` to use them as Decide does.
    """
    actors = [a.id for a in scenario.actors]
    issues = [i.id for i in scenario.issues]
    out = np.tile(np.array([a.capability.value for a in scenario.actors], dtype=np.float64)[:, None], (1, len(issues)))
    meta = scenario.metadata.get("decide", {})
    kept = meta.get("power", {}) if isinstance(meta, Mapping) else {}
    if isinstance(kept, Mapping):
        for a, actor in enumerate(actors):
            per_issue = kept.get(actor)
            if not isinstance(per_issue, Mapping):
                continue
            for i, issue in enumerate(issues):
                value = per_issue.get(issue)
                if isinstance(value, int | float):
                    out[a, i] = float(value)
    return out


def options_from_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Exchange options a scenario carries: a Decide file's per-issue powers (``metadata['decide']['power']``).

    The Decide loader keeps them only where an actor's power differs by issue (its capability is then their mean),
    so they reach the model as ``issue_power``; without them every issue would get the mean.
    """
    meta = metadata.get("decide", {})
    kept = meta.get("power") if isinstance(meta, Mapping) else None
    if not isinstance(kept, Mapping) or not kept:
        return {}
    out = {
        str(a): {str(i): float(v) for i, v in per.items() if isinstance(v, int | float)}
        for a, per in kept.items()
        if isinstance(per, Mapping)
    }
    return {"issue_power": out} if any(out.values()) else {}


def _issue_power(arrays: Arrays, kept: Mapping[str, Mapping[str, float]]) -> FloatArray:
    """(D, A, I) power from Decide's per-issue powers, scaled by each draw's capability over the actor's mean
    power (1.0 exactly for the file's own capability, which the loader set to that mean)."""
    out = np.array(arrays.weight(), dtype=np.float64, copy=True)
    for a, actor in enumerate(arrays.actor_ids):
        per = kept.get(actor)
        if not per:
            continue
        values = [float(v) for v in per.values()]
        mean = sum(values) / len(values)
        if mean <= 0:
            continue
        for i, issue in enumerate(arrays.issue_ids):
            if issue in per:
                out[:, a, i] = float(per[issue]) * (arrays.capability[:, a] / mean)
    return out


def _resolve(variant: str, options: dict[str, Any]) -> ExchangeOptions:
    known = {"spread", "salience_weight", "fixed_weight", "outcome", "nbs_check"}
    unknown = sorted(set(options) - known)
    if unknown:
        also = "power, issue_power, rng, draw_keys, variant"
        raise TypeError(f"exchange got unknown options {unknown} (known: {also}, {', '.join(known)})")
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    opts = ExchangeOptions(variant=variant, **options)  # type: ignore[arg-type]
    if not 0.0 <= opts.spread <= 1.0:
        raise ValueError(f"spread must be in [0, 1], got {opts.spread}")
    if opts.outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}, got {opts.outcome!r}")
    if opts.nbs_check not in NBS_CHECKS:
        raise ValueError(f"nbs_check must be one of {NBS_CHECKS}, got {opts.nbs_check!r}")
    if not (0.0 <= opts.salience_weight and 0.0 <= opts.fixed_weight and opts.salience_weight + opts.fixed_weight <= 1):
        raise ValueError("salience_weight and fixed_weight must be >= 0 with a sum <= 1")
    return opts


def _power(arrays: Arrays, power: Any) -> FloatArray:
    D, A, I = arrays.shape
    if power is None:  # capability, or the actor's influence on the issue where the scenario gives one
        return arrays.weight()
    p = np.asarray(power, dtype=np.float64)
    if p.shape not in ((A, I), (D, A, I)):
        raise ValueError(f"power must be shaped (A, I) = {(A, I)} or (D, A, I), got {p.shape}")
    if np.any(p < 0) or not np.all(np.isfinite(p)):
        raise ValueError("power must be finite and >= 0")
    return np.broadcast_to(p, (D, A, I)).astype(np.float64)


def _nbs(W: FloatArray, X: FloatArray, total: FloatArray) -> FloatArray:
    """Compromise point per issue, (..., I); 0 where nobody weighs in (no exchange can involve such an issue)."""
    return np.asarray((W * X).sum(axis=-2) / np.where(total > 0, total, 1.0), dtype=np.float64)


# ---------------------------------------------------------------------------------------------------------------
# one round for a chunk of draws


@dataclass
class _Candidates:
    """The candidate exchanges of one round for a chunk of draws, each draw's list padded to the longest one.

    All fields are (Dc, K): K is the largest number of candidates of any draw, so memory and time follow the
    candidates that exist, not the full (issue pair × actor pair) grid. Each draw's list keeps the grid order,
    which is the tie-break order.
    """

    p: IntArray  # I's demand issue = J's supply issue
    q: IntArray  # I's supply issue
    grid: IntArray  # index into the full grid, for draw-stable random numbers
    eligible: BoolArray  # False on padding
    I: IntArray  # actor that gives way on q
    J: IntArray  # actor that gives way on p
    fixed: dict[str, FloatArray] = field(default_factory=dict)  # gathers that stay the same all round


def _candidates(L: BoolArray, m: BoolArray, S: FloatArray) -> _Candidates:
    """Pairs on opposite sides of the compromise point on both issues of a pair (Decide's groups A–D and B–C)."""
    _, A, I = L.shape
    pi, qi = np.triu_indices(I, 1)
    ai, bi = np.triu_indices(A, 1)
    P, Q = len(pi), len(ai)
    p, q = np.repeat(pi, Q), np.repeat(qi, Q)
    a, b = np.tile(ai, P), np.tile(bi, P)
    elig = m[:, a, p] & m[:, a, q] & m[:, b, p] & m[:, b, q]
    elig &= (L[:, a, p] != L[:, b, p]) & (L[:, a, q] != L[:, b, q])
    k_max = int(elig.sum(axis=1).max()) if elig.size else 0
    idx = np.argsort(~elig, axis=1, kind="stable")[:, :k_max]  # each draw's candidates first, in grid order
    elig = np.take_along_axis(elig, idx, axis=1)
    p, q, a, b = p[idx], q[idx], a[idx], b[idx]
    d = np.arange(L.shape[0])[:, None]
    # I is the actor that cares relatively more about p: s_ap / s_aq >= s_bp / s_bq (cross-multiplied)
    a_is_i = S[d, a, p] * S[d, b, q] >= S[d, b, p] * S[d, a, q]
    return _Candidates(
        p=p.astype(np.int64),
        q=q.astype(np.int64),
        grid=idx.astype(np.int64),
        eligible=elig,
        I=np.where(a_is_i, a, b).astype(np.int64),
        J=np.where(a_is_i, b, a).astype(np.int64),
    )


@dataclass
class _Terms:
    """Per-candidate moves and gains in the current state (all (Dc, K))."""

    key: FloatArray  # mean gain where valid, -inf elsewhere
    move_i: FloatArray
    move_j: FloatArray
    shift_p: FloatArray
    shift_q: FloatArray
    gain_i: FloatArray
    gain_j: FloatArray


def _evaluate(
    c: _Candidates,
    rate: FloatArray,
    X0: FloatArray,
    V: FloatArray,
    W: FloatArray,
    S: FloatArray,
    total: FloatArray,
    nbs_p: FloatArray,
    nbs_q: FloatArray,
    direction: NDArray[np.int8],
    done: BoolArray,
) -> _Terms:
    """Moves, shifts and gains of every candidate given the voting positions V and the compromise points that
    J's move on p and I's move on q may not carry past their partners (``nbs_p``, ``nbs_q``, (Dc, K))."""
    d = np.arange(V.shape[0])[:, None]
    p, q, I, J = c.p, c.q, c.I, c.J
    f = c.fixed
    if not f:  # gathered once a round: the round-start positions, weights and saliences do not change
        f.update(tI=X0[d, J, q], tJ=X0[d, I, p], sig_p=total[d, p], sig_q=total[d, q], w_iq=W[d, I, q])
        f.update(w_jp=W[d, J, p], s_ip=S[d, I, p], s_iq=S[d, I, q], s_jp=S[d, J, p], s_jq=S[d, J, q])
    tI, tJ = f["tI"], f["tJ"]  # each moves toward its partner's round-start position
    xI, xJ = V[d, I, q], V[d, J, p]
    sgn_i, sgn_j = np.sign(tI - xI), np.sign(tJ - xJ)
    sig_p, sig_q, w_iq, w_jp = f["sig_p"], f["sig_q"], f["w_iq"], f["w_jp"]
    room_p = sgn_j * (tJ - nbs_p)  # how far N_p may still move toward I before passing it
    room_q = sgn_i * (tI - nbs_q)
    full_p = np.abs(tJ - xJ) * w_jp / sig_p  # shift of N_p if J went all the way
    full_q = np.abs(tI - xI) * w_iq / sig_q
    shift_p = np.minimum(np.minimum(full_p, full_q / rate), np.minimum(room_p, room_q / rate))
    shift_p = np.maximum(shift_p, 0.0)
    shift_q = rate * shift_p
    with np.errstate(divide="ignore", invalid="ignore"):  # an actor with no weight on an issue cannot move it
        move_i = np.where(w_iq > 0, sgn_i * shift_q * sig_q / w_iq, 0.0)
        move_j = np.where(w_jp > 0, sgn_j * shift_p * sig_p / w_jp, 0.0)
    gain_i = shift_p * f["s_ip"] - shift_q * f["s_iq"]
    gain_j = shift_q * f["s_jq"] - shift_p * f["s_jp"]
    key = (gain_i + gain_j) / 2
    dir_i, dir_j = direction[d, I, q], direction[d, J, p]
    valid = c.eligible & ~done & (sgn_i != 0) & (sgn_j != 0)
    valid &= ((dir_i == 0) | (dir_i == sgn_i)) & ((dir_j == 0) | (dir_j == sgn_j))  # one direction per round
    valid &= (room_p > 0) & (room_q > 0)
    valid &= (np.abs(move_i) > _TOL) & (np.abs(move_j) > _TOL)
    valid &= (gain_i > -_TOL) & (gain_j > -_TOL) & (key > _TOL)
    return _Terms(np.where(valid, key, -np.inf), move_i, move_j, shift_p, shift_q, gain_i, gain_j)


def _round(
    X0: FloatArray,
    W: FloatArray,
    S: FloatArray,
    m: BoolArray,
    opts: ExchangeOptions,
    draw_rngs: list[np.random.Generator] | None,
    rows: list[FloatArray],
    draw_ids: IntArray,
    round_no: int,
) -> tuple[FloatArray, IntArray]:
    """One round for a chunk of draws: returns the voting positions V (Dc, A, I) and the candidates per draw."""
    Dc, A, I = X0.shape
    total = W.sum(axis=1)  # (Dc, I)
    N = _nbs(W, X0, total)
    L = X0 <= N[:, None, :]  # Decide (current): "left" of the compromise point includes sitting on it
    c = _candidates(L, m, S)
    d = np.arange(Dc)[:, None]
    s_ip, s_iq, s_jp, s_jq = S[d, c.I, c.p], S[d, c.I, c.q], S[d, c.J, c.p], S[d, c.J, c.q]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = (s_ip + s_jp) / (s_iq + s_jq)
        if opts.variant == "random-rate" and draw_rngs is not None:
            n_grid = (I * (I - 1) // 2) * (A * (A - 1) // 2)
            u = np.stack([g.random((2, n_grid))[:, c.grid[k]] for k, g in enumerate(draw_rngs)], axis=1)
            end = np.where(u[0] < 0.5, s_ip / s_iq, s_jp / s_jq)  # I's or J's break-even rate
            rate = rate + opts.spread * u[1] * (end - rate)
    rate = np.where(c.eligible, rate, 1.0)
    V = X0.copy()
    direction = np.zeros((Dc, A, I), dtype=np.int8)
    done = np.zeros(c.eligible.shape, dtype=bool)  # realised, or invalid once (Decide drops those for the round)
    bought = np.zeros((Dc, A, A, I))  # [y, x, s]: shift of N_s by supplier x's moves when it last gave way to y
    safe = np.where(total > 0, total, 1.0)
    N0 = N.copy()
    live = np.ones(Dc, dtype=bool)
    all_d = np.arange(Dc)
    step = 0
    while live.any() and c.p.size:
        if opts.nbs_check == "current":
            nbs_p, nbs_q = N[d, c.p], N[d, c.q]
        else:  # Decide: round-start point + what the demander bought + the supplier's own moves
            own = (V - X0) * W / safe[:, None, :]
            got = bought.sum(axis=2)
            pp_, qq_ = c.p, c.q
            nbs_q = N0[d, qq_] + got[d, c.J, qq_] - bought[d, c.J, c.I, qq_] + own[d, c.I, qq_]
            nbs_p = N0[d, pp_] + got[d, c.I, pp_] - bought[d, c.I, c.J, pp_] + own[d, c.J, pp_]
        t = _evaluate(c, rate, X0, V, W, S, total, nbs_p, nbs_q, direction, done)
        done |= c.eligible & ~np.isfinite(t.key)
        best = np.argmax(t.key, axis=1)
        ok = np.isfinite(t.key[all_d, best]) & live
        live = ok
        if not ok.any():
            break
        dd, k = all_d[ok], best[ok]
        ai, aj, pp, qq = c.I[dd, k], c.J[dd, k], c.p[dd, k], c.q[dd, k]
        mi, mj = t.move_i[dd, k], t.move_j[dd, k]
        x_i, x_j = V[dd, ai, qq], V[dd, aj, pp]
        V[dd, ai, qq] = x_i + mi
        V[dd, aj, pp] = x_j + mj
        direction[dd, ai, qq] = np.sign(mi).astype(np.int8)
        direction[dd, aj, pp] = np.sign(mj).astype(np.int8)
        done[dd, k] = True
        N[dd] = _nbs(W[dd], V[dd], total[dd])
        bought[dd, aj, ai, qq] = (V[dd, ai, qq] - X0[dd, ai, qq]) * W[dd, ai, qq] / safe[dd, qq]
        bought[dd, ai, aj, pp] = (V[dd, aj, pp] - X0[dd, aj, pp]) * W[dd, aj, pp] / safe[dd, pp]
        rows.append(
            np.stack(
                [
                    draw_ids[dd].astype(np.float64), np.full(dd.size, round_no, dtype=np.float64),
                    np.full(dd.size, step, dtype=np.float64), ai.astype(np.float64), aj.astype(np.float64),
                    pp.astype(np.float64), qq.astype(np.float64), x_i, x_i + mi, x_j, x_j + mj,
                    t.shift_p[dd, k], t.shift_q[dd, k], t.gain_i[dd, k], t.gain_j[dd, k], rate[dd, k],
                ],
                axis=1,
            )
        )  # fmt: skip
        step += 1
    return V, np.asarray(c.eligible.sum(axis=1), dtype=np.int64)


# ---------------------------------------------------------------------------------------------------------------
# the model


def run(
    arrays: Arrays,
    *,
    rounds: int | None = 10,
    variant: str = "equal-gain",
    rng: Any = None,
    draw_keys: Any = None,
    power: Any = None,
    issue_power: Mapping[str, Mapping[str, float]] | None = None,
    **options: Any,
) -> Trajectory:
    """Run the exchange model for ``rounds`` rounds (Decide's "iterations"); returns the start positions per round.

    Options (see :data:`OPTION_SPECS`): ``variant`` ("equal-gain" | "random-rate"), ``rng`` (random-rate: int,
    SeedSequence or Generator; the seed used is recorded in ``options['seed']``), ``draw_keys`` (random-rate: one
    int per draw, draws with the same key get the same random rates; default: every draw its own stream,
    :func:`.base.draw_seed_sequences`), ``spread`` (0–1, random-rate),
    ``power`` (per actor-issue power, default the capability), ``issue_power`` (Decide's per-issue powers by id,
    scaled by capability; see :func:`options_from_metadata`), ``salience_weight``/``fixed_weight`` (how far
    start positions follow voting positions), ``outcome`` ("nbs" | "rule").

    ``positions`` (D, R+1, A, I) are the start positions of each round (round 0: the input) on each issue's scale.
    ``details``: ``voting`` (D, R, A, I) voting positions at the end of each round; ``nbs`` (D, R+1, I) the
    compromise point of each round's start positions and ``voting_nbs`` (D, R, I) of its voting positions;
    ``candidates`` (D, R) candidate exchanges at the start of each round; ``exchanges``: the realised exchanges in
    order, a dict of equal-length columns named by :data:`EXCHANGE_COLUMNS` (see :func:`exchanges_frame`).

    Actors take part on an issue only with a stance, salience > 0 and power > 0 (Decide skips salience-0 rows).
    Exact ties in gain are broken by the first candidate in (issue pair, actor pair) order; the reference breaks
    them at random. Cost: see the module docstring — O(S·K) per round and draw, S realised exchanges, K candidates.
    """
    n_rounds = 10 if rounds is None else int(rounds)
    if n_rounds < 0:
        raise ValueError(f"rounds must be >= 0, got {n_rounds}")
    opts = _resolve(variant, options)
    D, A, I = arrays.shape
    if issue_power is not None and power is not None:
        raise ValueError("give power or issue_power, not both")
    pw = _issue_power(arrays, issue_power) if issue_power else _power(arrays, power)
    S = np.asarray(arrays.salience, dtype=np.float64)
    m = arrays.present[None] & (S > 0) & (pw > 0)
    W = np.where(m, pw * S, 0.0)
    total = W.sum(axis=1)
    X = arrays.normalised_position() * SCALE

    seed: int | None = None
    draw_seeds: list[np.random.SeedSequence] | None = None
    if opts.variant == "random-rate":
        seed = seed_of(rng, what="exchange rng")
        draw_seeds = draw_seed_sequences(seed, D, draw_keys)

    starts = np.empty((D, n_rounds + 1, A, I))
    voting = np.empty((D, n_rounds, A, I))
    n_cand = np.zeros((D, n_rounds), dtype=np.int64)
    starts[:, 0] = X
    rows: list[FloatArray] = []
    n_grid = max(1, (I * (I - 1) // 2) * (A * (A - 1) // 2))
    chunk = max(1, _CHUNK_ELEMENTS // n_grid)
    f = (1.0 - S) * opts.salience_weight + opts.fixed_weight  # how far a start position follows the voting one
    for lo in range(0, D, chunk):
        sl = slice(lo, min(D, lo + chunk))
        ids = np.arange(D)[sl].astype(np.int64)
        gens = None if draw_seeds is None else [np.random.default_rng(s) for s in draw_seeds[sl]]
        Xc = X[sl].copy()
        for r in range(n_rounds):
            if A >= 2 and I >= 2:
                Vc, count = _round(Xc, W[sl], S[sl], m[sl], opts, gens, rows, ids, r + 1)
            else:
                Vc, count = Xc.copy(), np.zeros(ids.size, dtype=np.int64)
            n_cand[sl, r] = count
            voting[sl, r] = Vc
            Xc = np.where(m[sl], Xc + f[sl] * (Vc - Xc), Xc)
            starts[sl, r + 1] = Xc

    nbs = _nbs(W[:, None], starts, total[:, None])
    voting_nbs = _nbs(W[:, None], voting, total[:, None])
    positions = arrays.from_normalised(starts / SCALE)
    if opts.outcome == "rule":
        forecast = decide(arrays, positions[:, -1])
    else:
        last = voting[:, -1] if n_rounds else starts[:, 0]
        w = np.where(total[:, None, :] > 0, W, voice(arrays))
        forecast = arrays.from_normalised(weighted_mean(np.moveaxis(last, -1, -2), np.moveaxis(w, -1, -2)) / SCALE)
    table = np.concatenate(rows) if rows else np.empty((0, len(EXCHANGE_COLUMNS)))
    order = np.lexsort((table[:, 2], table[:, 1], table[:, 0])) if len(table) else np.arange(0)
    table = table[order]
    exchanges = _exchange_columns(table, arrays)
    recorded: dict[str, Any] = {
        "variant": opts.variant,
        "seed": seed,
        "spread": opts.spread if opts.variant == "random-rate" else None,
        "salience_weight": opts.salience_weight,
        "fixed_weight": opts.fixed_weight,
        "outcome": opts.outcome,
        "nbs_check": opts.nbs_check,
        "power": "per actor-issue" if power is not None else "Decide per-issue" if issue_power else "capability",
    }
    details = {
        "voting": arrays.from_normalised(voting / SCALE),
        "nbs": arrays.from_normalised(nbs / SCALE),
        "voting_nbs": arrays.from_normalised(voting_nbs / SCALE),
        "candidates": n_cand,
        "exchanges": exchanges,
    }
    name = "exchange" if opts.variant == "equal-gain" else "exchange-random"
    return Trajectory(name, arrays, positions, np.asarray(forecast, dtype=np.float64), recorded, details)


def _exchange_columns(table: FloatArray, arrays: Arrays) -> dict[str, NDArray[Any]]:
    """Realised exchanges as columns; positions back on each issue's own scale."""
    cols: dict[str, NDArray[Any]] = {}
    for k, name in enumerate(EXCHANGE_COLUMNS):
        cols[name] = table[:, k].astype(np.int64) if k < 7 else table[:, k].copy()
    lo, hi = arrays.scale[:, 0], arrays.scale[:, 1]
    for pos, issue in (("x_i", "issue_q"), ("y_i", "issue_q"), ("x_j", "issue_p"), ("y_j", "issue_p")):
        idx = cols[issue]
        cols[pos] = lo[idx] + cols[pos] / SCALE * (hi[idx] - lo[idx])
    return cols


def exchanges_frame(trajectory: Trajectory) -> pd.DataFrame:
    """The realised exchanges of a run as a table with actor and issue ids (one row per exchange, in order)."""
    import pandas as pd

    cols = trajectory.details["exchanges"]
    a = trajectory.arrays
    frame = pd.DataFrame({k: cols[k] for k in EXCHANGE_COLUMNS})
    for col, ids in (("actor_i", a.actor_ids), ("actor_j", a.actor_ids), ("issue_p", a.issue_ids),
                     ("issue_q", a.issue_ids)):  # fmt: skip
        frame[col] = [ids[k] for k in frame[col]]
    return frame


def run_random(arrays: Arrays, *, rounds: int | None = 10, **options: Any) -> Trajectory:
    """The random-rate variant (Dijkstra, van Assen, Stokman & Draaijer 2018)."""
    options.setdefault("variant", "random-rate")
    return run(arrays, rounds=rounds, **options)


_REFERENCE = (
    "Stokman, F. N. & Van Oosten, R. (1994). The exchange of voting positions: an object-oriented model of policy "
    "networks. In Bueno de Mesquita & Stokman (eds.), European Community Decision Making, Yale UP. "
    "Stokman, F. N. & Thomson, R. (2004). Winners and losers in the European Union. European Union Politics 5(1). "
    "Implementation read from github.com/foarsitter/decide-exchange-model (Decide)."
)
_ASSUMPTIONS = (
    "Outcome of an issue = compromise point: power × salience weighted mean of (voting) positions.",
    "Actors on opposite sides of the compromise point on two issues trade voting positions; each gives way on the "
    "issue it cares relatively less about.",
    "Exchanges are realised best first; each is re-evaluated after every realisation, and an actor moves on an "
    "issue in one direction only per round.",
    "No exchange moves a compromise point past the demanding actor's position.",
    "Start positions of the next round move part of the way to the voting positions: x + ((1-s)·0.4 + 0.1)(y - x).",
    "Channels are not used: everyone can trade with everyone.",
)

SPEC = ModelSpec(
    name="exchange",
    title="Stokman exchange model (equal gain)",
    reference=_REFERENCE,
    assumptions=(*_ASSUMPTIONS, "Both parties to an exchange gain the same (equal-gain exchange rate)."),
    run=run,
    default_rounds=10,
    options=OPTION_SPECS,
    reference_test="tests/test_models_exchange.py",
    multi_issue=True,
    scenario_options=options_from_metadata,
)

RANDOM_SPEC = ModelSpec(
    name="exchange-random",
    title="Stokman exchange model (random rate)",
    reference=_REFERENCE + " Dijkstra, J., van Assen, M. A. L. M., Stokman, F. N. & Draaijer, J. (2018): random "
    "exchange rates.",
    assumptions=(
        *_ASSUMPTIONS,
        "The exchange rate is random between the equal-gain rate and one party's break-even rate (seeded).",
    ),
    run=run_random,
    default_rounds=10,
    options=OPTION_SPECS,
    reference_test="tests/test_models_exchange.py",
    multi_issue=True,
    scenario_options=options_from_metadata,
)
