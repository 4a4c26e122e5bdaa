"""The front ends stay thin: small functions and modules, and no experiment assembly, model calls or sampling.

``realpolitik.cli``, ``realpolitik.web`` and ``realpolitik.brief`` turn input into a workflow request
(:mod:`realpolitik.workflows`) and the result into output; anything that builds an experiment, calls a model or
draws inputs belongs in a workflow, where every front end shares it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "realpolitik"
PACKAGES = ("cli", "web", "brief")
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 400
FORBIDDEN = (
    "Experiment(",
    "run_experiment",
    "get_model(",
    "from_scenario",
    "sample_unit",
    "draw_values",
    "apply_strategy",
)


def modules(package: str) -> list[Path]:
    found = sorted((SRC / package).rglob("*.py"))
    assert found, f"no modules under {SRC / package}"
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_modules_are_at_most_400_lines(package: str) -> None:
    long = {
        str(p.relative_to(SRC)): n
        for p in modules(package)
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


@pytest.mark.parametrize("package", PACKAGES)
def test_functions_are_at_most_60_lines(package: str) -> None:
    long = {}
    for path in modules(package):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(SRC)}:{node.lineno} {node.name}"] = n
    assert long == {}


@pytest.mark.parametrize("package", PACKAGES)
def test_no_experiment_assembly_model_calls_or_sampling(package: str) -> None:
    found = [
        f"{path.relative_to(SRC)}: {name}"
        for path in modules(package)
        for name in FORBIDDEN
        if name in path.read_text()
    ]
    assert found == []


def test_export_help_lists_every_format() -> None:
    """``export --help`` names the formats without importing the scenario package at start-up."""
    from realpolitik.cli.scenario import FORMAT_NAMES
    from realpolitik.scenario.formats import all_formats

    assert FORMAT_NAMES == ", ".join(all_formats())


def test_cli_import_leaves_heavy_modules_alone() -> None:
    """``import realpolitik.cli`` (what ``realpolitik --version`` pays before the version) loads no numpy, lab,
    DuckDB or pydantic model: commands import those when they run."""
    import subprocess
    import sys

    code = (
        "import sys, realpolitik.cli; "
        "print(' '.join(m for m in ('numpy', 'duckdb', 'pydantic', 'realpolitik.lab', 'realpolitik.workflows.lab') "
        "if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert proc.stdout.strip() == ""
