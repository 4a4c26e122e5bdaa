"""The round-0 consistency diagnostic: what the scenario's own rules say before any bargaining.

Each issue's decision structure applied to the stated positions, compared with the stated status quo. Where the
two are far apart (by default more than 20 % of the issue's scale), a model's "forecast" of change on that
issue comes from the inputs as written, not from bargaining: the analyst should know, and either the positions,
the weights, the rule or the status quo may need a second look. The diagnostic states numbers; it does not say
which of them is wrong.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import numpy as np

from ..models.arrays import from_scenario
from ..models.decision import rule_outcomes
from ..models.voice import voice
from ..scenario.model import Scenario

THRESHOLD = 0.2
"""Default share of an issue's scale beyond which the round-0 outcome is reported."""

RULE_WORDS = {
    "median": "weighted median",
    "mean": "weighted mean",
    "owner": "owner's position",
    "veto": "veto rule",
    "qualified_majority": "qualified majority",
}


@dataclass(frozen=True)
class RoundZero:
    issue: str
    rule: str
    outcome: float
    status_quo: float
    share: float
    """|outcome − status quo| as a share of the issue's scale."""

    def sentence(self) -> str:
        return (
            f"{self.issue}: before any bargaining, the scenario's own rule ({RULE_WORDS[self.rule]}) applied to the "
            f"stated positions gives {self.outcome:.4g}, {self.share:.0%} of the scale from the stated status quo "
            f"{self.status_quo:.4g}; a forecast of change on this issue then comes from the inputs as written, "
            "not from bargaining."
        )

    def to_json_dict(self) -> dict[str, object]:
        return {
            "issue": self.issue,
            "rule": self.rule,
            "outcome": self.outcome,
            "status_quo": self.status_quo,
            "share_of_scale": self.share,
        }


def round_zero(scenario: Scenario, threshold: float = THRESHOLD) -> list[RoundZero]:
    """Issues (with a status quo) whose round-0 outcome lies more than ``threshold`` of the scale from it."""
    arrays = from_scenario(scenario)
    outcome = rule_outcomes(arrays.issue_rules, arrays.position, voice(arrays), arrays.status_quo)[0]
    found = []
    for i, issue in enumerate(scenario.issues):
        q = float(arrays.status_quo[0, i])
        if math.isnan(q) or not np.isfinite(outcome[i]):
            continue
        share = abs(float(outcome[i]) - q) / float(arrays.scale[i, 1] - arrays.scale[i, 0])
        if share > threshold:
            found.append(RoundZero(issue.id, arrays.issue_rules[i].rule, float(outcome[i]), q, share))
    return found


_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")


def earliest_date(text: str) -> dt.date | None:
    """The earliest day a source's date (``2025``, ``2025-02``, ``2025-02-03``) can mean; None if unreadable."""
    m = _DATE.match(text)
    if m is None:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None


def look_ahead(scenario: Scenario) -> list[str]:
    """Sources dated after the scenario's ``as_of``: a forecast "as of" that date could not have used them."""
    if scenario.as_of is None:
        return []
    out = []
    for k, source in enumerate(scenario.bibliography):
        when = earliest_date(source.date or "")
        if when is not None and when > scenario.as_of:
            out.append(
                f"bibliography[{k}] {source.id!r} is dated {source.date}, after the scenario's as_of "
                f"{scenario.as_of}: look-ahead (a forecast as of that date could not have used it)"
            )
    return out
