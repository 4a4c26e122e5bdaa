"""Scoring forecasts against recorded outcomes: errors, CRPS, interval coverage, direction, the no-change baseline.

Reference values are computed here from first principles (the CRPS of an ensemble as E|X − y| − ½ E|X − X′|,
Gneiting & Raftery 2007, eq. 21), not read back from the code under test.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from realpolitik.cli import app
from realpolitik.scenario import ScenarioError, load
from realpolitik.workflows.score import BASELINE, ScoreRequest, pick_outcome, score

TOY = """\
schema_version: 2
id: toy
title: Toy
as_of: 2025-01-31
horizon: 12 months
actors:
  - {id: a, name: A, capability: 1}
  - {id: b, name: B, capability: 1}
  - {id: c, name: C, capability: 1}
issues:
  - id: x
    name: X
    status_quo: {value: 40, low: 30, high: 50}
stances:
  - {actor: a, issue: x, position: {value: 20, low: 10, high: 30}, salience: 0.5}
  - {actor: b, issue: x, position: 60, salience: 0.5}
  - {actor: c, issue: x, position: 80, salience: 0.5}
outcomes:
  - {issue: x, value: 75, date: 2025-06-30}
  - {issue: x, value: 65, date: 2026-02-15, note: the one nearest the horizon}
"""


def crps_reference(samples: np.ndarray, y: float) -> float:
    x = np.asarray(samples, dtype=np.float64)
    return float(np.mean(np.abs(x - y)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :])))


def toy(tmp_path: Path, text: str = TOY):  # type: ignore[no-untyped-def]
    path = tmp_path / "toy.yaml"
    path.write_text(text)
    return load(path)


def test_the_outcome_nearest_the_horizon_is_scored(tmp_path: Path) -> None:
    s = toy(tmp_path).scenario
    assert str(s.horizon_end()) == "2026-01-31"
    outcome = pick_outcome(s, "x")
    assert outcome is not None and outcome.value.value == 65


def test_errors_crps_coverage_and_direction(tmp_path: Path) -> None:
    loaded = toy(tmp_path)
    result = score(ScoreRequest(loaded, ("median", "compromise"), draws=300, seed=2))
    from realpolitik.workflows.forecast import ForecastRequest, forecast

    runs = {r.name: r for r in forecast(ForecastRequest(loaded, ("median", "compromise"), seed=2, band_draws=300)).runs}
    by = {(s.model, s.issue): s for s in result.scores}
    median = by[("median", "x")]
    assert median.forecast == 60.0 and median.abs_error == 5.0  # weighted median of 20, 60, 80
    samples = runs["median"].samples[:, 0]  # type: ignore[index]
    assert median.crps == pytest.approx(crps_reference(samples, 65.0), rel=1e-9)
    lo, hi = np.quantile(samples, [0.1, 0.9])
    assert median.inside["80"] == bool(lo <= 65 <= hi)
    assert median.direction_right is True  # 40 -> 60 and 40 -> 65: both up
    base = by[(BASELINE, "x")]
    assert base.forecast == 40.0 and base.abs_error == 25.0 and base.direction_right is False
    assert base.draws == 300  # the status quo is uncertain: its own sampled values
    compromise = by[("compromise", "x")]
    assert compromise.forecast == pytest.approx(160 / 3) and compromise.abs_error == pytest.approx(65 - 160 / 3)
    summary = {r["model"]: r for r in result.summary()}
    assert summary["median"]["skill_vs_no_change"] == pytest.approx(1 - 5 / 25)
    doc = json.dumps(result.to_json_dict(), allow_nan=False)
    assert '"target_date": "2026-01-31"' in doc


def test_the_ec_case_is_scored_against_its_published_outcome() -> None:
    result = score(ScoreRequest(load("ec-emissions-1994")))
    models = {s.model for s in result.scores}
    from realpolitik.models.registry import available_models

    assert models == set(available_models()) - set(result.failed)
    assert all(s.outcome == 8.83 for s in result.scores)
    assert any("no status quo" in n for n in result.notes)  # the published table gives none: no baseline
    compromise = next(s for s in result.scores if s.model == "compromise")
    assert compromise.abs_error == pytest.approx(abs(8.83 - compromise.forecast))


def test_cli_formats_and_a_scenario_without_outcomes(tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["score", "ec-emissions-1994", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["outcomes"]["emission_standards"]["outcome"] == 8.83
    toy(tmp_path)
    r = runner.invoke(app, ["score", str(tmp_path / "toy.yaml"), "--format", "csv"])
    assert r.exit_code == 0 and r.stdout.splitlines()[0].startswith("model,issue,forecast,outcome")
    r = runner.invoke(app, ["score", "afghanistan-2025", "--format", "json", "--draws", "0"])
    assert r.exit_code == 0 and "records no outcome" in r.stdout


def test_bad_outcomes_are_refused_with_their_line(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"toy.yaml:19: outcomes\[0\].date: outcome dated 2024-06-30 precedes"):
        toy(tmp_path, TOY.replace("date: 2025-06-30", "date: 2024-06-30"))
    with pytest.raises(ScenarioError, match=r"outcomes\[1\].value: outcome 650 is outside \[0, 100\]"):
        toy(tmp_path, TOY.replace("value: 65,", "value: 650,"))
    with pytest.raises(ScenarioError, match="horizon"):
        toy(tmp_path, TOY.replace("12 months", "soon"))
    with pytest.raises(ScenarioError, match=r"outcomes needs schema_version: 2"):
        toy(tmp_path, TOY.replace("schema_version: 2\n", ""))
