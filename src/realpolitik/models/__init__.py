"""Forecast models: pure, vectorised functions over :class:`Arrays` shaped (draws, actors, issues).

This package imports nothing from the lab, events, brief, web or CLI layers.
"""

from .arrays import Arrays, from_scenario
from .base import ModelSpec, Trajectory, decide
from .registry import available_models, get_model

__all__ = ["Arrays", "ModelSpec", "Trajectory", "available_models", "decide", "from_scenario", "get_model"]
