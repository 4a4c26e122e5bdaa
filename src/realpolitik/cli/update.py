"""``realpolitik update SCENARIO --workspace W --as-of DATE -o NEW.yaml``: draft the next version from the evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import common
from .common import ScenarioArg, fail, parse_date, print_json


@common.user_errors
def update(
    scenario: ScenarioArg,
    as_of: Annotated[str, typer.Option("--as-of", help="The new version's date: the end of each indicator's window.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the draft (YAML).")],
    workspace: Annotated[
        Path | None, typer.Option("--workspace", "-w", help="Event workspace for event indicators.")
    ] = None,
    actors: Annotated[Path | None, typer.Option("--actors", help="YAML actor aliases used at ingest, if any.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it exists.")] = False,
    format: Annotated[str, typer.Option("--format", help="table or json (what was changed).")] = "table",
) -> None:
    """Draft the next version: each issue with an indicator gets the observed level as its status quo (the band as
    its range, the evidence as rationale and source); as_of moves and supersedes names this version. Nothing else
    changes. Review the draft with `realpolitik diff SCENARIO OUT`."""
    from ..workflows.update import UpdateRequest
    from ..workflows.update import update as run_update

    if format not in ("table", "json"):
        fail(f"--format: unknown output format {format!r} (known: table, json)")
    date = parse_date(as_of, "--as-of")
    assert date is not None
    loaded = common.load_scenario(scenario)
    result = run_update(UpdateRequest(loaded, date, out, workspace=workspace, actors_file=actors, force=force))
    if format == "json":
        print_json(result.to_json_dict(), ensure_ascii=False)
        return
    print(f"draft: {out} ({result.scenario.id} as of {date}, supersedes {result.scenario.supersedes})")
    for u in result.updates:
        print(f"~ {u.sentence()}")
    for note in result.notes:
        print(f"note: {note}")
    print(f"review: realpolitik diff {scenario} {out}")
