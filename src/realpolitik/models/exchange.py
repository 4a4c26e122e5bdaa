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
* Where ``exchange`` departs from Decide each departure is an option (``nbs_check``, ``past_demander``,
  ``direction``, ``gain_check``, ``tie_order``); :data:`DECIDE` holds Decide's values and the ``exchange-decide``
  preset sets them, with ``arithmetic="decimal"``: Decide's own 28-digit decimal arithmetic, draw by draw, because
  Decide's choice between exchanges that tie to 26 digits is made by its last digit.
"""

from __future__ import annotations

import decimal
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, cast, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..randomness import RNGLike, draw_seed_sequences, seed_of
from .aggregates import weighted_mean
from .arrays import Arrays, BoolArray, FloatArray
from .base import ModelSpec, OptionSpec, Trajectory, decide, voice
from .spec import DrawKeys, about, options_of

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..scenario.model import Scenario

IntArray = NDArray[np.int64]
Variant = Literal["equal-gain", "random-rate"]
Outcome = Literal["nbs", "rule"]
NbsCheck = Literal["demander", "current", "decide"]
PastDemander = Literal["refuse", "allow"]
Direction = Literal["round", "exchange"]
GainCheck = Literal["after-cap", "before-cap"]
TieOrder = Literal["grid", "decide"]
Arithmetic = Literal["float", "decimal"]
VARIANTS: tuple[str, ...] = get_args(Variant)
OUTCOMES: tuple[str, ...] = get_args(Outcome)
NBS_CHECKS: tuple[str, ...] = get_args(NbsCheck)
PAST_DEMANDER: tuple[str, ...] = get_args(PastDemander)
DIRECTIONS: tuple[str, ...] = get_args(Direction)
GAIN_CHECKS: tuple[str, ...] = get_args(GainCheck)
TIE_ORDERS: tuple[str, ...] = get_args(TieOrder)
ARITHMETICS: tuple[str, ...] = get_args(Arithmetic)

SCALE = 100.0  # Decide normalises every issue to 0–100; gains and shifts are reported in these units
_TOL = 1e-10  # Decide's threshold for a move or a gain to count
_EDGE = 1e-9  # direction="exchange": how far rounding may carry a move that ends at 0 or 100 (or is 100) past it
_TIE_BITS = float(2**40)  # tie_order="decide": gains equal to this many bits of mantissa are a tie
_CHUNK_ELEMENTS = 1 << 21  # draws × candidates per chunk (each temporary ≈ 16 MiB)

EXCHANGE_COLUMNS: tuple[str, ...] = (
    "draw", "round", "step", "actor_i", "actor_j", "issue_p", "issue_q",
    "x_i", "y_i", "x_j", "y_j", "shift_p", "shift_q", "gain_i", "gain_j", "rate",
)  # fmt: skip
"""Columns of ``details['exchanges']``. Actor I gives way on q (its move x_i → y_i) for J's move on p (x_j → y_j);
positions on the issue's own scale; ``shift_*`` (compromise-point shifts), gains and the rate δ_q/δ_p on 0–100."""


@dataclass(frozen=True)
class ExchangeOptions:
    """Resolved options of one run, each declared once (default, help; choices from the ``Literal`` type).

    :data:`OPTION_SPECS` is derived from it (:func:`~.spec.options_of`), with what ``run`` takes beside it."""

    variant: Variant = field(
        default="equal-gain",
        metadata=about(
            "equal-gain: both gain the same (Stokman & Van Oosten 1994); random-rate: the rate is drawn between "
            "equal gain and one side's break-even (Dijkstra et al. 2018)."
        ),
    )
    spread: float = field(
        default=1.0,
        metadata=about("random-rate only: how far (0–1) toward a break-even rate a draw may go (Decide's p)."),
    )
    salience_weight: float = field(
        default=0.4, metadata=about("new start x' = x + ((1-s)·salience_weight + fixed_weight)·(y - x).")
    )
    fixed_weight: float = field(default=0.1, metadata=about("see salience_weight (Decide's FIXED_WEIGHT)."))
    outcome: Outcome = field(
        default="nbs",
        metadata=about(
            "nbs: forecast = compromise point of the last round's voting positions (Decide's outcome); rule: each "
            "issue's decision rule on the final start positions."
        ),
    )
    nbs_check: NbsCheck = field(
        default="demander",
        metadata=about(
            "which compromise point an exchange may not carry past the demander: demander = the round-start point "
            "moved by what the demander already bought (each supplier at its latest position) and by the supplier's "
            "own moves; current = the point after every exchange realised so far; decide = as Decide records "
            "purchases (a supplier stays at the position first bought unless it moved back past it) and caps to the "
            "point with the supplier at that recorded position."
        ),
    )
    past_demander: PastDemander = field(
        default="refuse",
        metadata=about(
            "refuse: no exchange once the compromise point is at or past the demander's position; allow (Decide): "
            "only an exchange that would carry the point across the demander is shrunk, one that starts past it goes "
            "ahead in full."
        ),
    )
    direction: Direction = field(
        default="round",
        metadata=about(
            "round: an actor moves one way on an issue per round; exchange (Decide): only each exchange's own moves "
            "keep one direction (an actor may move back for another partner), and an exchange whose moves add up "
            "past 100 lapses."
        ),
    )
    gain_check: GainCheck = field(
        default="after-cap",
        metadata=about(
            "after-cap: an exchange must still gain more than 1e-10 after the compromise-point cap; before-cap "
            "(Decide): the gain is checked before the cap only."
        ),
    )
    tie_order: TieOrder = field(
        default="grid",
        metadata=about(
            "which of equal gains goes first: grid = the first in (issue pair, actor pair) order; decide = Decide's "
            "list (per issue pair the A-D pairs, then B-C), sorted stably by gain at every step, so an earlier "
            "winner of a tie stays ahead."
        ),
    )
    arithmetic: Arithmetic = field(
        default="float",
        metadata=about(
            "float: vectorised binary floating point; decimal: Decide's 28-digit decimals, one draw and one exchange "
            "at a time (slow), which reproduces the choices its rounding makes between gains equal to 26 digits; "
            "needs every other option at its Decide value."
        ),
    )


OPTION_SPECS: tuple[OptionSpec, ...] = options_of(
    ExchangeOptions,
    extra=(
        (
            "variant",
            OptionSpec("rng", None, None, "seed or numpy Generator for random-rate (recorded as options['seed'])."),
        ),
        (
            "rng",
            OptionSpec(
                "draw_keys", None, None, "one int per draw: draws with the same key share random numbers (the lab)"
            ),
        ),
        (
            "spread",
            OptionSpec(
                "power",
                None,
                None,
                "per actor-issue power (A, I) or (D, A, I); default: capability on every issue. "
                "decide_power(scenario) builds it from a Decide file's per-issue powers.",
            ),
        ),
        (
            "power",
            OptionSpec(
                "issue_power",
                None,
                None,
                "Decide's per-issue powers {actor id: {issue id: power}} (a Decide file's metadata.decide.power, "
                "applied by forecast and the lab): power = capability × power / the actor's mean power, so it equals "
                "the file's power and follows sampled or changed capabilities.",
            ),
        ),
    ),
)

CHOICES: dict[str, tuple[str, ...]] = {
    o.name: o.choices for o in OPTION_SPECS if o.choices is not None and o.name != "variant"
}

DECIDE: dict[str, Any] = {
    "nbs_check": "decide",
    "past_demander": "allow",
    "direction": "exchange",
    "gain_check": "before-cap",
    "tie_order": "decide",
    "arithmetic": "decimal",
}
"""The options at which the model behaves as Decide's equal-gain model (``decide-exchange-model`` 2025.3.1 with
``EqualGainModel.ALLOW_RANDOM = False``): the ``exchange-decide`` preset. Each is a departure of ``exchange``
from Decide, kept as an option so a difference from Decide can be traced to the choice that makes it."""


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


def _resolve(variant: str, options: Mapping[str, object]) -> ExchangeOptions:
    known = {f.name for f in fields(ExchangeOptions)} - {"variant"}
    unknown = sorted(set(options) - known)
    if unknown:
        also = "power, issue_power, rng, draw_keys, variant"
        raise TypeError(f"exchange got unknown options {unknown} (known: {also}, {', '.join(known)})")
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    opts = ExchangeOptions(variant=variant, **options)  # type: ignore[arg-type]
    if not 0.0 <= opts.spread <= 1.0:
        raise ValueError(f"spread must be in [0, 1], got {opts.spread}")
    for name, choices in CHOICES.items():
        if getattr(opts, name) not in choices:
            raise ValueError(f"{name} must be one of {choices}, got {getattr(opts, name)!r}")
    if not (0.0 <= opts.salience_weight and 0.0 <= opts.fixed_weight and opts.salience_weight + opts.fixed_weight <= 1):
        raise ValueError("salience_weight and fixed_weight must be >= 0 with a sum <= 1")
    if opts.arithmetic == "decimal":
        other = {k: getattr(opts, k) for k in DECIDE if k != "arithmetic" and getattr(opts, k) != DECIDE[k]}
        if opts.variant != "equal-gain" or other:
            raise ValueError(f"arithmetic='decimal' is Decide's equal-gain model: it needs {DECIDE} (got {other})")
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
    which is the tie-break order of ``tie_order="grid"``; ``listed`` is Decide's list order (``"decide"``).
    """

    p: IntArray  # I's demand issue = J's supply issue
    q: IntArray  # I's supply issue
    grid: IntArray  # index into the full grid, for draw-stable random numbers
    eligible: BoolArray  # False on padding
    I: IntArray  # actor that gives way on q
    J: IntArray  # actor that gives way on p
    listed: IntArray  # each draw's candidates in Decide's list order, padding last
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
        listed=_decide_list(L, idx // max(Q, 1), p, q, a, b, elig),
    )


def _decide_list(
    L: BoolArray, pair: IntArray, p: IntArray, q: IntArray, a: IntArray, b: IntArray, elig: BoolArray
) -> IntArray:
    """Decide's list order of the candidates: by issue pair, then the A–D pairs before the B–C pairs, each by
    the actor right of the compromise point on q, then its partner (file order). Equal gains keep this order."""
    A = L.shape[1]
    d = np.arange(L.shape[0])[:, None]
    first = np.where(L[d, a, q], b, a)  # groups A and B are right of the point on q
    second = np.where(L[d, a, q], a, b)
    block = L[d, first, p].astype(np.int64)  # 0: A–D, 1: B–C
    key = ((pair * 2 + block) * A + first) * A + second
    key = np.where(elig, key, np.iinfo(np.int64).max)
    return np.asarray(np.argsort(key, axis=1, kind="stable"), dtype=np.int64)


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


@dataclass
class _Book:
    """What a round has realised so far, per draw of a chunk: the state every candidate is re-evaluated in.

    ``bought[d, y, x, s]`` is the shift of N_s by supplier x's moves when it last gave way to y; ``recorded`` the
    position Decide keeps for that purchase (``nbs_check="decide"``, NaN: none). ``hist``/``sign`` are, per
    candidate and side (0: I, 1: J), the sum and the sign of the moves Decide remembers for that exchange
    (``direction="exchange"``); ``last`` the moves of the latest evaluation; ``order`` Decide's sorted list.
    """

    X0: FloatArray
    W: FloatArray
    safe: FloatArray
    N0: FloatArray
    N: FloatArray
    V: FloatArray
    direction: NDArray[np.int8]
    done: BoolArray
    bought: FloatArray
    recorded: FloatArray
    hist: FloatArray
    sign: FloatArray
    last: FloatArray
    order: IntArray

    @classmethod
    def start(cls, X0: FloatArray, W: FloatArray, total: FloatArray, N: FloatArray, c: _Candidates) -> _Book:
        Dc, A, I = X0.shape
        K = c.eligible.shape[1]
        return cls(
            X0=X0, W=W, safe=np.where(total > 0, total, 1.0), N0=N.copy(), N=N, V=X0.copy(),
            direction=np.zeros((Dc, A, I), dtype=np.int8), done=np.zeros((Dc, K), dtype=bool),
            bought=np.zeros((Dc, A, A, I)), recorded=np.full((Dc, A, A, I), np.nan),
            hist=np.zeros((2, Dc, K)), sign=np.zeros((2, Dc, K)), last=np.zeros((2, Dc, K)), order=c.listed.copy(),
        )  # fmt: skip

    def limits(self, c: _Candidates, check: str) -> tuple[FloatArray, ...]:
        """The compromise points on p and q that J's and I's moves may not carry past their partners, and the
        points a crossing exchange is cut back to (the same except under ``decide``)."""
        d = np.arange(self.V.shape[0])[:, None]
        if check == "current":
            nbs_p, nbs_q = self.N[d, c.p], self.N[d, c.q]
            return nbs_p, nbs_q, nbs_p, nbs_q
        own = (self.V - self.X0) * self.W / self.safe[:, None, :]
        if check == "demander":  # round-start point + what the demander bought + the supplier's own moves
            got = self.bought.sum(axis=2)
            nbs_q = self.N0[d, c.q] + got[d, c.J, c.q] - self.bought[d, c.J, c.I, c.q] + own[d, c.I, c.q]
            nbs_p = self.N0[d, c.p] + got[d, c.I, c.p] - self.bought[d, c.I, c.J, c.p] + own[d, c.J, c.p]
            return nbs_p, nbs_q, nbs_p, nbs_q
        rec = self.recorded
        held = ~np.isnan(rec)
        shift = np.where(held, rec - self.X0[:, None], 0.0) * self.W[:, None] / self.safe[:, None, None, :]
        got = shift.sum(axis=2)
        base_q, base_p = self.N0[d, c.q] + got[d, c.J, c.q], self.N0[d, c.p] + got[d, c.I, c.p]
        own_q, own_p = own[d, c.I, c.q], own[d, c.J, c.p]
        nbs_q, nbs_p = base_q - shift[d, c.J, c.I, c.q] + own_q, base_p - shift[d, c.I, c.J, c.p] + own_p
        # Decide cuts back to the point with the supplier at its recorded position where it has one
        cut_q = base_q + np.where(held[d, c.J, c.I, c.q], 0.0, own_q)
        cut_p = base_p + np.where(held[d, c.I, c.J, c.p], 0.0, own_p)
        return nbs_p, nbs_q, cut_p, cut_q

    def pick(self, key: FloatArray, tie_order: str) -> IntArray:
        """Each draw's best candidate: the first of the highest key in grid order, or in Decide's list, which is
        re-sorted stably by key (so the list order among equal keys is the one left by earlier sorts)."""
        if tie_order == "grid":
            return np.asarray(np.argmax(key, axis=1), dtype=np.int64)
        # Decide's gains are 28-digit decimals: gains it finds equal can differ here in the last bits, so keys
        # are compared to 40 bits of mantissa (about 12 digits), far above rounding and far below real gaps
        mantissa, exponent = np.frexp(np.take_along_axis(key, self.order, axis=1))
        coarse = np.ldexp(np.round(mantissa * _TIE_BITS) / _TIE_BITS, exponent)
        ranked = np.argsort(-coarse, axis=1, kind="stable")
        self.order = np.take_along_axis(self.order, ranked, axis=1)
        return self.order[:, 0].copy()

    def realise(self, c: _Candidates, t: _Terms, dd: IntArray, k: IntArray, opts: ExchangeOptions) -> FloatArray:
        """Carry out candidate k in draws dd; returns (x_i, y_i, x_j, y_j) of each, (4, n)."""
        ai, aj, pp, qq = c.I[dd, k], c.J[dd, k], c.p[dd, k], c.q[dd, k]
        mi, mj = t.move_i[dd, k], t.move_j[dd, k]
        x_i, x_j = self.V[dd, ai, qq], self.V[dd, aj, pp]
        V, W, X0 = self.V, self.W, self.X0
        V[dd, ai, qq] = x_i + mi
        V[dd, aj, pp] = x_j + mj
        self.direction[dd, ai, qq] = np.sign(mi).astype(np.int8)
        self.direction[dd, aj, pp] = np.sign(mj).astype(np.int8)
        self.done[dd, k] = True
        self.N[dd] = _nbs(W[dd], V[dd], W[dd].sum(axis=1))
        self.bought[dd, aj, ai, qq] = (V[dd, ai, qq] - X0[dd, ai, qq]) * W[dd, ai, qq] / self.safe[dd, qq]
        self.bought[dd, ai, aj, pp] = (V[dd, aj, pp] - X0[dd, aj, pp]) * W[dd, aj, pp] / self.safe[dd, pp]
        if opts.nbs_check == "decide":
            self._record(dd, aj, ai, qq)
            self._record(dd, ai, aj, pp)
        if opts.direction == "exchange":
            self._remember(c, t, dd, np.stack([ai, aj]), np.stack([qq, pp]))
        return np.stack([x_i, x_i + mi, x_j, x_j + mj])

    def _record(self, dd: IntArray, buyer: IntArray, seller: IntArray, s: IntArray) -> None:
        """Decide's record of a purchase: the seller's new position the first time; after that the earlier
        record stays unless the new position lies between it and the round start, or beyond the start."""
        y, before = self.V[dd, seller, s], self.recorded[dd, buyer, seller, s]
        start = self.X0[dd, seller, s]
        kept = np.where(start <= before, np.minimum(before, y), np.maximum(before, y))
        self.recorded[dd, buyer, seller, s] = np.where(np.isnan(before), y, kept)

    def _remember(self, c: _Candidates, t: _Terms, dd: IntArray, actors: IntArray, issues: IntArray) -> None:
        """Decide keeps an exchange's previous move on a side when a realised exchange moved that side's actor
        on its supply issue (the side is then re-computed); all remembered moves and the new one must share a
        sign and add up to at most 100."""
        for side, (who, on) in enumerate(((c.I, c.q), (c.J, c.p))):
            w, o = who[dd], on[dd]
            hit = ((w == actors[0][:, None]) & (o == issues[0][:, None])) | (
                (w == actors[1][:, None]) & (o == issues[1][:, None])
            )
            last = t.move_i[dd] if side == 0 else t.move_j[dd]
            self.hist[side, dd] += np.where(hit, last, 0.0)
            self.sign[side, dd] = np.where(hit & (self.sign[side, dd] == 0), np.sign(last), self.sign[side, dd])


def _evaluate(
    c: _Candidates,
    rate: FloatArray,
    book: _Book,
    S: FloatArray,
    total: FloatArray,
    limits: tuple[FloatArray, ...],
    opts: ExchangeOptions,
) -> _Terms:
    """Moves, shifts and gains of every candidate given the voting positions and the compromise points that J's
    move on p and I's move on q may not carry past their partners (``limits``, see :meth:`_Book.limits`)."""
    V, X0, W = book.V, book.X0, book.W
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
    nbs_p, nbs_q, cut_p, cut_q = limits
    room_p = sgn_j * (tJ - nbs_p)  # how far N_p may still move toward I before passing it
    room_q = sgn_i * (tI - nbs_q)
    full_p = np.abs(tJ - xJ) * w_jp / sig_p  # shift of N_p if J went all the way
    full_q = np.abs(tI - xI) * w_iq / sig_q
    if opts.past_demander == "refuse":
        shift_p = np.minimum(np.minimum(full_p, full_q / rate), np.minimum(room_p, room_q / rate))
    else:
        shift_p = _cut_crossing(np.minimum(full_p, full_q / rate), rate, room_p, room_q, tJ - cut_p, tI - cut_q)
    shift_p = np.maximum(shift_p, 0.0)
    shift_q = rate * shift_p
    with np.errstate(divide="ignore", invalid="ignore"):  # an actor with no weight on an issue cannot move it
        move_i = np.where(w_iq > 0, sgn_i * shift_q * sig_q / w_iq, 0.0)
        move_j = np.where(w_jp > 0, sgn_j * shift_p * sig_p / w_jp, 0.0)
    gain_i = shift_p * f["s_ip"] - shift_q * f["s_iq"]
    gain_j = shift_q * f["s_jq"] - shift_p * f["s_jp"]
    key = (gain_i + gain_j) / 2
    valid = c.eligible & ~book.done & (sgn_i != 0) & (sgn_j != 0)
    valid &= _direction_ok(c, book, opts, sgn_i, sgn_j, xI + move_i, xJ + move_j, move_i, move_j)
    if opts.past_demander == "refuse":
        valid &= (room_p > 0) & (room_q > 0)
    valid &= (np.abs(move_i) > _TOL) & (np.abs(move_j) > _TOL)
    if opts.gain_check == "after-cap":
        valid &= (gain_i > -_TOL) & (gain_j > -_TOL) & (key > _TOL)
    else:  # Decide: the gain of the exchange before the cap (both sides gain the same)
        pre = np.minimum(full_p, full_q / rate)
        valid &= (pre * f["s_ip"] - rate * pre * f["s_iq"]) >= _TOL
    return _Terms(np.where(valid, key, -np.inf), move_i, move_j, shift_p, shift_q, gain_i, gain_j)


def _cut_crossing(
    shift_p: FloatArray, rate: FloatArray, room_p: FloatArray, room_q: FloatArray, cut_p: FloatArray, cut_q: FloatArray
) -> FloatArray:
    """Decide's cap: first I's side, then J's; a side whose move would carry the point strictly across the
    demander is set to the shift that brings it to the demander (``cut``, taken as a distance); a point that
    is already at or past the demander does not limit anything."""
    cross_q = (room_q > 0) & (room_q < rate * shift_p)
    shift_p = np.where(cross_q, np.abs(cut_q) / rate, shift_p)
    cross_p = (room_p > 0) & (room_p < shift_p)
    return np.asarray(np.where(cross_p, np.abs(cut_p), shift_p), dtype=np.float64)


def _direction_ok(
    c: _Candidates,
    book: _Book,
    opts: ExchangeOptions,
    sgn_i: FloatArray,
    sgn_j: FloatArray,
    y_i: FloatArray,
    y_j: FloatArray,
    move_i: FloatArray,
    move_j: FloatArray,
) -> BoolArray:
    """round: an actor moves one way on an issue per round; exchange: Decide's check of each exchange's own
    moves (one sign, a sum of at most 100, no move beyond 100 or off the 0–100 scale)."""
    d = np.arange(book.V.shape[0])[:, None]
    if opts.direction == "round":
        dir_i, dir_j = book.direction[d, c.I, c.q], book.direction[d, c.J, c.p]
        return np.asarray(((dir_i == 0) | (dir_i == sgn_i)) & ((dir_j == 0) | (dir_j == sgn_j)), dtype=bool)
    ok = np.ones(sgn_i.shape, dtype=bool)
    for side, (sgn, y, move) in enumerate(((sgn_i, y_i, move_i), (sgn_j, y_j, move_j))):
        was = book.sign[side]
        ok &= ((was == 0) | (was == sgn)) & (book.hist[side] + move <= SCALE + _EDGE)
        ok &= np.abs(move) <= SCALE + _EDGE
        ok &= (y >= -_EDGE) & (y <= SCALE + _EDGE)  # (a move all the way to 0 or 100 may round past it)
    return ok


def _rates(
    c: _Candidates, S: FloatArray, opts: ExchangeOptions, draw_rngs: list[np.random.Generator] | None
) -> FloatArray:
    """The exchange rate δ_q/δ_p of every candidate: equal gain, or drawn toward a break-even rate."""
    _, A, I = S.shape
    d = np.arange(S.shape[0])[:, None]
    s_ip, s_iq, s_jp, s_jq = S[d, c.I, c.p], S[d, c.I, c.q], S[d, c.J, c.p], S[d, c.J, c.q]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = (s_ip + s_jp) / (s_iq + s_jq)
        if opts.variant == "random-rate" and draw_rngs is not None:
            n_grid = (I * (I - 1) // 2) * (A * (A - 1) // 2)
            u = np.stack([g.random((2, n_grid))[:, c.grid[k]] for k, g in enumerate(draw_rngs)], axis=1)
            end = np.where(u[0] < 0.5, s_ip / s_iq, s_jp / s_jq)  # I's or J's break-even rate
            rate = rate + opts.spread * u[1] * (end - rate)
    return np.asarray(np.where(c.eligible, rate, 1.0), dtype=np.float64)


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
    Dc = X0.shape[0]
    total = W.sum(axis=1)  # (Dc, I)
    N = _nbs(W, X0, total)
    L = X0 <= N[:, None, :]  # Decide (current): "left" of the compromise point includes sitting on it
    c = _candidates(L, m, S)
    rate = _rates(c, S, opts, draw_rngs)
    book = _Book.start(X0, W, total, N, c)
    live = np.ones(Dc, dtype=bool)
    all_d = np.arange(Dc)
    step = 0
    while live.any() and c.p.size:
        t = _evaluate(c, rate, book, S, total, book.limits(c, opts.nbs_check), opts)
        book.done |= c.eligible & ~np.isfinite(t.key)
        best = book.pick(t.key, opts.tie_order)
        ok = np.isfinite(t.key[all_d, best]) & live
        live = ok
        if not ok.any():
            break
        dd, k = all_d[ok], best[ok]
        moved = book.realise(c, t, dd, k, opts)
        ids = [draw_ids[dd], np.full(dd.size, round_no), np.full(dd.size, step), c.I[dd, k], c.J[dd, k]]
        ids += [c.p[dd, k], c.q[dd, k]]
        terms = [t.shift_p[dd, k], t.shift_q[dd, k], t.gain_i[dd, k], t.gain_j[dd, k], rate[dd, k]]
        rows.append(np.stack([*(np.asarray(v, dtype=np.float64) for v in ids), *moved, *terms], axis=1))
        step += 1
    return book.V, np.asarray(c.eligible.sum(axis=1), dtype=np.int64)


# ---------------------------------------------------------------------------------------------------------------
# Decide's own arithmetic (arithmetic="decimal")
#
# Decide computes in 28-digit decimals, and its runs regularly meet exchanges whose gains agree to 26 digits, or
# a compromise point that sits on the demander's position to as many: which one it then takes is decided by the
# last digit. Reproducing its rounds therefore means computing as it does: the same decimal context and, in each
# formula, the same operations in the same order. This path does that, one draw at a time, with the behaviour of
# the options in DECIDE (see _evaluate and _Book for the same rules, vectorised in binary floating point).

_CONTEXT = decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN)  # Python's (and so Decide's) default
_ZERO = Decimal(0)


def _decimal(x: float) -> Decimal:
    """A file's number back as the decimal it was written as (the shortest repr of the float read from it)."""
    return Decimal(repr(float(x)))


@dataclass
class _Side:
    """One actor of a Decide exchange: it gives way on ``supply`` and demands ``demand``."""

    actor: int
    supply: int
    demand: int
    x: Decimal  # current position on the supply issue
    start: Decimal  # round-start position on the supply issue
    home: Decimal  # round-start position on the demand issue: where the partner moves to
    moves: list[Decimal] = field(default_factory=list)
    y: Decimal = _ZERO


@dataclass
class _Deal:
    """A candidate exchange: ``i`` gives way on q for ``j``'s move on p."""

    i: _Side
    j: _Side
    gain: Decimal = _ZERO
    valid: bool = True


class _DecimalRound:
    """One round of one draw: positions P[a][d] (0–100, None where a takes no part), saliences and powers."""

    def __init__(self, P: list[list[Any]], S: list[list[Any]], C: list[list[Any]], members: list[list[int]]) -> None:
        self.P, self.S, self.C, self.members = P, S, C, members
        self.den = [sum((S[a][d] * C[a][d] for a in members[d]), _ZERO) for d in range(len(members))]
        self.nbs = [self.point(d, {}) for d in range(len(members))]
        self.bought: dict[tuple[int, int], dict[int, Decimal]] = {}

    def point(self, d: int, at: Mapping[int, Decimal]) -> Decimal:
        """Compromise point of issue d with some actors moved (``at``), summed in member order as Decide does."""
        if self.den[d] == 0:
            return _ZERO
        top = sum((at.get(a, self.P[a][d]) * self.S[a][d] * self.C[a][d] for a in self.members[d]), _ZERO)
        return Decimal(top / self.den[d])

    def deals(self) -> list[_Deal]:
        """Every candidate in Decide's list order, each computed once."""
        A, n = len(self.P), len(self.members)
        out = []
        for p, q in itertools.combinations(range(n), 2):
            groups: list[list[int]] = [[], [], [], []]
            for a in range(A):
                if self.P[a][p] is not None and self.P[a][q] is not None:
                    groups[(self.P[a][p] <= self.nbs[p]) + 2 * (self.P[a][q] <= self.nbs[q])].append(a)
            for first, second in ((0, 3), (1, 2)):
                out += [self._deal(a, b, p, q) for a in groups[first] for b in groups[second]]
        return out

    def _deal(self, a: int, b: int, p: int, q: int) -> _Deal:
        S, P = self.S, self.P
        if S[a][p] / S[a][q] < S[b][p] / S[b][q]:
            a, b = b, a
        deal = _Deal(_Side(a, q, p, P[a][q], P[a][q], P[a][p]), _Side(b, p, q, P[b][p], P[b][p], P[b][q]))
        self.compute(deal)
        return deal

    def compute(self, deal: _Deal) -> None:
        """Decide's equal-gain exchange: J goes all the way to I's position on p unless I would then have to go
        past J's on q, in which case I goes all the way; then each side's compromise-point check."""
        I, J, S, C, den = deal.i, deal.j, self.S, self.C, self.den
        a, b, p, q = I.actor, J.actor, J.supply, I.supply
        dp = (abs(I.home - J.x) * S[b][p] * C[b][p]) / den[p]
        dq = ((S[b][p] + S[a][p]) / (S[b][q] + S[a][q])) * dp
        move_i, move_j = (dq * den[q]) / (C[a][q] * S[a][q]), abs(I.home - J.x)
        if abs(move_i) > abs(J.home - I.x):
            dq = (abs(J.home - I.x) * S[a][q] * C[a][q]) / den[q]
            dp = ((S[a][q] + S[b][q]) / (S[a][p] + S[b][p])) * dq
            move_i, move_j = abs(J.home - I.x), (dp * den[p]) / (C[b][p] * S[b][p])
        self._set(I, -move_i if I.x > J.home else move_i, new=True)
        self._set(J, -move_j if J.x > I.home else move_j, new=True)
        deal.gain = abs(dq * S[a][q] - dp * S[a][p])
        deal.valid = self._ok(I) and self._ok(J) and deal.gain >= _TOL
        if deal.valid:
            self._check(deal, I, J)
            self._check(deal, J, I)
            deal.valid = self._ok(I) and self._ok(J)

    @staticmethod
    def _set(side: _Side, move: Decimal, *, new: bool = False) -> None:
        if new:
            side.moves.append(move)
        else:
            side.moves[-1] = move
        side.y = side.x + move

    @staticmethod
    def _ok(side: _Side) -> bool:
        """Decide's move check: 1e-10 < |move| <= 100, inside 0–100, the exchange's moves one way, summing to <= 100."""
        move = side.moves[-1]
        if abs(move) > 100 or abs(move) <= _TOL or not 0 <= side.x + move <= 100 or sum(side.moves, _ZERO) > 100:
            return False
        return min(side.moves) > 0 or max(side.moves) < 0

    def _check(self, deal: _Deal, X: _Side, O: _Side) -> None:
        """Decide's check_nbs: if X's move carries issue Z's point (with O's purchases) strictly across O's
        position, X moves only as far as brings it there, the point taken with X at its purchase record."""
        S, C, den, Z, W = self.S, self.C, self.den, X.supply, O.supply
        record = self.bought.get((O.actor, Z), {})
        before = self.point(Z, {**record, X.actor: X.x}) - O.home
        after = self.point(Z, {**record, X.actor: X.y}) - O.home
        if (before <= 0 and after <= 0) or (before >= 0 and after >= 0):
            return
        at = {X.actor: X.x, **record}
        rest = sum((at.get(a, self.P[a][Z]) * S[a][Z] * C[a][Z] for a in self.members[Z]), _ZERO)
        delta = abs((O.home * den[Z] - rest) / (S[X.actor][Z] * C[X.actor][Z]))
        dp = (delta * S[X.actor][Z] * C[X.actor][Z]) / den[Z]
        dq = ((S[X.actor][Z] + S[O.actor][Z]) / (S[X.actor][W] + S[O.actor][W])) * dp
        move_o = abs((dq * den[W]) / (C[O.actor][W] * S[O.actor][W]))
        self._set(O, -move_o if O.x > X.home else move_o)
        self._set(X, -delta if X.x > O.home else delta)
        deal.gain = abs(dq * S[O.actor][W] - dp * S[O.actor][Z])

    def run(self, deals: list[_Deal]) -> list[_Deal]:
        """Realise exchanges best first (a stable sort by gain each time, as Decide's list), re-computing those
        a realised one touches; returns the realised ones in order."""
        deals = [deal for deal in deals if deal.valid]
        done: list[_Deal] = []
        while deals:
            deals.sort(key=lambda deal: deal.gain, reverse=True)
            best = deals.pop(0)
            self._record(best.j.actor, best.i)
            self._record(best.i.actor, best.j)
            for deal in deals:
                self._touch(deal, best)
            deals = [deal for deal in deals if deal.valid]
            done.append(best)
        return done

    def _record(self, buyer: int, seller: _Side) -> None:
        """Decide's record of a purchase: the new position first; later the earlier record unless the new one
        lies between it and the seller's round start, or on the other side of that start."""
        record = self.bought.setdefault((buyer, seller.supply), {})
        before = record.get(seller.actor)
        if before is None:
            record[seller.actor] = seller.y
        elif seller.start <= before:
            record[seller.actor] = before if before < seller.y else seller.y
        else:
            record[seller.actor] = before if before > seller.y else seller.y

    def _touch(self, deal: _Deal, done: _Deal) -> None:
        """Re-compute ``deal`` if ``done`` moved one of its actors on its supply issue (that side's last move
        stays in its history) or bought for one of its demanders (the purchase is in the record)."""
        moved = False
        for side, other in ((deal.i, deal.j), (deal.j, deal.i)):
            by = next((s for s in (done.i, done.j) if (s.actor, s.supply) == (side.actor, side.supply)), None)
            if by is not None:
                side.x = by.y
                other.moves.pop()
                moved = True
        buyers = {(done.j.actor, done.i.supply), (done.i.actor, done.j.supply)}
        if moved or buyers & {(deal.i.actor, deal.i.demand), (deal.j.actor, deal.j.demand)}:
            if not moved:
                deal.i.moves.pop()
                deal.j.moves.pop()
            self.compute(deal)


@dataclass
class _Result:
    """A run's records on each issue's own scale (see :func:`run` for what each holds)."""

    starts: FloatArray  # (D, R+1, A, I)
    voting: FloatArray  # (D, R, A, I)
    nbs: FloatArray  # (D, R+1, I)
    voting_nbs: FloatArray  # (D, R, I)
    last_nbs: FloatArray  # (D, I): compromise point of the last voting positions (the nbs outcome)
    candidates: IntArray  # (D, R)
    table: FloatArray  # realised exchanges, rows of EXCHANGE_COLUMNS, positions and shifts on 0–100


def _run_decimal(arrays: Arrays, pw: FloatArray, m: BoolArray, opts: ExchangeOptions, rounds: int) -> _Result:
    """Decide's model in Decide's arithmetic, draw by draw: positions normalised to 0–100 as Decide does
    ((x − low)·(100/(high − low)) in decimals), rounds as in its ModelLoop, results de-normalised the same way."""
    D, A, I = arrays.shape
    out = _Result(
        np.empty((D, rounds + 1, A, I)), np.empty((D, rounds, A, I)), np.empty((D, rounds + 1, I)),
        np.empty((D, rounds, I)), np.empty((D, I)), np.zeros((D, rounds), dtype=np.int64), np.empty((0, 16)),
    )  # fmt: skip
    rows: list[list[float]] = []
    with decimal.localcontext(_CONTEXT):
        low = [_decimal(v) for v in arrays.scale[:, 0]]
        step = [Decimal(100) / (_decimal(hi) - lo) if hi > lo_f else _ZERO for lo, hi, lo_f in
                zip(low, arrays.scale[:, 1], arrays.scale[:, 0], strict=True)]  # fmt: skip
        for d in range(D):
            members = [[a for a in range(A) if m[d, a, i]] for i in range(I)]
            S = [[_decimal(arrays.salience[d, a, i]) for i in range(I)] for a in range(A)]
            C = [[_decimal(pw[d, a, i]) for i in range(I)] for a in range(A)]
            P: list[list[Any]] = [[None] * I for _ in range(A)]
            for i in range(I):
                for a in members[i]:
                    P[a][i] = (_decimal(arrays.position[d, a, i]) - low[i]) * step[i]
            _decimal_rounds(d, P, S, C, members, opts, out, rows, low, step)
    out.table = np.asarray(rows, dtype=np.float64).reshape(-1, len(EXCHANGE_COLUMNS))
    keep = np.broadcast_to(arrays.position[:, None], out.starts.shape)  # actors without a part keep theirs
    out.starts = np.where(np.isnan(out.starts), keep, out.starts)
    out.voting = np.where(np.isnan(out.voting), keep[:, 1:], out.voting)
    return out


def _decimal_rounds(
    d: int, P: list[list[Any]], S: list[list[Any]], C: list[list[Any]], members: list[list[int]],
    opts: ExchangeOptions, out: _Result, rows: list[list[float]], low: list[Decimal], step: list[Decimal],
) -> None:  # fmt: skip
    """All rounds of draw d, written into ``out`` on the issues' scales (Decide's de_normalize)."""

    def scale(v: Any, i: int) -> float:
        return float("nan") if v is None else float(low[i] if v == 0 or step[i] == 0 else v / step[i] + low[i])

    I = len(members)
    keep = Decimal(opts.salience_weight), Decimal(opts.fixed_weight)  # Decide: Decimal(0.4), Decimal(0.1)
    for r in range(out.voting.shape[1] + 1):
        rnd = _DecimalRound(P, S, C, members)
        out.starts[d, r] = [[scale(P[a][i], i) for i in range(I)] for a in range(len(P))]
        out.nbs[d, r] = [scale(v, i) for i, v in enumerate(rnd.nbs)]
        if r == out.voting.shape[1]:
            break
        deals = rnd.deals()
        out.candidates[d, r] = len(deals)
        done = rnd.run(deals)
        for k, deal in enumerate(done):
            rows.append(_decimal_row(d, r + 1, k, deal, rnd))
        for deal in done:
            P[deal.i.actor][deal.i.supply], P[deal.j.actor][deal.j.supply] = deal.i.y, deal.j.y
        out.voting[d, r] = [[scale(P[a][i], i) for i in range(I)] for a in range(len(P))]
        out.voting_nbs[d, r] = [scale(_DecimalRound(P, S, C, members).nbs[i], i) for i in range(I)]
        for deal in done:
            for side in (deal.i, deal.j):
                s = S[side.actor][side.supply]
                P[side.actor][side.supply] = _follow(s, side.start, side.y, *keep)
    out.last_nbs[d] = out.voting_nbs[d, -1] if out.voting.shape[1] else out.nbs[d, 0]


def _follow(s: Decimal, x: Decimal, y: Decimal, sw: Decimal, fw: Decimal) -> Decimal:
    """Decide's new start position: (1 − s)·sw·y + fw·y + (1 − (1 − s)·sw − fw)·x, in that order."""
    return (1 - s) * sw * y + fw * y + (1 - (1 - s) * sw - fw) * x


def _decimal_row(d: int, r: int, k: int, deal: _Deal, rnd: _DecimalRound) -> list[float]:
    """A realised exchange as a row of EXCHANGE_COLUMNS (positions on 0–100)."""
    I, J = deal.i, deal.j
    shift_q = float(abs(I.y - I.x) * rnd.S[I.actor][I.supply] * rnd.C[I.actor][I.supply] / rnd.den[I.supply])
    shift_p = float(abs(J.y - J.x) * rnd.S[J.actor][J.supply] * rnd.C[J.actor][J.supply] / rnd.den[J.supply])
    gain = float(deal.gain)
    ids = [d, r, k, I.actor, J.actor, J.supply, I.supply]
    return [*map(float, ids), float(I.x), float(I.y), float(J.x), float(J.y), shift_p, shift_q, gain, gain,
            shift_q / shift_p if shift_p else float("nan")]  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# the model


def run(
    arrays: Arrays,
    *,
    rounds: int | None = 10,
    variant: str = "equal-gain",
    rng: RNGLike = None,
    draw_keys: DrawKeys = None,
    power: ArrayLike | None = None,
    issue_power: Mapping[str, Mapping[str, float]] | None = None,
    **options: object,
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
    D = arrays.shape[0]
    if issue_power is not None and power is not None:
        raise ValueError("give power or issue_power, not both")
    pw = _issue_power(arrays, issue_power) if issue_power else _power(arrays, power)
    S = np.asarray(arrays.salience, dtype=np.float64)
    m = arrays.present[None] & (S > 0) & (pw > 0)
    W = np.where(m, pw * S, 0.0)
    seed: int | None = None
    draw_seeds: list[np.random.SeedSequence] | None = None
    if opts.variant == "random-rate":
        seed = seed_of(rng, what="exchange rng")
        draw_seeds = draw_seed_sequences(seed, D, draw_keys)
    if opts.arithmetic == "decimal":
        res = _run_decimal(arrays, pw, m, opts, n_rounds)
    else:
        res = _run_float(arrays, W, S, m, opts, n_rounds, draw_seeds)
    forecast = decide(arrays, res.starts[:, -1]) if opts.outcome == "rule" else res.last_nbs
    table = res.table
    order = np.lexsort((table[:, 2], table[:, 1], table[:, 0])) if len(table) else np.arange(0)
    exchanges = _exchange_columns(table[order], arrays)
    recorded: dict[str, Any] = {
        "variant": opts.variant,
        "seed": seed,
        "spread": opts.spread if opts.variant == "random-rate" else None,
        "salience_weight": opts.salience_weight,
        "fixed_weight": opts.fixed_weight,
        "outcome": opts.outcome,
        **{name: getattr(opts, name) for name in CHOICES},
        "power": "per actor-issue" if power is not None else "Decide per-issue" if issue_power else "capability",
    }
    details = {
        "voting": res.voting,
        "nbs": res.nbs,
        "voting_nbs": res.voting_nbs,
        "candidates": res.candidates,
        "exchanges": exchanges,
    }
    name = "exchange" if opts.variant == "equal-gain" else "exchange-random"
    return Trajectory(name, arrays, res.starts, np.asarray(forecast, dtype=np.float64), recorded, details)


def _run_float(
    arrays: Arrays,
    W: FloatArray,
    S: FloatArray,
    m: BoolArray,
    opts: ExchangeOptions,
    n_rounds: int,
    draw_seeds: list[np.random.SeedSequence] | None,
) -> _Result:
    """All rounds of all draws, vectorised over each chunk of draws, in binary floating point on 0–100."""
    D, A, I = arrays.shape
    total = W.sum(axis=1)
    X = arrays.normalised_position() * SCALE
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
    last = voting[:, -1] if n_rounds else starts[:, 0]
    w = np.where(total[:, None, :] > 0, W, voice(arrays))
    last_nbs = arrays.from_normalised(weighted_mean(np.moveaxis(last, -1, -2), np.moveaxis(w, -1, -2)) / SCALE)
    return _Result(
        starts=arrays.from_normalised(starts / SCALE),
        voting=arrays.from_normalised(voting / SCALE),
        nbs=arrays.from_normalised(_nbs(W[:, None], starts, total[:, None]) / SCALE),
        voting_nbs=arrays.from_normalised(_nbs(W[:, None], voting, total[:, None]) / SCALE),
        last_nbs=np.asarray(last_nbs, dtype=np.float64),
        candidates=n_cand,
        table=np.concatenate(rows) if rows else np.empty((0, len(EXCHANGE_COLUMNS))),
    )


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


def run_random(arrays: Arrays, *, rounds: int | None = 10, **options: object) -> Trajectory:
    """The random-rate variant (Dijkstra, van Assen, Stokman & Draaijer 2018)."""
    options.setdefault("variant", "random-rate")
    return run(arrays, rounds=rounds, **cast(dict[str, Any], options))


def run_decide(arrays: Arrays, *, rounds: int | None = 10, **options: object) -> Trajectory:
    """The ``exchange-decide`` preset: Decide's equal-gain model with its random tie-break off (:data:`DECIDE`).

    Options given override the preset's, so each departure can be switched back one at a time.
    """
    if options.get("variant", "equal-gain") != "equal-gain":
        raise ValueError("exchange-decide reproduces Decide's equal-gain model; use exchange-random for random rates")
    return replace(run(arrays, rounds=rounds, **cast(dict[str, Any], {**DECIDE, **options})), model="exchange-decide")


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
    reference_test="tests/test_models_exchange.py::test_legacy_cop21_round_one_matches_compare_file",
    reference_source=(
        "the legacy Stokman program's exchange list of round 1 on CoP21 (legacy/CoP21.compare.csv, shared data): "
        "the first 58 exchanges' partners, issues, gains (to the file's 6 digits, 1e-4 relative) and voting "
        "positions (1e-3); and Decide's own test figures on sample_data.txt (240 candidates, the first two gains, "
        "typed in from decide/model/test/test_model.py) to 1e-12 relative. Its departures from Decide are options; "
        "exchange-decide sets Decide's values"
    ),
    multi_issue=True,
    scenario_options=options_from_metadata,
)

DECIDE_SPEC = ModelSpec(
    name="exchange-decide",
    title="Stokman exchange model as Decide runs it (equal gain, no random tie-break)",
    reference=_REFERENCE + " Reproduces the decide-exchange-model package 2025.3.1 (equal gain, "
    "EqualGainModel.ALLOW_RANDOM = False): start positions and compromise points of every round to 1e-9.",
    assumptions=(
        *_ASSUMPTIONS[:2],
        "Exchanges are realised best first; an exchange is re-computed when a realised one moves one of its "
        "actors on its supply issue or buys for one of its demanders; equal gains go in Decide's list order.",
        "An exchange's own moves keep one direction; an actor may move back on an issue for another partner.",
        "An exchange that would carry a compromise point across the demander is cut back to it; one that starts "
        "past it goes ahead (Decide's check_nbs).",
        *_ASSUMPTIONS[4:],
        "Both parties to an exchange gain the same (equal-gain exchange rate).",
    ),
    run=run_decide,
    default_rounds=10,
    options=tuple(
        replace(o, default=DECIDE.get(o.name, o.default))
        for o in OPTION_SPECS
        if o.name not in ("variant", "rng", "draw_keys", "spread")
    ),
    reference_test="tests/test_models_exchange_decide.py::test_forecast_json_matches_decide",
    reference_source=(
        "runs of the Decide package itself (decide-exchange-model 2025.3.1 on Python 3.13, equal gain, "
        "EqualGainModel.ALLOW_RANDOM = False, 10 iterations) on the 8 Decide inputs of the shared data it accepts, "
        "kept with their provenance in tests/data/decide/: every round's start positions and compromise points, "
        "and the forecast, to 1e-9 (observed: identical)"
    ),
    order_dependent=(
        "Decide's exchanges whose 28-digit gains agree to the last digits, and a compromise point that sits on "
        "the demander's position to as many digits, are decided by its list order and by its sums taken in file "
        "order; the preset repeats both, so listing actors in another order can change such a choice"
    ),
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
    reference_test="tests/test_models_exchange.py::test_random_rate_with_zero_spread_is_equal_gain",
    reference_source=(
        "no published random-rate trajectory exists to compare with (Decide draws from an unseeded stream): at "
        "spread 0 it is the equal-gain model to 1e-12 (whose references are exchange's), otherwise properties "
        "(both parties gain, the same seed gives the same run, draws independent of batching)"
    ),
    order_dependent=(
        "the random rates are drawn per candidate in the arrays' (issue pair, actor pair) order, so listing the "
        "actors in another order gives the same seed other (equally distributed) draws"
    ),
    multi_issue=True,
    scenario_options=options_from_metadata,
)
