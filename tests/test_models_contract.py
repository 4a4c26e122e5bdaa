"""The contract every registered model keeps, checked by iterating the registry (the Axelrod discipline): a model
added later is covered without anyone writing a test for it.

Inputs are random but tie-free (distinct positions, weights and pairwise distances), so that a model whose
result changed with the order in which actors are listed would be showing order dependence, not a tie-break.
A model that reproduces a reference implementation's order-dependent tie-breaking declares it
(``ModelSpec.order_dependent``) and is exempt from the relabelling test only.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from realpolitik.models.arrays import Arrays
from realpolitik.models.registry import available_models
from realpolitik.models.spec import ModelSpec

MODELS = sorted(available_models())
ROOT = Path(__file__).resolve().parents[1]


def random_arrays(seed: int, D: int = 1, A: int = 7, I: int = 3) -> Arrays:
    """Tie-free inputs: positions, saliences and capabilities drawn from continuous distributions."""
    g = np.random.default_rng(seed)
    position = np.tile(g.uniform(0, 100, (1, A, I)), (D, 1, 1)) + g.normal(0, 3, (D, A, I))
    return Arrays(
        position=np.clip(position, 0, 100),
        salience=g.uniform(0.2, 1.0, (D, A, I)),
        capability=g.uniform(0.5, 5.0, (D, A)),
        channels=np.ones((D, A, A)),
        status_quo=np.tile(g.uniform(10, 90, (1, I)), (D, 1)),
        scale=np.tile([0.0, 100.0], (I, 1)),
        present=np.ones((A, I), dtype=bool),
        actor_ids=tuple(f"a{k}" for k in range(A)),
        actor_names=tuple(f"Actor {k}" for k in range(A)),
        issue_ids=tuple(f"i{k}" for k in range(I)),
        decision_rules=("median", "mean", "median")[:I] if I <= 3 else ("median",) * I,
    )


def permuted(arrays: Arrays, order: np.ndarray) -> Arrays:
    return replace(
        arrays,
        position=arrays.position[:, order],
        salience=arrays.salience[:, order],
        capability=arrays.capability[:, order],
        channels=arrays.channels[:, order][:, :, order],
        present=arrays.present[order],
        actor_ids=tuple(arrays.actor_ids[k] for k in order),
        actor_names=tuple(arrays.actor_names[k] for k in order),
    )


def run(spec: ModelSpec, arrays: Arrays, rng: int = 5):  # type: ignore[no-untyped-def]
    return spec(arrays, rng=rng)


@pytest.mark.parametrize("name", MODELS)
def test_shapes(name: str) -> None:
    spec = available_models()[name]
    arrays = random_arrays(1, D=3)
    traj = run(spec, arrays)
    D, A, I = arrays.shape
    assert traj.forecast.shape == (D, I)
    assert traj.positions.ndim == 4 and traj.positions.shape[0] == D and traj.positions.shape[2:] == (A, I)
    assert np.all(np.isfinite(traj.forecast))
    assert traj.rounds == traj.positions.shape[1] - 1


@pytest.mark.parametrize("name", MODELS)
def test_the_same_seed_gives_the_same_result(name: str) -> None:
    spec = available_models()[name]
    arrays = random_arrays(2)
    a, b = run(spec, arrays, 9), run(spec, arrays, 9)
    np.testing.assert_array_equal(a.forecast, b.forecast)
    np.testing.assert_array_equal(a.positions, b.positions)


@pytest.mark.parametrize("name", MODELS)
def test_forecasts_stay_inside_the_positions_taken_where_promised(name: str) -> None:
    spec = available_models()[name]
    for seed in range(5):
        arrays = random_arrays(10 + seed, D=2)
        fc = run(spec, arrays).forecast
        lo, hi = arrays.position.min(axis=1), arrays.position.max(axis=1)
        inside = (fc >= lo - 1e-9) & (fc <= hi + 1e-9)
        if spec.within_hull:
            assert inside.all(), f"{name} left the hull with seed {10 + seed}"


@pytest.mark.parametrize("name", MODELS)
def test_a_reference_test_exists_and_says_what_produced_its_reference(name: str) -> None:
    spec = available_models()[name]
    path, _, test = spec.reference_test.partition("::")
    assert path and (ROOT / path).is_file(), f"{name}: reference test {spec.reference_test!r} not found"
    if test:
        assert f"def {test}(" in (ROOT / path).read_text()
    assert len(spec.reference_source) > 20, f"{name}: reference_source must say what produced the reference"


@pytest.mark.parametrize("name", MODELS)
def test_relabelling_actors_changes_nothing_on_tie_free_inputs(name: str) -> None:
    spec = available_models()[name]
    if spec.order_dependent:
        assert len(spec.order_dependent) > 20  # a declared, explained exemption
        return
    for seed in range(3):
        arrays = random_arrays(20 + seed)
        order = np.random.default_rng(seed).permutation(arrays.shape[1])
        a, b = run(spec, arrays), run(spec, permuted(arrays, order))
        np.testing.assert_allclose(b.forecast, a.forecast, rtol=0, atol=1e-9, err_msg=f"{name}, seed {20 + seed}")
        np.testing.assert_allclose(b.positions[:, -1], a.positions[:, -1][:, order], rtol=0, atol=1e-9)
