"""Strategies applied to sampled arrays: each change's effect derived by hand on a toy scenario."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import yaml

from realpolitik.lab.interventions import apply_strategy, change_values, sampled_arrays
from realpolitik.lab.sampling import to_values, uncertain_inputs
from realpolitik.scenario.problems import LineMap
from realpolitik.scenario.validate import build_scenario

DOC = """
id: toy
title: Toy
salience_scale: 100
actors:
  - {id: a, name: A, capability: 1}
  - {id: b, name: B, capability: 3}
  - {id: c, name: C, capability: {value: 2, low: 1, high: 3}}
issues:
  - {id: x, name: X, scale: {low: 0, high: 100}}
stances:
  - {actor: a, issue: x, position: 10, salience: 50}
  - {actor: b, issue: x, position: 90, salience: 100}
  - {actor: c, issue: x, position: 40, salience: 50}
channels:
  default: 0.5
  links:
    - {between: [a, b], strength: 0.2}
interventions:
  - id: talk
    changes:
      - {target: channel.a.c, op: open}
      - {target: channel.a.b, op: close}
      - {target: a.x.salience, op: add, value: {value: 20, low: 10, high: 30}}
  - id: push
    changes:
      - {target: a.x.position, op: add, value: 200}
      - {target: b.capability, op: scale, value: 0.5}
  - id: bloc
    changes:
      - {target: coalition.x, op: align, members: [a, b]}
strategies:
  - {id: status_quo}
  - {id: talk, interventions: [talk]}
  - {id: push, interventions: [push]}
  - {id: bloc, interventions: [bloc]}
"""


@pytest.fixture
def setup() -> tuple[Any, ...]:
    s = build_scenario(yaml.safe_load(DOC), LineMap(), "toy")
    inputs = uncertain_inputs(s)
    unit = np.array([[0.0, 0.0], [1.0, 1.0]])  # two draws: every input at its low, then at its high
    values = to_values(inputs, unit)
    return s, sampled_arrays(s, inputs, values), change_values(s, inputs, values)


def test_draws_set_uncertain_inputs(setup: tuple[Any, ...]) -> None:
    _, arrays, _ = setup
    assert arrays.capability[:, 2].tolist() == [1.0, 3.0]
    assert arrays.salience[0, :, 0].tolist() == [0.5, 1.0, 0.5]  # file scale 0-100 -> 0-1
    assert arrays.channels[0, 0, 1] == 0.2 and arrays.channels[0, 1, 0] == 0.2
    assert arrays.channels[0, 0, 2] == 0.5 and arrays.channels[0, 2, 2] == 1.0


def test_status_quo_strategy_changes_nothing(setup: tuple[Any, ...]) -> None:
    s, arrays, values = setup
    same = apply_strategy(arrays, s, "status_quo", values)
    assert np.array_equal(same.position, arrays.position) and np.array_equal(same.channels, arrays.channels)


def test_channels_open_close_both_ways_and_uncertain_salience(setup: tuple[Any, ...]) -> None:
    s, arrays, values = setup
    out = apply_strategy(arrays, s, "talk", values)
    assert out.channels[:, 0, 2].tolist() == [1.0, 1.0] and out.channels[:, 2, 0].tolist() == [1.0, 1.0]
    assert out.channels[:, 0, 1].tolist() == [0.0, 0.0] and out.channels[:, 1, 0].tolist() == [0.0, 0.0]
    # salience 50 + (10 at the low draw, 30 at the high draw) on the 0-100 scale
    assert out.salience[:, 0, 0] == pytest.approx([0.6, 0.8])
    assert arrays.salience[0, 0, 0] == 0.5  # the input arrays are not modified


def test_position_clipped_to_scale_and_capability_scaled(setup: tuple[Any, ...]) -> None:
    s, arrays, values = setup
    out = apply_strategy(arrays, s, "push", values)
    assert out.position[:, 0, 0].tolist() == [100.0, 100.0]
    assert out.capability[:, 1].tolist() == [1.5, 1.5]


def test_coalition_aligns_on_weighted_mean(setup: tuple[Any, ...]) -> None:
    s, arrays, values = setup
    out = apply_strategy(arrays, s, "bloc", values)
    # weights capability × salience: a 1 × 0.5, b 3 × 1.0 -> (0.5·10 + 3·90) / 3.5 = 275/3.5
    assert out.position[:, 0, 0] == pytest.approx([275 / 3.5] * 2)
    assert out.position[:, 1, 0] == pytest.approx([275 / 3.5] * 2)
    assert out.position[:, 2, 0].tolist() == [40.0, 40.0]
