"""ACLED rows in the workspace: a verified API page written as a CSV and ingested, revised events replacing the
stored version (:func:`apply_revisions`) and ACLED's deletions applied (:func:`apply_deletions`), each in one
transaction.

Why a module of its own: this is the SQL against ``native_acled``, ``event_store``, ``files`` and ``deletions`` that
keeps a workspace in step with ACLED's edits; :mod:`.acled` decides what to ask the API for and calls these with
the rows it got. See docs/events-acled.md.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import ingest, store
from ..formats import ACLED_COLUMNS, FORMATS, detect, q
from .bookkeeping import load_file, record_unit
from .request import AccountRow

if TYPE_CHECKING:
    import duckdb

SOURCE = "acled"
FORMAT = "acled"
DELETIONS_UNIT = "deletions"
"""The ``fetch_state`` unit recording the newest deletion applied (``since=TIMESTAMP``)."""
NATIVE = store.native_table("acled")


def write_page(folder: Path, name: str, rows: list[dict[str, Any]]) -> Path:
    """Rows as a CSV with ACLED's column names (extra fields after them), written atomically."""
    extra = sorted({k for r in rows for k in r} - set(ACLED_COLUMNS))
    cols = ACLED_COLUMNS + extra
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{re.sub(r'[^A-Za-z0-9._=-]+', '_', name)}.csv"
    tmp = path.with_name(f".{path.name}.part")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow(["" if r.get(c) is None else str(r.get(c)) for c in cols])
    os.replace(tmp, path)
    return path


def stored_timestamps(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, int]:
    """The ``timestamp`` of each stored event among ``ids`` (-1 where it is not a number)."""
    import pyarrow as pa

    con.register("_acled_ids", pa.table({"k": ids}))
    try:
        rows = con.execute(
            f"SELECT record_key, COALESCE(TRY_CAST(timestamp AS BIGINT), -1) FROM {NATIVE} "
            "WHERE record_key IN (SELECT k FROM _acled_ids)"
        ).fetchall()
    finally:
        con.unregister("_acled_ids")
    return {str(k): int(t) for k, t in rows}


def unix_time(value: Any) -> int:
    """A Unix timestamp as ACLED sends it (a number or a string of digits); -1 when it is neither."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() else -1


def row_timestamp(row: dict[str, Any]) -> int:
    return unix_time(row.get("timestamp"))


def load_page(
    con: duckdb.DuckDBPyConnection, folder: Path, name: str, rows: list[dict[str, Any]], acc: AccountRow
) -> None:
    """Ingest one verified page: new events load, revised ones replace the stored version, the rest are
    duplicates. A page holding nothing new or newer is not written or ingested (a rerun adds no ``files`` row)."""
    acc.rows += len(rows)
    if not rows:
        return
    latest: dict[str, int] = {}  # per event id, its newest timestamp on the page (one pass over the rows)
    for r in rows:
        key = str(r["event_id_cnty"])
        latest[key] = max(latest.get(key, row_timestamp(r)), row_timestamp(r))
    stored = stored_timestamps(con, sorted(latest))
    newer = {k for k, ts in latest.items() if k in stored and ts > stored[k]}
    if latest.keys() <= stored.keys() and not newer:
        acc.duplicates += len(rows)
        return
    path = write_page(folder, name, rows)
    acc.bytes += path.stat().st_size
    report = load_file(con, path, FORMAT)
    if report.status == "skipped":  # the same bytes were ingested before (a rerun after a kill, say)
        # A kill between ingest's transaction and the revisions' one leaves the page loaded but not applied:
        # apply what is still newer than the stored version now.
        updated = apply_revisions(con, path, int(report.file_id), newer) if newer and report.file_id else 0
        acc.updated += updated
        acc.duplicates += len(rows) - updated
        return
    acc.loaded += report.loaded
    acc.rejected += report.rejected
    updated = apply_revisions(con, path, int(report.file_id or 0), newer) if newer else 0
    acc.updated += updated
    acc.duplicates += report.duplicates - updated


def apply_revisions(con: duckdb.DuckDBPyConnection, path: Path, file_id: int, keys: set[str]) -> int:
    """Replace the stored versions of ``keys`` by their rows in the page file ``path`` (ingested as ``file_id``,
    which dropped them as duplicates), in one transaction: the stale native and canonical rows go, the file's
    rows for those keys (those that passed the format's checks; the first of each key) go into the native table
    under ``file_id``, the file's canonical rows are projected again, and its ``files`` row counts them as loaded.

    The parsing, checks and canonical projection are ingest's own (the same SQL), so a revised row is stored
    exactly as if it had been new. Returns the number of rows replaced."""
    import pyarrow as pa

    spec = FORMATS[FORMAT]
    det = detect(path, name=str(path), forced=FORMAT)
    ncols = ", ".join(q(c) for c in store.NATIVE_FAMILIES["acled"])
    rej_t, rej_s = f"rev_err_{file_id}", f"rev_scan_{file_id}"
    con.register("_acled_keys", pa.table({"k": sorted(keys)}))
    con.execute("BEGIN TRANSACTION")
    try:
        reader, cols = ingest.read_csv_sql(path, det, rej_t, rej_s)
        native_sel, _ = ingest.native_select(det, cols)
        con.execute(
            f"""CREATE TEMP TABLE _acled_new AS
                SELECT * FROM (SELECT {spec.id_sql} AS record_key, _n AS source_row, {ncols}, extra,
                                      {ingest.check_sql(spec)} AS _problem
                               FROM (SELECT row_number() OVER () AS _n, * FROM (SELECT {native_sel} FROM {reader})))
                WHERE _problem IS NULL AND record_key IN (SELECT k FROM _acled_keys)
                QUALIFY row_number() OVER (PARTITION BY record_key ORDER BY source_row) = 1""",
            {"path": path.as_posix()},  # ingest's reader takes the path as a parameter
        )
        n = ingest.scalar(con, "SELECT count(*) FROM _acled_new")
        con.execute(
            "DELETE FROM event_store WHERE source = 'acled' AND (file_id = ? OR event_id IN "
            "(SELECT record_key FROM _acled_new))",
            [file_id],
        )
        con.execute(f"DELETE FROM {NATIVE} WHERE record_key IN (SELECT record_key FROM _acled_new)")
        con.execute(
            f"INSERT INTO {NATIVE} (record_key, file_id, source_row, {ncols}, extra) "
            f"SELECT record_key, {file_id}, source_row, {ncols}, extra FROM _acled_new"
        )
        ingest.insert_canonical(con, spec, file_id, det)
        con.execute(
            "UPDATE files SET loaded = loaded + ?, duplicates = duplicates - ? WHERE file_id = ?", [n, n, file_id]
        )
        for t in ("_acled_new", rej_t, rej_s):
            con.execute(f"DROP TABLE IF EXISTS {t}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_acled_keys")
    return n


def apply_deletions(
    con: duckdb.DuckDBPyConnection, received: dict[str, int], newest: int, since: int | None
) -> tuple[int, int]:
    """One transaction: record the deletions not recorded before (``rows_removed`` = canonical rows removed),
    delete those events from ``event_store`` and ``native_acled``, and record the sync point (when it moved).
    Returns (new deletions, events removed)."""
    import pyarrow as pa

    table = pa.table({"k": list(received), "ts": [max(v, 0) for v in received.values()]})
    con.register("_acled_deleted", table)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            """CREATE TEMP TABLE _acled_del AS
               SELECT d.k, d.ts, (SELECT count(*) FROM event_store e WHERE e.source = 'acled' AND e.event_id = d.k) AS n
               FROM _acled_deleted d
               WHERE d.k NOT IN (SELECT event_id FROM deletions WHERE source = 'acled')"""
        )
        new = ingest.scalar(con, "SELECT count(*) FROM _acled_del")
        removed = ingest.scalar(con, "SELECT count(*) FROM _acled_del WHERE n > 0")
        con.execute(
            "INSERT INTO deletions SELECT 'acled', k, make_timestamp(ts * 1000000), now()::TIMESTAMP, n FROM _acled_del"
        )
        con.execute("DELETE FROM event_store WHERE source = 'acled' AND event_id IN (SELECT k FROM _acled_del)")
        con.execute(f"DELETE FROM {NATIVE} WHERE record_key IN (SELECT k FROM _acled_del)")
        con.execute("DROP TABLE _acled_del")
        if new or newest != since:  # an unchanged server: nothing written
            record_unit(con, SOURCE, DELETIONS_UNIT, "loaded", detail=f"since={newest}", rows=len(received))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_acled_deleted")
    return new, removed
