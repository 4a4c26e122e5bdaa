"""The workspace side of a fetch: the ``fetch_state`` table that makes a fetch resumable and idempotent, loading
a verified file, and :func:`download_and_load`, the loop of sources that publish a list of files.

Why a module of its own: rows reach the workspace only through :func:`load_file`, i.e.
:func:`realpolitik.events.ingest.ingest_file` (one transaction per file, a file with a known SHA-256 skipped), and
what a rerun skips is decided only by :func:`done_units`; every source keeps its account in the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import EventsError
from .http import download
from .request import AccountRow, Deadline, FetchError, FetchRequest, Progress, default_cache_dir

if TYPE_CHECKING:
    import duckdb
    import httpx

    from ..ingest import FileReport


# --- the workspace side ----------------------------------------------------------------------------------------------


def load_file(con: duckdb.DuckDBPyConnection, path: Path, fmt: str) -> FileReport:
    """Ingest a downloaded, verified file (one transaction; a file already ingested, same SHA-256, is skipped)."""
    from ..ingest import ingest_file

    return ingest_file(con, path, forced_format=fmt)


def done_units(con: duckdb.DuckDBPyConnection, source: str) -> set[str]:
    """Units of ``source`` recorded as loaded: what a rerun skips."""
    rows = con.execute("SELECT unit FROM fetch_state WHERE source = ? AND status = 'loaded'", [source]).fetchall()
    return {str(r[0]) for r in rows}


def already_loaded(workspace: Path, source: str) -> set[str]:
    """For ``--dry-run``: the units of ``source`` an existing workspace has loaded, read without writing anything
    (nothing for a missing workspace, or one from before ``fetch_state``)."""
    import duckdb

    from .. import store

    if not workspace.is_file():
        return set()
    con = store.connect(workspace, read_only=True)
    try:
        return done_units(con, source)
    except duckdb.Error:  # a workspace from before fetch_state
        return set()
    finally:
        con.close()


def record_unit(
    con: duckdb.DuckDBPyConnection, source: str, unit: str, status: str, detail: str = "", rows: int = 0
) -> None:
    """Record (or replace) the state of one unit. ``detail`` must not hold secrets (it is stored)."""
    con.execute(
        "INSERT OR REPLACE INTO fetch_state (source, unit, status, detail, rows, fetched_at) "
        "VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP)",
        [source, unit, status, detail, rows],
    )


def row_from_report(unit: str, report: FileReport, nbytes: int) -> AccountRow:
    """The account row of a file that :func:`load_file` ingested (or skipped as already ingested)."""
    status = "loaded" if report.status in ("loaded", "skipped") else "failed"
    return AccountRow(
        unit,
        status,
        bytes=nbytes,
        rows=report.rows_read,
        loaded=report.loaded,
        duplicates=report.duplicates,
        rejected=report.rejected,
        message=report.message,
    )


# --- listed files: parallel downloads, ingested in order ------------------------------------------------------------


@dataclass(frozen=True)
class ListedDownload:
    """One file a source's listing names, as :func:`download_and_load` needs it.

    ``unit`` is its ``fetch_state`` unit, ``label`` its account row's unit (the unit with what a reader needs to
    recognise it), ``name`` what the progress line shows; ``url`` is relative to the client's base URL and
    ``cache_name`` the file name in the cache folder. ``note``, when given, prefixes the detail recorded in
    ``fetch_state`` (the file's name, where the unit is only an id)."""

    unit: str
    label: str
    name: str
    url: str
    cache_name: str
    size: int | None
    md5: str | None
    format: str
    note: str = ""


def download_and_load(
    client: httpx.Client,
    request: FetchRequest,
    source: str,
    files: Sequence[ListedDownload],
    deadline: Deadline,
    progress: Progress | None,
) -> list[AccountRow]:
    """Download the files the workspace has not loaded, ``request.parallel`` at a time, and ingest each in the
    listed order as soon as its download is done, so the workspace fills in a repeatable order while downloads
    overlap. Files loaded before are skipped rows; the account has one row per file, in the listed order."""
    from .. import store

    cache = request.cache_dir or default_cache_dir(source)
    con = store.connect(request.workspace)
    try:
        done = done_units(con, source)
        todo = [f for f in files if f.unit not in done]
        rows = {
            f.unit: AccountRow(f.label, "skipped", message="loaded by an earlier fetch")
            for f in files
            if f.unit in done
        }
        pool = ThreadPoolExecutor(max_workers=request.parallel, thread_name_prefix=f"realpolitik-{source}")
        try:
            futures = {
                f.unit: pool.submit(
                    download, client, f.url, cache / f.cache_name, size=f.size, md5=f.md5, deadline=deadline
                )
                for f in todo
            }
            for i, f in enumerate(todo, 1):
                rows[f.unit] = _load_download(con, source, f, futures[f.unit])
                if progress is not None:
                    progress(i, len(todo), f"{f.name} {rows[f.unit].status}")
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    finally:
        con.close()
    return [rows[f.unit] for f in files]


def _load_download(con: duckdb.DuckDBPyConnection, source: str, f: ListedDownload, future: Future[Path]) -> AccountRow:
    """Ingest one verified download and record it; a failed download or ingest is a failed row, nothing loaded."""
    try:
        path = future.result()
        report = load_file(con, path, f.format)
    except EventsError as exc:
        message = exc.message if isinstance(exc, FetchError) else str(exc)
        record_unit(con, source, f.unit, "failed", message)
        return AccountRow(f.label, "failed", message=message)
    row = row_from_report(f.label, report, f.size or path.stat().st_size)
    detail = f"{f.note}: {report.message}".rstrip(": ") if f.note else report.message
    record_unit(con, source, f.unit, row.status, detail, report.loaded)
    return row
