"""`realpolitik lab` and `realpolitik sensitivity` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


def lab_json(toy: Path, out: Path, *extra: str) -> dict[str, Any]:
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
    data: dict[str, Any] = json.loads(result.output)
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


def builtin_lab(out: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(
        app,
        [
            "lab",
            "afghanistan-2025-v1",  # version 1 as first published: its five strategies are pinned below
            "--client",
            "pakistan",
            "--draws",
            "200",
            "--shard-size",
            "100",
            "--rng",
            "4",
            "--out",
            str(out),
            *extra,
        ],
    )
    return result.exit_code, result.output


def test_builtin_lab_on_two_worker_processes_is_identical_to_local(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    def shards(out: Path):  # type: ignore[no-untyped-def]
        return pq.read_table(out / "shards").sort_by([("strategy", "ascending"), ("draw", "ascending")])

    code, local = builtin_lab(tmp_path / "local", "--format", "json")
    assert code == 0, local
    code, pooled = builtin_lab(tmp_path / "pool", "--format", "json", "--workers", "2")
    assert code == 0, pooled
    a, b = json.loads(local), json.loads(pooled)
    assert a.pop("out") != b.pop("out")
    assert a == b
    assert len(a["strategies"]) == 5 and a["model"] == "ensemble"  # the default: lowest DEU III error
    assert shards(tmp_path / "local").equals(shards(tmp_path / "pool"))


def test_lab_table_shows_bracketed_text(toy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """rich markup must not eat '[best]', the target or the run's bracketed model/draws/seed."""
    from rich.console import Console

    from realpolitik.cli import common

    monkeypatch.setattr(common, "out", Console(highlight=False, soft_wrap=False, width=250))
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
            "50",
            "--rng",
            "2",
            "--target",
            "x>=50",
            "--out",
            str(tmp_path / "t"),
            "--discover",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "P[best]" in result.output and "P[targets]" in result.output
    assert "value [95% interval]" in result.output  # no criterion without its interval
    assert "[model: compromise, 50 draws, seed 2]" in result.output
    assert "leading set by expected utility:" in result.output
    assert "Outcome per issue: mean [5%–95%]" in result.output


def sensitivity_json(method: str, n: int) -> dict[str, Any]:
    result = runner.invoke(
        app,
        [
            "sensitivity",
            "afghanistan-2025",
            "--method",
            method,
            "--client",
            "pakistan",
            "--n",
            str(n),
            "--rng",
            "3",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


@pytest.mark.parametrize(
    ("method", "n", "keys"),
    [("sobol", 8, ("S1", "S1_conf", "ST", "ST_conf")), ("morris", 4, ("mu", "mu_star", "sigma", "mu_star_conf"))],
)
def test_sensitivity_on_the_builtin_scenario(method: str, n: int, keys: tuple[str, ...]) -> None:
    """Structure of a small run: one entry per uncertain input and outcome, finite indices, a non-empty top list.

    Sobol (Saltelli, no second order) makes N·(k + 2) runs; Morris makes r·(k + 1) for r trajectories.
    """
    import math

    from realpolitik.lab.sampling import uncertain_inputs
    from realpolitik.scenario.load import load_scenario

    s = load_scenario("afghanistan-2025")
    k = len(uncertain_inputs(s))
    data = sensitivity_json(method, n)
    assert data["method"] == method and data["model"] == "ensemble" and data["seed"] == 3
    assert data["n_evaluations"] == (n * (k + 2) if method == "sobol" else n * (k + 1))
    assert set(data["outcomes"]) == {f"outcome.{i.id}" for i in s.issues} | {"client_utility"}
    for per_input in data["outcomes"].values():
        assert len(per_input) == k
        for values in per_input.values():
            assert set(values) == set(keys)
            assert all(math.isfinite(v) for v in values.values())
    key = "ST" if method == "sobol" else "mu_star"
    drivers = sorted(data["outcomes"]["outcome.ttp_action"].items(), key=lambda kv: -abs(kv[1][key]))
    top = [name for name, v in drivers[:8] if abs(v[key]) > 0]
    assert top, "no input moves the TTP-action outcome at all"
