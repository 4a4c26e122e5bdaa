"""`realpolitik models`: every registered model names its reference and a reference test that exists (Axelrod's
rule: a registered model carries its reference test)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from realpolitik.cli import app
from realpolitik.models.registry import available_models

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_models_json_lists_every_registered_model_with_an_existing_reference_test() -> None:
    result = CliRunner().invoke(app, ["models", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert set(doc) == set(available_models())
    for name, entry in doc.items():
        assert entry["reference"], name
        assert entry["assumptions"], name
        test_file, _, test_name = entry["reference_test"].partition("::")
        path = REPO_ROOT / test_file
        assert path.is_file(), f"{name}: {test_file} does not exist"
        if test_name:
            assert f"def {test_name}(" in path.read_text(encoding="utf-8"), f"{name}: {test_name} not in {test_file}"


def test_models_verbose_shows_options_with_defaults() -> None:
    result = CliRunner().invoke(app, ["models", "-v"])
    assert result.exit_code == 0, result.output
    for name, spec in available_models().items():
        assert f"{name}\t{spec.title}" in result.output
        for option in spec.options:
            assert f"option {option.name} = {option.default!r}" in result.output
