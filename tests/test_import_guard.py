"""Start-up stays light: a command imports what it needs, not what its neighbours need (issue #25).

Each case runs the real command in a fresh interpreter and lists the modules it loaded; timing would be flaky on
a shared machine, the set of modules is not. ``benchmarks/cli_startup.py`` has the timings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# What no light command may load: the data stack, the plotting and web stacks, the cluster, sensitivity analysis.
HEAVY = ("duckdb", "pandas", "pyarrow", "matplotlib", "fastapi", "starlette", "uvicorn", "dask", "distributed", "SALib")
# Our own layers that a command uses only when it is that command.
LAYERS = ("realpolitik.lab.runner", "realpolitik.lab.executors", "realpolitik.web", "realpolitik.brief")

RUN = """
import json, sys
sys.argv = ["realpolitik", *json.loads(sys.argv[1])]
from realpolitik.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
sys.stdout.flush()
print("\\n@@MODULES@@" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, set[str]]:
    """(exit code, stdout, modules loaded) of ``realpolitik ARGS`` in a fresh interpreter."""
    proc = subprocess.run(
        [sys.executable, "-c", RUN, json.dumps(list(args))],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={**os.environ, **(env or {})},
    )
    out, _, tail = proc.stdout.rpartition("\n@@MODULES@@")
    assert tail, proc.stderr
    info = json.loads(tail)
    return info["code"] or 0, out, set(info["modules"])


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` (packages, with their submodules) are among ``modules``."""
    return sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in modules))


def test_version_loads_no_numpy_pydantic_rich_or_models() -> None:
    code, out, modules = run_cli("--version")
    assert code == 0 and out.startswith("realpolitik ")
    extra = ("numpy", "scipy", "pydantic", "yaml", "rich", "jinja2", "realpolitik.models", "realpolitik.scenario")
    assert loaded(modules, HEAVY + LAYERS + extra) == []
    assert loaded(modules, ("realpolitik.workflows", "realpolitik.events", "realpolitik.lab")) == []


def test_version_reports_the_kernels_the_models_would_run() -> None:
    """``--version`` finds the compiled kernels without importing the models; it must say what they would say."""
    check = (
        "import sys; from realpolitik.cli.app import _kernels_compiled; said = _kernels_compiled(); "
        "assert 'realpolitik.models' not in sys.modules; "
        "from realpolitik.models import kernels; print(said, kernels.compiled is not None)"
    )
    for env in ({}, {"REALPOLITIK_PURE_NUMPY": "1"}):
        proc = subprocess.run(
            [sys.executable, "-c", check], capture_output=True, text=True, check=True, env={**os.environ, **env}
        )
        said, actual = proc.stdout.split()
        assert said == actual, env
        if env:
            assert said == "False"


@pytest.mark.parametrize("args", [("--help",), ("events", "--help"), ("events", "ingest", "--help")])
def test_help_loads_no_data_stack(args: tuple[str, ...]) -> None:
    code, _, modules = run_cli(*args)
    assert code == 0
    assert loaded(modules, (*HEAVY, *LAYERS, "numpy", "realpolitik.models", "realpolitik.scenario")) == []


def test_event_formats_list_matches_the_formats() -> None:
    """``events ingest --format`` lists the formats without importing them at start-up; keep the two in step."""
    from realpolitik.cli.events import FORMAT_NAMES
    from realpolitik.events.formats import FORMATS

    assert FORMAT_NAMES == tuple(FORMATS)


BDM_CSV = "Actor,Capability,Position,Salience\n" + "".join(f"a{i},0.{i + 1},{10 * i},0.5\n" for i in range(8))


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_forecast_loads_no_data_web_or_lab_stack(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "case.csv"
    path.write_text(BDM_CSV)
    code, out, modules = run_cli("forecast", str(path), "--model", "bdm", "--rounds", "10", "--format", fmt)
    assert code == 0 and out
    assert loaded(modules, (*HEAVY, *LAYERS, "jinja2", "realpolitik.events")) == []


def test_forecast_loads_no_scipy(tmp_path: Path) -> None:
    path = tmp_path / "case.csv"
    path.write_text(BDM_CSV)
    code, _, modules = run_cli("forecast", str(path), "--model", "bdm", "--format", "json")
    assert code == 0
    assert loaded(modules, ("scipy",)) == []


def test_events_ingest_loads_no_dataframe_stack(tmp_path: Path) -> None:
    from tests.test_events_ingest import gdelt2_row

    f = tmp_path / "20211020001500.export.CSV"
    f.write_text(gdelt2_row(1) + "\n")
    code, out, modules = run_cli(
        "events", "ingest", str(f), "--workspace", str(tmp_path / "w.duckdb"), "--output", "json"
    )
    assert code == 0 and '"loaded": 1' in out
    dataframe = ("pandas", "pyarrow", "numpy", "matplotlib", "fastapi", "dask", "distributed", "SALib", "scipy")
    assert loaded(modules, (*dataframe, *LAYERS, "realpolitik.models", "realpolitik.scenario")) == []
