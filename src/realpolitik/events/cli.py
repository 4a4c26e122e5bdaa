"""``realpolitik events ...``: ingest event files into a DuckDB workspace (later: dyads, alerts).

Bad input prints one line per problem (``FILE:LINE: field: message`` or ``FILE: message``) on stderr and exits
with status 2; it never shows a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn

from . import actors as actors_mod
from . import masterlist as masterlist_mod
from . import store
from .errors import EventsError
from .formats import FORMATS, ColumnMapping, load_mapping_yaml
from .ingest import FileReport, expand_paths, ingest_paths

app = typer.Typer(help="Event data: ingest GDELT, ICEWS and ACLED files into a DuckDB workspace.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)


@app.callback()
def _events() -> None:
    """Event data: ingest GDELT, ICEWS and ACLED files into a DuckDB workspace."""


def _fail(message: str) -> typer.Exit:
    print(message, file=sys.stderr)
    return typer.Exit(2)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Event files (.CSV, .CSV.zip, .tab, .tsv, .txt) or folders.")],
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="DuckDB workspace file (created if absent).")],
    format: Annotated[str | None, typer.Option("--format", help=f"Skip detection: {', '.join(FORMATS)}.")] = None,
    columns: Annotated[Path | None, typer.Option("--columns", help="YAML column mapping for header files.")] = None,
    actors: Annotated[Path | None, typer.Option("--actors", help="YAML actor aliases extending the defaults.")] = None,
    masterlist: Annotated[Path | None, typer.Option("--masterlist", help="GDELT masterfilelist.txt to check.")] = None,
    parquet: Annotated[Path | None, typer.Option("--parquet", help="Also export events as Parquet here.")] = None,
    output: Annotated[str, typer.Option("--output", help="Report as table or json.")] = "table",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Load event files; each file is one transaction, re-ingesting changes nothing, every row is accounted."""
    if format is not None and format not in FORMATS:
        raise _fail(f"--format: unknown format {format!r} (known: {', '.join(FORMATS)})")
    missing = [p for p in paths if not p.exists()]
    if missing:
        for p in missing:
            print(f"{p}: no such file or folder", file=sys.stderr)
        raise typer.Exit(2)
    try:
        mapping: ColumnMapping | None = load_mapping_yaml(columns) if columns else None
        table = actors_mod.load_actors(actors)
        files = expand_paths(paths)
        master = masterlist_mod.check(masterlist, files) if masterlist else None
    except EventsError as exc:
        raise _fail(str(exc)) from None
    con = store.connect(workspace)
    err = Console(stderr=True)
    show = not quiet and err.is_terminal
    try:
        if show:
            with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True) as prog:
                task = prog.add_task("ingesting", total=len(files))

                def on_file(p: Path) -> None:
                    prog.update(task, description=f"ingesting {p.name}")
                    prog.advance(task)

                reports = ingest_paths(con, files, forced_format=format, mapping=mapping, on_file=on_file)
        else:
            reports = ingest_paths(con, files, forced_format=format, mapping=mapping)
        actors_mod.install(con, table)
        if parquet is not None:
            store.export_parquet(con, parquet)
    finally:
        con.close()
    _print_reports(reports, output)
    if master is not None:
        _print_master(master)
    errors = [r for r in reports if r.status == "error"]
    for r in errors:
        print(r.message, file=sys.stderr)
    if errors or (master is not None and not master.ok):
        raise typer.Exit(2)


def _print_reports(reports: list[FileReport], output: str) -> None:
    if output == "json":
        print(json.dumps([r.to_dict() for r in reports], indent=2))
        return
    out = Console(highlight=False, soft_wrap=True)
    from rich.table import Table

    t = Table(title="Ingest")
    for c in ("file", "status", "format", "read", "loaded", "dupes", "rejected"):
        t.add_column(c)
    for r in reports:
        t.add_row(Path(r.path).name, r.status, r.format or "", str(r.rows_read), str(r.loaded), str(r.duplicates),
                  str(r.rejected))
    out.print(t)
    for r in reports:
        for ex in r.examples:
            out.print(f"rejected {ex}")


def _print_master(rep: masterlist_mod.MasterReport) -> None:
    print(f"masterfilelist: {rep.checked} local files listed, {len(rep.missing)} expected missing, "
          f"{len(rep.bad_size)} wrong size, {len(rep.bad_md5)} wrong MD5")
    for line in rep.missing:
        print(f"missing {line}", file=sys.stderr)
    for line in rep.bad_size + rep.bad_md5:
        print(f"mismatch {line}", file=sys.stderr)
