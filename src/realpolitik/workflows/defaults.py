"""Defaults every front end shares, so that a request left incomplete means the same thing everywhere."""

from __future__ import annotations

from dataclasses import dataclass

from ..models.registry import available_models
from ..scenario.model import Scenario

FALLBACK_MODEL = "compromise"
"""The default when no model with a track record runs on a scenario (the best single model on DEU III)."""


@dataclass(frozen=True)
class DefaultModel:
    """The model every front end uses when none is named, and why (in words a front end prints)."""

    name: str
    reason: str


def default_model(scenario: Scenario | None = None) -> DefaultModel:
    """The registered model with the lowest out-of-fold error on EU legislation (DEU III) that runs on the
    scenario's features (``influence``, for example, is refused by ``smp``); one rule for forecast, lab, brief and
    dashboard, so they never disagree on which model speaks first."""
    from ..models.arrays import from_scenario
    from ..models.records import load_track_record

    registry = available_models()
    ranked = sorted(
        (entry["mae"], name)
        for name, entry in load_track_record()["models"].items()
        if name in registry and entry.get("mae") is not None
    )
    arrays = from_scenario(scenario) if scenario is not None else None
    for _, name in ranked:
        try:
            if arrays is not None:
                registry[name].refuse_unsupported(arrays)
        except ValueError:
            continue
        runner_up = next(((mae, m) for mae, m in ranked if m != name), None)
        reason = "the lowest out-of-fold error on EU legislation (DEU III) of the models that run on this scenario"
        if runner_up is not None:
            reason += f" (next: {runner_up[1]}, {runner_up[0]:.1f})"
        return DefaultModel(name, reason)
    return DefaultModel(FALLBACK_MODEL, "no model with a DEU III track record runs on this scenario")


FORECAST_MODEL = "default"
"""Stands for :func:`default_model` in a request that names no model."""


def lab_model(scenario: Scenario | None = None) -> str:
    """The lab's model when none is named: :func:`default_model`."""
    return default_model(scenario).name


LAB_DRAWS = 1000
BRIEF_DRAWS = 200
WEB_LAB_DRAWS = 200


REFERENCE_PRESETS = ("bdm-scholz", "exchange-decide", "exchange-random")
"""Presets and variants that reproduce a reference implementation or add noise to a model already compared; the
brief's comparison across models leaves them out (their parent models stand for them)."""

NO_BAND = ("exchange-decide",)
"""Models whose Monte Carlo band a forecast skips by default: ``exchange-decide`` repeats Decide's 28-digit decimal
arithmetic one draw at a time (minutes for a band of a few hundred draws). Its point forecast is shown; ask for
its band explicitly (``ForecastRequest(band_models=...)``) when it is worth the wait."""
