"""CAMEO event codes with labels, Goldstein scores, root codes, QuadClass and PLOVER category.

Why a typed table in the package: the shared reference files are third-party checks, not inputs; the package must
work from a fresh clone and say where every number came from (see the package docstring for the citation).

QuadClass is GDELT's rule from the root code as GDELT applies it (every real GDELT row in the reference data obeys
it): 01-05 verbal cooperation (1), 06-09 material cooperation (2), 10-14 verbal conflict (3), 15-20 material
conflict (4). Note 09 (Investigate): GDELT files it under material cooperation, while the often-quoted
Duval-Thompson scheme puts it with verbal conflict.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib import resources

from .plover import plover_category

ROOT_LABELS: dict[str, str] = {
    "01": "Make public statement",
    "02": "Appeal",
    "03": "Express intent to cooperate",
    "04": "Consult",
    "05": "Engage in diplomatic cooperation",
    "06": "Engage in material cooperation",
    "07": "Provide aid",
    "08": "Yield",
    "09": "Investigate",
    "10": "Demand",
    "11": "Disapprove",
    "12": "Reject",
    "13": "Threaten",
    "14": "Protest",
    "15": "Exhibit force posture",
    "16": "Reduce relations",
    "17": "Coerce",
    "18": "Assault",
    "19": "Fight",
    "20": "Use unconventional mass violence",
}

QUAD_LABELS: dict[int, str] = {
    1: "verbal cooperation",
    2: "material cooperation",
    3: "verbal conflict",
    4: "material conflict",
}


def quad_class(root: str | int) -> int:
    """GDELT's QuadClass for a CAMEO root code ('01'..'20' or 1..20)."""
    r = int(root)
    if 1 <= r <= 5:
        return 1
    if 6 <= r <= 9:
        return 2
    if 10 <= r <= 14:
        return 3
    if 15 <= r <= 20:
        return 4
    raise ValueError(f"not a CAMEO root code: {root!r}")


@dataclass(frozen=True)
class CameoCode:
    code: str
    label: str
    goldstein: float | None  # None where GDELT's table has no value (106)
    root: str
    quad_class: int
    plover: str | None


@functools.cache
def codes() -> dict[str, CameoCode]:
    """Every CAMEO event code (root, base and sub-codes) keyed by its string code with leading zeros."""
    text = resources.files("realpolitik.events.lookups").joinpath("data/cameo_codes.csv").read_text(encoding="utf-8")
    out: dict[str, CameoCode] = {}
    for row in csv.DictReader(text.splitlines()):
        code = row["code"]
        root = code[:2]
        g = row["goldstein"].strip()
        out[code] = CameoCode(
            code, row["label"], float(g) if g else None, root, quad_class(root), plover_category(code)
        )
    return out


def label(code: str) -> str | None:
    c = codes().get(code)
    return c.label if c else None


def goldstein(code: str) -> float | None:
    """GDELT's Goldstein score for a CAMEO code, or None when the code is unknown or has no score."""
    c = codes().get(code)
    return c.goldstein if c else None
