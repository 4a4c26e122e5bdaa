"""``realpolitik events ...``: ingest event files, dyad indicators, ACLED summaries, alerts.

Bad input prints one line per problem (``FILE:LINE: field: message`` or ``FILE: message``) on stderr and exits
with status 2; it never shows a traceback. These commands call :mod:`realpolitik.events` directly: they read and
write event data, not scenarios, so no workflow stands between.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import fail, parse_date
from .event_output import check_format, comma_list, emit, indicator_table, licence_note, open_ro
from .fetch import fetch as fetch_command

if TYPE_CHECKING:
    from ..events.actors import ActorTable
    from ..events.formats import ColumnMapping
    from ..events.ingest import FileReport
    from ..events.masterlist import MasterReport

FORMAT_NAMES = (
    "gdelt2",
    "gdelt1",
    "gdelt1_57",
    "gdelt1_reduced",
    "gdelt2_mentions",
    "icews",
    "icews_csv",
    "acled",
    "ucdp_ged",
    "ucdp_candidate",
    "polecat",
)
"""The input formats, for ``ingest --help`` and ``--format`` without importing :mod:`realpolitik.events.formats`
(YAML, the CAMEO table) at start-up; ``tests/test_import_guard.py`` keeps it equal to ``FORMATS``."""

Fmt = Annotated[str, typer.Option("--format", help="Output: table, json or csv.")]
WorkspaceOpt = Annotated[Path | None, typer.Option("--workspace", "-w", help="DuckDB workspace file.")]
ParquetOpt = Annotated[Path | None, typer.Option("--parquet", help="Read a Parquet export instead of a workspace.")]
EngineOpt = Annotated[str, typer.Option("--engine", help="duckdb (default) or dask (with --parquet).")]
SchedulerOpt = Annotated[
    str | None, typer.Option("--scheduler", help="Dask scheduler address (default: a local cluster on 127.0.0.1).")
]
WorkersOpt = Annotated[int, typer.Option("--workers", help="Worker processes of the local Dask cluster.")]
ActorsOpt = Annotated[
    str,
    typer.Option("--actors", help="Comma-separated analytic actor ids (pakistan,taliban) or country codes (PAK,AFG)."),
]
FreqOpt = Annotated[str, typer.Option("--freq", help="day, week, month or year.")]

app = typer.Typer(
    help="Event data: ingest GDELT, ICEWS and ACLED files into a DuckDB workspace.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("fetch")(fetch_command)  # ``events fetch``: its own module, cli/fetch.py


@app.callback()
def _events() -> None:
    """Event data: ingest GDELT, ICEWS and ACLED files into a DuckDB workspace."""


# --- ingest ----------------------------------------------------------------------------------------------------------


def _check_ingest(
    paths: list[Path], workspace: Path | None, format: str | None, parquet: Path | None, engine: str
) -> None:
    if format is not None and format not in FORMAT_NAMES:
        fail(f"--format: unknown format {format!r} (known: {', '.join(FORMAT_NAMES)})")
    if engine not in ("duckdb", "dask"):
        fail(f"--engine: unknown engine {engine!r} (known: duckdb, dask)")
    if engine == "dask" and (parquet is None or workspace is not None):
        fail("--engine dask: give --parquet DIR and no --workspace (the Dask engine writes Parquet only)")
    if engine == "duckdb" and workspace is None:
        fail("--workspace: required (or use --engine dask --parquet DIR)")
    missing = [p for p in paths if not p.exists()]
    if missing:
        for p in missing:
            print(f"{p}: no such file or folder", file=sys.stderr)
        raise typer.Exit(2)


def _ingest_duckdb(
    workspace: Path,
    files: list[Path],
    format: str | None,
    mapping: ColumnMapping | None,
    table: ActorTable,
    parquet: Path | None,
    quiet: bool,
    replace: bool = False,
) -> list[FileReport]:
    from ..events import actors as actors_mod
    from ..events import store
    from ..events.errors import EventsError
    from ..events.ingest import ingest_paths
    from .progress import RichProgress

    try:
        con = store.connect(workspace)
    except EventsError as exc:
        fail(str(exc))
    try:
        with RichProgress("ingesting", quiet) as progress:
            done = 0

            def on_file(p: Path) -> None:
                nonlocal done
                done += 1
                progress(p.name, done, len(files))

            reports = ingest_paths(con, files, forced_format=format, mapping=mapping, on_file=on_file)
        actors_mod.install(con, table)
        if parquet is not None:
            try:
                store.export_parquet(con, parquet, replace=replace)
            except EventsError as exc:
                fail(str(exc))
    finally:
        con.close()
    return reports


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Event files (.CSV, .CSV.zip, .tab, .tsv, .txt) or folders.")],
    workspace: Annotated[
        Path | None, typer.Option("--workspace", "-w", help="DuckDB workspace file (created if absent).")
    ] = None,
    format: Annotated[str | None, typer.Option("--format", help=f"Skip detection: {', '.join(FORMAT_NAMES)}.")] = None,
    columns: Annotated[Path | None, typer.Option("--columns", help="YAML column mapping for header files.")] = None,
    actors: Annotated[Path | None, typer.Option("--actors", help="YAML actor aliases extending the defaults.")] = None,
    masterlist: Annotated[Path | None, typer.Option("--masterlist", help="GDELT masterfilelist.txt to check.")] = None,
    parquet: Annotated[Path | None, typer.Option("--parquet", help="Also export events as Parquet here.")] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Let --parquet replace a non-empty folder it did not create.")
    ] = False,
    output: Annotated[str, typer.Option("--output", help="Report as table or json.")] = "table",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    engine: Annotated[
        str, typer.Option("--engine", help="duckdb (workspace) or dask (Parquet only, needs --parquet).")
    ] = "duckdb",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 2,
) -> None:
    """Load event files; each file is one transaction, re-ingesting changes nothing, every row is accounted."""
    from ..events import actors as actors_mod
    from ..events import masterlist as masterlist_mod
    from ..events.errors import EventsError
    from ..events.formats import load_mapping_yaml
    from ..events.ingest import expand_paths
    from ..events.store import check_parquet_target

    _check_ingest(paths, workspace, format, parquet, engine)
    try:
        if parquet is not None:
            check_parquet_target(parquet, replace=replace)  # before any work: refuse a folder that is not ours
        mapping = load_mapping_yaml(columns) if columns else None
        table = actors_mod.load_actors(actors)
        files = expand_paths(paths)
        master = masterlist_mod.check(masterlist, files) if masterlist else None
    except EventsError as exc:
        fail(str(exc))
    if engine == "dask":
        from ..events.engines import dask_client, dask_ingest_parquet

        assert parquet is not None
        with dask_client(scheduler, workers) as client:
            reports = dask_ingest_parquet(
                client, files, parquet, forced_format=format, mapping=mapping, actor_table=table, replace=replace
            )
    else:
        assert workspace is not None
        reports = _ingest_duckdb(workspace, files, format, mapping, table, parquet, quiet, replace)
    licence_note(parquet)
    _finish_ingest(reports, output, master)


@app.command()
def upgrade(
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="DuckDB workspace file to upgrade.")],
) -> None:
    """Upgrade a workspace written by an older realpolitik to the current workspace version (in place)."""
    from ..events import store
    from ..events.errors import EventsError

    try:
        before, after = store.upgrade(workspace)
    except EventsError as exc:
        fail(str(exc))
    if before == after:
        print(f"{workspace}: workspace version {after}, nothing to do")
    else:
        print(f"{workspace}: upgraded workspace version {before} -> {after}")


def _finish_ingest(reports: list[FileReport], output: str, master: MasterReport | None) -> None:
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
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    out = Console(highlight=False, soft_wrap=True)
    t = Table(title="Ingest")
    for c in ("file", "status", "format", "read", "loaded", "dupes", "rejected"):
        t.add_column(c)
    for r in reports:
        counts = (r.rows_read, r.loaded, r.duplicates, r.rejected)
        t.add_row(escape(Path(r.path).name), r.status, escape(r.format or ""), *map(str, counts))
    out.print(t)
    for r in reports:
        for ex in r.examples:
            out.print(escape(f"rejected {ex}"))


def _print_master(rep: MasterReport) -> None:
    print(
        f"masterfilelist: {rep.checked} local files listed, {len(rep.missing)} expected missing, "
        f"{len(rep.bad_size)} wrong size, {len(rep.bad_md5)} wrong MD5"
    )
    for line in rep.missing:
        print(f"missing {line}", file=sys.stderr)
    for line in rep.bad_size + rep.bad_md5:
        print(f"mismatch {line}", file=sys.stderr)


# --- indicators, ACLED, alerts -----------------------------------------------------------------------------------

DYAD_COLUMNS = [
    "source",
    "period",
    "actor_a",
    "actor_b",
    "n",
    "verbal_coop",
    "material_coop",
    "verbal_conflict",
    "material_conflict",
    "goldstein_sum",
    "goldstein_mean",
    "goldstein_wmean",
    "net_coop",
    "total",
    "share",
]


@app.command()
def dyads(
    actors: ActorsOpt,
    workspace: WorkspaceOpt = None,
    parquet: ParquetOpt = None,
    freq: FreqOpt = "month",
    directed: Annotated[bool, typer.Option("--directed", help="Separate rows for each direction.")] = False,
    min_mentions: Annotated[int | None, typer.Option("--min-mentions", help="GDELT NumMentions at least.")] = None,
    min_sources: Annotated[int | None, typer.Option("--min-sources", help="GDELT NumSources at least.")] = None,
    min_confidence: Annotated[float | None, typer.Option("--min-confidence", help="GDELT Confidence at least.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Only gdelt, icews or acled (comma list).")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First event date (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last event date (YYYY-MM-DD).")] = None,
    format: Fmt = "table",
    all_columns: Annotated[bool, typer.Option("--all-columns", help="Also mention-weighted sums and n_quad.")] = False,
    engine: EngineOpt = "duckdb",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 2,
) -> None:
    """Per period and dyad: counts, quad classes, Goldstein sum/mean, net cooperation, share of all events."""
    from ..events.indicators import Reliability

    check_format(format)
    kw: dict[str, Any] = dict(
        freq=freq,
        directed=directed,
        reliability=Reliability(min_mentions, min_sources, min_confidence),
        start=parse_date(start, "--from"),
        end=parse_date(end, "--to"),
        sources=[s.strip() for s in source.split(",")] if source else None,
    )
    tokens = [t for t in actors.split(",") if t.strip()]
    t = indicator_table(workspace, parquet, engine, scheduler, workers, tokens, **kw)
    cols = list(t.column_names) if all_columns else DYAD_COLUMNS
    emit(t.to_pylist(), cols, format, f"Dyads ({freq})")


@app.command()
def acled(
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="DuckDB workspace file.")],
    by: Annotated[str, typer.Option("--by", help="Comma list of: type, subtype, actor, province, country.")] = "type",
    freq: Annotated[str, typer.Option("--freq", help="day, week, month, year or none.")] = "month",
    country: Annotated[str | None, typer.Option("--country", help="Event countries (ACLED names), comma list.")] = None,
    actors: Annotated[str | None, typer.Option("--actors", help="Analytic actor ids on either side.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First event date.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last event date.")] = None,
    format: Fmt = "table",
) -> None:
    """ACLED events and fatalities per period and type, actor, province or country."""
    from ..events.errors import EventsError
    from ..events.indicators import acled_summary

    check_format(format)
    con = open_ro(workspace)
    try:
        t = acled_summary(
            con,
            by=comma_list(by) or [],
            freq=None if freq == "none" else freq,
            countries=[c.strip() for c in country.split(",")] if country else None,
            actors=[a.strip() for a in actors.split(",")] if actors else None,
            start=parse_date(start, "--from"),
            end=parse_date(end, "--to"),
        )
    except EventsError as exc:
        fail(str(exc))
    finally:
        con.close()
    emit(t.to_pylist(), list(t.column_names), format, "ACLED", acled_rows=True)


def _alert_series(
    workspace: Path | None, dyad_year: Path | None, tokens: list[str], freq: str, directed: bool, source: str | None
) -> tuple[Any, str]:
    """The dyad series to watch, and its frequency (a dyad-year table is yearly)."""
    from ..events.alerts import load_icews_dyad_year

    if dyad_year is not None:
        if workspace is not None:
            fail("give either --workspace or --icews-dyad-year")
        if len(tokens) != 2:
            fail("--actors: the ICEWS dyad-year table takes two country codes, e.g. AFG,PAK")
        return load_icews_dyad_year(dyad_year, tokens[0], tokens[1], directed=directed), "year"
    if workspace is None:
        fail("--workspace: required (or --icews-dyad-year FILE)")
    sources = [s.strip() for s in source.split(",")] if source else None
    series = indicator_table(workspace, None, "duckdb", None, 1, tokens, freq=freq, directed=directed, sources=sources)
    return series, freq


@app.command()
def alerts(
    workspace: WorkspaceOpt = None,
    actors: Annotated[
        str | None, typer.Option("--actors", help="Actors as for `dyads` (default: pakistan,taliban).")
    ] = None,
    freq: FreqOpt = "month",
    method: Annotated[
        str, typer.Option("--method", help="cusum, ewma (online) or pelt, binseg (retrospective).")
    ] = "pelt",
    metric: Annotated[str, typer.Option("--metric", help="net_coop, goldstein_mean, n, share, ...")] = "net_coop",
    min_n: Annotated[int, typer.Option("--min-n", help="Ratio metrics: skip periods with fewer events.")] = 5,
    directed: Annotated[bool, typer.Option("--directed", help="One series per direction.")] = False,
    source: Annotated[str | None, typer.Option("--source", help="Only these sources (comma list).")] = None,
    icews_dyad_year: Annotated[
        Path | None,
        typer.Option(
            "--icews-dyad-year",
            help="Use a derived ICEWS dyad-year CSV (country codes in --actors) instead of a workspace.",
        ),
    ] = None,
    penalty: Annotated[float, typer.Option("--penalty-c", help="PELT/BinSeg: c in pen = c*sigma^2*log(n).")] = 3.0,
    format: Fmt = "table",
) -> None:
    """Change points and alarms on dyad series; known source breaks are labelled, not reported as change."""
    from ..events.alerts import alerts_table
    from ..events.errors import EventsError

    check_format(format)
    tokens = comma_list(actors or "pakistan,taliban") or []
    try:
        series, freq = _alert_series(workspace, icews_dyad_year, tokens, freq, directed, source)
        t = alerts_table(series, metric=metric, method=method, freq=freq, min_n=min_n, c=penalty)
    except EventsError as exc:
        fail(str(exc))
    emit(t.to_pylist(), list(t.column_names), format, f"Alerts ({method}, {metric})")
