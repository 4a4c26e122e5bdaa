"""Commands about scenarios and models themselves: validate, schema, scenarios, models, export, demo."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import common
from .common import FormatOpt, OutputFormat, RoundZeroOpt, ScenarioArg, fail, print_json

if TYPE_CHECKING:
    from ..models.spec import ModelSpec

FORMAT_NAMES = "yaml, json, decide, ktab-csv, ktab-xml, bdm-csv"
"""For ``export --help`` without importing the scenario package at start-up (a test keeps it in step)."""


def validate(scenario: ScenarioArg, input_format: FormatOpt = None, round_zero_threshold: RoundZeroOpt = 0.2) -> None:
    """Check a scenario; print `ok: ...` or one line per problem (FILE:LINE: field: message) and exit 2.

    A valid scenario also gets the round-0 diagnostic: issues its own rules move far from the status quo."""
    from ..scenario import ScenarioError
    from ..workflows.diagnostics import look_ahead, round_zero

    try:
        loaded = common.load_scenario(scenario, input_format)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(str(problem))
        raise typer.Exit(2) from None
    s = loaded.scenario
    if s.indicators:
        from ..workflows.indicators import csv_problems

        bad_rows = csv_problems(s, loaded.source)
        if bad_rows:
            for problem in bad_rows:
                print(str(problem))
            raise typer.Exit(2)
    print(f"ok: {len(s.actors)} actors, {len(s.issues)} issues, {len(s.strategies)} strategies")
    for found in round_zero(s, round_zero_threshold):
        print(f"note: {found.sentence()}")
    for line in look_ahead(s):
        print(f"note: {line}")


def schema() -> None:
    """Print the JSON Schema of the scenario format."""
    from ..scenario.model import Scenario

    print_json(Scenario.model_json_schema())


def scenarios() -> None:
    """List the built-in scenarios with their titles."""
    from ..scenario import builtin_names, load

    for name in builtin_names():
        print(f"{name}\t{load(name).scenario.title}")


def _model_doc(spec: ModelSpec) -> dict[str, Any]:
    return {
        "title": spec.title,
        "reference": spec.reference,
        "reference_test": spec.reference_test,
        "assumptions": list(spec.assumptions),
        "options": [
            {"name": o.name, "default": repr(o.default), "choices": o.choices and list(map(str, o.choices))}
            for o in spec.options
        ],
        "stochastic": spec.stochastic,
        "multi_issue": spec.multi_issue,
        "unsupported": list(spec.unsupported),
    }


def models(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also list assumptions and options.")] = False,
    format: Annotated[OutputFormat, typer.Option("--format", help="table or json.")] = OutputFormat.table,
) -> None:
    """List the forecast models with their references (and, with -v, their assumptions and options)."""
    from ..models.registry import available_models

    specs = available_models()
    if format is OutputFormat.json:
        print_json({name: _model_doc(spec) for name, spec in specs.items()})
        return
    for name, spec in specs.items():
        print(f"{name}\t{spec.title}\n\treference: {spec.reference}\n\treference test: {spec.reference_test}")
        if verbose:
            for a in spec.assumptions:
                print(f"\tassumes: {a}")
            for o in spec.options:
                choices = f" (one of {', '.join(map(str, o.choices))})" if o.choices else ""
                print(f"\toption {o.name} = {o.default!r}{choices}")
            refused = ", ".join(spec.unsupported) or "nothing"
            print(f"\tdecision structure: honours owner, veto, qualified_majority; cannot honour: {refused}")


@common.user_errors
def export(
    scenario: ScenarioArg,
    to: Annotated[str, typer.Option("--to", help=f"Target format: {FORMAT_NAMES}")] = "yaml",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")
    ] = None,
    input_format: FormatOpt = None,
) -> None:
    """Convert a scenario to YAML or a community format."""
    from ..provenance import atomic_write_text
    from ..scenario import dump
    from ..scenario.formats import all_formats

    if to not in all_formats():
        fail(f"unknown format {to!r} (known: {', '.join(all_formats())})")
    text = dump(common.load_scenario(scenario, input_format).scenario, to)
    if output is None:
        sys.stdout.write(text)
    else:
        atomic_write_text(output, text)


@common.user_errors
def demo(
    scenario: Annotated[
        str, typer.Argument(help="Scenario (default: the built-in afghanistan-2025).")
    ] = "afghanistan-2025",
) -> None:
    """The main job on a scenario: its summary and a compromise-model forecast per issue."""
    from ..workflows.forecast import ForecastRequest, forecast
    from .forecast import check_run
    from .tables import model_line, print_forecast, print_summary

    result = forecast(ForecastRequest(common.load_scenario(scenario)))
    print_summary(common.out, result.scenario)
    run = check_run(result.runs[0])
    reason = f"the default model: {result.default.reason}" if result.default else None
    print_forecast(common.out, result.scenario, run.trajectory, about=model_line(run.name, run.track_record, reason))
