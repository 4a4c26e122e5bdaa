"""The workspace: one DuckDB file holding every ingested event, the files they came from, and what was rejected.

Why DuckDB tables (not only Parquet): a per-file transaction gives atomicity for free (a killed ingest leaves the
workspace as it was before that file), and anti-joins on ``(source, event_id)`` make re-ingest idempotent. Parquet
partitions by source and month are an export (:func:`export_parquet`) for other tools and for scale-out readers.

Tables: ``files`` (one row per ingested file: hashes, counts, reasons), ``rejects`` (each rejected row with line,
field, reason and the raw text), ``event_store`` (canonical rows), ``native_<family>`` (source fields verbatim as
VARCHAR), ``cameo_codes`` and ``countries`` (lookups). Views: ``events`` (what analysts query) and
``mention_confidence``.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

import duckdb

from .formats import ACLED_OPTIONAL, CANONICAL_COLUMNS, FORMATS, q
from .lookups import cameo, icews
from .lookups.plover import plover_category

SCHEMA_VERSION = "1"

NATIVE_FAMILIES: dict[str, list[str]] = {}
for _spec in FORMATS.values():
    cols = NATIVE_FAMILIES.setdefault(_spec.family, [])
    cols.extend(c for c in _spec.columns if c not in cols)
NATIVE_FAMILIES["acled"].extend(c for c in ACLED_OPTIONAL if c not in NATIVE_FAMILIES["acled"])


def native_table(family: str) -> str:
    return f"native_{family}"


def connect(workspace: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) a workspace and make sure its schema exists."""
    path = Path(workspace)
    if read_only:
        return duckdb.connect(str(path), read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    ensure_schema(con)
    return con


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create tables and views if missing; refresh lookup tables (they are the package's, not the user's)."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.execute("INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO NOTHING", [SCHEMA_VERSION])
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
    plain = [n for n, _, _ in CANONICAL_COLUMNS if n not in ("quad_class", "confidence", "root_code")]
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
                   c.plover AS plover,
                   strftime(e.event_date, '%Y-%m') AS month
            FROM event_store e
            LEFT JOIN mention_confidence m ON e.source = 'gdelt' AND m.event_id = e.event_id
            LEFT JOIN cameo_codes c ON c.code = e.event_code"""
    )


def export_parquet(con: duckdb.DuckDBPyConnection, out_dir: Path) -> Path:
    """Write the ``events`` view (``events_resolved``, with analytic actors, when it exists) as Parquet partitioned
    by source and month, replacing ``out_dir`` atomically.

    The export goes to a sibling temporary folder first and is renamed into place, so a reader never sees half a
    partition set.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    resolved = con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'events_resolved'").fetchone()
    view = "events_resolved" if resolved and resolved[0] else "events"
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        con.execute(
            f"COPY (SELECT * FROM {view}) TO '{tmp.as_posix()}/data' "
            "(FORMAT parquet, PARTITION_BY (source, month), OVERWRITE_OR_IGNORE)"
        )
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out_dir, old)
            os.replace(tmp / "data", out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp / "data", out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir
