"""What the ``events`` commands share: option checks, reading a workspace or Parquet folder, and output.

Event tables are counts and indicators, not scenario estimates, so they print as plain cells (four significant
digits) in a table, JSON or CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import sys
from pathlib import Path
from typing import Any

from .common import fail


def check_format(fmt: str) -> None:
    if fmt not in ("table", "json", "csv"):
        fail(f"--format: unknown output format {fmt!r} (known: table, json, csv)")


def comma_list(value: str | None) -> list[str] | None:
    """``"a, b,"`` → ``["a", "b"]``; None stays None."""
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def cell(v: Any) -> str:
    from ..workflows import text

    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float):
        return text.number(v) if abs(v) < 1e5 else f"{v:.0f}"
    return str(v)


def jsonable(v: Any) -> Any:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "__float__") and not isinstance(v, int | float | bool):
        return float(v)
    return v


def emit(rows: list[dict[str, Any]], columns: list[str], fmt: str, title: str, *, acled_rows: bool = False) -> None:
    """Rows as a JSON list, CSV, or a rich table (wide when stdout is not a terminal, so nothing is cut). CSV and
    JSON are exports: with ACLED rows among ``rows`` (or ``acled_rows``: the table is derived from them) a licence
    warning goes to stderr."""
    if fmt in ("json", "csv"):
        licence_note(rows=rows, acled_rows=acled_rows)
    if fmt == "json":
        print(json.dumps([{k: jsonable(r.get(k)) for k in columns} for r in rows], indent=2))
        return
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if r.get(k) is None else jsonable(r.get(k)) for k in columns])
        sys.stdout.write(buf.getvalue())
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=escape(title))
    for c in columns:
        t.add_column(escape(c), overflow="fold")
    for r in rows:
        t.add_row(*[escape(cell(r.get(c))) for c in columns])
    con = Console(highlight=False)
    if not con.is_terminal:
        con = Console(highlight=False, width=220)
    con.print(t)


def licence_note(
    parquet: Path | None = None, *, rows: list[dict[str, Any]] | None = None, acled_rows: bool = False
) -> None:
    """One line on stderr when an export (a Parquet folder, or rows written as CSV/JSON) includes ACLED rows."""
    from ..events import licences

    note = licences.parquet_warning(parquet) if parquet is not None else None
    note = note or (licences.rows_warning(rows, acled_derived=acled_rows) if rows is not None else None)
    if note is not None:
        print(note, file=sys.stderr)


def open_ro(workspace: Path) -> Any:
    """A read-only connection to an existing workspace, or one line and exit 2."""
    from ..events import store
    from ..events.errors import EventsError

    if not workspace.is_file():
        fail(f"{workspace}: no such workspace")
    try:
        return store.connect(workspace, read_only=True)
    except EventsError as exc:  # a file that is not ours, a newer version, a lock
        fail(str(exc))
    except Exception as exc:  # duckdb raises several kinds for a file that is not a database
        fail(f"{workspace}: cannot open workspace: {str(exc).splitlines()[0]}")


def _check_source(workspace: Path | None, parquet: Path | None, engine: str) -> None:
    if engine not in ("duckdb", "dask"):
        fail(f"--engine: unknown engine {engine!r} (known: duckdb, dask)")
    if (workspace is None) == (parquet is None):
        fail("give exactly one of --workspace W or --parquet DIR")
    if engine == "dask" and parquet is None:
        fail("--engine dask reads Parquet: give --parquet DIR (write it with `events ingest --parquet`)")
    if parquet is not None and not parquet.exists():
        fail(f"{parquet}: no such Parquet folder")


def indicator_table(
    workspace: Path | None,
    parquet: Path | None,
    engine: str,
    scheduler: str | None,
    workers: int,
    tokens: list[str],
    **kw: Any,
) -> Any:
    """Dyad indicators from a workspace (DuckDB) or a Parquet folder (DuckDB or Dask)."""
    from ..events import engines
    from ..events.errors import EventsError
    from ..events.indicators import dyad_indicators

    _check_source(workspace, parquet, engine)
    try:
        if parquet is not None:
            if engine == "dask":
                with engines.dask_client(scheduler, workers) as client:
                    return engines.dask_dyad_indicators(client, parquet, tokens, **kw)
            return engines.duckdb_parquet_indicators(parquet, tokens, **kw)
        assert workspace is not None
        con = open_ro(workspace)
        try:
            return dyad_indicators(con, tokens, **kw)
        finally:
            con.close()
    except EventsError as exc:
        fail(str(exc))
