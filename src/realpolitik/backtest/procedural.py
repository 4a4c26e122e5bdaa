"""A procedural model of EU legislation, scored on DEU III against the compromise model.

Why: the DEU literature's central contest (Thomson, Stokman, Achen & König 2006; Achen 2006) is between the
compromise model, a weighted mean of the positions, and procedural models that take the formal rules literally
(Steunenberg 1994; Tsebelis 1994; Crombez 1996; Tsebelis & Garrett 2000; Steunenberg & Selck 2006). DEU III codes
what a procedural model needs: the Council's voting rule (``counvte``), the procedure (``proc``) and the reference
point (``rp``), the status quo the procedure starts from. The model below is this project's reading of those
papers, in one dimension, with ideal points only (saliences and capabilities play no part):

1. **The Council** is the member states with a coded position on the issue. It adopts a change from the reference
   point q by the issue's rule: a qualified majority of the vote weights (Amsterdam or Nice era) or the double
   majority (Lisbon era) of the proposal's treaty era (:func:`treaty_era`), or unanimity. A member prefers x to q
   when x is nearer to its position, so the changes a winning coalition prefers to q form one interval with q at
   one end, bounded by the pivots of :func:`..models.decision.pivots` (:meth:`CouncilRule.win_set`).
2. **The Commission proposes** (the agenda setter): among the points the Council can adopt it proposes the one it
   prefers, or nothing if it prefers q. The Council can amend a proposal only by unanimity, so a proposal outside
   the Council's Pareto set (the range of its members' positions) would be amended into it; the proposal is taken
   from that range too (``amend=True``, the default; Crombez 1996, Steunenberg 1994).
3. **Under co-decision the Parliament is a veto player**: the proposal must also be a point it prefers to q. Under
   consultation its opinion does not bind and it plays no part.

No Commission position coded: no proposal, the forecast is q. No Parliament position coded under co-decision: no
veto constraint. Issues without a reference point are outside the model (no forecast, not a failure). Council vote
weights, thresholds and population shares are typed in below with their sources; ``docs/backtest.md`` explains
the choices, the era rule and the figures.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ..models.arrays import FloatArray
from ..models.decision import pivots
from .data import Deu3

PROCEDURAL = "procedural"
"""The name the backtest gives this model (it is not a registered scenario model: it needs DEU III's columns)."""

COMMISSION, PARLIAMENT = "com", "ep"
"""DEU III's actor codes of the Commission and the Parliament; every other actor is a member state."""

Era = Literal["amsterdam", "nice", "lisbon"]

# ---------------------------------------------------------------------------------------------------------------
# Council vote weights and thresholds, typed in with their sources

AMSTERDAM_VOTES: Mapping[str, int] = {
    "de": 10,
    "fr": 10,
    "it": 10,
    "uk": 10,
    "es": 8,
    "be": 5,
    "el": 5,
    "nl": 5,
    "pt": 5,
    "at": 4,
    "se": 4,
    "dk": 3,
    "fi": 3,
    "ie": 3,
    "lu": 2,
}
"""EU-15 vote weights, 1 January 1995 to 30 April 2004 (Art. 148(2) EC, Art. 205(2) EC from 1999): 87 votes;
source: CVCE, "Evolution of qualified majority voting in the Council" (table, 2016)."""

AMSTERDAM_QUOTA = (62, 87)
"""Qualified majority, EU-15: 62 of 87 votes on a Commission proposal (Art. 205(2) EC); in other cases 62 votes
cast by at least 10 members (:data:`AMSTERDAM_OTHER_MEMBERS`)."""

AMSTERDAM_OTHER_MEMBERS = (10, 15)

NICE_VOTES: Mapping[str, int] = {
    "de": 29,
    "fr": 29,
    "it": 29,
    "uk": 29,
    "es": 27,
    "pl": 27,
    "ro": 14,
    "nl": 13,
    "el": 12,
    "cz": 12,
    "be": 12,
    "hu": 12,
    "pt": 12,
    "se": 10,
    "at": 10,
    "bu": 10,
    "sk": 7,
    "dk": 7,
    "fi": 7,
    "ie": 7,
    "lt": 7,
    "cr": 7,
    "lv": 4,
    "si": 4,
    "ee": 4,
    "cy": 4,
    "lu": 4,
    "mt": 3,
}
"""Nice-treaty vote weights, 1 November 2004 to 31 October 2014 (Act of Accession 2003, Art. 12; Bulgaria and
Romania from 2007; Croatia from 1 July 2013: Act of Accession of Croatia, Art. 20, OJ L 112, 24.4.2012, which
restates the whole EU-28 table); EU-25 321, EU-27 345, EU-28 352 votes. DEU III codes Bulgaria ``bu`` and Croatia
``cr``."""

NICE_QUOTAS: Mapping[str, tuple[int, int]] = {"eu25": (232, 321), "eu27": (255, 345), "eu28": (260, 352)}
"""Qualified majority in the Nice era, with a majority of the members on a Commission proposal, two thirds of them
otherwise (CVCE table; Act of Accession of Croatia, Art. 20). The optional check that the majority holds 62 % of
the population is not modelled."""

NICE_OTHER_MEMBERS = 2 / 3

LISBON_POPULATION: Mapping[str, float] = {
    "de": 15.93,
    "fr": 13.04,
    "uk": 12.73,
    "it": 12.07,
    "es": 9.12,
    "pl": 7.47,
    "ro": 3.90,
    "nl": 3.37,
    "be": 2.21,
    "el": 2.13,
    "cz": 2.05,
    "pt": 2.04,
    "hu": 1.94,
    "se": 1.92,
    "at": 1.69,
    "bu": 1.42,
    "dk": 1.11,
    "fi": 1.08,
    "sk": 1.06,
    "ie": 0.91,
    "cr": 0.83,
    "lt": 0.57,
    "si": 0.41,
    "lv": 0.39,
    "ee": 0.26,
    "cy": 0.17,
    "lu": 0.11,
    "mt": 0.08,
}
"""Each member state's share (%) of the EU-28 population for Council votes in 2016 (Council Decision (EU,
Euratom) 2015/2393 amending Annex III of the Council's Rules of Procedure, OJ L 332, 18.12.2015, p. 133; total
508,940,955), to two decimals as reported by Agence Europe, Europe Daily Bulletin No. 11449, 9 December 2015.
One year's figures serve for every Lisbon-era proposal (decided 2016–2019 in DEU III); only shares matter."""

LISBON_MEMBERS = 0.55
"""Double majority (Art. 16(4) TEU, from 1 November 2014): 55 % of the members (at least 15) ..."""
LISBON_POPULATION_SHARE = 0.65
"""... representing 65 % of the population; a blocking minority needs at least four members
(:data:`LISBON_BLOCKING_MEMBERS` of :data:`LISBON_COUNCIL`). Not on a Commission proposal: 72 % of the members
(Art. 238(2) TFEU)."""
LISBON_OTHER_MEMBERS = 0.72
LISBON_BLOCKING_MEMBERS = 4
LISBON_COUNCIL = 28

# ---------------------------------------------------------------------------------------------------------------
# treaty era of a proposal

LAST_AMSTERDAM_YEAR = 2002
"""Proposals of this year or earlier are taken to be decided before the Nice weights (1 November 2004)."""
LAST_NICE_YEAR = 2011
"""Proposals of this year or earlier (and after :data:`LAST_AMSTERDAM_YEAR`) are taken to be decided under the Nice
weights; later ones under the double majority (1 November 2014). DEU III has no proposals from 2001–2002 or
2009–2011, so any cut-off inside those gaps assigns the same eras; ``tests/test_backtest_procedural.py`` checks
the rule against every final-act date the file's ``finact`` column gives."""


def proposal_year(proposal_id: str) -> int:
    """The year in a DEU III proposal id: the two digits after the letter prefix (``d00032`` 2000, ``n98087``
    1998, ``d120193`` 2012, ``a04163`` 2004): the year of the Commission document (COM(yyyy) nnn)."""
    m = re.match(r"[A-Za-z]+(\d{2})", proposal_id.strip())
    if m is None:
        raise ValueError(f"no year in proposal id {proposal_id!r} (expected a letter prefix and two year digits)")
    yy = int(m.group(1))
    return 1900 + yy if yy >= 50 else 2000 + yy


def treaty_era(year: int) -> Era:
    """The Council's voting rules a proposal of that year is taken to be decided under (see the cut-offs)."""
    if year <= LAST_AMSTERDAM_YEAR:
        return "amsterdam"
    if year <= LAST_NICE_YEAR:
        return "nice"
    return "lisbon"


def decode_date(text: str) -> date | None:
    """A date of DEU III's ``intro``/``finact`` columns, None where unusable (``999``, empty).

    Three layouts occur: ``dd-mm-yy``, ``dd-mm-yyyy``, and ``yyyy-mm-dd`` where the four digits are a two-digit
    day that a spreadsheet read as a year (1930–2029) and the last two digits are the year: ``1930-05-01`` is
    30 May 2001, ``2024-07-08`` is 24 July 2008. Used to check :func:`treaty_era`, not by the model."""
    s = str(text).strip()
    try:
        if m := re.fullmatch(r"(19[3-9]\d|20[0-2]\d)-(\d{2})-(\d{2})", s):
            return date(_two_digit_year(int(m.group(3))), int(m.group(2)), int(m.group(1)) % 100)
        if m := re.fullmatch(r"(\d{2})-(\d{2})-(\d{2})", s):
            return date(_two_digit_year(int(m.group(3))), int(m.group(2)), int(m.group(1)))
        if m := re.fullmatch(r"(\d{2})-(\d{2})-(\d{4})", s):
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:  # day or month out of range: unusable
        return None
    return None


def _two_digit_year(yy: int) -> int:
    return 1900 + yy if yy >= 50 else 2000 + yy


def era_of_date(day: date) -> Era:
    """The voting rules in force on a day of decision: Nice weights from 1 November 2004, the double majority
    from 1 November 2014 (until 31 March 2017 any member could still ask for the Nice weights; not modelled)."""
    if day < date(2004, 11, 1):
        return "amsterdam"
    if day < date(2014, 11, 1):
        return "nice"
    return "lisbon"


# ---------------------------------------------------------------------------------------------------------------
# the Council's rule and win set


@dataclass(frozen=True)
class Quota:
    """Members in favour must hold at least ``share`` of ``weights`` (one per voting member) summed over the
    voting members."""

    weights: FloatArray
    share: float


@dataclass(frozen=True)
class CouncilRule:
    """When the Council adopts: every quota met (a conjunction), or, if ``deemed`` is set, at least that share of
    its members in favour (Lisbon: a blocking minority needs at least four members)."""

    quotas: tuple[Quota, ...]
    deemed: float | None = None

    def pivots(self, x: FloatArray) -> tuple[float, float]:
        """(down, up) for positions x (M,): the members at or below ``down`` are the smallest winning coalition
        from the low end, those at or above ``up`` the smallest from the high end."""
        xs = np.asarray(x, dtype=np.float64)[None]
        downs, ups = [], []
        for quota in self.quotas:
            lo, hi = pivots(xs, np.asarray(quota.weights, dtype=np.float64)[None], quota.share)
            downs.append(float(lo[0]))
            ups.append(float(hi[0]))
        down, up = max(downs), min(ups)  # a conjunction of monotone quotas: the strictest pivot of each side
        if self.deemed is not None:
            lo, hi = pivots(xs, np.ones_like(xs), self.deemed)
            down, up = min(down, float(lo[0])), max(up, float(hi[0]))
        return down, up

    def win_set(self, x: FloatArray, q: float) -> tuple[float, float]:
        """The points the Council can adopt against the status quo q, as an interval [lo, hi] that contains q.

        A move down to y passes when the members below the midpoint (y + q) / 2 win, i.e. when the midpoint lies
        above ``down``: y ≥ 2·down − q; a move up likewise y ≤ 2·up − q. With quotas above one half at most one
        side is open; [q, q] is gridlock."""
        down, up = self.pivots(x)
        return min(q, 2 * down - q), max(q, 2 * up - q)


def _weights(table: Mapping[str, float], members: Sequence[str], era: Era) -> FloatArray:
    missing = [m for m in members if m not in table]
    if missing:
        raise ValueError(f"no Council vote weight for {', '.join(missing)} in the {era} era")
    return np.array([float(table[m]) for m in members])


def council_rule(era: Era, voting_rule: str, members: Sequence[str], council: Collection[str] = ()) -> CouncilRule:
    """The Council's rule on one issue: ``voting_rule`` as DEU III codes it (``QMV``, ``QMV(10)``: a qualified
    majority not on a Commission proposal, ``Unan``), ``members`` the member states voting (in the order of their
    positions), ``council`` those coded anywhere on the proposal (which of the Nice quotas applies).

    Shares are taken over the voting members: a member without a coded position neither helps nor blocks."""
    rule = voting_rule.strip().lower()
    n = len(members)
    if n == 0:
        raise ValueError("no member state has a coded position")
    ones = np.ones(n)
    if rule in ("unan", "unanimity"):
        return CouncilRule((Quota(ones, 1.0),))
    if rule not in ("qmv", "qmv(10)"):
        raise ValueError(f"unknown Council voting rule {voting_rule!r} (expected QMV, QMV(10) or Unan)")
    other = rule == "qmv(10)"
    if era == "amsterdam":
        votes, total = AMSTERDAM_QUOTA
        quotas = [Quota(_weights(AMSTERDAM_VOTES, members, era), votes / total)]
        if other:
            quotas.append(Quota(ones, AMSTERDAM_OTHER_MEMBERS[0] / AMSTERDAM_OTHER_MEMBERS[1]))
        return CouncilRule(tuple(quotas))
    if era == "nice":
        coded = set(council) | set(members)
        size = "eu28" if "cr" in coded else "eu27" if coded & {"bu", "ro"} else "eu25"
        votes, total = NICE_QUOTAS[size]
        majority = NICE_OTHER_MEMBERS if other else (n // 2 + 1) / n
        return CouncilRule((Quota(_weights(NICE_VOTES, members, era), votes / total), Quota(ones, majority)))
    population = _weights(LISBON_POPULATION, members, era)
    if other:
        return CouncilRule((Quota(ones, LISBON_OTHER_MEMBERS), Quota(population, LISBON_POPULATION_SHARE)))
    deemed = (LISBON_COUNCIL - LISBON_BLOCKING_MEMBERS + 1) / LISBON_COUNCIL
    return CouncilRule((Quota(ones, LISBON_MEMBERS), Quota(population, LISBON_POPULATION_SHARE)), deemed=deemed)


# ---------------------------------------------------------------------------------------------------------------
# the outcome


def procedural_outcome(
    q: float,
    council: FloatArray,
    rule: CouncilRule,
    commission: float | None,
    parliament: float | None = None,
    *,
    amend: bool = True,
) -> float:
    """One issue's outcome: the Commission's preferred point among those the Council can adopt against q (within
    the Council's Pareto set when ``amend``) and, under co-decision (``parliament`` given), the Parliament prefers
    to q; q itself if the Commission prefers it or has no position (None or NaN)."""
    if commission is None or not math.isfinite(commission):
        return q
    x = np.asarray(council, dtype=np.float64)
    lo, hi = rule.win_set(x, q)
    if amend:
        lo, hi = max(lo, float(x.min())), min(hi, float(x.max()))
    if parliament is not None and math.isfinite(parliament):
        reach = abs(q - parliament)
        lo, hi = max(lo, parliament - reach), min(hi, parliament + reach)
    if lo > hi + 1e-9:
        return q
    proposal = min(max(commission, lo), hi)
    return proposal if abs(commission - proposal) < abs(commission - q) else q


@dataclass(frozen=True)
class ProceduralForecast:
    """Forecasts (n,) for the given rows, NaN outside the model's scope (no reference point) or where it failed
    (``errors``: issue id -> message); per row its treaty era (None: no year in the proposal id); the issues
    forecast without a Commission or (under co-decision) a Parliament position."""

    predictions: FloatArray
    errors: dict[str, str]
    era: tuple[Era | None, ...]
    in_scope: NDArray[np.bool_]
    no_commission: tuple[str, ...]
    no_parliament: tuple[str, ...]


def applicable(data: Deu3) -> bool:
    """Whether the file codes what the model needs on some issue: the voting rule and the procedure."""
    return any(r and p for r, p in zip(data.voting_rule, data.procedure, strict=False))


def forecast(data: Deu3, rows: Sequence[int] | NDArray[np.intp], *, amend: bool = True) -> ProceduralForecast:
    """The procedural forecast of each given row (see the module docstring)."""
    idx = np.asarray(rows, dtype=np.intp)
    ids = data.actor_ids
    members = [k for k, a in enumerate(ids) if a not in (COMMISSION, PARLIAMENT)]
    com = ids.index(COMMISSION) if COMMISSION in ids else None
    ep = ids.index(PARLIAMENT) if PARLIAMENT in ids else None
    present = data.present
    coded_on: dict[str, set[str]] = {}
    for p, issue_rows in data.proposals().items():
        coded_on[p] = {ids[k] for k in members if present[issue_rows, k].any()}
    procedure = data.procedure or ("",) * len(data.issue_ids)

    pred = np.full(len(idx), np.nan)
    errors: dict[str, str] = {}
    eras: list[Era | None] = []
    no_commission: list[str] = []
    no_parliament: list[str] = []
    in_scope = np.isfinite(data.reference_point[idx])
    for k, r in enumerate(idx):
        issue = data.issue_ids[r]
        try:
            era: Era | None = treaty_era(proposal_year(data.proposal[r]))
        except ValueError as exc:
            era = None
            if in_scope[k]:
                errors[issue] = f"ValueError: {exc}"
        eras.append(era)
        if era is None or not in_scope[k]:
            continue
        try:
            voting = [m for m in members if present[r, m]]
            rule = council_rule(era, data.voting_rule[r], [ids[m] for m in voting], coded_on[data.proposal[r]])
            proc = procedure[r].strip().upper()
            if proc not in ("COD", "CNS"):
                raise ValueError(f"unknown procedure {procedure[r]!r} (expected COD or CNS)")
            c = float(data.position[r, com]) if com is not None else math.nan
            if not math.isfinite(c):
                no_commission.append(issue)
            e = float(data.position[r, ep]) if ep is not None and proc == "COD" else math.nan
            if proc == "COD" and not math.isfinite(e):
                no_parliament.append(issue)
            pred[k] = procedural_outcome(
                float(data.reference_point[r]),
                data.position[r, voting],
                rule,
                c,
                e if proc == "COD" else None,
                amend=amend,
            )
        except ValueError as exc:
            errors[issue] = f"ValueError: {exc}"
    return ProceduralForecast(pred, errors, tuple(eras), in_scope, tuple(no_commission), tuple(no_parliament))
