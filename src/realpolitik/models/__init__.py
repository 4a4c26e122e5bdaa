"""Forecast models: pure, vectorised functions over :class:`Arrays` shaped (draws, actors, issues).

This package imports nothing from the lab, events, brief, web or CLI layers.
"""

from .arrays import Arrays, from_scenario
from .decision import decide
from .registry import available_models, get_model
from .spec import ModelSpec
from .trajectory import Trajectory

__all__ = ["Arrays", "ModelSpec", "Trajectory", "available_models", "decide", "from_scenario", "get_model"]
