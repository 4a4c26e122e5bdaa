"""Properties every registered model must have, checked on the built-in scenario."""

from __future__ import annotations

import numpy as np
import pytest

from realpolitik.models.arrays import from_scenario
from realpolitik.models.registry import available_models
from realpolitik.scenario import load_scenario


@pytest.mark.parametrize("name", sorted(available_models()))
def test_forecast_only_changes_no_position(name: str) -> None:
    """``forecast_only=True`` may drop per-move records, never change where the actors end up."""
    spec = available_models()[name]
    # version 1: version 2's per-stance influence is refused by smp, which uses one capability per actor
    scenario = load_scenario("afghanistan-2025-v1")
    arrays = from_scenario(scenario)
    options = spec.options_for(scenario.metadata)
    full = spec(arrays, rng=7, **options)
    lean = spec(arrays, rng=7, forecast_only=True, **options)
    np.testing.assert_array_equal(lean.positions, full.positions)
    np.testing.assert_array_equal(lean.forecast, full.forecast)
    if spec.forecast_only:
        assert len(lean.details) < len(full.details), "forecast_only dropped nothing"
