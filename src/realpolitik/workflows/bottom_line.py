"""The bottom line: what a strategy comparison says, in words, generated from the results (never hand-written).

The brief's first section, the first thing ``realpolitik lab`` prints and the top of the dashboard's strategy
page are this text. It states, for the client and each strategy, every issue's outcome in the words of the
issue's scale with an 80 % interval; each target's probability with its interval and how much it moves when
the threshold moves; the leading set under each criterion (strategies the draws cannot tell apart); where the
models agree; the horizon; and that all of it is a model's output from stated estimates, not a recommendation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..lab.summary import wilson
from ..scenario.model import Issue, Scenario
from . import text

THRESHOLD_SHIFT = 5.0
"""Target sensitivity: the probability is also given with the threshold moved by this much either way."""


@dataclass(frozen=True)
class Cell:
    """One strategy's outcome on one issue: the nearest anchor's words, the median and the 80 % interval."""

    anchor: str
    median: float
    low: float
    high: float

    def __str__(self) -> str:
        words = f"{self.anchor}, " if self.anchor else ""
        return f"{words}median {self.median:.0f}, 80 % interval {self.low:.0f}–{self.high:.0f}"


@dataclass(frozen=True)
class BottomLine:
    headline: str
    strategies: list[str]
    targets: list[str]
    agreement: list[str]
    horizon: str
    caveat: str
    table: dict[str, dict[str, Cell]]
    watch: list[str] = field(default_factory=list)
    """Indicators to watch and the levels that would contradict the forecast (:func:`watch_lines`)."""
    """Strategy name → issue name → its cell, for front ends that show a table."""

    def paragraphs(self) -> list[str]:
        return [self.headline, *self.strategies, *self.targets, *self.agreement, self.horizon, self.caveat]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "headline": self.headline,
            "strategies": self.strategies,
            "targets": self.targets,
            "agreement": self.agreement,
            "horizon": self.horizon,
            "caveat": self.caveat,
            "table": {s: {i: vars(c) for i, c in row.items()} for s, row in self.table.items()},
            "watch": self.watch,
        }


def cell(issue: Issue, values: np.ndarray) -> Cell:
    median = float(np.median(values))
    lo, hi = np.quantile(values, [0.1, 0.9])
    return Cell(text.anchor(issue, median), median, float(lo), float(hi))


def in_words(issue: Issue, values: np.ndarray) -> str:
    """``Issue: ≈ restrain cross-border attacks (50), median 48, 80 % interval 38–66``."""
    return f"{issue.name}: {cell(issue, values)}"


SHORT = {
    "expected_utility": "expected utility",
    "p_best": "P[best]",
    "p_satisficing": "P[targets]",
    "mean_regret": "mean regret",
    "regret_q90": "regret in the worst tenth of draws",
}


def _headline(lab: Mapping[str, Any], client: str, names: Mapping[str, str]) -> str:
    """One sentence per distinct leading set, naming the criteria it leads on."""
    ranking = lab.get("ranking", {})
    groups: dict[tuple[str, ...], list[str]] = {}
    for criterion, words in SHORT.items():
        if criterion in ranking:
            groups.setdefault(tuple(ranking[criterion]["leading_set"]), []).append(words)
    total = len(lab.get("strategies", []))
    parts = []
    for leading, criteria in groups.items():
        on = " and ".join([", ".join(criteria[:-1]), criteria[-1]] if len(criteria) > 1 else criteria)
        if len(leading) == 1:
            parts.append(f"On {on}, {names.get(leading[0], leading[0])} leads.")
        elif len(leading) == total:
            parts.append(f"On {on}, the draws cannot tell any of the {total} strategies apart.")
        else:
            who = [names.get(s, s) for s in leading]
            parts.append(f"On {on}, {', '.join(who[:-1])} and {who[-1]} lead, and the draws cannot tell them apart.")
    model = lab.get("model", "the")
    record = f" ({lab['track_record']})" if lab.get("track_record") else ""
    return (
        f"Under the {model} model{record} and these estimates, for {client}: " + " ".join(parts) + f" ({lab['draws']} "
        "draws; a strategy leads alone only where its paired difference to every other has a 95 % interval "
        "excluding zero.)"
    )


def _strategy_lines(
    scenario: Scenario, outcomes: Mapping[str, Mapping[str, np.ndarray]], names: Mapping[str, str]
) -> list[str]:
    lines = []
    for strategy, by_issue in outcomes.items():
        parts = [in_words(scenario.issue(i.id), by_issue[i.id]) for i in scenario.issues if i.id in by_issue]
        lines.append(f"{names.get(strategy, strategy)}: " + "; ".join(parts) + ".")
    return lines


def _p(values: np.ndarray, op: str, threshold: float) -> float:
    return float(np.mean(values >= threshold if op == ">=" else values <= threshold))


def _target_lines(
    scenario: Scenario, outcomes: Mapping[str, Mapping[str, np.ndarray]], names: Mapping[str, str]
) -> list[str]:
    lines = []
    for goal in scenario.targets:
        issue = scenario.issue(goal.issue)
        for strategy, by_issue in outcomes.items():
            values = by_issue.get(goal.issue)
            if values is None:
                continue
            p = _p(values, goal.op, goal.value)
            lo, hi = wilson(p, len(values))
            easier, harder = (goal.value - THRESHOLD_SHIFT, goal.value + THRESHOLD_SHIFT)
            if goal.op == "<=":
                easier, harder = harder, easier
            shift = (
                f"{_p(values, goal.op, easier):.2f} at {easier:g} and {_p(values, goal.op, harder):.2f} at {harder:g}"
            )
            lines.append(
                f"P[{issue.name} {goal.op} {goal.value:g}] under {names.get(strategy, strategy)}: "
                f"{text.probability(p, lo, hi)}; with the threshold moved by {THRESHOLD_SHIFT:g}: {shift}."
            )
    return lines


def _agreement(scenario: Scenario, forecasts: Sequence[Any]) -> list[str]:
    """Per issue: the spread of the models' point forecasts under the status quo (no strategy)."""
    lines: list[str] = []
    ok = [f for f in forecasts if f.error is None]
    if len(ok) < 2:
        return lines
    for issue in scenario.issues:
        values = {f.name: f.forecast()[issue.id] for f in ok}
        lo_model, hi_model = min(values, key=values.__getitem__), max(values, key=values.__getitem__)
        spread = values[hi_model] - values[lo_model]
        width = issue.scale.high - issue.scale.low
        verdict = "agree" if spread <= 0.1 * width else "disagree"
        lines.append(
            f"{issue.name}: the {len(ok)} models {verdict} on the status quo forecast (from "
            f"{values[lo_model]:.0f}, {lo_model}, to {values[hi_model]:.0f}, {hi_model})."
        )
    return lines


def watch_lines(scenario: Scenario, forecasts: Sequence[Any], default: str) -> list[str]:
    """Indicators to watch: per indicator, the levels of its issue that would contradict the default model's
    status-quo forecast (outside its 5–95 % band over the inputs' ranges)."""
    run = next((f for f in forecasts if f.name == default and f.error is None), None)
    lines = []
    for ind in scenario.indicators:
        issue = scenario.issue(ind.issue)
        if run is None or ind.issue not in run.band:
            continue
        lo, mid, hi = run.band[ind.issue]
        lines.append(
            f"{ind.name or ind.id} ({issue.name}): a reading below {lo:.0f} or above {hi:.0f} on the issue's scale "
            f"would contradict the {default} model's forecast ({mid:.0f}; 5–95 % band over the inputs' ranges)."
        )
    return lines


def horizon_text(scenario: Scenario) -> str:
    if scenario.horizon:
        end = scenario.horizon_end()
        return f"Horizon: {scenario.horizon} from {scenario.as_of}" + (f" (to {end})." if end else ".")
    return "Horizon: the scenario states none; rounds of bargaining are steps of the model, not calendar time."


def bottom_line(
    scenario: Scenario,
    lab: Mapping[str, Any],
    outcomes: Mapping[str, Mapping[str, np.ndarray]],
    forecasts: Sequence[Any] = (),
) -> BottomLine:
    """The bottom line of a strategy comparison (``lab`` is the lab's JSON document; ``outcomes`` strategy →
    issue → outcome per draw; ``forecasts`` the models' status-quo runs, for where they agree)."""
    names = {s.id: s.name or s.id for s in scenario.strategies}
    client = next((a.name for a in scenario.actors if a.id == lab.get("client")), str(lab.get("client")))
    caveat = text.CAVEAT
    return BottomLine(
        _headline(lab, client, names),
        _strategy_lines(scenario, outcomes, names),
        _target_lines(scenario, outcomes, names),
        _agreement(scenario, forecasts),
        horizon_text(scenario),
        caveat,
        {
            names.get(s, s): {i.name: cell(i, by_issue[i.id]) for i in scenario.issues if i.id in by_issue}
            for s, by_issue in outcomes.items()
        },
        watch_lines(scenario, forecasts, str(lab.get("model"))),
    )
