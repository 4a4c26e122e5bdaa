"""The command line as a user meets it: exit codes, one-line problems, no tracebacks, documented JSON."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from realpolitik.cli import app
from tests.test_scenario_validation import GOOD

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_version_says_which_kernels_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from realpolitik import __version__
    from realpolitik.models import kernels

    code, out = run("--version")
    assert code == 0 and out.startswith(f"realpolitik {__version__} (")
    assert ("compiled kernels" in out) == (kernels.compiled is not None)
    monkeypatch.setattr(kernels, "compiled", None)
    assert "numpy kernels (the C extension was not built)" in run("--version")[1]


def test_validate_ok(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(GOOD)
    code, output = run("validate", str(path))
    assert code == 0
    ok, note = output.splitlines()
    assert ok == "ok: 2 actors, 1 issues, 2 strategies"
    # the median of 10 (voice 0.5) and 90 (voice 1.6) is 90, 70% of the scale from the status quo 20
    assert note.startswith("note: x: before any bargaining") and "gives 90, 70% of the scale" in note
    assert run("validate", str(path), "--round-zero-threshold", "0.8") == (0, ok + "\n")


def test_validate_reports_problems_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(GOOD.replace("{actor: a, issue", "{actor: q, issue"))
    code, output = run("validate", str(path))
    assert code == 2
    assert output == f"{path}:16: stances[0].actor: unknown actor 'q'\n"


def test_validate_builtin_by_name() -> None:
    code, output = run("validate", "afghanistan-2025")
    assert code == 0 and output.startswith("ok: ")


def test_scenarios_lists_builtins_with_titles() -> None:
    code, output = run("scenarios")
    assert code == 0
    names = [line.split("\t")[0] for line in output.splitlines()]
    assert {"afghanistan-2025", "ec-emissions-1994"} <= set(names)
    assert all("\t" in line and line.split("\t")[1] for line in output.splitlines())


def test_schema_is_json_schema() -> None:
    code, output = run("schema")
    schema = json.loads(output)
    assert code == 0 and schema["type"] == "object"
    assert {"actors", "issues", "stances", "channels", "interventions", "strategies"} <= set(schema["properties"])


def test_forecast_json_shape(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(GOOD)
    code, output = run("forecast", str(path), "--model", "compromise", "--format", "json")
    assert code == 0
    data = json.loads(output)
    assert data["model"] == "compromise"
    assert data["track_record"].startswith("error on EU legislation (DEU III), out of fold: ")
    (issue,) = data["issues"]
    # compromise: capability × salience weighted mean: (1*0.5*10 + 2*0.8*90) / (0.5 + 1.6) = 149/2.1
    assert issue["forecast"] == pytest.approx(149 / 2.1, abs=1e-12)
    assert issue["rounds"][0] == {
        "round": 0,
        "positions": {"Actor A": 10.0, "Actor B": 90.0},
        "median": 90.0,
        "mean": pytest.approx(149 / 2.1, abs=1e-12),
    }


def test_forecast_writes_manifest(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(GOOD)
    code, _ = run("forecast", str(path), "--out", str(tmp_path / "run"))
    assert code == 0
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    # no --model: the default (the registered model with the lowest DEU III error that runs), recorded
    assert manifest["command"] == "forecast" and manifest["parameters"]["model"] == "ensemble"
    assert next(iter(manifest["inputs"].values())) == __import__("hashlib").sha256(path.read_bytes()).hexdigest()
    assert "realpolitik" in manifest["versions"]


def test_forecast_unknown_model_and_issue(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(GOOD)
    assert run("forecast", str(path), "--model", "nope")[0] == 2
    assert run("forecast", str(path), "--issue", "nope")[0] == 2


def test_export_is_atomic_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(GOOD)
    target = tmp_path / "out" / "copy.yaml"
    assert run("export", str(path), "--to", "yaml", "-o", str(target))[0] == 0
    assert run("validate", str(target)) == run("validate", str(path))
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.yaml"]  # no temporary left behind
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [\n")
    assert run("export", str(bad), "-o", str(tmp_path / "never.yaml"))[0] == 2
    assert not (tmp_path / "never.yaml").exists()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\xff\xfe\x00garbage",
        b"id: [unclosed\n",
        b"- just\n- a list\n",
        b"actors: 3\n",
        b"\x89PNG\r\n\x1a\n\x00\x00",
    ],
)
def test_console_script_never_shows_a_traceback(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    for command in (["validate"], ["forecast"], ["demo"]):
        proc = subprocess.run(
            [sys.executable, "-c", "from realpolitik.cli import main; main()", *command, str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 2, (command, proc.stdout, proc.stderr)
        text = proc.stdout + proc.stderr
        assert "Traceback" not in text
        lines = [line for line in text.splitlines() if line.strip()]
        assert lines and all(line.startswith(f"{path}:") for line in lines), text


@pytest.mark.reference
def test_backtest_json_shape(shared_data: Path) -> None:
    code, output = run("backtest", str(shared_data / "bargaining/deu3/deu3.csv"), "--format", "json", "--n-boot", "200")
    assert code == 0
    data = json.loads(output)
    assert data["n"] == 353
    for name in ("compromise", "median", "nbs", "bdm", "bdm-scholz"):
        entry = data["models"][name]
        assert entry["mae_ci"][0] <= entry["mae"] <= entry["mae_ci"][1]
        assert entry["rmse"] >= entry["mae"]


def test_backtest_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a\tb\n1\t2\n")
    code, output = run("backtest", str(path))
    assert code == 2 and output.startswith(f"{path}: ") and "Traceback" not in output


@pytest.mark.reference
def test_forecast_bdm_scholz_json_matches_example_log(shared_data: Path) -> None:
    """The issue's acceptance command: every logged move's new position and every round's mean, to 1e-9."""
    from tests.test_models_bdm import parse_log

    folder = shared_data / "bargaining" / "ec-emissions"
    code, output = run(
        "forecast", str(folder / "ExampleActors.csv"), "--model", "bdm-scholz", "--rounds", "10", "--format", "json"
    )
    assert code == 0
    data = json.loads(output)
    assert data["model"] == "bdm-scholz"
    (issue,) = data["issues"]
    medians, means, moves = parse_log((folder / "Example.log").read_text())
    assert [r["round"] for r in issue["rounds"]] == list(range(11))
    assert [r["mean"] for r in issue["rounds"]] == pytest.approx(means, abs=1e-9)
    assert issue["rounds"][0]["median"] == medians[0]
    for r, logged in enumerate(moves, start=1):
        previous, current = issue["rounds"][r - 1]["positions"], issue["rounds"][r]["positions"]
        moved = {actor: x for actor, _, _, _, _, x in logged}
        for actor, x in current.items():
            assert x == pytest.approx(moved.get(actor, previous[actor]), abs=1e-9), (r, actor)


def test_brief_writes_the_report_and_prints_its_path(tmp_path: Path) -> None:
    out = tmp_path / "ec"
    code, output = run(
        "brief", "ec-emissions-1994", "--draws", "4", "--model", "compromise", "--sensitivity-n", "0", "--out", str(out)
    )
    assert code == 0, output
    html = out / "brief.html"
    assert html.is_file() and "<html" in html.read_text()
    assert output.strip().splitlines()[-1] == f"brief: {html}"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == "brief" and manifest["parameters"]["draws"] == 4


def test_brief_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    code, output = run("brief", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "b"))
    assert code == 2
    assert len(output.strip().splitlines()) == 1 and output.startswith(f"{tmp_path / 'missing.yaml'}:")
    code, output = run("brief", "ec-emissions-1994", "--events", str(tmp_path / "nope.duckdb"))
    assert code == 2 and output == f"{tmp_path / 'nope.duckdb'}: no such event workspace\n"
    code, output = run("brief", "ec-emissions-1994", "--model", "nope", "--out", str(tmp_path / "c"))
    assert code == 2 and len(output.strip().splitlines()) == 1 and "unknown model" in output
    assert not (tmp_path / "b").exists() and not (tmp_path / "c").exists()


def test_serve_on_a_public_address_needs_a_token() -> None:
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0"], env={"REALPOLITIK_TOKEN": None})
    assert result.exit_code == 2
    assert result.output == "binding to 0.0.0.0 needs a token: pass --token or set REALPOLITIK_TOKEN\n"


def test_brief_pdf_through_headless_chromium(tmp_path: Path) -> None:
    import shutil

    if not any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")):
        pytest.skip("Chromium is not installed")
    out = tmp_path / "ec"
    code, output = run(
        "brief",
        "ec-emissions-1994",
        "--draws",
        "3",
        "--model",
        "compromise",
        "--sensitivity-n",
        "0",
        "--out",
        str(out),
        "--pdf",
    )
    assert code == 0, output
    pdf = out / "brief.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
    assert output.strip().splitlines()[-1] == f"pdf: {pdf}"
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary file left


@pytest.mark.reference
def test_forecast_json_keeps_actors_with_the_same_name_apart(shared_data: Path) -> None:
    """The litigation case names eleven different people "Attorney": every row must appear in the JSON."""
    path = shared_data / "bargaining" / "cases" / "Litigation_Case_Study.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        names = [row[0] for row in csv.reader(fh)][1:]
    names = [n for n in names if n]
    result = CliRunner().invoke(app, ["forecast", str(path), "--model", "compromise", "--format", "json"])
    assert result.exit_code == 0, result.output
    keys = list(json.loads(result.output)["issues"][0]["rounds"][0]["positions"])
    assert len(keys) == len(names) == 46
    assert keys[names.index("Attorney")] == "Attorney" and "Attorney (2)" in keys
