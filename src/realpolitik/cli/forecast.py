"""``realpolitik forecast``: one model's forecast of each issue as a table, JSON or CSV (and a manifest)."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import common
from .common import FormatOpt, OutputFormat, ScenarioArg, fail, print_json

if TYPE_CHECKING:
    from ..scenario import LoadedScenario
    from ..workflows.forecast import ForecastResult, ModelRun


def check_run(run: ModelRun) -> ModelRun:
    """The run, or one line and exit status 1 when the model failed on this scenario."""
    if run.error is not None:
        fail(f"realpolitik: model {run.name} failed on this scenario: {run.error}", code=1)
    return run


def forecast_csv(data: dict[str, Any]) -> str:
    """The documented JSON as rows: model, issue, round, actor, position, median, mean, forecast."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["model", "issue", "round", "actor", "position", "median", "mean", "forecast"])
    for issue in data["issues"]:
        for rnd in issue["rounds"]:
            for actor, x in rnd["positions"].items():
                row = [data["model"], issue["id"], rnd["round"], actor]
                writer.writerow(row + [repr(v) for v in (x, rnd["median"], rnd["mean"], issue["forecast"])])
    return buf.getvalue()


def _write_out(out_dir: Path, loaded: LoadedScenario, result: ForecastResult, data: dict[str, Any]) -> None:
    from ..provenance import build_manifest, write_json

    write_json(out_dir / "forecast.json", data)
    manifest = build_manifest(
        command="forecast", inputs={loaded.source: loaded.sha256}, parameters=result.manifest_parameters()
    )
    write_json(out_dir / "manifest.json", manifest)


@common.user_errors
def forecast(
    scenario: ScenarioArg,
    model: Annotated[
        str,
        typer.Option(help="Model name (see `realpolitik models`); 'default': the lowest DEU III error that runs."),
    ] = "default",
    rounds: Annotated[int | None, typer.Option(min=0, help="Rounds of bargaining (default: the model's).")] = None,
    issue: Annotated[list[str] | None, typer.Option(help="Only this issue id (repeatable).")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="table, json or csv.")] = OutputFormat.table,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Also write forecast.json and manifest.json here.")
    ] = None,
    input_format: FormatOpt = None,
    rng: Annotated[
        int, typer.Option("--rng", help="Seed for stochastic models such as exchange-random (recorded).")
    ] = 0,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", help="Model option KEY=VALUE (repeatable; see `realpolitik models`)."),
    ] = None,
    round_zero_threshold: common.RoundZeroOpt = 0.2,
    allow_large: common.AllowLargeOpt = False,
) -> None:
    """Forecast each issue with one model; JSON gives every round's positions, median and mean.

    Options the scenario file carries for the model (e.g. KTAB's logged parameters and seed) apply first;
    ``--option`` overrides them."""
    from ..workflows.forecast import ForecastRequest
    from ..workflows.forecast import forecast as run_forecast

    common.check_out_dir(out_dir)
    loaded = common.load_scenario(scenario, input_format)
    request = ForecastRequest(
        loaded,
        (model,),
        rounds=rounds,
        issues=tuple(issue or ()),
        seed=rng,
        options=tuple(option or ()),
        round_zero_threshold=round_zero_threshold,
        allow_large=allow_large,
    )
    result = run_forecast(request)
    run = check_run(result.runs[0])
    data = result.to_json_dict()
    if format is OutputFormat.json:
        print_json(data)
    elif format is OutputFormat.csv:
        sys.stdout.write(forecast_csv(data))
    else:
        from .tables import model_line, print_forecast

        about = model_line(run.name, run.track_record, data.get("model_reason"))
        print_forecast(common.out, result.scenario, run.trajectory, request.issues, about)
        for found in result.round_zero:
            common.out.print(f"note: {found.sentence()}", style="yellow", markup=False)
    if out_dir is not None:
        _write_out(out_dir, loaded, result, data)
