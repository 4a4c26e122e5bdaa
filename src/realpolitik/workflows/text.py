"""How every front end writes a number: estimates, intervals, anchors, probabilities, and the standing caveat.

Why one module: the CLI once printed an estimate as ``60 [60–60]`` where the brief printed ``60``, and an anchor
as ``≈ status quo (50)`` where the brief wrote ``≈ 50: status quo``. Text here is plain (no markup); each front
end escapes it for its medium.
"""

from __future__ import annotations

import math
from typing import Any

from ..scenario.model import Estimate, Issue, Scenario

CAVEAT = (
    "Model output: estimates computed from the scenario's inputs (themselves estimates with ranges); "
    "not a prediction of fact and not a recommendation."
)

MISSING = "–"


def number(x: float | None, digits: int = 4) -> str:
    """A number with ``digits`` significant digits, ``–`` for a missing or non-finite one."""
    if x is None or not math.isfinite(x):
        return MISSING
    return f"{x:.{digits}g}"


def estimate(e: Estimate | None) -> str:
    """``60`` for a point value, ``60 [40–75]`` for a value with a range (a zero-width range is a point)."""
    if e is None:
        return MISSING
    if not e.is_uncertain:
        return f"{e.value:g}"
    return f"{e.value:g} [{e.low:g}–{e.high:g}]"


def interval(centre: float, low: float, high: float, digits: int = 1) -> str:
    """``42.0 [30.5–60.2]``: a central value and its interval, at a fixed number of decimals."""
    if not all(math.isfinite(v) for v in (centre, low, high)):
        return MISSING
    return f"{centre:.{digits}f} [{low:.{digits}f}–{high:.{digits}f}]"


def probability(p: float, low: float | None = None, high: float | None = None) -> str:
    """``0.42`` or ``0.42 (0.38–0.46)`` with its 95% interval."""
    if not math.isfinite(p):
        return MISSING
    if low is None or high is None:
        return f"{p:.2f}"
    return f"{p:.2f} ({low:.2f}–{high:.2f})"


def anchor(issue: Issue, x: float) -> str:
    """``≈ status quo (50)``: the labelled scale point nearest ``x`` ('' without anchors or a number)."""
    if not issue.scale.anchors or not math.isfinite(x):
        return ""
    best = min(issue.scale.anchors, key=lambda a: abs(a.value - x))
    return f"≈ {best.label} ({best.value:g})"


def signed(x: float | None, digits: int = 2) -> str:
    """``+3.00`` / ``-2.50``: a change, with its sign (``–`` when missing)."""
    if x is None or not math.isfinite(x):
        return MISSING
    return f"{x:+.{digits}f}"


def in_effect_lines(rows: list[dict[str, Any]]) -> list[str]:
    """For strategies whose interventions may fail: how often they all took effect, and the result if they do."""
    out = []
    for r in rows:
        if "p_in_effect" not in r:
            continue
        lo, hi = r["p_in_effect_ci95"]
        line = (
            f"{r['strategy']}: all its interventions took effect in {r['p_in_effect']:.0%} of draws ({lo:.0%}–{hi:.0%})"
        )
        block = r.get("if_in_effect")
        if block:
            eu, se = block["expected_utility"], block["expected_utility_se"]
            line += f"; in those draws, expected utility {eu:.3f} ± {se:.3f}"
            if "p_satisficing" in block:
                line += f" and P[targets] {block['p_satisficing']:.2f}"
        out.append(line + ".")
    return out


def input_label(scenario: Scenario, name: str) -> str:
    """An uncertain input's name in words: ``stance.taliban_kabul.ttp_action.salience`` →
    ``Taliban (Kabul) · Taliban action against the TTP · salience``."""
    actors = {a.id: a.name for a in scenario.actors}
    issues = {i.id: i.name for i in scenario.issues}
    kind, *parts = name.split(".")
    if kind == "stance" and len(parts) == 3:
        return f"{actors.get(parts[0], parts[0])} · {issues.get(parts[1], parts[1])} · {parts[2]}"
    if kind == "actor" and len(parts) == 2:
        return f"{actors.get(parts[0], parts[0])} · {parts[1]}"
    if kind == "issue" and len(parts) == 2:
        return f"{issues.get(parts[0], parts[0])} · status quo"
    if kind == "channel" and len(parts) == 2:
        return f"channel {actors.get(parts[0], parts[0])} – {actors.get(parts[1], parts[1])}"
    if kind == "channels":
        return "channel strength of every unlisted pair"
    if kind == "intervention" and len(parts) == 2:
        names = {iv.id: iv.name or iv.id for iv in scenario.interventions}
        what = "chance it takes effect" if parts[1] == "success" else f"change {int(parts[1]) + 1}"
        return f"{names.get(parts[0], parts[0])} · {what}"
    return name
