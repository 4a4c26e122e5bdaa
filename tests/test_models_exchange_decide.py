"""``exchange-decide`` against the Decide package, and ``exchange``'s departures from Decide as options.

Reference: runs of Decide itself (``decide-exchange-model`` 2025.3.1 from PyPI, Python 3.13, equal-gain model,
``EqualGainModel.ALLOW_RANDOM = False``, 10 iterations of its ``ModelLoop``) on every Decide input of the shared
data that Decide accepts, recorded through an observer by ``tests/data/decide/make_fixtures.py`` and kept in
``tests/data/decide/`` (provenance in each file and in the README there). Tolerance: 1e-9 on each issue's own scale
for every round's start positions and compromise points and for the forecast; the preset computes in Decide's own
28-digit decimal arithmetic, and the observed difference is 0.

The inputs are read in place from the shared data (the fixtures hold only Decide's outputs); the tests skip
without it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from realpolitik.cli import app
from realpolitik.models import exchange, get_model
from realpolitik.models.arrays import Arrays, from_scenario
from tests.test_models_exchange import DECIDE_INPUTS, random_case

FIXTURES = Path(__file__).resolve().parent / "data" / "decide"
TOL = 1e-9


def fixture(name: str) -> dict[str, Any]:
    return dict(json.loads((FIXTURES / (name.replace("/", "_").rsplit(".", 1)[0] + ".json")).read_text()))


def decide_file(shared_data: Path, name: str) -> Path:
    path = shared_data / "bargaining" / "decide" / name
    if not path.is_file():
        pytest.skip(f"Decide input {path} not found")
    return path


def load(path: Path) -> tuple[Arrays, dict[str, Any]]:
    from realpolitik.scenario import load as load_scenario

    scenario = load_scenario(str(path)).scenario
    return from_scenario(scenario), exchange.options_from_metadata(scenario.metadata)


def test_every_accepted_decide_input_has_a_fixture() -> None:
    """One Decide run per input that Decide accepts (the three others are outputs or deliberately broken)."""
    assert sorted(p.stem for p in FIXTURES.glob("*.json")) == sorted(
        n.replace("/", "_").rsplit(".", 1)[0] for n in DECIDE_INPUTS
    )
    for name in DECIDE_INPUTS:
        data = fixture(name)
        assert data["source"] == f"bargaining/decide/{name}"
        assert data["provenance"]["package"] == "decide-exchange-model 2025.3.1"
        assert len(data["rounds"]) == 11


@pytest.mark.reference
@pytest.mark.parametrize("name", DECIDE_INPUTS)
def test_forecast_json_matches_decide(shared_data: Path, name: str) -> None:
    """The issue's acceptance command on every accepted Decide file: each round's start positions (JSON
    ``positions``), compromise points (JSON ``mean``: the power × salience weighted mean, Decide's NBS, as every
    actor has one power on all issues in these files) and the forecast (the compromise point of the last voting
    positions, Decide's outcome), against Decide's own run, to 1e-9."""
    path = decide_file(shared_data, name)
    result = CliRunner().invoke(app, ["forecast", str(path), "--model", "exchange-decide", "--format", "json"])
    assert result.exit_code == 0, result.output
    data, ref = json.loads(result.output), fixture(name)
    assert data["model"] == "exchange-decide"
    assert not load(path)[1], "per-issue powers: the JSON mean would not be Decide's compromise point"
    names = ref["actors"]  # Decide's key -> name; the JSON names actors by name
    assert [issue["id"] for issue in data["issues"]] == [i.replace(" ", "-") for i in ref["issues"]]
    for issue, decide_issue in zip(data["issues"], ref["issues"], strict=True):
        rounds = issue["rounds"]
        assert [r["round"] for r in rounds] == list(range(11))
        for r, (ours, theirs) in enumerate(zip(rounds, ref["rounds"], strict=True)):
            want = {names[key]: x for key, x in theirs["start"][decide_issue].items()}
            assert set(ours["positions"]) == set(want), (issue["id"], r)
            for actor, x in want.items():
                assert ours["positions"][actor] == pytest.approx(x, rel=0, abs=TOL), (issue["id"], r, actor)
            assert ours["mean"] == pytest.approx(theirs["nbs"][decide_issue], rel=0, abs=TOL), (issue["id"], r)
        last = ref["rounds"][9]["voting_nbs"][decide_issue]
        assert issue["forecast"] == pytest.approx(last, rel=0, abs=TOL), issue["id"]


@pytest.mark.reference
def test_realised_exchanges_per_round_match_decide(shared_data: Path) -> None:
    """Beyond positions: as many exchanges realised in each round as Decide realised, and its first-round figures
    from its own test (240 candidates on sample_data.txt)."""
    arrays, options = load(decide_file(shared_data, "input/sample_data.txt"))
    t = get_model("exchange-decide")(arrays, **options)
    counts = [int((t.details["exchanges"]["round"] == r).sum()) for r in range(1, 11)]
    assert counts == [r["realised"] for r in fixture("input/sample_data.txt")["rounds"][:10]]
    assert t.details["candidates"][0, 0] == 240
    assert t.details["exchanges"]["gain_i"][:2] == pytest.approx([1.973684210526315789, 1.792636308765341023])


# ---------------------------------------------------------------------------------------------------------------
# exchange's departures, one option each


@pytest.mark.reference
def test_exchange_departs_from_decide_and_the_float_options_follow_its_rules(shared_data: Path) -> None:
    """``exchange`` (its documented defaults) is not Decide: by round 9 on sample_data.txt its positions differ
    from Decide's by more than 20 points. With Decide's options but binary floating point
    (``arithmetic="float"``) it follows Decide's rules: on data_short.csv, where no choice turns on Decide's last
    digits, every round to 1e-9; on sample_data.txt rounds 0–4 to 1e-9, until in round 5 two exchanges whose
    gains Decide finds different only in the 27th digit come out in the other order."""
    arrays, options = load(decide_file(shared_data, "input/sample_data.txt"))
    ref = np.array([start_positions(fixture("input/sample_data.txt"), arrays, r) for r in range(11)])
    plain = exchange.run(arrays, **options)
    assert np.nanmax(np.abs(plain.positions[0, 9] - ref[9])) > 20
    floating = exchange.run_decide(arrays, arithmetic="float", **options)
    np.testing.assert_allclose(floating.positions[0, :5], ref[:5], rtol=0, atol=TOL)
    assert np.nanmax(np.abs(floating.positions[0, 5:] - ref[5:])) > 1.0

    short, options = load(decide_file(shared_data, "legacy/data_short.csv"))
    want = np.array([start_positions(fixture("legacy/data_short.csv"), short, r) for r in range(11)])
    np.testing.assert_allclose(exchange.run_decide(short, arithmetic="float").positions[0], want, rtol=0, atol=TOL)


def start_positions(ref: dict[str, Any], arrays: Arrays, r: int) -> np.ndarray:
    """Decide's start positions of round r as an (A, I) array in the arrays' order (NaN where absent)."""
    key = {name: k for k, name in ref["actors"].items()}
    out = np.full(arrays.shape[1:], np.nan)
    for i, issue in enumerate(ref["issues"]):
        for a, name in enumerate(arrays.actor_names):
            if key[name] in ref["rounds"][r]["start"][issue]:
                out[a, i] = ref["rounds"][r]["start"][issue][key[name]]
    return np.where(arrays.present, out, arrays.position[0])


def test_exchange_keeps_its_documented_defaults() -> None:
    spec = get_model("exchange")
    defaults = {o.name: o.default for o in spec.options}
    assert {k: defaults[k] for k in exchange.DECIDE} == {
        "nbs_check": "demander",
        "past_demander": "refuse",
        "direction": "round",
        "gain_check": "after-cap",
        "tie_order": "grid",
        "arithmetic": "float",
    }
    decide = {o.name: o.default for o in get_model("exchange-decide").options}
    assert {k: decide[k] for k in exchange.DECIDE} == exchange.DECIDE
    assert not get_model("exchange-decide").stochastic


@pytest.mark.parametrize("name", sorted(exchange.DECIDE))
def test_each_departure_is_an_option_that_can_be_switched_alone(name: str) -> None:
    """Each of Decide's values runs with ``exchange``'s other defaults and is recorded, the decimal arithmetic
    excepted: it is Decide's whole model, so it refuses to run with any of ``exchange``'s own choices."""
    arrays = random_case(A=8, I=5, seed=3)
    if name == "arithmetic":
        with pytest.raises(ValueError, match="Decide's equal-gain model"):
            exchange.run(arrays, rounds=1, arithmetic="decimal")
        return
    one = exchange.run(arrays, rounds=4, **{name: exchange.DECIDE[name]})
    assert np.all(np.isfinite(one.positions))
    assert one.options[name] == exchange.DECIDE[name]


@pytest.mark.reference
def test_each_departure_changes_the_run_on_copenhagen(shared_data: Path) -> None:
    """On copenhagen.csv each of the four departures alone moves some position by more than 10 points over 10
    rounds. (``gain_check`` only differs for an exchange cut to a gain under 1e-10 with moves over 1e-10; no
    Decide input has one, and switching it changes nothing there.)"""
    arrays, options = load(decide_file(shared_data, "input/copenhagen.csv"))
    base = exchange.run(arrays, **options)
    for name in ("nbs_check", "past_demander", "direction", "tie_order"):
        one = exchange.run(arrays, **options, **{name: exchange.DECIDE[name]})
        assert np.abs(one.positions - base.positions).max() > 10, name
    same = exchange.run(arrays, **options, gain_check="before-cap")
    np.testing.assert_array_equal(same.positions, base.positions)


def test_decimal_arithmetic_draws_are_independent() -> None:
    """The decimal path runs draw by draw: a batch gives each draw what it gets alone, and the float path with
    the same options agrees with it to rounding where no near-tie decides (this case)."""
    arrays = random_case(A=7, I=4, D=3, seed=2)
    batch = exchange.run_decide(arrays, rounds=4)
    for d in range(3):
        alone = exchange.run_decide(arrays.take(slice(d, d + 1)), rounds=4)
        np.testing.assert_array_equal(alone.positions[0], batch.positions[d])
    floating = exchange.run_decide(arrays.take(slice(0, 1)), rounds=4, arithmetic="float")
    np.testing.assert_allclose(floating.positions[0], batch.positions[0], rtol=0, atol=1e-9)


def test_decide_preset_refuses_random_rates_and_foreign_options() -> None:
    arrays = random_case()
    with pytest.raises(ValueError, match="equal-gain"):
        exchange.run_decide(arrays, variant="random-rate")
    with pytest.raises(ValueError, match="arithmetic='decimal'"):
        exchange.run_decide(arrays, tie_order="grid")
    t = exchange.run_decide(arrays, rounds=2, tie_order="grid", arithmetic="float")
    assert t.model == "exchange-decide" and t.options["tie_order"] == "grid"
