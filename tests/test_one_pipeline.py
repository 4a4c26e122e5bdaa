"""The same request gives the same numbers from every front end: the CLI, the web API and the brief.

All three call the workflow layer (``realpolitik.workflows``); these tests hold them to it end to end, with real
processes: the ``realpolitik`` command, a uvicorn server on loopback, and the brief builder.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from realpolitik.brief import build_brief

from .test_web_support import running_server, wait_job

SAME = ("draws", "targets", "strategies", "outcomes", "rankings")
LAB = ["lab", "afghanistan-2025", "--client", "pakistan", "--draws", "400", "--rng", "1", "--format", "json", "--quiet"]


def cli(*args: str, cwd: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "realpolitik.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def numbers(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: doc[k] for k in SAME}


@pytest.fixture(scope="module")
def cli_lab(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return cli(*LAB, "--out", "a", cwd=tmp_path_factory.mktemp("cli"))


def test_the_lab_command_gives_the_same_numbers_however_it_is_split(cli_lab: dict[str, Any], tmp_path: Path) -> None:
    for extra in (["--shard-size", "7"], ["--shard-size", "1000"], ["--workers", "2", "--shard-size", "50"]):
        other = cli(*LAB, *extra, "--out", "b" + "".join(extra), cwd=tmp_path)
        assert numbers(other) == numbers(cli_lab), extra


def test_the_web_api_and_the_brief_give_the_cli_numbers(cli_lab: dict[str, Any], tmp_path: Path) -> None:
    with running_server(tmp_path / "web") as server, server.client() as c:
        r = c.post("/api/jobs", json={"scenario": "afghanistan-2025", "client": "pakistan", "draws": 400, "seed": 1})
        assert r.status_code == 202, r.text
        assert wait_job(c, r.json()["id"], timeout=120)["status"] == "done"
        web = c.get(f"/api/jobs/{r.json()['id']}/results").json()
        forecast = c.post("/api/scenarios/afghanistan-2025/forecast", json={"models": ["compromise"]}).json()
    assert numbers(web) == numbers(cli_lab)
    result = build_brief(
        "afghanistan-2025", out_dir=tmp_path / "brief", draws=400, rng=1, models=["compromise"], sensitivity_n=0
    )
    brief = json.loads(result.data.read_text())
    assert numbers(brief["lab"]) == numbers(cli_lab)
    cli_forecast = cli("forecast", "afghanistan-2025", "--model", "compromise", "--format", "json", cwd=tmp_path)
    web_forecast = forecast["results"][0]["forecast"]
    assert web_forecast == {i["id"]: i["forecast"] for i in cli_forecast["issues"]}
    assert {f["model"]: {i["id"]: i["forecast"] for i in f["issues"]} for f in brief["forecasts"]} == {
        "compromise": web_forecast
    }
