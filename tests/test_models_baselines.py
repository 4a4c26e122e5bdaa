"""The static baselines (compromise, median, NBS): hand-derived cases and properties.

Why hand-derived: these models are the yardstick for every richer one, so their numbers must be right by
construction, not by agreement with another implementation. Each expected value below is derived in its comment.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realpolitik.models import compromise, median, nbs
from realpolitik.models.arrays import Arrays
from realpolitik.models.registry import available_models


def make(
    position: Any,
    salience: Any = None,
    capability: Any = None,
    status_quo: Any = None,
    present: Any = None,
    scale: tuple[float, float] = (0.0, 100.0),
) -> Arrays:
    """Arrays from (A,) lists for one issue and one draw, or from full (D, A, I) arrays."""
    x = np.asarray(position, dtype=np.float64)
    if x.ndim == 1:
        x = x[None, :, None]
    D, A, I = x.shape
    s = np.ones((D, A, I)) if salience is None else np.asarray(salience, dtype=np.float64).reshape(D, A, I)
    c = np.ones((D, A)) if capability is None else np.asarray(capability, dtype=np.float64).reshape(D, A)
    q = np.full((D, I), np.nan) if status_quo is None else np.asarray(status_quo, dtype=np.float64).reshape(D, I)
    p = np.ones((A, I), dtype=bool) if present is None else np.asarray(present, dtype=bool).reshape(A, I)
    return Arrays(
        position=x,
        salience=s,
        capability=c,
        channels=np.ones((D, A, A)),
        status_quo=q,
        scale=np.tile(np.array(scale, dtype=np.float64), (I, 1)),
        present=p,
        actor_ids=tuple(f"a{k}" for k in range(A)),
        actor_names=tuple(f"A{k}" for k in range(A)),
        issue_ids=tuple(f"i{k}" for k in range(I)),
        decision_rules=("median",) * I,
    )


def fc(module: Any, arrays: Arrays, **options: Any) -> float:
    return float(module.run(arrays, **options).forecast[0, 0])


# ---------------------------------------------------------------------------------------------------------------
# registry


def test_baselines_are_registered_as_static_models() -> None:
    models = available_models()
    for name in ("compromise", "median", "nbs"):
        assert name in models
        assert models[name].dynamic is False
        traj = models[name](make([0.0, 100.0]))
        assert traj.positions.shape == (1, 1, 2, 1)
        assert traj.forecast.shape == (1, 1)


# ---------------------------------------------------------------------------------------------------------------
# compromise


def test_compromise_two_actors_weights_one_and_three() -> None:
    # (1·0 + 3·100) / 4 = 75
    assert fc(compromise, make([0.0, 100.0], capability=[1.0, 3.0])) == pytest.approx(75.0)


def test_compromise_weight_is_capability_times_salience() -> None:
    # weights 2·0.5 = 1 and 1·0.25 = 0.25: (1·20 + 0.25·70) / 1.25 = 30
    arrays = make([20.0, 70.0], salience=[0.5, 0.25], capability=[2.0, 1.0])
    assert fc(compromise, arrays) == pytest.approx(30.0)


def test_compromise_without_any_weight_is_the_plain_mean() -> None:
    assert fc(compromise, make([10.0, 40.0], salience=[0.0, 0.0])) == pytest.approx(25.0)


def test_compromise_without_weight_ignores_absent_actors() -> None:
    arrays = make([10.0, 30.0, 100.0], salience=[0.0, 0.0, 0.0], present=[True, True, False])
    assert fc(compromise, arrays) == pytest.approx(20.0)


def test_compromise_rejects_options() -> None:
    with pytest.raises(TypeError):
        compromise.run(make([0.0, 1.0]), foo=1)


# ---------------------------------------------------------------------------------------------------------------
# median


def test_median_three_equal_actors_is_the_middle_one() -> None:
    assert fc(median, make([0.0, 50.0, 100.0])) == 50.0


def test_median_heavy_actor_wins_when_it_holds_a_majority() -> None:
    # weights 3, 1, 1: 0 holds 3/5 > 1/2 of the weight
    assert fc(median, make([0.0, 50.0, 100.0], capability=[3.0, 1.0, 1.0])) == 0.0
    # salience counts too: 0.2·3 = 0.6 < 1 + 1 … cumulative from the left 0.6, 1.6 ≥ 1.3 -> 50
    assert fc(median, make([0.0, 50.0, 100.0], salience=[0.2, 1.0, 1.0], capability=[3.0, 1.0, 1.0])) == 50.0


def test_median_exact_tie_goes_to_the_lower_position() -> None:
    assert fc(median, make([100.0, 0.0])) == 0.0


def test_median_ignores_absent_actors_even_with_salience() -> None:
    # the absent actor at 100 has weight 10 but no stance: the median of the other two (tie) is the lower, 20
    arrays = make([20.0, 40.0, 100.0], capability=[1.0, 1.0, 10.0], present=[True, True, False])
    assert fc(median, arrays) == 20.0


def test_median_without_any_weight_counts_present_actors_equally() -> None:
    arrays = make([10.0, 30.0, 90.0, 100.0], salience=[0, 0, 0, 0], present=[True, True, True, False])
    assert fc(median, arrays) == 30.0


# ---------------------------------------------------------------------------------------------------------------
# NBS: closed forms


@pytest.mark.parametrize("utility", ["quadratic", "linear"])
def test_nbs_two_equal_actors_at_the_ends_meet_at_the_midpoint(utility: str) -> None:
    # symmetric problem (worst-point disagreement 100 and 0 mirror each other) -> symmetric solution
    assert fc(nbs, make([0.0, 100.0]), utility=utility) == pytest.approx(50.0, abs=1e-9)


@pytest.mark.parametrize("utility", ["quadratic", "linear"])
def test_nbs_symmetric_status_quo_between_two_equal_actors_is_the_midpoint(utility: str) -> None:
    # actors at 20 and 80, status quo 50: only 50 leaves neither worse off than the status quo
    assert fc(nbs, make([20.0, 80.0], status_quo=[50.0]), utility=utility) == pytest.approx(50.0)


def test_nbs_linear_actors_at_the_ends_is_the_weighted_mean() -> None:
    # gains 100 − x and x: maximise 1·log(100 − x) + 3·log(x) -> x = 100·3/4 = 75
    assert fc(nbs, make([0.0, 100.0], capability=[1.0, 3.0]), utility="linear") == pytest.approx(75.0, abs=1e-9)


def test_nbs_quadratic_actors_at_the_ends_is_not_the_weighted_mean() -> None:
    # on 0–1: gains 1 − x² and x(2 − x); FOC −2x/(1 − x²)·1 + 3(2 − 2x)/(x(2 − x)) = 0
    # <=> 3(1 − x)²(1 + x) = x²(2 − x) <=> 4x³ − 5x² − 3x + 3 = 0, root in (0, 1) ≈ 0.65
    roots = np.roots([4.0, -5.0, -3.0, 3.0])
    expected = 100 * float(next(r.real for r in roots if abs(r.imag) < 1e-12 and 0 < r.real < 1))
    got = fc(nbs, make([0.0, 100.0], capability=[1.0, 3.0]), utility="quadratic")
    assert got == pytest.approx(expected, abs=1e-9)
    assert abs(got - 75.0) > 5


@pytest.mark.parametrize(("weights", "expected"), [((1.0, 1.0), 40.0), ((1.0, 3.0), 60.0)])
def test_nbs_linear_with_status_quo_below_both_actors(weights: tuple[float, float], expected: float) -> None:
    # status quo 0, actors at 40 and 100: acceptable [0, 80] (actor 1 won't go past 80, as far as 0 from 40).
    # On [40, 80] gains are 80 − x and x: maximiser 80·w2/(w1 + w2) if ≥ 40, else the kink at 40.
    arrays = make([40.0, 100.0], capability=weights, status_quo=[0.0])
    assert fc(nbs, arrays, utility="linear") == pytest.approx(expected, abs=1e-9)


def test_nbs_quadratic_with_status_quo_below_both_actors() -> None:
    # gains x(80 − x) and x(200 − x); FOC (80 − 2x)/(80 − x) + (200 − 2x)/(200 − x) = 0
    # <=> x² − 210x + 8000 = 0 -> x = (210 − 110)/2 = 50
    assert fc(nbs, make([40.0, 100.0], status_quo=[0.0])) == pytest.approx(50.0, abs=1e-9)


@pytest.mark.parametrize("utility", ["quadratic", "linear"])
def test_nbs_status_quo_at_an_actors_ideal_is_the_forecast(utility: str) -> None:
    # the actor at 0 loses from any move away from the status quo 0, so under Nash's unanimity nothing moves
    arrays = make([0.0, 60.0, 100.0], capability=[0.1, 5.0, 5.0], status_quo=[0.0])
    assert fc(nbs, arrays, utility=utility) == pytest.approx(0.0)


def test_nbs_actor_without_weight_cannot_block() -> None:
    # same as above but the actor at the status quo has salience 0: two equal actors at 60 and 100 with
    # status quo 0 and linear loss: acceptable [0, 120] ∩ [0, 100]; on [60, 100] gains 120 − x, x -> 60 (kink)
    arrays = make([0.0, 60.0, 100.0], salience=[0.0, 1.0, 1.0], status_quo=[0.0])
    assert fc(nbs, arrays, utility="linear") == pytest.approx(60.0, abs=1e-9)


def test_nbs_actors_on_both_sides_of_the_status_quo_keep_it() -> None:
    assert fc(nbs, make([10.0, 30.0, 90.0], status_quo=[50.0])) == pytest.approx(50.0)


@pytest.mark.parametrize("status_quo", [None, 0.0, 100.0])
@pytest.mark.parametrize("utility", ["quadratic", "linear"])
def test_nbs_one_actor_with_all_capability_gets_its_position(status_quo: float | None, utility: str) -> None:
    q = None if status_quo is None else [status_quo]
    arrays = make([20.0, 35.0, 90.0], capability=[0.0, 1.0, 0.0], status_quo=q)
    assert fc(nbs, arrays, utility=utility) == pytest.approx(35.0, abs=1e-9)


def test_nbs_worst_disagreement_ignores_the_status_quo() -> None:
    arrays = make([0.0, 100.0], status_quo=[0.0])
    assert fc(nbs, arrays) == pytest.approx(0.0)  # actor at the status quo blocks
    assert fc(nbs, arrays, disagreement="worst") == pytest.approx(50.0, abs=1e-9)


def test_nbs_is_equivariant_to_the_scale() -> None:
    # the same problem on −1..1 instead of 0..100
    a = make([40.0, 100.0], capability=[1.0, 3.0], status_quo=[0.0])
    b = make([-0.2, 1.0], capability=[1.0, 3.0], status_quo=[-1.0], scale=(-1.0, 1.0))
    assert fc(nbs, b, utility="linear") == pytest.approx(fc(nbs, a, utility="linear") / 50 - 1, abs=1e-12)


def test_nbs_details_and_option_errors() -> None:
    traj = nbs.run(make([40.0, 100.0], status_quo=[0.0]))
    assert traj.details["acceptable"][0, 0].tolist() == pytest.approx([0.0, 80.0])
    assert bool(traj.details["status_quo_used"][0, 0])
    with pytest.raises(ValueError, match="utility"):
        nbs.run(make([0.0, 1.0]), utility="cubic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="disagreement"):
        nbs.run(make([0.0, 1.0]), disagreement="none")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        nbs.run(make([0.0, 1.0]), foo=1)


# ---------------------------------------------------------------------------------------------------------------
# properties


@st.composite
def problems(draw: st.DrawFn, n_actors: int | None = None) -> dict[str, Any]:
    """One issue: 1–6 actors, some possibly absent or weightless, an optional status quo."""
    A = draw(st.integers(1, 6)) if n_actors is None else n_actors
    grid = st.integers(0, 100).map(float)
    x = draw(st.lists(grid, min_size=A, max_size=A))
    s = draw(st.lists(st.sampled_from([0.0, 0.1, 0.5, 0.8, 1.0]), min_size=A, max_size=A))
    c = draw(st.lists(st.floats(0.1, 10.0), min_size=A, max_size=A))
    present = draw(st.lists(st.booleans(), min_size=A, max_size=A))
    present[draw(st.integers(0, A - 1))] = True
    s = [v if pr else 0.0 for v, pr in zip(s, present, strict=True)]  # Arrays' contract: no stance, no salience
    q = draw(st.none() | grid)
    return {"x": x, "s": s, "c": c, "present": present, "q": q}


def _arrays(p: dict[str, Any], order: list[int] | None = None, scale_c: float = 1.0) -> Arrays:
    k = list(range(len(p["x"]))) if order is None else order
    return make(
        [p["x"][i] for i in k],
        salience=[p["s"][i] for i in k],
        capability=[p["c"][i] * scale_c for i in k],
        present=[p["present"][i] for i in k],
        status_quo=None if p["q"] is None else [p["q"]],
    )


MODELS: list[tuple[Any, dict[str, Any]]] = [
    (compromise, {}),
    (median, {}),
    (nbs, {"utility": "quadratic"}),
    (nbs, {"utility": "linear"}),
    (nbs, {"disagreement": "worst"}),
]


@settings(max_examples=60, deadline=None)
@given(problems())
def test_forecast_lies_in_the_hull_of_positions_and_status_quo(p: dict[str, Any]) -> None:
    xs = [x for x, pr in zip(p["x"], p["present"], strict=True) if pr]
    weighted = any(pr and s > 0 for pr, s in zip(p["present"], p["s"], strict=True))
    for module, options in MODELS:
        if module is compromise and not weighted:
            continue  # see test_compromise_without_weight_ignores_absent_actors
        hull = xs + ([p["q"]] if module is nbs and p["q"] is not None else [])
        got = fc(module, _arrays(p), **options)
        assert min(hull) - 1e-9 <= got <= max(hull) + 1e-9, (module.__name__, options)


@settings(max_examples=60, deadline=None)
@given(problems(), st.randoms(use_true_random=False), st.floats(0.01, 100.0))
def test_forecast_ignores_actor_order_and_capability_units(p: dict[str, Any], rnd: Any, factor: float) -> None:
    order = list(range(len(p["x"])))
    rnd.shuffle(order)
    for module, options in MODELS:
        base = fc(module, _arrays(p), **options)
        assert fc(module, _arrays(p, order), **options) == pytest.approx(base, abs=1e-8)
        assert fc(module, _arrays(p, scale_c=factor), **options) == pytest.approx(base, abs=1e-8)


@settings(max_examples=30, deadline=None)
@given(st.lists(problems(n_actors=4), min_size=1, max_size=5))
def test_a_batch_of_draws_equals_single_runs(ps: list[dict[str, Any]]) -> None:
    """D draws (present shared, as Arrays requires) in one call give the same forecasts as D separate calls."""
    present = ps[0]["present"]
    ps = [{**p, "present": present} for p in ps]
    D = len(ps)
    batch = make(
        np.array([p["x"] for p in ps])[:, :, None],
        salience=np.array([p["s"] for p in ps]),
        capability=np.array([p["c"] for p in ps]),
        status_quo=np.array([np.nan if p["q"] is None else p["q"] for p in ps]),
        present=present,
    )
    for module, options in MODELS:
        got = module.run(batch, **options).forecast[:, 0]
        single = [fc(module, _arrays(p), **options) for p in ps]
        assert got.shape == (D,)
        np.testing.assert_allclose(got, single, atol=1e-9)


def test_issues_are_independent_in_a_batch() -> None:
    """Several issues in one call give the same forecasts as one issue at a time (the backtest relies on it)."""
    rng = np.random.default_rng(3)
    D, A, I = 2, 5, 7
    x = rng.integers(0, 101, (D, A, I)).astype(float)
    s = rng.choice([0.0, 0.3, 1.0], (D, A, I))
    c = rng.uniform(0.5, 3, (D, A))
    q = np.where(rng.random((D, I)) < 0.5, np.nan, rng.integers(0, 101, (D, I)).astype(float))
    present = rng.random((A, I)) < 0.8
    present[0] = True
    full = make(x, s, c, q, present)
    for module, options in MODELS:
        got = module.run(full, **options).forecast
        for i in range(I):
            one = make(x[:, :, i : i + 1], s[:, :, i : i + 1], c, q[:, i : i + 1], present[:, i : i + 1])
            np.testing.assert_allclose(got[:, i], module.run(one, **options).forecast[:, 0], atol=1e-9)
