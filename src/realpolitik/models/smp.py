"""KTAB's Spatial Model of Politics (SMP): probabilistic Condorcet elections over bargains, turn by turn.

Why this model: KTAB (KAPSARC's open-source toolkit) is the one published bargaining model whose complete
reference runs are public, so its trajectory can be checked number for number. It is multi-dimensional
(issues are the dimensions of one policy space, judged with salience-weighted Euclidean distance) and it
replaces BDM's deterministic offers with probabilities: who would win a contest, which bargain each actor
ends up accepting.

The algorithm is KTAB's ``SMPState::doBCN`` (``examples/smp/libsrc/smp*.cpp`` and ``kmodel``), read from the
C++ and re-implemented with numpy, vectorised over actor pairs (cost per turn O(A³)):

1. *Assessment* (``setAllAUtil``). d_ij is the distance from i's ideal to j's position, weighted by i's
   saliences; risk-neutral utility 1 − d; coalitions C_ij = Σ_k max(0, vote_k(i:j)) with vote weight the
   capability; victory probabilities; a probabilistic Condorcet election (PCE) gives each position's
   probability p_i, from which each actor's risk attitude R_i is inferred (weak actors are risk averse).
   Each estimator h then prices j's position for i with utility (1 − d)(1 + d·R), R = h's view of i's risk.
2. *Challenges* (``probEduChlg``/``bestChallenge``). Each actor i estimates, for every target j, the chance
   that i beats j when third parties join the little contest (i:j) on the side they favour (their
   commitment rule), and the expected gain of challenging over the status quo; it targets the best gain.
3. *Bargains* (``interpolateBrgn``). The pair's positions are interpolated per dimension, weighting each
   side by salience^n × probability^m (S2P2 by default), rounded to 4 decimals as KTAB does.
4. *Choice* (``scalarPCE``). Every actor holds its status quo plus the bargains it is part of; all actors
   value the states those bargains would produce, a PCE over them gives probabilities, and the actor takes
   the most probable (deterministic) or draws one with KTAB's PRNG (stochastic).
5. *Ideals* drift toward positions by the accommodation matrix (identity: ideal = position).
6. *Stop* after at least 2 turns once the last step is < 2 % of the first (sum over actors of Euclidean
   moves), or after ``rounds`` turns (KTAB: 100).

KTAB quirks are reproduced on purpose, because matching KTAB is the point of the reference test: the
receiver's interpolated bargain (``InitRcvrInterp``/``PWCompInterp``) uses j's expected *gain* where a
probability is meant, and the power-weighted compromise weights both sides by the initiator's capability.
Where KTAB's later source differs from the 2017 build that wrote the reference logs, the logs win: actors value
bargains from their *ideal* (later source: current position) and the history of winning probabilities uses
the model's voting rule (later source: always Proportional); both are invisible when ideals track positions
and the rule is Proportional, and both are needed to reproduce smpExample.

KTAB 2017 processed actors in parallel threads, so the order of bargains in each actor's list (and, in
stochastic runs, which draw of the PRNG stream each actor's choice consumed) depended on thread timing. Here
the order is fixed: status quo first, then bargains in order of their initiator. The order matters only for
exact ties (deterministic runs) and for which bargain a stochastic draw lands on; the ``option_order`` hook
sets a logged list order and the ``choose`` hook lets a test replay the choices of a logged run. smpc 2017 also
drew 3 numbers before the first turn (``prng_discard``, set from a seeded file's metadata).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from ..randomness import RNGLike, draw_seed_sequences, seed_of
from .arrays import Arrays, FloatArray
from .decision import decide
from .smp_prng import KtabPRNG
from .spec import INTERNAL, DrawKeys, ModelSpec, OptionSpec, about, options_of
from .trajectory import Trajectory

IntArray = np.ndarray[Any, np.dtype[np.intp]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]

VOTING_RULES = ("Binary", "PropBin", "Proportional", "PropCbc", "Cubic", "ASymProsp")
VICTORY_PROB_MODELS = ("Linear", "Square", "Quartic", "Octic", "Binary")
PCE_MODELS = ("Conditional", "MarkovIncentive", "MarkovUniform")
STATE_TRANSITIONS = ("Deterministic", "Stochastic")
BIG_R_ADJUST = ("Full", "TwoThirds", "Half", "OneThird", "No")
BIG_R_RANGE = ("Min", "Mid", "Max")
THIRD_PARTY_COMMIT = ("NoCommit", "SemiCommit", "FullCommit")
INTER_VEC_BRGN = ("S1P1", "S2P2", "S2PMax")
BARGN_MODELS = ("InitOnlyInterp", "InitRcvrInterp", "PWCompInterp")
_ALIASES = {"Prop": "Proportional", "FullRA": "Full", "NoRA": "No", "MarkovI": "MarkovIncentive"}

# KTAB's numerical guards, kept at KTAB's values because they enter the results
MIN_COALITION = 1e-8  # Model::coalitions: floor of every coalition's strength
MIN_CHALLENGE_COALITION = 1e-10  # probEduChlg: floor of the (i:j) coalitions
MIN_SIG_EDU = 1e-5  # bestChallenge: smallest expected gain worth a challenge
MIN_BARGAIN_WEIGHT = 1e-6  # interpBrgn*: keeps 0/0 away, favouring the initiator
BINARY_VOTE_TOL = 1e-8  # Model::vote Binary: utility difference that counts as a full vote
BINARY_VICTORY_THRESHOLD = 1.10  # Model::vProb Binary: 10 % stronger wins for sure
BINARY_VICTORY_MIN = 1e-6
KTAB_2017_PRE_RUN_DRAWS = 3  # smpc 2017 drew 3 numbers from the seeded PRNG before the first turn (smpExample log)


@dataclass(frozen=True)
class SMPOptions:
    """The parameters KTAB's XML exposes (``ModelParameters``, each field's ``ktab`` name), plus the run controls of
    ``configExec``; each declared once (:data:`OPTION_SPECS` is derived from it, :func:`~.spec.options_of`).
    ``choose`` and ``option_order`` are hooks for tests, no listed option."""

    victory_prob_model: str = field(
        default="Linear",
        metadata=about(
            "P[i>j] from coalitions: C^p/(C_ij^p + C_ji^p)", choices=VICTORY_PROB_MODELS, ktab="VictoryProbModel"
        ),
    )
    pce_model: str = field(
        default="Conditional",
        metadata=about("probabilistic Condorcet election over options", choices=PCE_MODELS, ktab="PCEModel"),
    )
    state_transitions: str = field(
        default="Deterministic",
        metadata=about("take the likeliest bargain or draw one", choices=STATE_TRANSITIONS, ktab="StateTransitions"),
    )
    voting_rule: str = field(
        default="Proportional",
        metadata=about("vote as a function of the utility difference", choices=VOTING_RULES, ktab="VotingRule"),
    )
    big_r_adjust: str = field(
        default="OneThird",
        metadata=about("how far h's view of i's risk attitude is i's own", choices=BIG_R_ADJUST, ktab="BigRAdjust"),
    )
    big_r_range: str = field(
        default="Mid",
        metadata=about(
            "range of inferred risk attitudes: [0,1], [-1/2,1], [-1,1]", choices=BIG_R_RANGE, ktab="BigRRange"
        ),
    )
    third_party_commit: str = field(
        default="SemiCommit",
        metadata=about("what third parties expect to give up", choices=THIRD_PARTY_COMMIT, ktab="ThirdPartyCommit"),
    )
    inter_vec_brgn: str = field(
        default="S2P2",
        metadata=about(
            "bargain interpolation weights salience^n x prob^m", choices=INTER_VEC_BRGN, ktab="InterVecBrgn"
        ),
    )
    bargn_model: str = field(
        default="InitOnlyInterp",
        metadata=about("whose interpolation becomes the bargain", choices=BARGN_MODELS, ktab="BargnModel"),
    )
    seed: int | None = field(
        default=None, metadata=about("KTAB PRNG seed for Stochastic transitions (None/0: from rng, else random)")
    )
    prng_discard: int = field(
        default=0, metadata=about("PRNG draws discarded before the run (smpc 2017: 3; set from a file's seed)")
    )
    ideal_adjustment: tuple[tuple[int, int, float], ...] = field(
        default=(), metadata=about("(adjusting, reference, rate) triples: ideals drift toward positions")
    )
    min_turns: int = field(default=2, metadata=about("turns before the stopping rule may fire"))
    min_delta_ratio: float = field(
        default=0.02, metadata=about("stop when the last step is below this fraction of the first")
    )
    min_sig_delta: float = field(default=1e-4, metadata=about("added to the first step (guards 0/0)"))
    pos_tol: float = field(default=1e-3, metadata=about("positions closer than this (0-1 scale) count as one option"))
    choose: Callable[[int, int, list[tuple[int, int]], FloatArray], int] | None = field(default=None, metadata=INTERNAL)
    option_order: Callable[[int, int, list[tuple[int, int]]], Sequence[int]] | None = field(
        default=None, metadata=INTERNAL
    )


_CHOICES: dict[str, tuple[str, ...]] = {
    f.name: f.metadata["choices"] for f in fields(SMPOptions) if "choices" in f.metadata
}
_XML_NAMES: dict[str, str] = {f.metadata["ktab"]: f.name for f in fields(SMPOptions) if "ktab" in f.metadata}


def parse_options(options: Mapping[str, Any], actor_ids: Sequence[str] = ()) -> SMPOptions:
    """Validate user options (KTAB's names accepted, e.g. ``VotingRule='Prop'``) into :class:`SMPOptions`."""
    kw: dict[str, Any] = {}
    for key, value in options.items():
        name = _XML_NAMES.get(key, key)
        if name in _CHOICES:
            text = _ALIASES.get(str(value), str(value))
            if text not in _CHOICES[name]:
                raise ValueError(f"smp option {key}={value!r}: choose one of {', '.join(_CHOICES[name])}")
            kw[name] = text
        elif name == "seed":
            kw[name] = None if value is None or int(value) == 0 else int(value)  # KTAB: seed 0 means none
        elif name == "ideal_adjustment":
            kw[name] = _ideal_adjustment(value, actor_ids)
        elif name in ("min_turns", "prng_discard"):
            kw[name] = int(value)
            if kw[name] < 0:
                raise ValueError(f"smp option {key}={value!r} must be >= 0")
        elif name in ("min_delta_ratio", "min_sig_delta", "pos_tol"):
            kw[name] = float(value)
        elif name in ("choose", "option_order"):
            kw[name] = value
        else:
            raise TypeError(f"unknown smp option {key!r}")
    return SMPOptions(**kw)


def _ideal_adjustment(value: Any, actor_ids: Sequence[str]) -> tuple[tuple[int, int, float], ...]:
    """(adjusting, reference, rate) triples; actors by index or id (as the KTAB loader's metadata gives them)."""
    index = {a: k for k, a in enumerate(actor_ids)}
    out = []
    for item in value or ():
        if isinstance(item, Mapping):
            a, r, x = item["adjusting"], item["reference"], item["adjust"]
        else:
            a, r, x = item
        out.append((index[a] if isinstance(a, str) else int(a), index[r] if isinstance(r, str) else int(r), float(x)))
    return tuple(out)


def options_from_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """SMP options from a KTAB scenario's ``metadata['ktab']`` (model parameters, seed, ideal adjustment)."""
    ktab = metadata.get("ktab", {})
    if not isinstance(ktab, Mapping):
        return {}
    out: dict[str, Any] = {}
    params = ktab.get("model_parameters") or {}
    for key, value in params.items():
        if key in _XML_NAMES:
            out[_XML_NAMES[key]] = value
    seed = ktab.get("prng_seed")
    if seed not in (None, ""):
        out["seed"] = int(str(seed))
        if out["seed"]:
            out["prng_discard"] = KTAB_2017_PRE_RUN_DRAWS
    if ktab.get("ideal_adjustment"):
        out["ideal_adjustment"] = list(ktab["ideal_adjustment"])
    return out


# --------------------------------------------------------------------------- KTAB's building blocks


def vote(rule: str, w: FloatArray | float, u1: FloatArray, u2: FloatArray) -> FloatArray:
    """``Model::vote``: the weight an actor throws behind option 1 over option 2 (negative: behind 2)."""
    du = u1 - u2
    if rule == "Proportional":
        return np.asarray(w * du, dtype=np.float64)
    if rule == "Binary":
        return np.asarray(w * np.clip(du / BINARY_VOTE_TOL, -1.0, 1.0), dtype=np.float64)
    if rule == "PropBin":
        r_bin = np.clip(du / BINARY_VOTE_TOL, -1.0, 1.0)
        return np.asarray(w * ((1 - 0.2) * du + 0.2 * r_bin), dtype=np.float64)
    if rule == "PropCbc":
        return np.asarray(w * ((1 - 0.5) * du + 0.5 * (du * du * du)), dtype=np.float64)
    if rule == "Cubic":
        return np.asarray(w * (du * du * du), dtype=np.float64)
    if rule == "ASymProsp":
        return np.asarray(np.where(du < 0, w * du, np.where(du > 0, (2.0 * w * du) / 3.0, 0.0)), dtype=np.float64)
    raise ValueError(f"unknown voting rule {rule!r}")


def bs_util(d: FloatArray, r: FloatArray | float) -> FloatArray:
    """``SMPModel::bsUtil``: utility of a normalised distance d for risk attitude R in [-1, 1]."""
    return np.asarray(np.where(d <= 1, (1 - d) * (1 + d * r), (1 - d) * (1 + r)), dtype=np.float64)


def bv_diff(delta: FloatArray, sal: FloatArray) -> FloatArray:
    """``SMPModel::bvDiff``: salience-weighted distance sqrt(Σ (s Δ)² / Σ s²); 0 for an actor with no salience."""
    ds = delta * sal
    num = np.sum(ds * ds, axis=-1)
    den = np.sum(sal * sal, axis=-1)
    safe = np.where(den > 0, den, 1.0)
    return np.asarray(np.where(den > 0, np.sqrt(num / safe), 0.0), dtype=np.float64)


def coalitions(rule: str, w: FloatArray, u: FloatArray) -> FloatArray:
    """``Model::coalitions``: c[i, j] = strength of the coalition for option i against j, u is (actors, options).

    KTAB scans only i > j and books a vote for j as strength of (j:i), which matters for the asymmetric
    ASymProsp rule; the same is done here.
    """
    m = u.shape[1]
    v = vote(rule, w[:, None, None], u[:, :, None], u[:, None, :])  # (k, i, j)
    pos = MIN_COALITION + np.sum(np.where(v > 0, v, 0.0), axis=0)
    neg = MIN_COALITION + np.sum(np.where(v < 0, -v, 0.0), axis=0)
    lower = np.tri(m, m, -1, dtype=bool)
    c = np.where(lower, pos, neg.T)
    np.fill_diagonal(c, MIN_COALITION)
    return np.asarray(c, dtype=np.float64)


def victory_probabilities(model: str, c: FloatArray) -> FloatArray:
    """``Model::vProb``: p[i, j] = probability that option i beats j, from coalition strengths."""
    s1, s2 = c, c.T
    if model == "Binary":
        r12 = s1 / (s1 + s2)
        p12 = (r12 * (BINARY_VICTORY_THRESHOLD + 1.0) - 1.0) / (BINARY_VICTORY_THRESHOLD - 1.0)
        x1 = np.where(
            s1 >= BINARY_VICTORY_THRESHOLD * s2,
            1.0,
            np.where(s2 >= BINARY_VICTORY_THRESHOLD * s1, BINARY_VICTORY_MIN, p12),
        )
        x2 = np.where(
            s1 >= BINARY_VICTORY_THRESHOLD * s2,
            BINARY_VICTORY_MIN,
            np.where(s2 >= BINARY_VICTORY_THRESHOLD * s1, 1.0, 1 - p12),
        )
        lower = np.tri(c.shape[0], c.shape[0], -1, dtype=bool)
        p_low = x1 / (x1 + x2)
        p_up = x2 / (x1 + x2)
        p = np.where(lower, p_low, p_up.T)
    else:
        power = {"Linear": 1, "Square": 2, "Quartic": 4, "Octic": 8}[model]
        x = c
        if power >= 2:
            x = c * c
        if power >= 4:
            x = x * x
        if power == 8:
            x = x * x
        p = x / (x + x.T)
    np.fill_diagonal(p, 0.5)
    return np.asarray(p, dtype=np.float64)


def pce(model: str, vpm: str, c: FloatArray) -> FloatArray:
    """``Model::probCE2``: probability of each option in a probabilistic Condorcet election."""
    pv = victory_probabilities(vpm, c)
    n = pv.shape[0]
    if model == "Conditional":
        p = np.prod(pv, axis=1)
        return np.asarray(p / np.sum(p), dtype=np.float64)
    if model == "MarkovIncentive":
        inctv = c * pv
        inctv[np.diag_indices(n)] += 1e-10
        chlg = inctv / np.sum(inctv, axis=0, keepdims=True)  # chlg[i, j]: i challenges when j is favourite
        p = np.full(n, 1.0 / n)
        change = 1.0
        while 1e-8 < change:
            ct = p[:, None] * chlg.T
            q = np.sum(pv * (ct + ct.T), axis=1)
            change = float(np.max(np.abs(q - p)))
            p = (p + q) / 2.0
        return np.asarray(p, dtype=np.float64)
    if model == "MarkovUniform":
        p = np.full(n, 1.0 / n)
        change = 1.0
        while 1e-6 < change:
            q = np.sum(pv * (p[:, None] + p[None, :]), axis=1) / n
            change = float(np.max(np.abs(q - p)))
            p = (p + q) / 2.0
        return np.asarray(p, dtype=np.float64)
    raise ValueError(f"unknown PCE model {model!r}")


def big_r_from_prob(p: FloatArray, rr: str) -> FloatArray:
    """``Model::bigRfromProb``: risk attitude from an actor's own position probability (weak → risk averse).

    All probabilities equal (KTAB would divide by zero) reads as risk neutral.
    """
    lo, hi = float(np.min(p)), float(np.max(p))
    if hi - lo <= 0:
        return np.zeros_like(p)
    if rr == "Min":
        return np.asarray((p - lo) / (hi - lo), dtype=np.float64)
    if rr == "Mid":
        return np.asarray((3 * p - (hi + 2 * lo)) / (2 * (hi - lo)), dtype=np.float64)
    return np.asarray((2 * p - (hi + lo)) / (hi - lo), dtype=np.float64)


def est_nra(rh: FloatArray, ri: FloatArray, ra: str) -> FloatArray:
    """``Model::estNRA``: h's estimate of i's risk attitude, anchored on h's own."""
    if ra == "Full":
        return np.asarray(ri + 0 * rh, dtype=np.float64)
    if ra == "TwoThirds":
        return np.asarray((rh + (2.0 * ri)) / 3.0, dtype=np.float64)
    if ra == "Half":
        return np.asarray((rh + ri) / 2, dtype=np.float64)
    if ra == "OneThird":
        return np.asarray(((2.0 * rh) + ri) / 3.0, dtype=np.float64)
    return np.asarray(rh + 0 * ri, dtype=np.float64)


def round4(x: FloatArray) -> FloatArray:
    """KTAB rounds interpolated bargains to 4 decimals (on the 0-1 scale) to avoid spurious precision."""
    return np.asarray(np.floor(0.5 + x * 10000.0) / 10000.0, dtype=np.float64)


# --------------------------------------------------------------------------- one state


@dataclass
class _State:
    pos: FloatArray  # (A, I) on 0-1
    ideal: FloatArray  # (A, I)
    d: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    risk: FloatArray = field(default_factory=lambda: np.zeros(0))
    util: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 0)))  # util[h, i, j]


class _Run:
    """One draw of one SMP run: fixed actor attributes and options, states advanced turn by turn."""

    def __init__(self, cap: FloatArray, sal: FloatArray, opts: SMPOptions, accommodate: FloatArray) -> None:
        self.cap = cap
        self.sal = sal
        self.ssum = np.sum(sal, axis=1)
        self.opts = opts
        self.acc = accommodate
        self.identity_acc = bool(np.allclose(accommodate, np.eye(len(cap)), atol=1e-10, rtol=0))
        self.n = len(cap)

    # ---- assessment: distances, inferred risk, every estimator's utilities (setAllAUtil)
    def assess(self, s: _State) -> None:
        o = self.opts
        s.d = bv_diff(s.ideal[:, None, :] - s.pos[None, :, :], self.sal[:, None, :])
        rn = bs_util(s.d, 0.0)
        c = coalitions(o.voting_rule, self.cap, rn)
        p = pce(o.pce_model, o.victory_prob_model, c)
        s.risk = big_r_from_prob(p, o.big_r_range)
        rhi = est_nra(s.risk[:, None], s.risk[None, :], o.big_r_adjust)  # (h, i)
        s.util = bs_util(s.d[None, :, :], rhi[:, :, None])

    # ---- h's estimate of the effect on k of i challenging j (probEduChlg)
    def prob_edu_chlg(
        self, s: _State, h: IntArray, k: IntArray, i: IntArray, j: IntArray
    ) -> tuple[FloatArray, FloatArray]:
        """For a batch of quadruples (h, k, i, j): P[i beats j] and k's expected gain from the challenge."""
        u = s.util
        n = np.arange(self.n)[None, :]
        hh, ii, jj = h[:, None], i[:, None], j[:, None]
        return self._challenge(
            u[h, i, i], u[h, i, j], u[h, j, i], u[h, j, j], u[h, k, i], u[h, k, j], i, j,
            u[hh, n, ii], u[hh, n, jj], u[hh, n, n], (n != ii) & (n != jj),
        )  # fmt: skip

    def all_challenges(self, s: _State) -> tuple[FloatArray, FloatArray]:
        """(A, A) matrices of probEduChlg(i, i, i, j): each actor's own view of challenging each target.

        The third parties' utilities are views of the estimator's matrix (no gathers), which is what keeps
        the O(A³) step fast; the diagonal i = j is computed but meaningless and ignored by the caller.
        """
        u = s.util
        na = self.n
        ar = np.arange(na)
        own_row = u[ar, ar, :]  # own_row[i, x] = u_i(i, x)
        own_col = u[ar, :, ar]  # own_col[i, x] = u_i(x, i)
        diag = np.einsum("hnn->hn", u)  # diag[h, n] = u_h(n, n)
        uii = np.broadcast_to(own_row[ar, ar][:, None], (na, na))
        uij = own_row
        uji = np.einsum("iji->ij", u)  # u_i(j, i)
        ujj = diag  # u_i(j, j)
        ii = np.broadcast_to(ar[:, None], (na, na))
        jj = np.broadcast_to(ar[None, :], (na, na))
        third = (ar[None, None, :] != ii[:, :, None]) & (ar[None, None, :] != jj[:, :, None])
        unj = np.swapaxes(u, 1, 2)
        prob = np.empty((na, na))
        edu = np.empty((na, na))
        block = max(1, 2**16 // (na * na))  # blocks of initiators small enough to stay in cache
        for a in range(0, na, block):
            b = slice(a, a + block)
            prob[b], edu[b] = self._challenge(
                uii[b], uij[b], uji[b], ujj[b], uii[b], uij[b], ii[b], jj[b],
                own_col[b, None, :], unj[b], diag[b, None, :], third[b],
            )  # fmt: skip
        return prob, edu

    def _challenge(
        self,
        uii: FloatArray,
        uij: FloatArray,
        uji: FloatArray,
        ujj: FloatArray,
        uki: FloatArray,
        ukj: FloatArray,
        i: IntArray,
        j: IntArray,
        uni: FloatArray,
        unj: FloatArray,
        unn: FloatArray,
        third: BoolArray,
    ) -> tuple[FloatArray, FloatArray]:
        """The arithmetic of ``probEduChlg`` on broadcastable arrays; third-party axis last."""
        o = self.opts
        rule = o.voting_rule
        eu_sq = uki + ukj
        u_vict = uki + uki
        u_loss = ukj + ukj
        si, sj = self.ssum[i], self.ssum[j]
        ci, cj = self.cap[i], self.cap[j]
        contrib_i = vote(rule, si * ci, uii, uij)
        contrib_j = vote(rule, sj * cj, uji, ujj)
        chij = np.full(contrib_i.shape, MIN_CHALLENGE_COALITION)
        chji = np.full(contrib_i.shape, MIN_CHALLENGE_COALITION)
        chij = np.where(contrib_i > 0, chij + contrib_i, chij)
        chji = np.where(contrib_i < 0, chji - contrib_i, chji)
        chij = np.where(contrib_j > 0, chij + contrib_j, chij)
        chji = np.where(contrib_j < 0, chji - contrib_j, chji)
        base_i, base_j = chij[..., None], chji[..., None]

        wn = self.ssum * self.cap
        contrib_n = vote(rule, wn, uni, unj)
        cni = np.where(contrib_n > 0, base_i + contrib_n, base_i)
        cnj = np.where(contrib_n < 0, base_j - contrib_n, base_j)
        pin = cni / (cni + cnj)
        pjn = 1.0 - pin
        tpc = o.third_party_commit
        if tpc == "FullCommit":
            u_ik_def_j, u_j_def_ik = uni + uni + uni, unj + unj + unj
            u_i_def_jk, u_jk_def_i = uni + uni + uni, unj + unj + unj
        elif tpc == "SemiCommit":
            u_ik_def_j, u_j_def_ik = uni + uni + unn, unj + unj + unj
            u_i_def_jk, u_jk_def_i = uni + uni + uni, unj + unj + unn
        else:
            u_ik_def_j, u_j_def_ik = uni + uni + unn, unj + unj + unn
            u_i_def_jk, u_jk_def_i = uni + uni + unn, unj + unj + unn
        u_ik_j = (pin * u_ik_def_j) + (pjn * u_j_def_ik)
        u_i_jk = (pin * u_i_def_jk) + (pjn * u_jk_def_i)
        vn = vote(rule, wn, u_ik_j, u_i_jk)
        vn = np.where(third, vn, 0.0)
        chij = chij + np.sum(np.maximum(vn, 0.0), axis=-1)
        chji = chji + np.sum(np.maximum(-vn, 0.0), axis=-1)
        phij = chij / (chij + chji)
        phji = chji / (chij + chji)
        eu_cntst = phij * u_vict + phji * u_loss
        eu_chlg = (1 - sj) * u_vict + sj * eu_cntst
        return np.asarray(phij, dtype=np.float64), np.asarray(eu_chlg - eu_sq, dtype=np.float64)

    def interpolate(
        self, i: IntArray, j: IntArray, pos: FloatArray, prb_i: FloatArray, prb_j: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """``SMPActor::interpolateBrgn`` for a batch of pairs: the positions i and j would adopt."""
        ti, tj = pos[i], pos[j]
        si, sj = self.sal[i], self.sal[j]
        pi, pj = prb_i[:, None], prb_j[:, None]
        ivb = self.opts.inter_vec_brgn
        if ivb == "S2PMax":
            di = np.where(pj > pi, pj - pi, 0.0)
            dj = np.where(pi > pj, pi - pj, 0.0)
            si2, sj2 = si * si, sj * sj
            dik = (di * sj2) / ((di * sj2) + MIN_BARGAIN_WEIGHT + ((1 - di) * si2))
            djk = (dj * si2) / ((dj * si2) + MIN_BARGAIN_WEIGHT + ((1 - dj) * sj2))
            return ti + dik * (tj - ti), tj + djk * (ti - tj)
        if ivb == "S2P2":
            wi = (si * si) * (pi * pi)
            wj = (sj * sj) * (pj * pj)
        else:
            wi = si * pi
            wj = sj * pj
        total = wi + MIN_BARGAIN_WEIGHT + wj
        bi = round4(((wi + MIN_BARGAIN_WEIGHT) * ti + wj * tj) / total)
        bj = round4((wi * ti + (MIN_BARGAIN_WEIGHT + wj) * tj) / total)
        return bi, bj

    def scalar_pce(self, u: FloatArray, rule: str) -> FloatArray:
        c = coalitions(rule, self.cap, u)
        return pce(self.opts.pce_model, self.opts.victory_prob_model, c)

    # ---- one turn of bargaining (doBCN)
    def step(self, s: _State, turn: int, rng: KtabPRNG | None) -> tuple[_State, dict[str, Any]]:
        o = self.opts
        na = self.n
        prob_m, edu_m = self.all_challenges(s)
        edu_m = edu_m.copy()
        np.fill_diagonal(edu_m, -np.inf)
        valid = edu_m > MIN_SIG_EDU
        best = np.argmax(np.where(valid, edu_m, -np.inf), axis=1)
        has = valid[np.arange(na), best]
        init = np.flatnonzero(has)
        rcvr = best[has]
        p_iij = prob_m[init, rcvr]
        b_i, b_j = self.interpolate(init, rcvr, s.pos, p_iij, 1 - p_iij)

        bargains: list[tuple[int, int, FloatArray, FloatArray]] = []  # (init, rcvr, pos_init, pos_rcvr)
        if o.bargn_model == "InitOnlyInterp":
            bargains = [(int(a), int(b), b_i[n], b_j[n]) for n, (a, b) in enumerate(zip(init, rcvr, strict=True))]
        else:
            _, p_jij = self.prob_edu_chlg(s, rcvr, init, init, rcvr)  # KTAB uses j's expected gain here
            c_i, c_j = self.interpolate(init, rcvr, s.pos, p_jij, 1 - p_jij)
            for n, (a, b) in enumerate(zip(init, rcvr, strict=True)):
                if o.bargn_model == "InitRcvrInterp":
                    bargains.append((int(a), int(b), b_i[n], b_j[n]))
                    bargains.append((int(a), int(b), c_i[n], c_j[n]))
                else:
                    wi = self.cap[a] * self.ssum[a]
                    wj = self.cap[a] * self.ssum[b]  # KTAB weights the receiver by the initiator's capability
                    bargains.append(
                        (
                            int(a),
                            int(b),
                            (wi * b_i[n] + wj * c_i[n]) / (wi + wj),
                            (wi * b_j[n] + wj * c_j[n]) / (wi + wj),
                        )
                    )

        # every actor's utility for the state each bargain would produce (brgnUtil), divided by na
        own = s.util[np.arange(na), np.arange(na), :]  # own[a, n] = a's utility of n's position
        sq_util = np.sum(own, axis=1) / na
        n_b = len(bargains)
        b_util = np.zeros((na, n_b))
        if n_b:
            bi_idx = np.array([b[0] for b in bargains])
            br_idx = np.array([b[1] for b in bargains])
            p_init = np.stack([b[2] for b in bargains])  # (B, I)
            p_rcvr = np.stack([b[3] for b in bargains])
            u_init = bs_util(bv_diff(s.ideal[:, None, :] - p_init[None], self.sal[:, None, :]), s.risk[:, None])
            u_rcvr = bs_util(bv_diff(s.ideal[:, None, :] - p_rcvr[None], self.sal[:, None, :]), s.risk[:, None])
            n_idx = np.arange(na)[None, :]
            keep = (n_idx != bi_idx[:, None]) & (n_idx != br_idx[:, None])  # (B, n)
            rest = own @ keep.T.astype(np.float64)  # (a, B)
            b_util = (u_init + u_rcvr + rest) / na

        new_pos = s.pos.copy()
        chosen: list[int] = []
        for k in range(na):
            opts_k = [m for m, b in enumerate(bargains) if b[0] == k or b[1] == k]
            u_im = np.concatenate([sq_util[:, None], b_util[:, opts_k]], axis=1)
            p = self.scalar_pce(u_im, o.voting_rule) if opts_k else np.ones(1)
            pairs = [(bargains[x][0], bargains[x][1]) for x in opts_k]
            order = list(range(len(p)))
            if o.option_order is not None:  # KTAB's list order for this actor: a permutation of 0 (status quo), 1..
                order = [int(v) for v in o.option_order(turn, k, [(k, k), *pairs])]
                if sorted(order) != list(range(len(p))):
                    raise ValueError(f"option_order for actor {k} in turn {turn} is not a permutation: {order}")
            if o.choose is not None:
                m = o.choose(turn, k, pairs, p)
            elif o.state_transitions == "Stochastic":  # KTAB draws even when the status quo is the only option
                assert rng is not None
                m = order[rng.prob_sel(p[order].tolist())]
            else:
                m = order[int(np.argmax(p[order]))]
            if m == 0:
                chosen.append(-1)
                continue
            b = bargains[opts_k[m - 1]]
            chosen.append(opts_k[m - 1])
            new_pos[k] = b[2] if b[0] == k else b[3]

        # ideals drift toward the new positions (newIdeals); identity keeps ideal = position
        acc = self.acc
        si = np.minimum(np.sum(acc, axis=1), 1.0)
        new_ideal = acc @ new_pos + (1.0 - si)[:, None] * s.ideal
        if self.identity_acc:
            new_ideal = new_pos.copy()
        info: dict[str, Any] = {
            "targets": np.where(has, best, -1),
            "gains": np.where(has, edu_m[np.arange(na), best], 0.0),
        }
        info["chosen"] = [(-1, -1) if m < 0 else (bargains[m][0], bargains[m][1]) for m in chosen]
        return _State(new_pos, new_ideal), info

    # ---- probability of each actor's position (pDist(-1) / posProb)
    def win_probabilities(self, s: _State) -> FloatArray:
        na = self.n
        uij = s.util[np.arange(na), np.arange(na), :]  # u[i, j] = aUtil[i](i, j)
        delta = s.pos[:, None, :] - s.pos[None, :, :]
        same = np.sqrt(np.sum(delta * delta, axis=-1)) < self.opts.pos_tol  # equivNdx
        uniques: list[int] = []
        for a in range(na):  # ueIndices: first occurrences, in actor order
            if not same[a, uniques].any():
                uniques.append(a)
        p = self.scalar_pce(uij[:, uniques], self.opts.voting_rule)
        eq = same[:, uniques]
        last = eq.shape[1] - 1 - np.argmax(eq[:, ::-1], axis=1)  # posProb takes the last equivalent unique
        return np.asarray(p[last], dtype=np.float64)


def state_dist(a: FloatArray, b: FloatArray) -> float:
    """``SMPModel::stateDist``: sum over actors of the Euclidean distance moved."""
    return float(np.sum(np.sqrt(np.sum((a - b) ** 2, axis=1))))


def simulate(pos: FloatArray, sal: FloatArray, cap: FloatArray, opts: SMPOptions, max_turns: int) -> dict[str, Any]:
    """One KTAB run on 0-1 positions (A, I), saliences (A, I) on 0-1 and capabilities (A,)."""
    na = len(cap)
    acc = np.eye(na)
    for a, r, x in opts.ideal_adjustment:
        acc[a, r] = x
    run_ = _Run(np.asarray(cap, dtype=np.float64), np.asarray(sal, dtype=np.float64), opts, acc)
    rng: KtabPRNG | None = None
    seed = opts.seed
    if opts.state_transitions == "Stochastic":
        if seed is None:
            seed = int(np.random.default_rng().integers(1, 2**63))
        rng = KtabPRNG(seed)
        for _ in range(opts.prng_discard):
            rng.uniform()
    s = _State(np.asarray(pos, dtype=np.float64).copy(), np.asarray(pos, dtype=np.float64).copy())
    run_.assess(s)
    history = [s]
    infos: list[dict[str, Any]] = []
    turn = 0
    while True:
        turn += 1
        s2, info = run_.step(history[-1], turn - 1, rng)
        run_.assess(s2)
        history.append(s2)
        infos.append(info)
        d01 = state_dist(history[0].pos, history[1].pos) + opts.min_sig_delta
        dxy = state_dist(history[turn].pos, history[turn - 1].pos)
        if turn >= max_turns or (turn >= opts.min_turns and dxy / d01 < opts.min_delta_ratio):
            break
    return {
        "positions": np.stack([h.pos for h in history]),
        "ideals": np.stack([h.ideal for h in history]),
        "risk": np.stack([h.risk for h in history]),
        "win_prob": np.stack([run_.win_probabilities(h) for h in history]),
        "steps": infos,
        "seed": seed,
    }


def _to_scale(arrays: Arrays, x: FloatArray, x0: FloatArray) -> FloatArray:
    """Map 0-1 trajectories (D, T, A, I) back to each issue's scale without adding round-off of our own.

    A coordinate still at its input value is the input itself (not lo + ((v - lo)/(hi - lo))(hi - lo), which
    may differ in the last bit). A coordinate on KTAB's 4-decimal grid (every bargain, see :func:`round4`) is
    k/10000 on 0-1, so it is mapped as lo + k(hi - lo)/10000, the nearest double to the exact value (0.448 * 100
    would print as 44.800000000000004). Other values (e.g. ``PWCompInterp`` mixtures) are mapped as usual.
    """
    k = np.round(x * 10000.0)
    lo, hi = arrays.scale[:, 0], arrays.scale[:, 1]
    out = np.where(k / 10000.0 == x, lo + k * (hi - lo) / 10000.0, lo + x * (hi - lo))
    out = np.where(x == x0[:, None], arrays.position[:, None], out)
    return np.asarray(out, dtype=np.float64)


def run(
    arrays: Arrays,
    *,
    rounds: int | None = 100,
    rng: RNGLike = None,
    draw_keys: DrawKeys = None,
    **options: object,
) -> Trajectory:
    """KTAB's SMP on every draw; ``rounds`` is KTAB's maximum number of turns (it usually stops earlier).

    Positions are mapped to 0-1 per issue and back; each draw stops on its own, and its last state is
    repeated to fill the (D, R+1, A, I) trajectory (``details['turns']`` says where each draw stopped).
    A stochastic run re-seeds KTAB's PRNG with the same seed for every draw, so draw d equals a single run.
    The seed is ``seed`` (KTAB's own, e.g. a scenario file's ``prngSeed``) when given, else ``rng`` reduced to
    one KTAB seed (SPEC 7: an int is the seed itself; a SeedSequence or Generator yields one), else a fresh
    random one; the seed used is recorded in ``options['seed']`` (and ``details['seed']``). With ``draw_keys``
    (one int per draw, e.g. from the lab) each draw instead gets its own KTAB seed derived from that seed and its
    key (:func:`.base.draw_seed_sequences`): draws with the same key share the PRNG's numbers, others do not;
    ``details['seed']`` lists the seed of every draw.
    """
    opts = parse_options(options, arrays.actor_ids)
    stochastic = opts.state_transitions == "Stochastic"
    if stochastic and opts.seed is None and (rng is not None or draw_keys is not None):
        opts = replace(opts, seed=seed_of(rng, lowest=1, bits=64, what="smp rng"))
    max_turns = 100 if rounds is None else int(rounds)
    if max_turns < 1:
        raise ValueError("smp needs rounds >= 1")
    x = arrays.normalised_position()
    sal = arrays.salience * arrays.present[None].astype(np.float64)
    D = arrays.shape[0]
    per_draw = [opts] * D
    if stochastic and draw_keys is not None:
        assert opts.seed is not None
        streams = draw_seed_sequences(opts.seed, D, draw_keys)
        per_draw = [replace(opts, seed=seed_of(q, bits=64, what="smp rng") or 1) for q in streams]
    runs = [simulate(x[d], sal[d], arrays.capability[d], per_draw[d], max_turns) for d in range(D)]
    width = max(r["positions"].shape[0] for r in runs)

    def pad(v: FloatArray) -> FloatArray:
        extra = width - v.shape[0]
        return np.concatenate([v, np.repeat(v[-1:], extra, axis=0)]) if extra else v

    positions = _to_scale(arrays, np.stack([pad(r["positions"]) for r in runs]), x)
    details = {
        "turns": np.array([r["positions"].shape[0] - 1 for r in runs]),
        "win_prob": np.stack([pad(r["win_prob"]) for r in runs]),
        "risk": np.stack([pad(r["risk"]) for r in runs]),
        "ideals": arrays.from_normalised(np.stack([pad(r["ideals"]) for r in runs])),
        "steps": [r["steps"] for r in runs],
        "seed": [r["seed"] for r in runs],
    }
    forecast = decide(arrays, positions[:, -1])
    shown = {k: v for k, v in opts.__dict__.items() if k not in ("choose", "option_order")}
    if stochastic:
        # the seed of every draw without draw_keys, the root of theirs with them (details['seed'] lists them all)
        shown["seed"] = opts.seed if opts.seed is not None else runs[0]["seed"]
    return Trajectory("smp", arrays, positions, forecast, options=shown, details=details)


OPTION_SPECS: tuple[OptionSpec, ...] = options_of(
    SMPOptions,
    extra=(
        (
            "seed",
            OptionSpec(
                "rng", None, None, "seed, SeedSequence or Generator reduced to the KTAB seed when seed is unset"
            ),
        ),
        (
            "rng",
            OptionSpec(
                "draw_keys", None, None, "one int per draw: each key its own KTAB seed, derived from seed (the lab)"
            ),
        ),
    ),
)

SPEC = ModelSpec(
    unsupported=("influence",),
    name="smp",
    title="KTAB Spatial Model of Politics (probabilistic Condorcet bargaining)",
    reference="Wise, B., Efird, B., Lester, S. et al. (2015-2017). KTAB: KAPSARC Toolkit for Behavioral Analysis, "
    "Spatial Model of Politics (github.com/KAPSARC/KTAB, MIT licence); Efird, B. et al. (2016), KAPSARC "
    "discussion paper on China's upstream oil and gas reform (the SOE-Pol-Comp scenario).",
    assumptions=(
        "Issues are dimensions of one policy space; distance is salience-weighted Euclidean on the 0-1 scale.",
        "Utility (1 - d)(1 + d R): risk attitudes R are inferred from each position's chance in a PCE.",
        "Actors challenge the target with the best expected gain; third parties join the side they favour.",
        "Challenges end in interpolated bargains; each actor takes the likeliest bargain in a PCE vote.",
        "Capability is one scalar for every dimension; channels and the status quo are not used.",
        "Stops once a turn moves less than 2 % of the first turn (after at least 2 turns) or at rounds.",
    ),
    run=run,
    default_rounds=100,
    options=OPTION_SPECS,
    reference_test="tests/test_models_smp.py",
    reference_source=(
        "KTAB's own reference run logs (ktab/ref-runs/*.txt, KAPSARC/KTAB via lsyaseen/KTAB), compared as KTAB "
        "prints them (%5.1f positions, %.4f probabilities)"
    ),
    multi_issue=True,
    scenario_options=options_from_metadata,
    presets={
        "ktab-csv": {},
        "ktab-xml-example": {
            "voting_rule": "PropCbc",
            "pce_model": "MarkovIncentive",
            "state_transitions": "Stochastic",
        },
    },
)
