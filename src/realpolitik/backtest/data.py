"""Reading DEU III: the table as arrays, one row per issue, with the documented inclusion rules.

DEU III (Arregui & Perarnaud 2021, doi:10.34810/data53) records, for 141 EU legislative proposals and their 364
controversial issues, the expert-coded positions and saliences of the Commission, the Parliament and each member
state, the reference point and the outcome, all on 0–100. The rules (which columns are actors, which rows are
scored, what a missing value means) are in ``docs/backtest.md``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ..models.arrays import Arrays, BoolArray, FloatArray

Capability = Literal["weights", "equal"]

SCALE = (0.0, 100.0)
"""DEU III codes positions, reference points and outcomes on 0–100 and saliences on 0–100."""

ACTOR_NAMES: Mapping[str, str] = {
    "com": "European Commission",
    "ep": "European Parliament",
    "at": "Austria",
    "be": "Belgium",
    "bu": "Bulgaria",
    "cr": "Croatia",
    "cy": "Cyprus",
    "cz": "Czech Republic",
    "dk": "Denmark",
    "ee": "Estonia",
    "fi": "Finland",
    "fr": "France",
    "de": "Germany",
    "el": "Greece",
    "hu": "Hungary",
    "ie": "Ireland",
    "it": "Italy",
    "lv": "Latvia",
    "lt": "Lithuania",
    "lu": "Luxembourg",
    "mt": "Malta",
    "nl": "Netherlands",
    "pl": "Poland",
    "pt": "Portugal",
    "ro": "Romania",
    "si": "Slovenia",
    "sk": "Slovakia",
    "es": "Spain",
    "se": "Sweden",
    "uk": "United Kingdom",
}


# ---------------------------------------------------------------------------------------------------------------
# reading


@dataclass(frozen=True)
class Deu3:
    """The DEU III table as arrays, one row per issue (N issues, A actors); nothing imputed but the documented rules.

    ``position`` (N, A) is NaN where the actor took no stance; ``salience`` (N, A) on 0–1, 0 where missing;
    ``weights`` (A,) the capability-like row of the file (NaN if the file has none); ``reference_point`` and
    ``outcome`` (N,) NaN where missing. ``proposal`` names each issue's proposal (``prnr``). ``voting_rule`` is the
    Council's rule (``counvte``: ``QMV``, ``QMV(10)``, ``Unan``) and ``procedure`` the legislative procedure
    (``proc``: ``COD`` co-decision, ``CNS`` consultation), ``""`` where the file has no such column or cell.
    """

    actor_ids: tuple[str, ...]
    weights: FloatArray
    proposal: tuple[str, ...]
    issue_ids: tuple[str, ...]
    position: FloatArray
    salience: FloatArray
    reference_point: FloatArray
    outcome: FloatArray
    voting_rule: tuple[str, ...]
    procedure: tuple[str, ...] = ()

    @property
    def present(self) -> BoolArray:
        """(N, A): an actor takes part in an issue exactly when the file gives its position on it."""
        return np.asarray(np.isfinite(self.position), dtype=bool)

    @property
    def scored(self) -> NDArray[np.intp]:
        """Rows with a recorded outcome and at least one actor with a position: the issues a backtest scores."""
        ok = np.isfinite(self.outcome) & self.present.any(axis=1)
        return np.flatnonzero(ok)

    def proposals(self) -> dict[str, list[int]]:
        """Proposal id -> its issue rows, in file order (what a multi-issue model bargains over at once)."""
        out: dict[str, list[int]] = {}
        for row, p in enumerate(self.proposal):
            out.setdefault(p, []).append(row)
        return out

    def capability(self, capability: Capability = "weights") -> FloatArray:
        """(A,) capabilities: the file's weights row, or 1 for everyone."""
        if capability == "equal":
            return np.ones(len(self.actor_ids))
        if capability != "weights":
            raise ValueError(f"capability must be 'weights' or 'equal', got {capability!r}")
        if not np.all(np.isfinite(self.weights)):
            raise ValueError("this DEU III file has no complete weights row; use capability='equal'")
        return self.weights

    def arrays(
        self,
        rows: Sequence[int] | NDArray[np.intp],
        *,
        capability: Capability = "weights",
        compact: bool = False,
        decision_rule: Literal["median", "mean"] = "median",
    ) -> Arrays:
        """One :class:`Arrays` (D = 1) holding the given issue rows as its I issues.

        All A actors are kept, with ``present`` False where an actor has no position on an issue (position set
        to the scale midpoint, salience 0). With ``compact``, actors present on none of the rows are dropped:
        a single issue then carries exactly the actors that took a stance on it. The issues of one proposal
        (:meth:`proposals`) make the multi-issue space a model like ``exchange`` bargains over.
        """
        idx = np.asarray(rows, dtype=np.intp)
        present = self.present[idx].T  # (A, I)
        keep = np.asarray(present.any(axis=1) if compact else np.ones(len(self.actor_ids)), dtype=bool)
        present = present[keep]
        cap = self.capability(capability)[keep]
        position = np.where(present, self.position[idx].T[keep], (SCALE[0] + SCALE[1]) / 2)
        salience = np.where(present, self.salience[idx].T[keep], 0.0)
        A, I = present.shape
        actors = tuple(self.actor_ids[k] for k in np.flatnonzero(keep))
        return Arrays(
            position=position[None].astype(np.float64),
            salience=salience[None].astype(np.float64),
            capability=cap[None].astype(np.float64),
            channels=np.ones((1, A, A)),
            status_quo=self.reference_point[idx][None].astype(np.float64),
            scale=np.tile(np.array(SCALE, dtype=np.float64), (I, 1)),
            present=present,
            actor_ids=actors,
            actor_names=tuple(ACTOR_NAMES.get(a, a.upper()) for a in actors),
            issue_ids=tuple(self.issue_ids[i] for i in idx),
            decision_rules=(decision_rule,) * I,
        )


def _actor_columns(columns: Sequence[str]) -> list[str]:
    """Actor codes: every ``p<code>`` column that has a matching ``s<code>`` salience column (``prnr`` has none)."""
    names = set(columns)
    return [c[1:] for c in columns if c.startswith("p") and len(c) > 1 and "s" + c[1:] in names]


def read_deu3(path: str | os.PathLike[str]) -> Deu3:
    """Read the tab-separated DEU III layout (see ``docs/backtest.md``).

    The row without an issue id (``isnr``) is the weights row; every other row is one issue. Positions,
    reference points and outcomes must lie on 0–100, saliences on 0–100 (stored here on 0–1).
    """
    import pandas as pd  # only here: importing the package stays light for front ends

    df = pd.read_csv(Path(path), sep="\t", dtype={"prnr": str, "isnr": str}, low_memory=False)
    missing = [c for c in ("prnr", "isnr", "rp", "out") if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: not the DEU III layout, missing column(s) {', '.join(missing)}")
    actors = _actor_columns(list(df.columns))
    if not actors:
        raise ValueError(f"{path}: no actor columns (p<code> with a matching s<code>)")
    pcols, scols = ["p" + a for a in actors], ["s" + a for a in actors]
    is_weights = df["isnr"].isna()
    if int(is_weights.sum()) > 1:
        raise ValueError(f"{path}: {int(is_weights.sum())} rows without an issue id; expected at most one weights row")
    weights = (
        df.loc[is_weights, pcols].to_numpy(dtype=np.float64)[0] if is_weights.any() else np.full(len(actors), np.nan)
    )
    issues = df.loc[~is_weights]
    position = issues[pcols].to_numpy(dtype=np.float64)
    salience = issues[scols].to_numpy(dtype=np.float64)
    rp = issues["rp"].to_numpy(dtype=np.float64)
    out = issues["out"].to_numpy(dtype=np.float64)
    for name, values in (("position", position), ("salience", salience), ("rp", rp), ("out", out)):
        finite = values[np.isfinite(values)]
        if finite.size and (finite.min() < SCALE[0] or finite.max() > SCALE[1]):
            raise ValueError(f"{path}: {name} values outside 0–100 ({finite.min()}..{finite.max()})")
    salience = np.where(np.isfinite(salience), salience, 0.0) / 100.0

    def codes(column: str) -> tuple[str, ...]:
        if column not in issues:
            return ("",) * len(issues)
        return tuple(str(v).strip() for v in issues[column].fillna("").astype(str))

    return Deu3(
        actor_ids=tuple(actors),
        weights=weights,
        proposal=tuple(issues["prnr"].astype(str)),
        issue_ids=tuple(issues["isnr"].astype(str)),
        position=position,
        salience=salience,
        reference_point=rp,
        outcome=out,
        voting_rule=codes("counvte"),
        procedure=codes("proc"),
    )
