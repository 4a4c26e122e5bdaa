"""`realpolitik lab` and `realpolitik sensitivity` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from realpolitik.cli import app
from tests.test_lab_interventions import DOC

runner = CliRunner()


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    path = tmp_path / "toy.yaml"
    path.write_text(DOC)
    return path


def lab_json(toy: Path, out: Path, *extra: str) -> dict:
    result = runner.invoke(
        app,
        [
            "lab",
            str(toy),
            "--model",
            "compromise",
            "--client",
            "a",
            "--draws",
            "300",
            "--shard-size",
            "70",
            "--rng",
            "1",
            "--target",
            "x>=50",
            "--format",
            "json",
            "--out",
            str(out),
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    data.pop("out")
    return data


def test_lab_json_is_identical_on_rerun_and_on_a_cluster(toy: Path, tmp_path: Path) -> None:
    first = lab_json(toy, tmp_path / "a")
    assert first == lab_json(toy, tmp_path / "b")
    assert [r["strategy"] for r in first["strategies"]] == ["status_quo", "talk", "push", "bloc"]
    assert set(first["rankings"]) == {"expected_utility", "minimax_regret", "satisficing"}
    assert json.loads((tmp_path / "a" / "manifest.json").read_text())["status"] == "complete"
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        on_cluster = lab_json(toy, tmp_path / "c", "--scheduler", cluster.scheduler_address)
    assert on_cluster == first


def test_lab_discover_reports_boxes(toy: Path, tmp_path: Path) -> None:
    data = lab_json(toy, tmp_path / "d", "--discover")
    for strategy in ("status_quo", "talk", "push", "bloc"):
        disc = data["discovery"][strategy]
        assert 0 <= disc["share_failing"] <= 1
        assert disc["trajectory"][0]["coverage"] in (0.0, 1.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "x=>3"], "is not ISSUE>=NUMBER"),
        (["--target", "nope>=3"], "unknown issue"),
        (["--strategy", "nope"], "unknown strategy"),
        (["--client", "nobody"], "unknown client"),
        (["--model", "nope"], "unknown model"),
    ],
)
def test_lab_bad_arguments_exit_2(toy: Path, tmp_path: Path, args: list[str], message: str) -> None:
    base = ["lab", str(toy), "--model", "compromise", "--client", "a", "--draws", "10", "--out", str(tmp_path / "o")]
    result = runner.invoke(app, base + args)
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "o" / "summary.json").exists()


def test_sensitivity_json(toy: Path) -> None:
    result = runner.invoke(
        app,
        [
            "sensitivity",
            str(toy),
            "--model",
            "compromise",
            "--client",
            "a",
            "--strategy",
            "talk",
            "--n",
            "64",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["method"] == "sobol" and data["n_evaluations"] == 64 * (2 + 2)
    # the outcome of x depends on c's capability; talk's salience change does not enter the compromise mean of x
    # through any other uncertain input, so c's capability must carry a clearly positive total index
    st = data["outcomes"]["outcome.x"]["actor.c.capability"]["ST"]
    assert st > 0.3
