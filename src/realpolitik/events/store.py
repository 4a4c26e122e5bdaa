"""The workspace: one DuckDB file holding every ingested event, the files they came from, and what was rejected.

Why DuckDB tables (not only Parquet): a per-file transaction gives atomicity for free (a killed ingest leaves the
workspace as it was before that file), and anti-joins on ``(source, event_id)`` make re-ingest idempotent. Parquet
partitions by source and month are an export (:func:`export_parquet`) for other tools and for scale-out readers.

Tables: ``files`` (one row per ingested file: hashes, counts, reasons), ``rejects`` (each rejected row with line,
field, reason and the raw text), ``event_store`` (canonical rows), ``native_<family>`` (source fields verbatim as
VARCHAR), ``fetch_state`` (what ``events fetch`` has fetched, per unit), ``deletions`` (source deletions applied),
``cameo_codes`` and ``countries`` (lookups). Views: ``events`` (what analysts query) and
``mention_confidence``.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import tempfile
import time
from importlib import resources
from pathlib import Path

import duckdb

from ..provenance import process_alive
from .errors import EventsError
from .formats import ACLED_OPTIONAL, CANONICAL_COLUMNS, FORMATS, LICENCES, q
from .lookups import cameo, icews
from .lookups.plover import plover_category

SCHEMA_VERSION = "3"
"""Workspace schema version (``meta.schema_version``). 1: no application id; 2: ``meta.application_id``;
3: ``event_store`` gains ``fatalities_low``, ``fatalities_high``, ``plover_code`` and ``licence`` (appended), and the
``fetch_state`` and ``deletions`` tables of ``realpolitik events fetch`` exist."""

V3_COLUMNS = ("fatalities_low", "fatalities_high", "plover_code", "licence")
"""Canonical columns added by version 3, in :data:`CANONICAL_COLUMNS` order (``events upgrade`` appends them)."""
APPLICATION_ID = "realpolitik-events-workspace"
"""``meta.application_id``: what marks a DuckDB file as a realpolitik workspace (anything else is refused)."""
LEFTOVER_AGE_S = 3600
"""A Parquet work folder older than this is a leftover even if a process with its id is alive (ids are reused)."""
PARQUET_MARKER = ".realpolitik-parquet"
"""Written into each Parquet folder the export creates; a non-empty folder without it is refused unless replaced."""

NATIVE_FAMILIES: dict[str, list[str]] = {}
for _spec in FORMATS.values():
    cols = NATIVE_FAMILIES.setdefault(_spec.family, [])
    cols.extend(c for c in _spec.columns if c not in cols)
NATIVE_FAMILIES["acled"].extend(c for c in ACLED_OPTIONAL if c not in NATIVE_FAMILIES["acled"])


def native_table(family: str) -> str:
    return f"native_{family}"


def _one_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def _open(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect``, with the environment's errors (a lock held by another process, a folder, a file that is
    not a DuckDB database) as one :class:`EventsError` line."""
    if path.is_dir():
        raise EventsError("is a folder, not a workspace file", file=str(path))
    if read_only and not path.is_file():
        raise EventsError("no such workspace", file=str(path))
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        msg = _one_line(exc)
        if "lock" in msg.lower():
            raise EventsError(
                f"the workspace is in use by another process ({msg}); wait, or query with a read-only command",
                file=str(path),
            ) from None
        raise EventsError(f"not a DuckDB workspace ({msg})", file=str(path)) from None


def workspace_state(con: duckdb.DuckDBPyConnection) -> tuple[str, str | None]:
    """What the open database is: ``("empty", None)`` (no tables: a new file), ``("ours", version)``, or
    ``("foreign", None)`` (tables, but no ``meta`` with our application id or a version-1 ``meta``)."""
    tables = {str(r[0]) for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if not tables:
        return "empty", None
    if "meta" not in tables:
        return "foreign", None
    try:
        meta = {str(k): str(v) for k, v in con.execute("SELECT key, value FROM meta").fetchall()}
    except duckdb.Error:
        return "foreign", None
    version = meta.get("schema_version")
    if meta.get("application_id") == APPLICATION_ID:
        return "ours", version
    if version == "1" and {"files", "rejects", "event_store"} <= tables:  # before application ids
        return "ours", "1"
    return "foreign", None


def _check_version(path: Path, state: str, version: str | None, *, upgrading: bool = False) -> None:
    if state == "foreign":
        raise EventsError(
            "not a realpolitik workspace (no realpolitik application id in its meta table); refusing to touch it",
            file=str(path),
        )
    if state == "empty":
        return
    try:
        number = int(version or "")
    except ValueError:
        raise EventsError(f"unreadable workspace version {version!r}", file=str(path)) from None
    if number > int(SCHEMA_VERSION):
        raise EventsError(
            f"workspace version {number} is newer than this realpolitik reads ({SCHEMA_VERSION}); upgrade realpolitik",
            file=str(path),
        )
    if number < int(SCHEMA_VERSION) and not upgrading:
        raise EventsError(
            f"workspace version {number} is older than {SCHEMA_VERSION}; "
            f"run `realpolitik events upgrade --workspace {path}` first",
            file=str(path),
        )


def connect(workspace: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) a workspace and make sure its schema exists.

    A DuckDB file that is not ours (no application id in ``meta``) is refused and left unmodified, as is a
    workspace of a newer version; an older one is refused for writing until :func:`upgrade`. Read-only, an older
    workspace is read as it is. Problems are :class:`EventsError`, one line naming the file.
    """
    path = Path(workspace)
    if read_only:
        con = _open(path, read_only=True)
        try:
            state, version = workspace_state(con)
            older = state == "ours" and (version or "").isdigit() and int(version or 0) < int(SCHEMA_VERSION)
            if not older:  # an older workspace of ours is read as it is; only writing needs `events upgrade`
                _check_version(path, state, version)
        except BaseException:
            con.close()
            raise
        return con
    if path.is_file() and path.stat().st_size > 0:
        probe = _open(path, read_only=True)  # look before writing: a foreign file is never modified
        try:
            _check_version(path, *workspace_state(probe))
        finally:
            probe.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only=False)
    try:
        _check_version(path, *workspace_state(con))  # another process may have created it meanwhile
        ensure_schema(con)
    except BaseException:
        con.close()
        raise
    return con


def upgrade(workspace: Path | str) -> tuple[str, str]:
    """Upgrade an older workspace to :data:`SCHEMA_VERSION` (``realpolitik events upgrade``); return the versions
    (before, after). A foreign file, or a newer version, is refused unmodified."""
    path = Path(workspace)
    if not path.is_file():
        raise EventsError("no such workspace", file=str(path))
    probe = _open(path, read_only=True)
    try:
        state, version = workspace_state(probe)
    finally:
        probe.close()
    if state == "empty":
        raise EventsError("not a realpolitik workspace (an empty database)", file=str(path))
    _check_version(path, state, version, upgrading=True)
    before = version or SCHEMA_VERSION
    if before == SCHEMA_VERSION:
        return before, SCHEMA_VERSION
    con = _open(path, read_only=False)
    try:
        con.execute("BEGIN TRANSACTION")
        try:  # 1 -> 2: the application id; the tables are unchanged
            con.execute("INSERT INTO meta VALUES ('application_id', ?) ON CONFLICT (key) DO NOTHING", [APPLICATION_ID])
            if int(before) < 3:
                _upgrade_to_3(con)
            con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [SCHEMA_VERSION])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        ensure_schema(con)
    finally:
        con.close()
    return before, SCHEMA_VERSION


def _upgrade_to_3(con: duckdb.DuckDBPyConnection) -> None:
    """2 -> 3: append the new canonical columns (in their canonical order) and fill ``licence`` for the rows that
    are already there, by source; the views are rebuilt by :func:`ensure_schema` afterwards."""
    types = {name: typ for name, typ, _ in CANONICAL_COLUMNS}
    have = {
        str(r[0])
        for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'event_store'").fetchall()
    }
    con.execute("DROP VIEW IF EXISTS events")  # the view depends on the table being altered
    for name in V3_COLUMNS:
        if name not in have:
            con.execute(f"ALTER TABLE event_store ADD COLUMN {name} {types[name]}")
    for source, licence in LICENCES.items():
        con.execute("UPDATE event_store SET licence = ? WHERE source = ? AND licence IS NULL", [licence, source])


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create tables and views if missing; refresh lookup tables (they are the package's, not the user's)."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.execute("INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO NOTHING", [SCHEMA_VERSION])
        con.execute("INSERT INTO meta VALUES ('application_id', ?) ON CONFLICT (key) DO NOTHING", [APPLICATION_ID])
        con.execute("CREATE SEQUENCE IF NOT EXISTS file_ids START 1")
        con.execute(
            """CREATE TABLE IF NOT EXISTS files (
                file_id INTEGER PRIMARY KEY, path VARCHAR, name VARCHAR, member VARCHAR, sha256 VARCHAR,
                md5 VARCHAR, size_bytes BIGINT, format VARCHAR, source VARCHAR, columns_from VARCHAR,
                rows_read BIGINT, loaded BIGINT, duplicates BIGINT, rejected BIGINT, reject_reasons VARCHAR,
                ingested_at TIMESTAMP, status VARCHAR)"""
        )
        con.execute(
            """CREATE TABLE IF NOT EXISTS rejects (
                file_id INTEGER, line BIGINT, field VARCHAR, reason VARCHAR, message VARCHAR, raw VARCHAR)"""
        )
        cols = ", ".join(f"{name} {typ}" for name, typ, _ in CANONICAL_COLUMNS)
        con.execute(f"CREATE TABLE IF NOT EXISTS event_store ({cols})")
        for family, native in NATIVE_FAMILIES.items():
            ncols = ", ".join(f"{q(c)} VARCHAR" for c in native)
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {native_table(family)} (record_key VARCHAR, file_id INTEGER, "
                f"source_row BIGINT, {ncols}, extra VARCHAR)"
            )
        con.execute(
            """CREATE TABLE IF NOT EXISTS fetch_state (
                source VARCHAR, unit VARCHAR, status VARCHAR, detail VARCHAR, rows BIGINT, fetched_at TIMESTAMP,
                PRIMARY KEY (source, unit))"""
        )
        con.execute(
            """CREATE TABLE IF NOT EXISTS deletions (
                source VARCHAR, event_id VARCHAR, deleted_at TIMESTAMP, applied_at TIMESTAMP, rows_removed INTEGER,
                PRIMARY KEY (source, event_id))"""
        )
        _load_lookups(con)
        _create_views(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _load_lookups(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE OR REPLACE TABLE cameo_codes (code VARCHAR, label VARCHAR, root_code VARCHAR, goldstein DOUBLE, "
        "quad_class TINYINT, plover VARCHAR, icews_intensity DOUBLE)"
    )
    ints = icews.intensities()
    table = cameo.codes()
    rows: list[tuple[str, str | None, str, float | None, int, str | None, float | None]] = [
        (c.code, c.label, c.root, c.goldstein, c.quad_class, c.plover, ints.get(c.code)) for c in table.values()
    ]
    for code in sorted(set(ints) - set(table)):  # ICEWS codes outside GDELT's table (1213)
        rows.append((code, None, code[:2], None, cameo.quad_class(code[:2]), plover_category(code), ints[code]))
    con.executemany("INSERT INTO cameo_codes VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute("CREATE OR REPLACE TABLE countries (iso3 VARCHAR, name VARCHAR, name_key VARCHAR)")
    con.executemany("INSERT INTO countries VALUES (?, ?, ?)", country_rows())


def country_rows() -> list[tuple[str, str, str]]:
    """(iso3, name, lower-case lookup key) for every name and alias in the package's country table."""
    text = resources.files("realpolitik.events").joinpath("data/countries.csv").read_text(encoding="utf-8")
    out: list[tuple[str, str, str]] = []
    for row in csv.DictReader(text.splitlines()):
        names = [row["name"], *[a for a in (row.get("aliases") or "").split(";") if a.strip()]]
        out.extend((row["iso3"], row["name"], n.strip().lower()) for n in names)
    return out


def _create_views(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""CREATE OR REPLACE VIEW mention_confidence AS
            SELECT "GLOBALEVENTID" AS event_id, avg(TRY_CAST("Confidence" AS DOUBLE)) AS confidence,
                   max(TRY_CAST("Confidence" AS DOUBLE)) AS max_confidence, count(*) AS mentions
            FROM {native_table("gdelt_mentions")} GROUP BY 1"""
    )
    plain = [n for n, _, _ in CANONICAL_COLUMNS if n not in ("quad_class", "confidence", "root_code", "plover_code")]
    select = ", ".join(f"e.{n}" for n in plain)
    con.execute(
        f"""CREATE OR REPLACE VIEW events AS
            SELECT {select},
                   COALESCE(e.root_code, c.root_code) AS root_code,
                   COALESCE(e.quad_class, c.quad_class) AS quad_class,
                   COALESCE(e.confidence, m.confidence) AS confidence,
                   m.max_confidence AS max_confidence,
                   c.label AS event_label,
                   c.goldstein AS goldstein_cameo,
                   c.icews_intensity AS intensity,
                   COALESCE(e.plover_code, c.plover) AS plover,
                   strftime(e.event_date, '%Y-%m') AS month
            FROM event_store e
            LEFT JOIN mention_confidence m ON e.source = 'gdelt' AND m.event_id = e.event_id
            LEFT JOIN cameo_codes c ON c.code = e.event_code"""
    )


def check_parquet_target(out_dir: Path | str, *, replace: bool = False) -> None:
    """Refuse to replace ``out_dir`` unless it is absent, empty, a folder this export created (it holds
    :data:`PARQUET_MARKER`), or ``replace`` is given."""
    out_dir = Path(out_dir)
    if not out_dir.exists() or replace:
        return
    if not out_dir.is_dir():
        raise EventsError("--parquet: exists and is not a folder", file=str(out_dir))
    if (out_dir / PARQUET_MARKER).is_file() or not any(out_dir.iterdir()):
        return
    raise EventsError(
        "--parquet: a non-empty folder this export did not create; choose another folder or pass --replace",
        file=str(out_dir),
    )


def parquet_workdir(out_dir: Path) -> Path:
    """A new hidden work folder beside ``out_dir`` (``.NAME.PID.tmp-XXXXXXXX``), after removing those of exports
    that were killed (their process is gone, or they are over :data:`LEFTOVER_AGE_S` old).

    The name carries the writer's process id so a running export's folder is never taken for a leftover, and ends
    like the other temporary folders (``.tmp-XXXXXXXX``), so ``realpolitik clean`` finds them too."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    clean_parquet_leftovers(out_dir)
    return Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.{os.getpid()}.tmp-", dir=out_dir.parent))


def clean_parquet_leftovers(out_dir: Path, now: float | None = None) -> list[Path]:
    """Remove the work folders killed exports left beside ``out_dir`` (see :func:`parquet_workdir`); also those of
    earlier versions (``.NAME.XXXXXXXX``, ``.NAME.old``, ``.NAME.work.XXXXXXXX``) once over an hour old."""
    pattern = re.compile(
        rf"^\.{re.escape(out_dir.name)}\.(?:(?P<pid>\d+)\.tmp-[A-Za-z0-9_]{{8}}|old|work\.[A-Za-z0-9_]{{8}}|[A-Za-z0-9_]{{8}})$"
    )
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        siblings = list(out_dir.parent.iterdir())
    except OSError:
        return removed
    for folder in siblings:
        m = pattern.match(folder.name)
        if m is None or folder.is_symlink() or not folder.is_dir():
            continue
        try:
            old = now - folder.lstat().st_mtime > LEFTOVER_AGE_S
        except OSError:
            continue
        pid = m.group("pid")
        if old or (pid is not None and not process_alive(int(pid))):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def mark_parquet(out_dir: Path) -> None:
    (Path(out_dir) / PARQUET_MARKER).write_text("written by realpolitik events ingest --parquet\n", encoding="utf-8")


def export_parquet(con: duckdb.DuckDBPyConnection, out_dir: Path, *, replace: bool = False) -> Path:
    """Write the ``events`` view (``events_resolved``, with analytic actors, when it exists) as Parquet partitioned
    by source and month, replacing ``out_dir`` atomically.

    The export goes to a sibling temporary folder first and is renamed into place, so a reader never sees half a
    partition set.
    """
    out_dir = Path(out_dir)
    check_parquet_target(out_dir, replace=replace)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    resolved = con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'events_resolved'").fetchone()
    view = "events_resolved" if resolved and resolved[0] else "events"
    tmp = parquet_workdir(out_dir)
    try:
        target = (tmp / "data").as_posix().replace("'", "''")  # COPY ... TO takes no parameter
        con.execute(
            f"COPY (SELECT * FROM {view}) TO '{target}' "
            "(FORMAT parquet, PARTITION_BY (source, month), OVERWRITE_OR_IGNORE)"
        )
        (tmp / "data").mkdir(exist_ok=True)  # no events: an empty export
        mark_parquet(tmp / "data")
        if out_dir.exists():
            os.replace(out_dir, tmp / "old")  # removed with the work folder below
        os.replace(tmp / "data", out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir
