"""What-if edits of a scenario's stances, applied to the scenario itself so that every workflow sees them.

Why on the scenario and not on the model's arrays: an edit made on the dashboard must reach the forecast, the
strategy comparison and the brief alike (the comparison once ignored it). An edited number keeps its range when
the range still holds it, and the range widens to take it otherwise; the scenario is validated again, so an edit
obeys exactly the bounds the file format enforces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from ..scenario.model import Estimate, Scenario
from .errors import RequestError


@dataclass(frozen=True)
class StanceEdit:
    """Set an actor's position and/or salience on one issue (salience on the scenario's own salience scale)."""

    actor: str
    issue: str
    position: float | None = None
    salience: float | None = None

    def __str__(self) -> str:
        return f"{self.actor}.{self.issue}"


def _set(e: Estimate, value: float) -> Estimate:
    if e.low is None or e.high is None:
        return e.model_copy(update={"value": value})
    return e.model_copy(update={"value": value, "low": min(e.low, value), "high": max(e.high, value)})


def _check(scenario: Scenario, edit: StanceEdit) -> None:
    issue = next((i for i in scenario.issues if i.id == edit.issue), None)
    if scenario.stance(edit.actor, edit.issue) is None or issue is None:
        raise RequestError(f"{edit}: {edit.actor!r} takes no stance on {edit.issue!r}", parameter="stances")
    for name, value in (("position", edit.position), ("salience", edit.salience)):
        if value is not None and value != value:
            raise RequestError(f"{edit}.{name} must be a number", parameter="stances")
    if edit.position is not None and not issue.scale.low <= edit.position <= issue.scale.high:
        raise RequestError(
            f"{edit}.position must be in [{issue.scale.low:g}, {issue.scale.high:g}]", parameter="stances"
        )
    if edit.salience is not None and not 0 <= edit.salience <= scenario.salience_scale:
        raise RequestError(f"{edit}.salience must be in [0, {scenario.salience_scale:g}]", parameter="stances")


def apply_edits(scenario: Scenario, edits: Sequence[StanceEdit]) -> Scenario:
    """The scenario with ``edits`` applied (the same object when there are none)."""
    if not edits:
        return scenario
    stances = list(scenario.stances)
    index = {(s.actor, s.issue): n for n, s in enumerate(stances)}
    for edit in edits:
        _check(scenario, edit)
        n = index[(edit.actor, edit.issue)]
        stance = stances[n]
        update = {}
        if edit.position is not None:
            update["position"] = _set(stance.position, edit.position)
        if edit.salience is not None:
            update["salience"] = _set(stance.salience, edit.salience)
        stances[n] = stance.model_copy(update=update)
    try:
        return Scenario.model_validate(scenario.model_copy(update={"stances": stances}).model_dump())
    except ValidationError as exc:  # the bounds above are the format's; anything else is reported the same way
        raise RequestError(f"edited scenario is not valid: {exc.errors()[0]['msg']}", parameter="stances") from None
