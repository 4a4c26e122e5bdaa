"""PRIM's reporting rule on cases whose failure region is known analytically."""

from __future__ import annotations

import numpy as np
import pytest

from realpolitik.lab.prim import box_stats, discover_boxes, simplify_box

NAMES = [f"x{j}" for j in range(5)]


def corner_case(n: int = 6000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((n, len(NAMES)))
    return x, (x[:, 0] > 0.7) & (x[:, 1] < 0.3)


def test_box_of_a_known_corner() -> None:
    """Fail iff x0 > 0.7 and x1 < 0.3, inputs uniform on [0, 1]^5.

    Base rate 0.3 · 0.3 = 0.09, so the density floor is max(0.8, 0.09 + 0.1) = 0.8. The true region is the
    box x0 ≥ 0.7, x1 ≤ 0.3 (coverage 1, density 1, mass 0.09). A box x0 ≥ a, x1 ≤ b with a ≤ 0.7 and b ≥ 0.3 keeps
    coverage 1 and has density 0.09 / ((1 − a)·b): density ≥ 0.8 needs (1 − a)·b ≤ 0.1125, so at b = 0.3,
    a ≥ 0.625 (and symmetrically b ≤ 0.375 at a = 0.7). Overshooting the boundary costs coverage at rate
    1/0.3 per unit, so coverage ≥ 0.9 bounds a ≤ 0.73 and b ≥ 0.27. x2..x4 are irrelevant and must not be
    restricted once the box is simplified.
    """
    x, fail = corner_case()
    found = discover_boxes(x, fail, NAMES)
    assert found.base_rate == pytest.approx(0.09, abs=0.015)
    assert found.density_floor == pytest.approx(0.8)
    assert found.box is not None and found.meets_floor
    box = found.box
    assert set(box.limits) == {"x0", "x1"}
    assert box.density >= 0.8 and box.coverage >= 0.9
    assert 0.6 <= box.limits["x0"][0] <= 0.75
    assert 0.25 <= box.limits["x1"][1] <= 0.4
    assert found.lift == pytest.approx(box.density / found.base_rate)
    assert found.lift is not None and found.lift > 8  # density ≥ 0.8 over a base of 0.09
    # the box's figures are those of an independent count over its limits
    again = box_stats(x, fail, NAMES, box.limits)
    assert (again.coverage, again.density) == (box.coverage, box.density)


def test_cap_on_restricted_inputs_is_honoured_and_reported() -> None:
    """With one input allowed, no box can be dense: P(fail | x0 > a) ≤ P(x1 < 0.3) = 0.3 (and likewise for x1),
    far below the 0.8 floor, so the report must say the floor is not reached."""
    x, fail = corner_case()
    found = discover_boxes(x, fail, NAMES, max_dims=1)
    assert all(len(b.limits) <= 1 for b in found.trajectory)
    assert found.box is not None and len(found.box.limits) <= 1
    assert not found.meets_floor
    assert found.box.density <= 0.3 + 0.05
    assert "no box restricting at most 1 inputs reaches density 80%" in found.message


def test_failure_as_the_base_case_gets_no_box() -> None:
    """Fail iff x0 > 0.1: 90% of uniform draws fail, above the 0.8 threshold, so no box is reported."""
    rng = np.random.default_rng(2)
    x = rng.random((20000, len(NAMES)))
    fail = x[:, 0] > 0.1
    found = discover_boxes(x, fail, NAMES)
    assert found.base_rate == pytest.approx(0.9, abs=0.01)
    assert found.box is None and not found.meets_floor
    assert found.message == f"failure is the base case: {fail.mean():.0%} of draws fail; no box can sharpen it"
    assert found.to_json_dict()["chosen_box"] is None


def test_floor_is_base_rate_plus_lift_when_base_is_high() -> None:
    """Fail iff x0 > 0.25: base rate 0.75 lies between 0.7 and 0.8, so the floor is 0.75 + 0.1 = 0.85."""
    rng = np.random.default_rng(3)
    x = rng.random((8000, len(NAMES)))
    fail = x[:, 0] > 0.25
    found = discover_boxes(x, fail, NAMES)
    assert found.density_floor == pytest.approx(fail.mean() + 0.1)
    assert found.box is not None and found.meets_floor
    assert set(found.box.limits) == {"x0"}  # the true region: x0 ≥ 0.25, density 1
    assert found.box.density >= found.density_floor


def test_no_failure_means_nothing_to_discover() -> None:
    x = np.random.default_rng(4).random((500, len(NAMES)))
    found = discover_boxes(x, np.zeros(500, dtype=bool), NAMES)
    assert found.box is None and found.base_rate == 0.0


def test_simplification_keeps_the_density_floor() -> None:
    """Interest iff x0 < 0.5 and a coin with p = 0.83 where x1 < 0.5, p = 0.758 where x1 ≥ 0.5.

    The box {x0 ≤ 0.5, x1 ≤ 0.5} has density 0.83; without the x1 restriction the density is
    (0.83 + 0.758) / 2 = 0.794: within 5% of 0.83 (≥ 0.7885) but below a 0.8 floor. The old rule dropped x1;
    with the floor, x1 must stay.
    """
    rng = np.random.default_rng(5)
    n = 80000
    x = rng.random((n, 2))
    u = rng.random(n)
    interest = (x[:, 0] < 0.5) & np.where(x[:, 1] < 0.5, u < 0.83, u < 0.758)
    names = ["x0", "x1"]
    box = box_stats(x, interest, names, {"x0": (0.0, 0.5), "x1": (0.0, 0.5)})
    assert box.density == pytest.approx(0.83, abs=0.01)
    loose = simplify_box(box, x, interest, names)
    assert set(loose.limits) == {"x0"} and loose.density < 0.8
    kept = simplify_box(box, x, interest, names, density_floor=0.8)
    assert set(kept.limits) == {"x0", "x1"} and kept.density >= 0.8
