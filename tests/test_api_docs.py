"""docs/api.md's examples run as doctests, so the documented public API cannot drift from the code."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import realpolitik

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def test_api_doc_examples_pass() -> None:
    failures, tried = doctest.testfile(
        str(DOC), module_relative=False, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert tried >= 10, "the examples were not found"
    assert failures == 0


@pytest.mark.parametrize("name", ["load", "forecast", "run_lab", "sensitivity", "score", "run_backtest", "build_brief"])
def test_every_documented_call_is_exported(name: str) -> None:
    assert callable(getattr(realpolitik, name))
    assert name in realpolitik.__all__
    assert f"rp.{name}(" in DOC.read_text()


def test_api_names_survive_importing_the_packages_modules() -> None:
    import realpolitik.backtest
    import realpolitik.brief

    assert realpolitik.run_backtest.__module__ == "realpolitik.api"
    assert realpolitik.build_brief.__module__ == "realpolitik.api"
