"""The ensemble model: its parts by hand, its run on any scenario, and the shipped fit against the refit command.

The registry-wide properties (decision structure, forecast_only, contract) are checked by the tests that iterate
the registry; here: the exact mixture median, the position-choice fit, draws stacked and split, the shipped files.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from realpolitik.backtest.track_record import describe, load_track_record
from realpolitik.models import ensemble
from realpolitik.models.arrays import Arrays, from_scenario
from realpolitik.models.registry import available_models, get_model
from realpolitik.scenario import load


def test_mixture_median_is_exact() -> None:
    g = np.random.default_rng(0)
    D, A, I = 40, 5, 3
    atoms = np.round(g.uniform(0, 1, (D, A, I)), 1)  # repeats included
    p = g.dirichlet(np.ones(A + 1), size=(D, I)).transpose(0, 2, 1)
    p_atoms, p_cont = p[:, :A], p[:, A]
    p_cont[:10] = 0.0  # some issues with atoms only
    p_atoms[:10] /= p_atoms[:10].sum(axis=1, keepdims=True)
    centre = g.uniform(0, 1, (D, I))
    got = ensemble.mixture_median(atoms, p_atoms, p_cont, centre, 0.2)
    grid = np.linspace(-2, 3, 50001)
    z = (grid - centre[..., None]) / 0.2
    laplace = np.where(z < 0, 0.5 * np.exp(np.minimum(z, 0)), 1 - 0.5 * np.exp(-np.maximum(z, 0)))
    cdf = ((atoms[..., None] <= grid) * p_atoms[..., None]).sum(axis=1) + p_cont[..., None] * laplace
    want = grid[np.argmax(cdf >= 0.5 - 1e-12, axis=-1)]
    np.testing.assert_allclose(got, want, atol=2e-4)
    # by hand: atoms 0.2 (p 0.3) and 0.8 (p 0.3), Laplace around 0.5 with p 0.4: the median is 0.5 by symmetry
    one = ensemble.mixture_median(
        np.array([[[0.2], [0.8]]]), np.array([[[0.3], [0.3]]]), np.array([[0.4]]), np.array([[0.5]]), 0.1
    )
    assert one[0, 0] == pytest.approx(0.5)


def toy_arrays(position: np.ndarray, salience: np.ndarray, capability: np.ndarray, sq: np.ndarray) -> Arrays:
    D, A, I = position.shape
    return Arrays(
        position=position,
        salience=salience,
        capability=capability,
        channels=np.ones((D, A, A)),
        status_quo=sq,
        scale=np.tile([0.0, 100.0], (I, 1)),
        present=np.ones((A, I), dtype=bool),
        actor_ids=tuple(f"a{k}" for k in range(A)),
        actor_names=tuple(f"A{k}" for k in range(A)),
        issue_ids=tuple(f"i{k}" for k in range(I)),
        decision_rules=("median",) * I,
    )


def test_position_choice_learns_which_position_wins() -> None:
    # outcomes are always the position with the most voice behind it: the fit must put weight on "weight" and
    # forecast that position far better than the weighted mean does
    g = np.random.default_rng(1)
    A, I = 5, 200
    position = g.choice([0.0, 25.0, 50.0, 75.0, 100.0], size=(1, A, I))
    salience = g.uniform(0.2, 1.0, (1, A, I))
    capability = g.uniform(0.5, 5.0, (1, A))
    arrays = toy_arrays(position, salience, capability, np.full((1, I), np.nan))
    d = ensemble.design(arrays)
    same = d.positions[0][:, None] == d.positions[0][None]  # (A, A, I)
    mass = (same * d.shares[0][None]).sum(axis=1)  # (A, I): voice behind each actor's position
    y = d.positions[0][np.argmax(mass, axis=0), np.arange(I)]
    params = ensemble.fit("position-choice", d, y)
    weight = params["coefficients"][ensemble.CHOICE_FEATURES.index("weight")]
    assert weight + params["coefficients"][ensemble.CHOICE_FEATURES.index("sqrt_weight")] > 1
    pred = ensemble.predict(params, d)[0]
    assert np.mean(np.abs(pred - y)) < 0.5 * np.mean(np.abs(d.compromise[0] - y))
    assert np.mean(pred == y) > 0.6


def test_every_method_fits_and_predicts_inside_the_positions() -> None:
    g = np.random.default_rng(2)
    position = g.uniform(0, 100, (1, 6, 60))
    arrays = toy_arrays(position, g.uniform(0.1, 1, (1, 6, 60)), g.uniform(1, 3, (1, 6)), g.uniform(0, 100, (1, 60)))
    d = ensemble.design(arrays)
    y = np.clip(d.compromise[0] + g.normal(0, 0.1, 60), 0, 1)
    for method in ensemble.METHODS:
        params = ensemble.fit(method, d, y)
        pred = ensemble.predict(params, d)
        assert pred.shape == (1, 60) and np.all((pred >= d.lo - 1e-12) & (pred <= d.hi + 1e-12)), method


def test_stacked_draws_are_forecast_one_by_one() -> None:
    # the lab calls the model on (D, A, I); a draw's forecast must not depend on the other draws in the call
    scenario = load("afghanistan-2025").scenario
    a = from_scenario(scenario)
    g = np.random.default_rng(3)
    D = 6
    position = np.clip(np.repeat(a.position, D, 0) + g.normal(0, 8, (D, *a.position.shape[1:])), 0, 100)
    many = replace(
        a,
        position=position,
        salience=np.repeat(a.salience, D, 0),
        capability=np.repeat(a.capability, D, 0),
        channels=np.repeat(a.channels, D, 0),
        status_quo=np.repeat(a.status_quo, D, 0),
        influence=None if a.influence is None else np.repeat(a.influence, D, 0),
    )
    spec = get_model("ensemble")
    together = spec(many, forecast_only=True).forecast
    for d in range(D):
        alone = spec(many.take(slice(d, d + 1))).forecast
        np.testing.assert_allclose(alone[0], together[d], atol=1e-9)
    full = spec(a)
    assert set(full.details["members"]) == set(ensemble.MEMBERS)
    assert np.all(np.isfinite(full.forecast))


def test_the_shipped_fit_is_well_formed() -> None:
    doc = ensemble.shipped()
    assert doc["format"] == ensemble.FORMAT_VERSION and tuple(doc["members"]) == ensemble.MEMBERS
    assert doc["params"]["method"] in ensemble.METHODS
    assert doc["params"]["method"] == doc["selection"]["development"]["chosen"]
    dev = doc["selection"]["development"]["oof_mae"]
    assert set(dev) == set(ensemble.METHODS)
    assert min(dev, key=dev.get) == doc["params"]["method"]  # the choice is the best on development folds
    held = doc["selection"]["held_out"]
    assert len(held["proposals"]) == 30 and held["n_issues"] > 0
    assert len(doc["provenance"]["data_sha256"]) == 64 and doc["provenance"]["command"].startswith("python -m")


def test_the_shipped_track_record_covers_every_model() -> None:
    doc = load_track_record()
    assert set(doc["models"]) == set(available_models())
    for name, entry in doc["models"].items():
        assert entry["mae_lo"] <= entry["mae"] <= entry["mae_hi"], name
        assert 0 <= entry["coverage80"] <= 1 and entry["width80"] > 0, name
        lo, hi = entry["interval80"]
        assert lo < 0 < hi, name
    line = describe("compromise")
    assert line is not None and line.startswith("error on EU legislation (DEU III), out of fold: 23.2 [")
    assert describe("no-such-model") is None


def close(a: Any, b: Any, path: str = "") -> list[str]:
    """Differences between two JSON documents, numbers compared to 1e-9 relative (or 1e-6 absolute)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}: keys {sorted(set(a) ^ set(b))}"] if set(a) != set(b) else []
        return out + [m for k in set(a) & set(b) for m in close(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: lengths {len(a)} != {len(b)}"]
        return [m for k, (x, y) in enumerate(zip(a, b, strict=True)) for m in close(x, y, f"{path}[{k}]")]
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return [] if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6) else [f"{path}: {a} != {b}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


@pytest.mark.reference
def test_shipped_fit_is_what_the_refit_command_produces(shared_data: Path) -> None:
    """The reference of the ensemble: ``python -m realpolitik.backtest.refit DEU3`` on the shared DEU III file
    gives the shipped fit and track record (all but the date). A change to any model, to the fit or to the data
    makes this fail until the command is rerun and its new figures are read (docs/backtest.md)."""
    path = shared_data / "bargaining" / "deu3" / "deu3.csv"
    if not path.is_file():
        pytest.skip(f"DEU III not found at {path}")
    from realpolitik.backtest.refit import refit

    fit_doc, track_doc = refit(path)

    def undated(doc: dict[str, Any]) -> dict[str, Any]:
        return {**doc, "provenance": {k: v for k, v in doc["provenance"].items() if k != "date"}}

    assert close(fit_doc, undated(ensemble.shipped())) == []
    assert close(track_doc, undated(load_track_record())) == []
