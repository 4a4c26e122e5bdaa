"""``realpolitik events ...``: ingest event files, dyad indicators, ACLED summaries, alerts; ``check_command``.

Bad input prints one line per problem (``FILE:LINE: field: message`` or ``FILE: message``) on stderr and exits
with status 2; it never shows a traceback.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn

from . import actors as actors_mod
from . import masterlist as masterlist_mod
from . import store
from .errors import EventsError
from .formats import FORMATS, ColumnMapping, load_mapping_yaml
from .ingest import FileReport, expand_paths, ingest_paths

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


@app.callback()
def _events() -> None:
    """Event data: ingest GDELT, ICEWS and ACLED files into a DuckDB workspace."""


def _fail(message: str) -> typer.Exit:
    print(message, file=sys.stderr)
    return typer.Exit(2)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Event files (.CSV, .CSV.zip, .tab, .tsv, .txt) or folders.")],
    workspace: Annotated[
        Path | None, typer.Option("--workspace", "-w", help="DuckDB workspace file (created if absent).")
    ] = None,
    format: Annotated[str | None, typer.Option("--format", help=f"Skip detection: {', '.join(FORMATS)}.")] = None,
    columns: Annotated[Path | None, typer.Option("--columns", help="YAML column mapping for header files.")] = None,
    actors: Annotated[Path | None, typer.Option("--actors", help="YAML actor aliases extending the defaults.")] = None,
    masterlist: Annotated[Path | None, typer.Option("--masterlist", help="GDELT masterfilelist.txt to check.")] = None,
    parquet: Annotated[Path | None, typer.Option("--parquet", help="Also export events as Parquet here.")] = None,
    output: Annotated[str, typer.Option("--output", help="Report as table or json.")] = "table",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    engine: Annotated[
        str, typer.Option("--engine", help="duckdb (workspace) or dask (Parquet only, needs --parquet).")
    ] = "duckdb",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 2,
) -> None:
    """Load event files; each file is one transaction, re-ingesting changes nothing, every row is accounted."""
    if format is not None and format not in FORMATS:
        raise _fail(f"--format: unknown format {format!r} (known: {', '.join(FORMATS)})")
    if engine not in ("duckdb", "dask"):
        raise _fail(f"--engine: unknown engine {engine!r} (known: duckdb, dask)")
    if engine == "dask" and (parquet is None or workspace is not None):
        raise _fail("--engine dask: give --parquet DIR and no --workspace (the Dask engine writes Parquet only)")
    if engine == "duckdb" and workspace is None:
        raise _fail("--workspace: required (or use --engine dask --parquet DIR)")
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
    if engine == "dask":
        assert parquet is not None
        from .engines import dask_client, dask_ingest_parquet

        with dask_client(scheduler, workers) as client:
            reports = dask_ingest_parquet(
                client, files, parquet, forced_format=format, mapping=mapping, actor_table=table
            )
        _finish_ingest(reports, output, master)
        return
    assert workspace is not None
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
    _finish_ingest(reports, output, master)


def _finish_ingest(reports: list[FileReport], output: str, master: masterlist_mod.MasterReport | None) -> None:
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
        t.add_row(
            Path(r.path).name,
            r.status,
            r.format or "",
            str(r.rows_read),
            str(r.loaded),
            str(r.duplicates),
            str(r.rejected),
        )
    out.print(t)
    for r in reports:
        for ex in r.examples:
            out.print(f"rejected {ex}")


def _print_master(rep: masterlist_mod.MasterReport) -> None:
    print(
        f"masterfilelist: {rep.checked} local files listed, {len(rep.missing)} expected missing, "
        f"{len(rep.bad_size)} wrong size, {len(rep.bad_md5)} wrong MD5"
    )
    for line in rep.missing:
        print(f"missing {line}", file=sys.stderr)
    for line in rep.bad_size + rep.bad_md5:
        print(f"mismatch {line}", file=sys.stderr)


# --- indicators, ACLED, alerts -------------------------------------------------------------------------------------


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "json", "csv"):
        raise _fail(f"--format: unknown output format {fmt!r} (known: table, json, csv)")


def _date(value: str | None, opt: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{opt}: not a date (YYYY-MM-DD): {value!r}") from None


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1e5 else f"{v:.0f}"
    return str(v)


def _jsonable(v: Any) -> Any:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "__float__") and not isinstance(v, int | float | bool):
        return float(v)
    return v


def _emit(rows: list[dict[str, Any]], columns: list[str], fmt: str, title: str) -> None:
    if fmt == "json":
        print(json.dumps([{k: _jsonable(r.get(k)) for k in columns} for r in rows], indent=2))
        return
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if r.get(k) is None else _jsonable(r.get(k)) for k in columns])
        sys.stdout.write(buf.getvalue())
        return
    from rich.table import Table

    t = Table(title=title)
    for c in columns:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*[_cell(r.get(c)) for c in columns])
    con = Console(highlight=False)
    if not con.is_terminal:
        con = Console(highlight=False, width=220)
    con.print(t)


def _open_ro(workspace: Path) -> Any:
    if not workspace.is_file():
        raise _fail(f"{workspace}: no such workspace")
    try:
        return store.connect(workspace, read_only=True)
    except Exception as exc:  # duckdb raises several kinds for a file that is not a database
        raise _fail(f"{workspace}: cannot open workspace: {str(exc).splitlines()[0]}") from None


def _indicator_table(
    workspace: Path | None,
    parquet: Path | None,
    engine: str,
    scheduler: str | None,
    workers: int,
    tokens: list[str],
    **kw: Any,
) -> Any:
    if engine not in ("duckdb", "dask"):
        raise _fail(f"--engine: unknown engine {engine!r} (known: duckdb, dask)")
    if (workspace is None) == (parquet is None):
        raise _fail("give exactly one of --workspace W or --parquet DIR")
    if engine == "dask" and parquet is None:
        raise _fail("--engine dask reads Parquet: give --parquet DIR (write it with `events ingest --parquet`)")
    from . import engines
    from .indicators import dyad_indicators

    try:
        if parquet is not None:
            if not parquet.exists():
                raise _fail(f"{parquet}: no such Parquet folder")
            if engine == "dask":
                with engines.dask_client(scheduler, workers) as client:
                    return engines.dask_dyad_indicators(client, parquet, tokens, **kw)
            return engines.duckdb_parquet_indicators(parquet, tokens, **kw)
        assert workspace is not None
        con = _open_ro(workspace)
        try:
            return dyad_indicators(con, tokens, **kw)
        finally:
            con.close()
    except EventsError as exc:
        raise _fail(str(exc)) from None


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
    from .indicators import Reliability

    _check_format(format)
    rel = Reliability(min_mentions, min_sources, min_confidence)
    tokens = [t for t in actors.split(",") if t.strip()]
    srcs = [s.strip() for s in source.split(",")] if source else None
    t = _indicator_table(
        workspace,
        parquet,
        engine,
        scheduler,
        workers,
        tokens,
        freq=freq,
        directed=directed,
        reliability=rel,
        start=_date(start, "--from"),
        end=_date(end, "--to"),
        sources=srcs,
    )
    cols = list(t.column_names) if all_columns else DYAD_COLUMNS
    _emit(t.to_pylist(), cols, format, f"Dyads ({freq})")


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
    from .indicators import acled_summary

    _check_format(format)
    con = _open_ro(workspace)
    try:
        t = acled_summary(
            con,
            by=[b.strip() for b in by.split(",") if b.strip()],
            freq=None if freq == "none" else freq,
            countries=[c.strip() for c in country.split(",")] if country else None,
            actors=[a.strip() for a in actors.split(",")] if actors else None,
            start=_date(start, "--from"),
            end=_date(end, "--to"),
        )
    except EventsError as exc:
        raise _fail(str(exc)) from None
    finally:
        con.close()
    _emit(t.to_pylist(), list(t.column_names), format, "ACLED")


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
    from .alerts import alerts_table, load_icews_dyad_year

    _check_format(format)
    tokens = [t.strip() for t in (actors or "pakistan,taliban").split(",") if t.strip()]
    try:
        if icews_dyad_year is not None:
            if workspace is not None:
                raise _fail("give either --workspace or --icews-dyad-year")
            if len(tokens) != 2:
                raise _fail("--actors: the ICEWS dyad-year table takes two country codes, e.g. AFG,PAK")
            series = load_icews_dyad_year(icews_dyad_year, tokens[0], tokens[1], directed=directed)
            freq = "year"
        else:
            if workspace is None:
                raise _fail("--workspace: required (or --icews-dyad-year FILE)")
            series = _indicator_table(
                workspace,
                None,
                "duckdb",
                None,
                1,
                tokens,
                freq=freq,
                directed=directed,
                sources=[s.strip() for s in source.split(",")] if source else None,
            )
        t = alerts_table(series, metric=metric, method=method, freq=freq, min_n=min_n, c=penalty)
    except EventsError as exc:
        raise _fail(str(exc)) from None
    _emit(t.to_pylist(), list(t.column_names), format, f"Alerts ({method}, {metric})")


# --- assumption check (mounted at top level by the main CLI as `realpolitik check`) ------------------------------


def check_command(
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
    from ..scenario.load import load_scenario
    from ..scenario.problems import ScenarioError
    from .check import CAVEAT, check_assumptions

    if format not in ("table", "json"):
        raise _fail(f"--format: unknown output format {format!r} (known: table, json)")
    try:
        scen = load_scenario(scenario)
    except ScenarioError as exc:
        for p in exc.problems:
            print(str(p), file=sys.stderr)
        raise typer.Exit(2) from None
    end = _date(as_of, "--as-of")
    if not workspace.is_file():
        raise _fail(f"{workspace}: no such workspace")
    try:
        table = actors_mod.load_actors(actors)
        findings = check_assumptions(scen, workspace, window=window, as_of=end, actor_table=table)
    except EventsError as exc:
        raise _fail(str(exc)) from None
    except Exception as exc:  # a file that is not a DuckDB database
        raise _fail(f"{workspace}: cannot read workspace: {str(exc).splitlines()[0]}") from None
    if format == "json":
        print(json.dumps([f.to_dict() for f in findings], indent=2, default=str))
        return
    print(f"{scen.id}: {len(findings)} finding(s)")
    for f in findings:
        print(f"[{f.kind}] {f.message}")
    print(CAVEAT)
