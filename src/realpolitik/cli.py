"""The ``realpolitik`` command line: one verb per job, machine-readable output with ``--format json|csv``.

Bad input never produces a traceback: problems print as ``FILE:LINE: field: message`` and the command exits
with status 2. Anything unexpected prints one line and exits 1 (``REALPOLITIK_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from . import __version__
from .console import print_forecast, print_summary
from .models import from_scenario, get_model
from .models.registry import available_models
from .provenance import atomic_write_text, build_manifest, write_json
from .scenario import ScenarioError, builtin_names, dump, load
from .scenario.formats import all_formats
from .scenario.model import Scenario

app = typer.Typer(
    name="realpolitik",
    help="Forecast where bargaining lands, compare strategies under uncertainty, watch event data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False)

P = ParamSpec("P")
R = TypeVar("R")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def user_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn input problems into one line each and exit status 2, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ScenarioError as exc:
            for problem in exc.problems:
                print(str(problem), file=sys.stderr)
            raise typer.Exit(2) from None

    return wrapper


ScenarioArg = Annotated[
    str, typer.Argument(help="A scenario file (YAML, JSON, BDM CSV, KTAB CSV/XML, Decide) or a built-in name.")
]
FormatOpt = Annotated[
    str | None, typer.Option("--input-format", help="Read the file as this format instead of detecting it.")
]


def _version(value: bool) -> None:
    if value:
        print(f"realpolitik {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """realpolitik: bargaining forecasts, strategy experiments and event monitoring for regional diplomacy."""


@app.command()
def validate(scenario: ScenarioArg, input_format: FormatOpt = None) -> None:
    """Check a scenario; print `ok: ...` or one line per problem (FILE:LINE: field: message) and exit 2."""
    try:
        loaded = load(scenario, format=input_format)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(str(problem))
        raise typer.Exit(2) from None
    s = loaded.scenario
    print(f"ok: {len(s.actors)} actors, {len(s.issues)} issues, {len(s.strategies)} strategies")


@app.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format."""
    print(json.dumps(Scenario.model_json_schema(), indent=2))


@app.command()
def scenarios() -> None:
    """List the built-in scenarios with their titles."""
    for name in builtin_names():
        print(f"{name}\t{load(name).scenario.title}")


@app.command()
def models() -> None:
    """List the forecast models with their references."""
    for name, spec in available_models().items():
        print(f"{name}\t{spec.title}\n\treference: {spec.reference}\n\treference test: {spec.reference_test}")


@app.command()
@user_errors
def export(
    scenario: ScenarioArg,
    to: Annotated[str, typer.Option("--to", help="Target format: " + ", ".join(all_formats()))] = "yaml",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")
    ] = None,
    input_format: FormatOpt = None,
) -> None:
    """Convert a scenario to YAML or a community format."""
    if to not in all_formats():
        err.print(f"unknown format {to!r} (known: {', '.join(all_formats())})")
        raise typer.Exit(2)
    text = dump(load(scenario, format=input_format).scenario, to)
    if output is None:
        sys.stdout.write(text)
    else:
        atomic_write_text(output, text)


def _forecast_csv(data: dict[str, Any]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["model", "issue", "round", "actor", "position", "median", "mean", "forecast"])
    for issue in data["issues"]:
        for rnd in issue["rounds"]:
            for actor, x in rnd["positions"].items():
                writer.writerow(
                    [
                        data["model"],
                        issue["id"],
                        rnd["round"],
                        actor,
                        repr(x),
                        repr(rnd["median"]),
                        repr(rnd["mean"]),
                        repr(issue["forecast"]),
                    ]
                )
    return buf.getvalue()


@app.command()
@user_errors
def forecast(
    scenario: ScenarioArg,
    model: Annotated[str, typer.Option(help="Model name (see `realpolitik models`).")] = "compromise",
    rounds: Annotated[int | None, typer.Option(min=0, help="Rounds of bargaining (default: the model's).")] = None,
    issue: Annotated[list[str] | None, typer.Option(help="Only this issue id (repeatable).")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="table, json or csv.")] = OutputFormat.table,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Also write forecast.json and manifest.json here.")
    ] = None,
    input_format: FormatOpt = None,
) -> None:
    """Forecast each issue with one model; JSON gives every round's positions, median and mean."""
    loaded = load(scenario, format=input_format)
    s = loaded.scenario
    try:
        spec = get_model(model)
    except KeyError as exc:
        err.print(str(exc.args[0]))
        raise typer.Exit(2) from None
    if issue:
        unknown = [i for i in issue if i not in {x.id for x in s.issues}]
        if unknown:
            err.print(f"unknown issue(s): {', '.join(unknown)} (known: {', '.join(x.id for x in s.issues)})")
            raise typer.Exit(2)
    traj = spec(from_scenario(s), rounds=rounds)
    data = traj.to_json_dict(issues=issue)
    if format is OutputFormat.json:
        print(json.dumps(data, indent=2))
    elif format is OutputFormat.csv:
        sys.stdout.write(_forecast_csv(data))
    else:
        print_forecast(out, s, traj, issue)
    if out_dir is not None:
        write_json(out_dir / "forecast.json", data)
        write_json(
            out_dir / "manifest.json",
            build_manifest(
                command="forecast",
                inputs={loaded.source: loaded.sha256},
                parameters={"model": model, "rounds": traj.rounds, "issues": issue, "options": dict(traj.options)},
            ),
        )


@app.command()
@user_errors
def demo(
    scenario: Annotated[
        str, typer.Argument(help="Scenario (default: the built-in afghanistan-2025).")
    ] = "afghanistan-2025",
) -> None:
    """The main job on a scenario: its summary and a compromise-model forecast per issue."""
    s = load(scenario).scenario
    print_summary(out, s)
    traj = get_model("compromise")(from_scenario(s))
    print_forecast(out, s, traj)


def _mount_subcommands() -> None:
    try:
        from .events.cli import app as events_app
    except ImportError:  # the event monitor is optional until its module lands
        return
    app.add_typer(events_app, name="events", help="Event data: ingest, dyad indicators, alerts.")


_mount_subcommands()


def main() -> None:
    """Console entry point: no traceback reaches the user unless REALPOLITIK_DEBUG is set."""
    try:
        app()
    except ScenarioError as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:
        if os.environ.get("REALPOLITIK_DEBUG"):
            raise
        print(
            f"realpolitik: internal error: {type(exc).__name__}: {exc} (set REALPOLITIK_DEBUG=1 for details)",
            file=sys.stderr,
        )
        sys.exit(1)
