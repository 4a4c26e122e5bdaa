"""ICEWS intensity for each CAMEO event code, written by the project.

ICEWS codes events in CAMEO and gives each event an ``Intensity`` on the -10..+10 Goldstein-type scale that is
a function of the CAMEO code alone (every row with the same code carries the same value). The scale is the one
in the CAMEO codebook's Goldstein table (Schrodt 2012, CAMEO codebook 1.1b3, after Goldstein 1992) as ICEWS
applies it; our GDELT Goldstein table (:mod:`.cameo`) holds the same values except for the codes listed in
:data:`ICEWS_DIFFERS`.

Sources:

* Boschee, E., Lautenschlager, J., O'Brien, S., Shellman, S., Starz, J., Ward, M. (2015). *ICEWS Coded Event
  Data*. Harvard Dataverse, doi:10.7910/DVN/28075 (the ``Intensity`` field of its event files and the CAMEO
  dictionary shipped with its documentation).
* Schrodt, P. A. (2012). *CAMEO Event and Actor Codebook* 1.1b3 (the Goldstein values ICEWS builds on).

How :data:`ICEWS_DIFFERS` was established: the ICEWS values for 016, 022 and 164 are those carried by every
published ICEWS row with those codes (they differ from GDELT's ``GoldsteinScale``); 106, 165 and 1213 follow the
CAMEO codebook's own Goldstein table, which GDELT changed (165) or left without a value (106; 1213 is absent from
GDELT's table). Root codes ('01'..'20') take the value of their ``x0`` base code, as in ICEWS's dictionary.
"""

from __future__ import annotations

import functools

from . import cameo

# code: (ICEWS intensity, why it differs from the GDELT table)
ICEWS_DIFFERS: dict[str, tuple[float, str]] = {
    "016": (-5.0, "ICEWS value; GDELT -2.0"),
    "022": (3.4, "CAMEO codebook / ICEWS value; GDELT 3.2"),
    "106": (-5.0, "CAMEO codebook value (as the other 10x codes); GDELT has none"),
    "164": (-6.5, "ICEWS value; GDELT -7.0"),
    "165": (-7.0, "CAMEO codebook / ICEWS value; GDELT -6.5"),
    "1213": (-4.0, "CAMEO codebook / ICEWS value (as the other 12x codes); not in GDELT's table"),
}


@functools.cache
def intensities() -> dict[str, float]:
    """ICEWS intensity by CAMEO code (string with leading zeros), for every code that has one."""
    out: dict[str, float] = {c.code: c.goldstein for c in cameo.codes().values() if c.goldstein is not None}
    for code, (value, _) in ICEWS_DIFFERS.items():
        out[code] = value
    return out


def intensity(code: str) -> float | None:
    """ICEWS intensity for a CAMEO code ('043', '1213'), or None for an unknown code."""
    return intensities().get(code)
