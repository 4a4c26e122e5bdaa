"""Defaults every front end shares, so that a request left incomplete means the same thing everywhere."""

from __future__ import annotations

from ..models.registry import available_models

FORECAST_MODEL = "compromise"
"""The model of a plain one-model forecast (``realpolitik forecast``, ``demo``)."""


def lab_model() -> str:
    """The lab's model when none is named: ``bdm`` (strategies act through bargaining), else ``compromise``."""
    return "bdm" if "bdm" in available_models() else "compromise"


LAB_DRAWS = 1000
BRIEF_DRAWS = 200
WEB_LAB_DRAWS = 200
