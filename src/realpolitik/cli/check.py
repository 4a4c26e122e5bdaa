"""``realpolitik check``: a scenario's channels, stance alignments and issue levels against the evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import common
from .common import fail, parse_date, print_json


@common.user_errors
def check(
    scenario: Annotated[str, typer.Argument(help="Scenario file or built-in name.")],
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-w", help="DuckDB workspace with ingested events (optional for CSV indicators)."),
    ] = None,
    window: Annotated[int, typer.Option("--window", help="Evidence window in days, ending at --as-of.")] = 180,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="End of the window (default: the scenario's as_of).")
    ] = None,
    actors: Annotated[Path | None, typer.Option("--actors", help="YAML actor aliases used at ingest, if any.")] = None,
    model: Annotated[
        list[str] | None, typer.Option("--model", "-m", help="Models whose forecasts indicators meet (default: all).")
    ] = None,
    draws: Annotated[
        int, typer.Option("--draws", min=0, help="Input draws for the forecasts' 5–95% bands (0: point forecasts).")
    ] = 0,
    format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Compare a scenario's channels, stance alignments and issue indicators with the evidence; list where they
    disagree, with the numbers, and warn when the evidence is stale or short."""
    from ..workflows.check import CAVEAT, CheckRequest
    from ..workflows.check import check as run_check

    if format not in ("table", "json"):
        fail(f"--format: unknown output format {format!r} (known: table, json)")
    loaded = common.load_scenario(scenario)
    scen = loaded.scenario
    if workspace is None and not any(i.csv for i in scen.indicators):
        fail("--workspace: give an event workspace (the scenario has no CSV indicator to check without one)")
    end = parse_date(as_of, "--as-of")
    request = CheckRequest(
        scen,
        workspace,
        window=window,
        as_of=end,
        actors_file=actors,
        source=loaded.source,
        models=tuple(model or ()),
        draws=draws,
    )
    findings = run_check(request)
    if format == "json":
        print_json([f.to_dict() for f in findings], default=str)
        return
    print(f"{scen.id}: {len(findings)} finding(s)")
    for f in findings:
        print(f"[{f.kind}] {f.message}")
    print(CAVEAT)
    if any(f.source == "csv" for f in findings):
        from ..workflows.indicators import CSV_CAVEAT

        print(CSV_CAVEAT)
