"""CAMEO → PLOVER event category.

Rules from the OEDA conversion table (CAMEO2PLOVER, PLOVER manual draft 0.8, 17 Sep 2021, ed. P. Schrodt,
CC BY-SA 4.0): each CAMEO root maps to one PLOVER category, with the sub-codes PLOVER moved elsewhere listed as
overrides. Statements (01) and appeals (02) have no PLOVER category in that table and map to None.
"""

from __future__ import annotations

ROOT_TO_PLOVER: dict[str, str | None] = {
    "01": None,
    "02": None,
    "03": "AGREE",
    "04": "CONSULT",
    "05": "SUPPORT",
    "06": "COOPERATE",
    "07": "AID",
    "08": "CONCEDE",
    "09": "ACCUSE",
    "10": "REQUEST",
    "11": "ACCUSE",
    "12": "REJECT",
    "13": "THREATEN",
    "14": "PROTEST",
    "15": "MOBILIZE",
    "16": "SANCTION",
    "17": "COERCE",
    "18": "ASSAULT",
    "19": "ASSAULT",
    "20": "ASSAULT",
}

# Codes PLOVER files under a different category than their CAMEO root (prefix match, longest first).
OVERRIDES: dict[str, str] = {
    "084": "RETREAT",
    "085": "RETREAT",
    "086": "RETREAT",
    "087": "RETREAT",
    "0813": "RETREAT",
    "0814": "RETREAT",
    "163": "COERCE",
    "1712": "ASSAULT",
    "175": "ASSAULT",
    "191": "COERCE",
    "192": "COERCE",
}


def plover_category(code: str) -> str | None:
    """PLOVER category for a CAMEO code string (leading zeros kept), None when PLOVER has none."""
    for n in (4, 3):
        if len(code) >= n and code[:n] in OVERRIDES:
            return OVERRIDES[code[:n]]
    return ROOT_TO_PLOVER.get(code[:2])
