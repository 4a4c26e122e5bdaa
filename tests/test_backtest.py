"""The DEU III backtest: reading rules, scores and bootstrap on a hand-computed fixture, then the real data.

Why a written fixture: every rule of docs/backtest.md (weights row, absent actors, missing salience, rows without
outcome, proposals as bootstrap clusters) is exercised on numbers small enough to compute by hand below.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from realpolitik import backtest
from realpolitik.backtest import core, read_deu3, run_backtest
from realpolitik.models import compromise
from realpolitik.models.arrays import Arrays
from realpolitik.models.base import ModelSpec, Trajectory
from realpolitik.models.registry import get_model

HEADER = ["prnrnmc", "isnrnmc", "prnr", "prname", "isnr", "counvte", "pcom", "paa", "pbb", "scom", "saa", "sbb"]
HEADER += ["rp", "out"]

# proposal, issue, positions (com, aa, bb), saliences (com, aa, bb), rp, out; "" = missing
ROWS = [
    ("P1", "P1i1", (0, 100, ""), (100, 100, ""), 0, 50),
    ("P1", "P1i2", (20, 20, 80), (50, 50, 100), "", 40),
    ("P2", "P2i1", (100, 0, 0), (100, 100, ""), 100, 100),
    ("P2", "P2i2", (10, 20, 30), (10, 10, 10), "", ""),
    ("P3", "P3i1", ("", "", 30), ("", "", 40), "", 30),
]
WEIGHTS = (2, 1, 1)


def write_deu3(path: Path, rows: list[Any] = ROWS, weights: tuple[float, ...] | None = WEIGHTS) -> Path:
    """A file in the DEU III layout: tab-separated, quoted header, the weights row second."""

    def line(cells: list[Any]) -> str:
        return "\t".join(str(c) for c in cells)

    lines = [line([f'"{h}"' for h in HEADER])]
    if weights is not None:
        lines.append(line(["", "", "", "", "", "", *weights, "", "", "", "", ""]))
    for k, (prop, issue, x, s, rp, out) in enumerate(rows):
        lines.append(line([1, k + 1, f'"{prop}"', '"name"', f'"{issue}"', '"QMV"', *x, *s, rp, out]))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def deu3_file(tmp_path: Path) -> Path:
    return write_deu3(tmp_path / "deu3.csv")


# ---------------------------------------------------------------------------------------------------------------
# reading


def test_reader_applies_the_documented_rules(deu3_file: Path) -> None:
    data = read_deu3(deu3_file)
    assert data.actor_ids == ("com", "aa", "bb")
    assert data.weights.tolist() == [2.0, 1.0, 1.0]
    assert data.issue_ids == ("P1i1", "P1i2", "P2i1", "P2i2", "P3i1")
    assert data.present[0].tolist() == [True, True, False]  # no position -> no stance
    assert data.present[2].tolist() == [True, True, True]  # position without salience -> present, salience 0
    assert data.salience[2].tolist() == [1.0, 1.0, 0.0]
    assert data.scored.tolist() == [0, 1, 2, 4]  # P2i2 has no outcome
    assert data.proposals() == {"P1": [0, 1], "P2": [2, 3], "P3": [4]}
    assert math.isnan(data.reference_point[1]) and data.reference_point[2] == 100.0


def test_reader_builds_arrays_for_an_issue_and_a_proposal(deu3_file: Path) -> None:
    data = read_deu3(deu3_file)
    one = data.arrays([4], compact=True)  # only bb took a stance
    assert one.actor_ids == ("bb",) and one.shape == (1, 1, 1)
    proposal = data.arrays(data.proposals()["P1"], compact=True, capability="equal")
    assert proposal.shape == (1, 3, 2)
    assert proposal.present[:, 0].tolist() == [True, True, False]
    assert proposal.salience[0, 2, 0] == 0.0 and proposal.capability.tolist() == [[1.0, 1.0, 1.0]]
    assert np.isnan(proposal.status_quo[0, 1]) and proposal.status_quo[0, 0] == 0.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"out": "missing"}, "missing column"),
        ({"range": True}, "outside 0–100"),
        ({"two_weight_rows": True}, "weights row"),
    ],
)
def test_reader_rejects_files_not_in_the_layout(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    path = write_deu3(tmp_path / "f.csv")
    text = path.read_text()
    if "out" in change:
        text = text.replace('"out"', '"outcome"')
    if "range" in change:
        text = text.replace("\t50\n", "\t150\n")
    if "two_weight_rows" in change:
        first, second, *rest = text.split("\n")
        text = "\n".join([first, second, second, *rest])
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_deu3(path)


def test_weights_are_required_only_when_used(tmp_path: Path) -> None:
    path = write_deu3(tmp_path / "f.csv", weights=None)
    with pytest.raises(ValueError, match="weights row"):
        run_backtest(path, ["compromise"])
    assert run_backtest(path, ["compromise"], capability="equal").models["compromise"].mae == pytest.approx(15.0)


# ---------------------------------------------------------------------------------------------------------------
# scores


def test_scores_match_hand_computation(deu3_file: Path) -> None:
    # compromise (weights com 2, aa 1, bb 1; w = capability × salience):
    #   P1i1 (2·0 + 1·100)/3 = 33.33, err 16.67; P1i2 (1·20 + .5·20 + 1·80)/2.5 = 44, err 4;
    #   P2i1 (2·100 + 1·0 + 0·0)/3 = 66.67, err 33.33; P3i1 30, err 0  -> MAE 54/4 = 13.5
    # median: P1i1 0 (weight 2 of 3), err 50; P1i2 20, err 20; P2i1 100, err 0; P3i1 30, err 0
    #   -> MAE 17.5, RMSE sqrt((2500 + 400)/4), median AE 10; paired diff (33.33 + 16 − 33.33 + 0)/4 = 4
    result = run_backtest(deu3_file, ["compromise", "median"], n_boot=200)
    assert result.n == 4 and result.n_proposals == 3
    c, m = result.models["compromise"], result.models["median"]
    assert c.mae == pytest.approx(13.5)
    assert m.mae == pytest.approx(17.5)
    assert m.rmse == pytest.approx(math.sqrt(725))
    assert m.median_ae == pytest.approx(10.0)
    assert c.diff_vs_baseline is None
    assert m.diff_vs_baseline is not None and m.diff_vs_baseline.mean == pytest.approx(4.0)
    assert m.predictions.tolist() == pytest.approx([0.0, 20.0, 100.0, 30.0])
    equal = run_backtest(deu3_file, ["compromise"], capability="equal", n_boot=10)
    assert equal.models["compromise"].mae == pytest.approx(15.0)  # errors 0, 10, 50, 0


def test_json_shape_and_rows(deu3_file: Path) -> None:
    result = run_backtest(deu3_file, ["compromise", "median", "nbs"], n_boot=100, rng=7)
    d = result.to_json_dict()
    json.dumps(d, allow_nan=False)
    assert d["n"] == 4 and d["seed"] == 7 and d["resampling"] == "proposals"
    assert set(d["models"]) == {"compromise", "median", "nbs"}
    for entry in d["models"].values():
        assert {"n", "mae", "rmse", "mae_ci", "median_ae"} <= set(entry)
        assert len(entry["mae_ci"]) == 2 and entry["mae_ci"][0] <= entry["mae"] <= entry["mae_ci"][1]
    assert "diff_vs_compromise" in d["models"]["median"] and "diff_vs_compromise" not in d["models"]["compromise"]
    rows = result.to_rows()
    assert [r["model"] for r in rows] == ["compromise", "median", "nbs"]
    assert result.to_frame().shape[0] == 3
    assert list(result.predictions_frame().columns) == ["proposal", "issue", "outcome", "compromise", "median", "nbs"]


def test_baseline_runs_even_when_not_selected(deu3_file: Path) -> None:
    result = run_backtest(deu3_file, ["median"], n_boot=10)
    assert list(result.models) == ["median"]
    diff = result.models["median"].diff_vs_baseline
    assert diff is not None and diff.mean == pytest.approx(4.0)


def test_default_is_every_registered_model(deu3_file: Path) -> None:
    from realpolitik.models.registry import available_models

    result = run_backtest(deu3_file, n_boot=10)
    assert list(result.models) == list(available_models())
    # the ensemble was fitted on DEU III: outside cross-validation its score is marked as in sample
    flags = {name: s.in_sample for name, s in result.models.items()}
    assert flags.pop("ensemble") is True and not any(flags.values())
    assert result.to_json_dict()["models"]["ensemble"]["in_sample"] is True


def test_stochastic_models_get_the_seed_and_repeat(deu3_file: Path) -> None:
    a = run_backtest(deu3_file, ["exchange-random"], n_boot=10, rng=3).models["exchange-random"].predictions
    b = run_backtest(deu3_file, ["exchange-random"], n_boot=10, rng=3).models["exchange-random"].predictions
    np.testing.assert_array_equal(a, b)


def test_unknown_model_fails_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="unknown model"):
        run_backtest(tmp_path / "does-not-exist.csv", ["no-such-model"])


def test_model_options_reach_the_model(deu3_file: Path) -> None:
    # nbs on P2i1: status quo 100 is com's ideal -> 100; with worst-point disagreement it moves
    strict = run_backtest(deu3_file, ["nbs"], n_boot=10).models["nbs"]
    worst = run_backtest(deu3_file, ["nbs"], n_boot=10, model_options={"nbs": {"disagreement": "worst"}})
    assert strict.predictions[2] == pytest.approx(100.0)
    assert worst.models["nbs"].predictions[2] < 90
    assert worst.to_json_dict()["models"]["nbs"]["options"] == {"disagreement": "worst"}


# ---------------------------------------------------------------------------------------------------------------
# bootstrap


def test_bootstrap_resamples_proposals_not_issues(tmp_path: Path) -> None:
    # one proposal only: every proposal resample is that proposal, so the interval collapses to the MAE
    # (resampling issues would give a wide interval: the errors differ, 50 and 20 for the median)
    path = write_deu3(tmp_path / "one.csv", rows=ROWS[:2])
    m = run_backtest(path, ["median"], n_boot=500).models["median"]
    assert m.mae == pytest.approx(35.0)
    assert m.mae_ci == pytest.approx((35.0, 35.0))


def test_bootstrap_interval_is_made_of_proposal_means(deu3_file: Path) -> None:
    # per-proposal (sum, count) of median errors: P1 (70, 2), P2 (0, 1), P3 (0, 1): any resample's MAE lies in
    # [0, 35], and with 2000 replicates both ends are reached with some probability but the bulk is inside
    m = run_backtest(deu3_file, ["median"], n_boot=2000, rng=1).models["median"]
    assert 0.0 <= m.mae_ci[0] < m.mae < m.mae_ci[1] <= 35.0


def test_seeded_runs_repeat_and_seeds_are_recorded(deu3_file: Path) -> None:
    a = run_backtest(deu3_file, ["median"], n_boot=300, rng=11).to_json_dict()
    b = run_backtest(deu3_file, ["median"], n_boot=300, rng=11).to_json_dict()
    assert a == b and a["seed"] == 11
    # a Generator or SeedSequence is reduced to a seed that is recorded and reproduces the run on its own
    gen = run_backtest(deu3_file, ["median"], n_boot=300, rng=np.random.default_rng(11))
    assert isinstance(gen.seed, int)
    assert run_backtest(deu3_file, ["median"], n_boot=300, rng=gen.seed).to_json_dict() == gen.to_json_dict()
    seq = run_backtest(deu3_file, ["median"], n_boot=300, rng=np.random.SeedSequence(5))
    assert isinstance(seq.seed, int)
    assert run_backtest(deu3_file, ["median"], n_boot=300, rng=seq.seed).to_json_dict() == seq.to_json_dict()
    with pytest.raises(ValueError, match="n_boot"):
        run_backtest(deu3_file, ["median"], n_boot=0)


# ---------------------------------------------------------------------------------------------------------------
# failing and multi-issue models


def _spec(name: str, run: Any, **extra: Any) -> ModelSpec:
    return ModelSpec(name=name, title=name, reference="test", assumptions=(), run=run, default_rounds=0, **extra)


def _flaky(arrays: Arrays, *, rounds: int | None = 0, **options: Any) -> Trajectory:
    """Fails on any issue where some present actor sits at 100."""
    if np.any(np.where(arrays.present[None], arrays.position, 0.0) >= 100):
        raise ValueError("boom")
    return compromise.run(arrays)


def _nan(arrays: Arrays, *, rounds: int | None = 0, **options: Any) -> Trajectory:
    t = compromise.run(arrays)
    return Trajectory("nan", arrays, t.positions, np.full_like(t.forecast, np.nan))


@pytest.fixture
def extra_models(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Arrays]]:
    seen: dict[str, list[Arrays]] = {"multi": []}

    def multi(arrays: Arrays, *, rounds: int | None = 0, **options: Any) -> Trajectory:
        seen["multi"].append(arrays)
        return compromise.run(arrays)

    @dataclass(frozen=True)
    class MultiSpec(ModelSpec):
        multi_issue: bool = True

    specs = {
        "compromise": get_model("compromise"),
        "flaky": _spec("flaky", _flaky),
        "nan": _spec("nan", _nan),
        "multi": MultiSpec(name="multi", title="m", reference="t", assumptions=(), run=multi, default_rounds=0),
    }

    def fake_get(name: str) -> ModelSpec:
        if name not in specs:
            raise KeyError(f"unknown model {name!r}")
        return specs[name]

    monkeypatch.setattr(core, "available_models", lambda: dict(specs))
    monkeypatch.setattr(core, "get_model", fake_get)
    return seen


def test_a_failing_model_is_reported_not_fatal(deu3_file: Path, extra_models: dict[str, list[Arrays]]) -> None:
    result = run_backtest(deu3_file, n_boot=50)
    flaky = result.models["flaky"]
    assert set(flaky.errors) == {"P1i1", "P2i1"} and flaky.errors["P1i1"] == "ValueError: boom"
    assert flaky.n == 2 and flaky.mae == pytest.approx(2.0)  # P1i2 err 4, P3i1 err 0
    assert flaky.diff_vs_baseline is not None and flaky.diff_vs_baseline.n == 2
    nan = result.models["nan"]
    assert nan.n == 0 and len(nan.errors) == 4 and math.isnan(nan.mae)
    d = result.to_json_dict()
    json.dumps(d, allow_nan=False)
    assert d["models"]["nan"]["mae"] is None and d["models"]["flaky"]["failed"] == 2


def test_multi_issue_models_get_whole_proposals(deu3_file: Path, extra_models: dict[str, list[Arrays]]) -> None:
    result = run_backtest(deu3_file, ["multi", "compromise"], n_boot=10)
    shapes = [(a.issue_ids, a.actor_ids) for a in extra_models["multi"]]
    assert shapes == [
        (("P1i1", "P1i2"), ("com", "aa", "bb")),
        (("P2i1", "P2i2"), ("com", "aa", "bb")),  # the unscored issue is still part of the proposal
        (("P3i1",), ("bb",)),
    ]
    np.testing.assert_allclose(result.models["multi"].predictions, result.models["compromise"].predictions)


# ---------------------------------------------------------------------------------------------------------------
# the real DEU III data


@pytest.fixture(scope="module")
def deu3_real(shared_data: Path) -> Path:
    path = shared_data / "bargaining" / "deu3" / "deu3.csv"
    if not path.is_file():
        pytest.skip(f"DEU III not found at {path}")
    return path


@pytest.mark.reference
def test_deu3_reproduces_the_orientation_figures(deu3_real: Path) -> None:
    """Outside figures (rounded to 0.1): weighted mean 23.7 (equal capabilities) and 23.2 (weights row), median
    28.4 (equal capabilities). Our reading rules are those of that computation (docs/backtest.md), so we must
    land within rounding of them."""
    weights = run_backtest(deu3_real, ["compromise", "median", "nbs"], n_boot=200)
    equal = run_backtest(deu3_real, ["compromise", "median"], capability="equal", n_boot=200)
    assert weights.n == 353 and weights.n_proposals == 137
    assert weights.models["compromise"].mae == pytest.approx(23.2, abs=0.05)
    assert equal.models["compromise"].mae == pytest.approx(23.7, abs=0.05)
    assert equal.models["median"].mae == pytest.approx(28.4, abs=0.05)
    for score in (*weights.models.values(), *equal.models.values()):
        assert score.n == 353 and not score.errors
        assert score.seconds < 1.0  # static models over every issue: one vectorised call each


@pytest.mark.reference
def test_deu3_batched_and_per_issue_runs_agree(deu3_real: Path) -> None:
    data = read_deu3(deu3_real)
    for name in ("compromise", "median", "nbs"):
        spec = get_model(name)
        batched, e1 = backtest.forecast_issues(spec, data, data.scored)
        single, e2 = backtest.forecast_issues(spec, data, data.scored, batch=False)
        assert not e1 and not e2
        np.testing.assert_allclose(batched, single, atol=1e-9)


@pytest.mark.reference
def test_deu3_every_registered_model_runs(deu3_real: Path) -> None:
    from realpolitik.models.registry import available_models

    result = run_backtest(deu3_real, n_boot=100)
    assert list(result.models) == [*available_models(), backtest.PROCEDURAL]  # DEU III codes rule and procedure
    for name, score in result.models.items():
        # the procedural model forecasts only the 253 issues with a reference point (test_backtest_procedural.py)
        assert score.n + len(score.errors) == (253 if name == backtest.PROCEDURAL else 353)
