"""Load event files into a workspace: one DuckDB transaction per file, every row accounted for.

Guarantees, and why they hold:

* **Atomic per file** - all writes for a file (native rows, canonical rows, rejects, the ``files`` row) happen in a
  single transaction; a crash or ``kill -9`` before COMMIT leaves the workspace as it was before that file.
* **Idempotent** - a file whose SHA-256 is already recorded as loaded is skipped; rows are also de-duplicated on
  the source's event id (an anti-join against what is stored, and first-occurrence-wins inside a file), so the
  same event arriving in a different file is counted as a duplicate, not loaded twice.
* **Accounted** - ``rows_read = loaded + duplicates + rejected`` for every file. Rows DuckDB's CSV reader cannot
  parse (wrong field count, invalid UTF-8) come from its ``store_rejects`` tables; rows that parse but carry bad
  values (dates, numbers, missing ids) are caught by SQL checks. Each reject keeps its line, field, reason and raw
  text in the ``rejects`` table.

Parsing and typing are DuckDB SQL over the whole file; Python only orchestrates.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from .errors import EventsError
from .formats import (
    CANONICAL_COLUMNS,
    COUNTRY_NAME_SQL,
    ColumnMapping,
    Detected,
    FormatSpec,
    detect,
    q,
)
from .store import NATIVE_FAMILIES, native_table

EVENT_FILE_SUFFIXES = (".csv", ".zip", ".tab", ".tsv", ".txt")


@dataclass
class FileReport:
    """What happened to one input file."""

    path: str
    status: str  # loaded | skipped | error
    format: str | None = None
    file_id: int | None = None
    rows_read: int = 0
    loaded: int = 0
    duplicates: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def file_hashes(path: Path) -> tuple[str, str, int]:
    """SHA-256 (identity for idempotency) and MD5 (what GDELT's masterfilelist publishes) in one pass."""
    sha, md5 = hashlib.sha256(), hashlib.md5()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), md5.hexdigest(), size


@contextlib.contextmanager
def _readable(path: Path) -> Iterator[tuple[Path, str | None]]:
    """Yield a plain-text path for ``path``: itself, or its zip member extracted to a temporary file.

    DuckDB reads gzip/zstd but not zip, so GDELT's ``.CSV.zip`` is decompressed by streaming (no row parsing).
    A truncated or corrupt zip raises :class:`EventsError` naming the file.
    """
    if path.suffix.lower() != ".zip":
        yield path, None
        return
    tmpdir = Path(tempfile.mkdtemp(prefix="realpolitik-unzip-"))
    try:
        try:
            with zipfile.ZipFile(path) as zf:
                members = [m for m in zf.infolist() if not m.is_dir()]
                if len(members) != 1:
                    raise EventsError(f"zip holds {len(members)} files; expected one event file", file=str(path))
                member = members[0]
                target = tmpdir / Path(member.filename).name
                with zf.open(member) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
        except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
            raise EventsError(f"truncated or corrupt zip: {exc}", file=str(path)) from None
        yield target, member.filename
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _check_sql(spec: FormatSpec) -> str:
    """A CASE expression giving 'field<TAB>message' for the first failed check of a row, NULL when it passes."""
    whens: list[str] = []
    for ck in spec.checks:
        col = f"NULLIF(TRIM({q(ck.column)}), '')"
        if ck.required:
            whens.append(f"WHEN {col} IS NULL THEN {_sql_str(ck.column + chr(9) + 'missing value')}")
        kind = ck.kind
        bad: str | None = None
        what = ""
        if kind == "digits":
            bad, what = f"NOT regexp_full_match({col}, '[0-9]+')", "expected digits"
        elif kind == "int":
            bad, what = f"TRY_CAST({col} AS BIGINT) IS NULL", "not an integer"
        elif kind == "float":
            bad, what = f"TRY_CAST({col} AS DOUBLE) IS NULL", "not a number"
        elif kind == "date:acled":
            bad = f"COALESCE(try_strptime({col}, '%Y-%m-%d'), try_strptime({col}, '%d %B %Y')) IS NULL"
            what = "not a date (YYYY-MM-DD or '23 February 2022')"
        elif kind.startswith(("date:", "timestamp:")):
            fmt = kind.split(":", 1)[1]
            bad, what = f"try_strptime({col}, {_sql_str(fmt)}) IS NULL", f"not a date ({fmt})"
        if bad is not None:
            msg = f"{ck.column}\t{what}: '"
            whens.append(f"WHEN {col} IS NOT NULL AND {bad} THEN {_sql_str(msg)} || left({col}, 40) || ''''")
    if not whens:
        return "NULL"
    return "CASE " + " ".join(whens) + " END"


def _read_csv_sql(path: Path, det: Detected, rej_table: str, rej_scan: str) -> tuple[str, list[str]]:
    """The read_csv call for a file, all columns VARCHAR, malformed lines diverted to reject tables."""
    spec = det.spec
    names = det.header if det.header is not None else spec.columns
    seen: dict[str, int] = {}
    cols: list[str] = []
    for i, n in enumerate(names):  # name blank header cells, make duplicates unique, so DuckDB accepts them
        n = n or f"column{i}"
        k = seen.get(n, 0)
        seen[n] = k + 1
        cols.append(n if k == 0 else f"{n}_{k}")
    col_struct = "{" + ", ".join(f"{_sql_str(c)}: 'VARCHAR'" for c in cols) + "}"
    delim = det.delimiter
    quote = det.quote if det.header is not None else spec.quote
    escape = '"' if quote == '"' else ""
    opts = [
        f"delim={_sql_str(delim)}",
        f"header={'true' if det.header is not None else 'false'}",
        f"columns={col_struct}",
        "auto_detect=false",
        f"quote={_sql_str(quote)}",
        f"escape={_sql_str(escape)}",
        "store_rejects=true",
        f"rejects_table={_sql_str(rej_table)}",
        f"rejects_scan={_sql_str(rej_scan)}",
        "strict_mode=true",
        f"null_padding={'true' if spec.null_padding else 'false'}",
        "encoding='utf-8'",
        "parallel=false",
    ]
    return f"read_csv({_sql_str(path.as_posix())}, {', '.join(opts)})", cols


def _native_select(det: Detected, cols: list[str]) -> tuple[str, str | None]:
    """SELECT list that renames the file's columns to the family's native columns, plus ``extra`` JSON."""
    family_cols = NATIVE_FAMILIES[det.spec.family]
    mapping: dict[str, str]  # native -> file column
    if det.header is None:
        mapping = dict(zip(det.spec.columns, cols, strict=True))
    elif det.mapping is None:
        mapping = {c: c for c in cols if c in family_cols}
    else:
        mapping = {}
        for file_col, native in det.mapping.columns.items():
            if file_col in cols and native in family_cols:
                mapping.setdefault(native, file_col)
    used = set(mapping.values())
    conf = det.mapping.confidence_column if det.mapping else None
    extras = [c for c in cols if c not in used]
    nulls = det.spec.null_tokens

    def col(file_col: str) -> str:
        if not nulls:
            return q(file_col)
        tokens = ", ".join(_sql_str(t) for t in nulls)
        return f"CASE WHEN TRIM({q(file_col)}) IN ({tokens}) THEN NULL ELSE {q(file_col)} END"

    parts = [
        f"{col(mapping[n])} AS {q(n)}" if n in mapping else f"CAST(NULL AS VARCHAR) AS {q(n)}" for n in family_cols
    ]
    if extras:
        parts.append(
            "CAST(to_json(struct_pack(" + ", ".join(f"{q(c)} := {q(c)}" for c in extras) + ")) AS VARCHAR) AS extra"
        )
    else:
        parts.append("CAST(NULL AS VARCHAR) AS extra")
    conf_sql = f"TRY_CAST({q(conf)} AS DOUBLE)" if conf and conf in cols else None
    return ", ".join(parts), conf_sql


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    forced_format: str | None = None,
    mapping: ColumnMapping | None = None,
    max_examples: int = 5,
) -> FileReport:
    """Ingest one file in one transaction and return its report. Raises :class:`EventsError` for a file that
    cannot be read at all (corrupt zip, unknown format); malformed rows are rejected and counted instead."""
    path = Path(path)
    if not path.is_file():
        raise EventsError("no such file", file=str(path))
    sha, md5, size = file_hashes(path)
    done = con.execute("SELECT file_id FROM files WHERE sha256 = ? AND status = 'loaded' LIMIT 1", [sha]).fetchone()
    if done is not None:
        return FileReport(
            str(path), "skipped", file_id=int(done[0]), message=f"already ingested as file {done[0]} (same SHA-256)"
        )
    with _readable(path) as (data_path, member):
        det = detect(data_path, name=str(path), forced=forced_format, mapping=mapping)
        return _load(con, path, data_path, member, det, sha, md5, size, max_examples)


def _load(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    data_path: Path,
    member: str | None,
    det: Detected,
    sha: str,
    md5: str,
    size: int,
    max_examples: int,
) -> FileReport:
    """One transaction: parse the file once into a temporary table, then write rejects, native and canonical rows.

    The file is read by a single ``read_csv`` whose projection already renames the columns to the native names
    and computes each row's first failed check and its dedup key, so the 61 VARCHAR columns are materialised
    once (``checked``) before the one copy that is kept (the native table); canonical rows are projected from the
    native rows just written. Within-file de-duplication needs a window only when the file repeats a key.
    """
    spec = det.spec
    family = spec.family
    ntab = native_table(family)
    header_lines = 1 if det.header is not None else 0
    ncols_list = NATIVE_FAMILIES[family]
    con.execute("BEGIN TRANSACTION")
    try:
        row = con.execute("SELECT nextval('file_ids')").fetchone()
        assert row is not None
        file_id = int(row[0])
        rej_t, rej_s = f"rej_err_{file_id}", f"rej_scan_{file_id}"
        reader, cols = _read_csv_sql(data_path, det, rej_t, rej_s)
        native_sel, _ = _native_select(det, cols)
        # the rowids of a freshly created table follow insertion order, i.e. the order of the file's parsed rows
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE checked AS SELECT *, {_check_sql(spec)} AS _problem, {spec.id_sql} AS _key "
            f"FROM (SELECT {native_sel} FROM {reader})"
        )
        # rowids of a table created inside a transaction start at a transaction-local offset: rebase them
        base = _scalar(con, "SELECT min(rowid) FROM checked")
        srow = f"(c.rowid - {base} + 1)"
        # --- rejects: parse errors from DuckDB's reader, value errors from the checks -------------------------
        con.execute(
            f"""INSERT INTO rejects
                SELECT {file_id}, line, first(column_name ORDER BY column_idx), first(error_type ORDER BY column_idx),
                       first(error_message ORDER BY column_idx), left(first(csv_line), 2000)
                FROM {rej_t} GROUP BY line"""
        )
        parse_rejects = _scalar(con, f"SELECT count(DISTINCT line) FROM {rej_t}")
        delim = _sql_str(det.delimiter)
        raw_cols = ", ".join(q(c) for c in ncols_list)
        con.execute(
            f"""INSERT INTO rejects
                WITH rl AS (SELECT line, row_number() OVER (ORDER BY line) AS j
                            FROM (SELECT DISTINCT line FROM {rej_t}))
                SELECT {file_id},
                       {header_lines} + {srow} + (SELECT count(*) FROM rl WHERE rl.line - {header_lines} - rl.j
                                                   < {srow}),
                       split_part(c._problem, chr(9), 1),
                       CASE WHEN c._problem LIKE '%missing value' THEN 'MISSING VALUE' ELSE 'INVALID VALUE' END,
                       split_part(c._problem, chr(9), 2),
                       left(concat_ws({delim}, {raw_cols}), 2000)
                FROM checked c WHERE c._problem IS NOT NULL"""
        )
        stats = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE _problem IS NOT NULL), "
            "count(DISTINCT _key) FILTER (WHERE _problem IS NULL) FROM checked"
        ).fetchone()
        assert stats is not None
        parsed, value_rejects, distinct_keys = (int(x or 0) for x in stats)
        accepted = parsed - value_rejects
        # --- new rows: first occurrence in the file (window only if the file repeats a key), not already stored
        where = "c._problem IS NULL"
        if _scalar(con, f"SELECT count(*) FROM (SELECT 1 FROM {ntab} LIMIT 1)"):
            where += f" AND NOT EXISTS (SELECT 1 FROM {ntab} n WHERE n.record_key = c._key)"
        if distinct_keys < accepted:
            where += " AND c.rowid IN (SELECT min(rowid) FROM checked WHERE _problem IS NULL GROUP BY _key)"
        ncols = ", ".join(q(c) for c in ncols_list)
        con.execute(
            f"INSERT INTO {ntab} (record_key, file_id, source_row, {ncols}, extra) "
            f"SELECT c._key, {file_id}, {srow}, {ncols}, c.extra FROM checked c WHERE {where}"
        )
        con.execute("DROP TABLE checked")
        loaded = _scalar(con, f"SELECT count(*) FROM {ntab} WHERE file_id = {file_id}")
        if spec.canonical:
            _insert_canonical(con, spec, file_id, det)
        duplicates = accepted - loaded
        rejected = parse_rejects + value_rejects
        reasons = {
            str(r): int(n)
            for r, n in con.execute(
                "SELECT reason, count(*) FROM rejects WHERE file_id = ? GROUP BY 1 ORDER BY 2 DESC", [file_id]
            ).fetchall()
        }
        examples = [
            f"{path}:{line}: {fld or '-'}: {msg}"
            for line, fld, msg in con.execute(
                "SELECT line, field, message FROM rejects WHERE file_id = ? ORDER BY line LIMIT ?",
                [file_id, max_examples],
            ).fetchall()
        ]
        columns_from = det.mapping.origin if det.mapping else ("header" if det.header else "positional")
        con.execute(
            "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), 'loaded')",
            [
                file_id,
                str(path.resolve()),
                path.name,
                member,
                sha,
                md5,
                size,
                spec.name,
                spec.source,
                columns_from,
                parsed + parse_rejects,
                loaded,
                duplicates,
                rejected,
                json.dumps(reasons),
            ],
        )
        for t in (rej_t, rej_s):
            con.execute(f"DROP TABLE IF EXISTS {t}")
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise EventsError(f"cannot read as {spec.name}: {str(exc).splitlines()[0]}", file=str(path)) from None
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return FileReport(
        str(path), "loaded", spec.name, file_id, parsed + parse_rejects, loaded, duplicates, rejected, reasons, examples
    )


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _insert_canonical(
    con: duckdb.DuckDBPyConnection, spec: FormatSpec, file_id: int, det: Detected | None = None
) -> None:
    """Project the file's new native rows (read back from the native table) onto the canonical schema and append
    them to ``event_store``."""
    exprs: list[str] = []
    joins: list[str] = []
    country_sql = COUNTRY_NAME_SQL.get(spec.name, {})
    conf = det.mapping.confidence_column if det is not None and det.mapping else None
    family_cols = set(NATIVE_FAMILIES[spec.family])
    for i, (name, typ, _) in enumerate(CANONICAL_COLUMNS):
        if name == "file_id":
            exprs.append(str(file_id))
        elif name == "source_row":
            exprs.append("f.source_row")
        elif name == "event_id" and name not in spec.canonical:
            exprs.append("f.record_key")
        elif name == "confidence":
            if conf and conf not in family_cols:  # an unmapped header column: kept in ``extra``
                path = '$."' + conf.replace("\\", "\\\\").replace('"', '\\"') + '"'
                exprs.append(f"TRY_CAST(json_extract_string(f.extra, {_sql_str(path)}) AS DOUBLE)")
            else:
                exprs.append("CAST(NULL AS DOUBLE)")
        elif name in country_sql:
            alias = f"k{i}"
            joins.append(
                f"LEFT JOIN (SELECT name_key, any_value(iso3) AS iso3 FROM countries GROUP BY 1) {alias} "
                f"ON {alias}.name_key = lower(TRIM({country_sql[name]}))"
            )
            exprs.append(f"{alias}.iso3")
        elif name in spec.canonical:
            exprs.append(f"CAST({spec.canonical[name]} AS {typ})")
        else:
            exprs.append(f"CAST(NULL AS {typ})")
    con.execute(
        f"INSERT INTO event_store SELECT {', '.join(exprs)} FROM {native_table(spec.family)} f {' '.join(joins)} "
        f"WHERE f.file_id = {file_id}"
    )


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given, and the event files inside any directory given (sorted, so ingest order is stable)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(c for c in p.iterdir() if c.is_file() and c.name.lower().endswith(EVENT_FILE_SUFFIXES)))
        else:
            out.append(p)
    return out


def ingest_paths(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    *,
    forced_format: str | None = None,
    mapping: ColumnMapping | None = None,
    on_file: Callable[[Path], None] | None = None,
) -> list[FileReport]:
    """Ingest several files, each in its own transaction. A file that cannot be read is reported as an error and
    the others still load (a bad file never takes good ones down with it)."""
    reports: list[FileReport] = []
    for p in expand_paths(paths):
        if on_file is not None:
            on_file(p)
        try:
            reports.append(ingest_file(con, p, forced_format=forced_format, mapping=mapping))
        except EventsError as exc:
            reports.append(FileReport(str(p), "error", message=str(exc)))
    return reports
