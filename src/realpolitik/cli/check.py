"""``realpolitik check``: a scenario's channels and stance alignments against recent event evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import common
from .common import fail, parse_date, print_json


@common.user_errors
def check(
    scenario: Annotated[str, typer.Argument(help="Scenario file or built-in name.")],
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="DuckDB workspace with ingested events.")],
    window: Annotated[int, typer.Option("--window", help="Evidence window in days, ending at --as-of.")] = 180,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="End of the window (default: the scenario's as_of).")
    ] = None,
    actors: Annotated[Path | None, typer.Option("--actors", help="YAML actor aliases used at ingest, if any.")] = None,
    format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Compare a scenario's channels and stance alignments with recent event evidence; list contradictions."""
    from ..workflows.check import CAVEAT, CheckRequest
    from ..workflows.check import check as run_check

    if format not in ("table", "json"):
        fail(f"--format: unknown output format {format!r} (known: table, json)")
    scen = common.load_scenario(scenario).scenario
    end = parse_date(as_of, "--as-of")
    findings = run_check(CheckRequest(scen, workspace, window=window, as_of=end, actors_file=actors))
    if format == "json":
        print_json([f.to_dict() for f in findings], default=str)
        return
    print(f"{scen.id}: {len(findings)} finding(s)")
    for f in findings:
        print(f"[{f.kind}] {f.message}")
    print(CAVEAT)
