"""The cross-validated DEU III backtest: folds of whole proposals, split-conformal intervals, CRPS, the ensemble
refitted on training folds only; hand-computed on the written fixture of test_backtest.py, then the real data."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scoringrules
from typer.testing import CliRunner

from realpolitik.backtest import read_deu3, run_backtest
from realpolitik.backtest.cv import assign_folds, conformal_offsets
from realpolitik.cli import app
from realpolitik.models import ensemble

from .test_backtest import write_deu3


@pytest.fixture
def deu3_file(tmp_path: Path) -> Path:
    return write_deu3(tmp_path / "deu3.csv")


@pytest.fixture
def many_proposals(tmp_path: Path) -> Path:
    """Twelve proposals of one to three issues, positions and outcomes spread over the scale."""
    g = np.random.default_rng(4)
    rows: list[Any] = []
    for p in range(12):
        for i in range(1 + p % 3):
            x = g.choice([0, 20, 50, 70, 100], size=3)
            s = g.choice([30, 60, 90], size=3)
            rows.append(
                (f"P{p:02d}", f"P{p:02d}i{i}", tuple(int(v) for v in x), tuple(int(v) for v in s), 0, int(x[0]))
            )
    return write_deu3(tmp_path / "many.csv", rows=rows)


# ---------------------------------------------------------------------------------------------------------------
# folds and conformal offsets


def test_folds_keep_proposals_whole_balance_issues_and_repeat() -> None:
    proposals = [f"p{k}" for k in range(20) for _ in range(1 + k % 4)]  # 50 issues, proposals of 1–4 issues
    fold, folds = assign_folds(proposals, 5, seed=3)
    assert sorted(p for f in folds for p in f) == sorted(set(proposals))  # every proposal once
    for issue, p in enumerate(proposals):
        assert p in folds[fold[issue]]  # an issue sits in its proposal's fold: no proposal is split
    sizes = np.bincount(fold, minlength=5)
    assert sizes.max() - sizes.min() <= 4  # dealt largest first to the emptiest fold
    again, same = assign_folds(proposals, 5, seed=3)
    np.testing.assert_array_equal(fold, again)
    assert folds == same
    assert assign_folds(proposals, 5, seed=4)[1] != folds
    with pytest.raises(ValueError, match="folds must be between 2 and the number of proposals"):
        assign_folds(proposals, 21, seed=0)


def test_conformal_offsets_are_the_finite_sample_order_statistics() -> None:
    resid = np.arange(1.0, 20.0)  # 19 residuals
    assert conformal_offsets(resid, 0.8) == (2.0, 18.0)  # ranks floor(0.1·20) = 2 and ceil(0.9·20) = 18
    assert conformal_offsets(resid, 0.5) == (5.0, 15.0)  # floor(0.25·20) = 5, ceil(0.75·20) = 15
    assert conformal_offsets(resid, 0.95) == (-math.inf, math.inf)  # too few residuals for 95 %: the whole scale


# ---------------------------------------------------------------------------------------------------------------
# the fixture, by hand


def test_cross_validated_scores_match_hand_computation(deu3_file: Path) -> None:
    # three proposals, three folds: each fold is one proposal. Compromise residuals y − ŷ (test_backtest.py):
    # P1i1 +16.67, P1i2 −4, P2i1 +33.33, P3i1 0. Fold P3 calibrates on P1 and P2: sorted [−4, 16.67, 33.33]
    result = run_backtest(deu3_file, ["compromise"], cv="proposal", folds=3, n_boot=50)
    c = result.models["compromise"]
    assert c.mae == pytest.approx(13.5)  # not fitted: out of fold = in sample
    assert result.cv is not None and sorted(len(f) for f in result.cv.folds) == [1, 1, 1]
    assert float(scoringrules.crps_ensemble(30.0, np.array([26.0, 40.0]))) == pytest.approx((4 + 10) / 2 - 14 / 4)
    # 50 % intervals: P3i1 (forecast 30, outcome 30) from ranks 1 and 3 of 3 -> [26, 63.33]: inside.
    # P2i1 (forecast 66.67, outcome 100) calibrates on P1 and P3, [−4, 0, 16.67] -> [62.67, 83.33]: outside.
    # P1 (two issues) calibrates on [0, 33.33]: 50 % needs ranks 0 and 3 of 2 -> the whole scale: inside
    assert c.intervals["50"].coverage == pytest.approx(3 / 4)
    assert c.intervals["80"].coverage == 1.0  # 80 % needs ranks 0 and 4 of 3 (or of 2): the whole scale
    # predictive distributions: forecast + calibration residuals; CRPS = E|X − y| − E|X − X'| / 2
    third = 100 / 3
    samples = [
        ([third, 2 * third], 50.0),
        ([44.0, 44 + third], 40.0),
        ([2 * third - 4, 2 * third, 2 * third + 50 / 3], 100.0),
        ([26.0, 30 + 50 / 3, 30 + third], 30.0),
    ]
    expected = []
    for values, y in samples:
        x = np.array(values)
        expected.append(np.mean(np.abs(x - y)) - np.mean(np.abs(x[:, None] - x[None])) / 2)
    assert c.crps == pytest.approx(np.mean(expected))
    assert result.cv is not None
    frame = result.predictions_frame()
    assert list(frame["fold"]) == [
        next(k for k, f in enumerate(result.cv.folds) if p in f) for p in ("P1", "P1", "P2", "P3")
    ]


def test_cv_json_lists_folds_and_every_figure(deu3_file: Path) -> None:
    result = run_backtest(deu3_file, ["compromise", "median"], cv="proposal", folds=3, n_boot=50, rng=5)
    d = result.to_json_dict()
    json.dumps(d, allow_nan=False)
    assert d["cv"]["scheme"] == "proposal" and d["cv"]["k"] == 3 and d["cv"]["seed"] == 5
    assert sorted(p for f in d["cv"]["folds"] for p in f) == ["P1", "P2", "P3"]
    for entry in d["models"].values():
        assert {"mae", "mae_ci", "crps", "crps_ci", "intervals"} <= set(entry)
        assert set(entry["intervals"]) == {"50", "80", "95"}
        assert {"coverage", "width", "interval_score"} == set(entry["intervals"]["80"])
    assert d["models"]["median"]["diff_vs_compromise"]["mae_diff"] == pytest.approx(4.0)
    rows = result.to_rows()
    assert {"crps", "coverage50", "coverage80", "coverage95", "width80"} <= set(rows[0])
    again = run_backtest(deu3_file, ["compromise", "median"], cv="proposal", folds=3, n_boot=50, rng=5)
    assert again.to_json_dict() == d


def test_the_ensemble_is_refitted_on_training_folds_only(many_proposals: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    fit = ensemble.fit

    def spy(method: str, d: ensemble.Design, y: np.ndarray) -> dict[str, Any]:
        seen.append(len(y))
        return fit(method, d, y)

    monkeypatch.setattr(ensemble, "fit", spy)
    result = run_backtest(many_proposals, ["compromise", "ensemble"], cv="proposal", folds=4, n_boot=20)
    assert result.cv is not None
    fold_sizes = {k: sum(p in f for p in result.proposal) for k, f in enumerate(result.cv.folds)}
    n = result.n
    # per outer fold k: one fit on the other folds, then one per other fold j for calibration (without k and j)
    expected = []
    for k in range(4):
        expected.append(n - fold_sizes[k])
        expected += [n - fold_sizes[k] - fold_sizes[j] for j in range(4) if j != k]
    assert seen == expected
    e = result.models["ensemble"]
    assert e.n == n and not e.errors and not e.in_sample
    assert e.options == {"method": ensemble.shipped()["params"]["method"]}
    assert np.all(np.isfinite(e.predictions)) and math.isfinite(e.crps)


def test_the_ensemble_method_can_be_chosen(many_proposals: Path) -> None:
    median = run_backtest(
        many_proposals, ["ensemble"], cv="proposal", folds=3, n_boot=20, ensemble_method="median-of-models"
    )
    assert median.cv is not None and median.cv.ensemble_method == "median-of-models"
    with pytest.raises(ValueError, match="unknown ensemble method"):
        run_backtest(many_proposals, ["ensemble"], cv="proposal", folds=3, ensemble_method="no-such")


def test_cli_cross_validated_json_and_table(deu3_file: Path) -> None:
    runner = CliRunner()
    args = ["backtest", str(deu3_file), "--model", "compromise", "--model", "median", "--cv", "proposal"]
    out = runner.invoke(app, [*args, "--folds", "3", "--format", "json", "--n-boot", "100"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["cv"]["k"] == 3 and doc["models"]["compromise"]["intervals"]["80"]["coverage"] is not None
    table = runner.invoke(app, [*args, "--folds", "3", "--n-boot", "100"])
    assert table.exit_code == 0, table.output
    assert "out of fold" in table.output and "CRPS" in table.output
    bad = runner.invoke(app, [*args, "--folds", "9"])
    assert bad.exit_code == 2 and "folds must be between 2 and the number of proposals (3)" in bad.output


# ---------------------------------------------------------------------------------------------------------------
# the real DEU III data


@pytest.fixture(scope="module")
def deu3_real(shared_data: Path) -> Path:
    path = shared_data / "bargaining" / "deu3" / "deu3.csv"
    if not path.is_file():
        pytest.skip(f"DEU III not found at {path}")
    return path


@pytest.mark.reference
def test_deu3_out_of_fold_intervals_cover_as_promised(deu3_real: Path) -> None:
    result = run_backtest(deu3_real, ["compromise", "median", "nbs", "bdm", "ensemble"], cv="proposal", n_boot=500)
    assert result.n == 353 and result.cv is not None and result.cv.k == 10
    assert result.models["compromise"].mae == pytest.approx(23.22, abs=0.005)  # not fitted: as in sample
    for name, score in result.models.items():
        assert not score.errors, name
        # split conformal promises at least the level on average; with 353 issues the share lands near it
        assert 0.75 <= score.intervals["80"].coverage <= 0.85, name
        assert 0.45 <= score.intervals["50"].coverage <= 0.56, name
        assert score.intervals["95"].coverage >= 0.93, name
        assert score.crps < score.mae, name
    assert result.models["ensemble"].mae < result.models["compromise"].mae
    # the same proposals never calibrate their own intervals: folds are disjoint and cover every proposal
    props = [p for f in result.cv.folds for p in f]
    assert len(props) == len(set(props)) == result.n_proposals
    assert read_deu3(deu3_real).scored.size == result.n
