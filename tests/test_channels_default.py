"""``channels.default`` is an estimate like any other number: the lab samples it, and a draw's value reaches every
pair the scenario does not list (and only those)."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from realpolitik.lab.interventions import sampled_arrays
from realpolitik.lab.sampling import to_values, uncertain_inputs
from realpolitik.models.arrays import from_scenario
from realpolitik.scenario.problems import LineMap, ScenarioError
from realpolitik.scenario.validate import build_scenario

DOC = """
id: toy
title: Toy
actors:
  - {id: a, name: A, capability: 1}
  - {id: b, name: B, capability: 1}
  - {id: c, name: C, capability: 1}
issues:
  - {id: x, name: X, scale: {low: 0, high: 100}}
stances:
  - {actor: a, issue: x, position: 10, salience: 0.5}
  - {actor: b, issue: x, position: 90, salience: 0.5}
  - {actor: c, issue: x, position: 40, salience: 0.5}
channels:
  default: {value: 0.2, low: 0.0, high: 0.6, rationale: a guess about the unlisted pairs}
  links:
    - {between: [a, b], strength: 0.7}
"""


def test_sampled_default_fills_only_the_unlisted_pairs() -> None:
    s = build_scenario(yaml.safe_load(DOC), LineMap(), "toy")
    inputs = uncertain_inputs(s)
    assert [i.name for i in inputs] == ["channels.default"]
    values = to_values(inputs, np.array([[0.0], [1.0]]))  # the range's ends: 0.0 and 0.6
    ch = sampled_arrays(s, inputs, values).channels
    for d, expected in enumerate((0.0, 0.6)):
        assert ch[d, 0, 1] == ch[d, 1, 0] == 0.7  # listed: unchanged
        for i, j in ((0, 2), (2, 0), (1, 2), (2, 1)):
            assert ch[d, i, j] == expected
        assert np.all(np.diag(ch[d]) == 1.0)  # an actor always reaches itself


def test_point_forecast_uses_the_defaults_central_value() -> None:
    s = build_scenario(yaml.safe_load(DOC), LineMap(), "toy")
    assert from_scenario(s).channels[0, 0, 2] == 0.2


def test_default_outside_zero_one_is_a_located_problem() -> None:
    doc = yaml.safe_load(DOC)
    doc["channels"]["default"] = {"value": 0.5, "low": 0.2, "high": 1.4}
    with pytest.raises(ScenarioError) as err:
        build_scenario(doc, LineMap(), "toy")
    assert any("channels.default" in str(p) for p in err.value.problems), err.value
