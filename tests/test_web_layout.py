"""The web package stays a thin caller of the workflows: small functions and modules, no domain work.

Why a test: the API once grew into one 329-line closure that built experiments and edited model arrays itself,
so the dashboard's numbers could drift from the CLI's. The domain lives in :mod:`realpolitik.workflows`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import realpolitik.web

WEB = Path(realpolitik.web.__file__).parent
MODULES = sorted(WEB.glob("*.py"))
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


def test_the_web_package_has_modules() -> None:
    assert {"api.py", "app.py", "jobs.py"} <= {p.name for p in MODULES}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_small_modules_and_functions(path: Path) -> None:
    text = path.read_text()
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{path.name} has over {MAX_MODULE_LINES} lines"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{path.name}: functions over {MAX_FUNCTION_LINES} lines: {', '.join(long)}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_domain_work_in_the_web_package(path: Path) -> None:
    text = path.read_text()
    found = [word for word in FORBIDDEN if word in text]
    assert not found, f"{path.name} does its own domain work ({', '.join(found)}); call a workflow instead"
