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

Parsing and typing are DuckDB SQL over the whole file; Python only orchestrates. The file is parsed once,
straight into the native table (the one copy of its fields that is kept); rejected and duplicate rows are then
deleted inside the same transaction, and the canonical rows projected from what is left (:func:`_load`).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from .errors import EventsError
from .formats import (
    CANONICAL_COLUMNS,
    COUNTRY_NAME_SQL,
    LICENCES,
    ColumnMapping,
    Detected,
    FormatSpec,
    detect,
    q,
)
from .readable import check_regular, readable
from .store import NATIVE_FAMILIES, native_table

EVENT_FILE_SUFFIXES = (".csv", ".zip", ".tab", ".tsv", ".txt")

MAX_REJECT_SHARE = 0.5
"""A file with more than this share of its rows rejected (and at least :data:`MIN_ROWS_FOR_SHARE` rows), or with
every row rejected, fails as a whole: nothing of it is loaded or recorded, so a rerun with the right ``--format``
loads it. Most likely it was read as the wrong format."""
MIN_ROWS_FOR_SHARE = 20


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


def _sha256(path: Path) -> tuple[str, int]:
    """SHA-256 and size: what decides whether a file was loaded before (about 1 GB/s)."""
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


class _BackgroundMD5:
    """A file's MD5 (recorded for GDELT's masterfilelist; at about 0.35 GB/s the slowest step before parsing)
    computed on a thread while DuckDB parses the file: both release the GIL, so with a core free the hash costs
    no wall time. ``stop`` abandons it (a file that fails before its ``files`` row is written)."""

    def __init__(self, path: Path) -> None:
        self._stop = threading.Event()
        self._digest: str | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(path,), name="realpolitik-md5", daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        try:
            md5 = hashlib.md5()
            with open(path, "rb") as fh:
                while not self._stop.is_set() and (chunk := fh.read(1 << 20)):
                    md5.update(chunk)
            self._digest = md5.hexdigest()
        except BaseException as exc:  # re-raised by result(), in the ingesting thread
            self._error = exc

    def result(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise self._error
        if self._stop.is_set() or self._digest is None:
            raise RuntimeError("MD5 was stopped")
        return self._digest

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def check_sql(spec: FormatSpec) -> str:
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
            fmt = kind.split(":", 1)[1]  # several formats separated by '|' (UCDP: CSV and API timestamps)
            fmts = "[" + ", ".join(_sql_str(f) for f in fmt.split("|")) + "]"
            bad, what = f"try_strptime({col}, {fmts}) IS NULL", f"not a date ({fmt})"
        if bad is not None:
            msg = f"{ck.column}\t{what}: '"
            whens.append(f"WHEN {col} IS NOT NULL AND {bad} THEN {_sql_str(msg)} || left({col}, 40) || ''''")
    if not whens:
        return "NULL"
    return "CASE " + " ".join(whens) + " END"


def read_csv_sql(path: Path, det: Detected, rej_table: str, rej_scan: str) -> tuple[str, list[str]]:
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
    return f"read_csv(CAST($path AS VARCHAR), {', '.join(opts)})", cols  # the path is a parameter: see _insert_native


def native_select(det: Detected, cols: list[str]) -> tuple[str, str | None]:
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
    check_regular(path)
    sha, size = _sha256(path)
    # fetchall, not fetchone: the result is finished, so the caller may use the connection at once (DuckDB refuses
    # some work on a connection with an unfinished result).
    found = con.execute("SELECT file_id FROM files WHERE sha256 = ? AND status = 'loaded' LIMIT 1", [sha]).fetchall()
    done = found[0] if found else None
    if done is not None:
        return FileReport(
            str(path), "skipped", file_id=int(done[0]), message=f"already ingested as file {done[0]} (same SHA-256)"
        )
    md5 = _BackgroundMD5(path)
    try:
        with readable(path) as (data_path, member):
            det = detect(data_path, name=str(path), forced=forced_format, mapping=mapping)
            return _load(con, _Source(path, data_path, member, sha, md5.result, size), det, max_examples)
    finally:
        md5.stop()


@dataclass(frozen=True)
class _Source:
    """The file being ingested: as given, as read (a zip's extracted member), and its identity."""

    path: Path
    data_path: Path
    member: str | None
    sha256: str
    md5: Callable[[], str]  # waits for the background hash
    size: int


@dataclass
class _Counts:
    """Rows of one file, as the steps of :func:`_load` establish them: ``rows_read = loaded + duplicates +
    rejected`` with ``rejected = parse_rejects + value_rejects``."""

    parsed: int = 0  # rows DuckDB's reader returned (parse rejects excluded)
    parse_rejects: int = 0  # lines the reader could not parse (wrong field count, invalid UTF-8)
    value_rejects: int = 0  # parsed rows failing a value check (dates, numbers, missing ids)
    loaded: int = 0  # rows kept: accepted, first in the file, not stored before

    @property
    def accepted(self) -> int:
        return self.parsed - self.value_rejects

    @property
    def duplicates(self) -> int:
        return self.accepted - self.loaded

    @property
    def rejected(self) -> int:
        return self.parse_rejects + self.value_rejects

    @property
    def rows_read(self) -> int:
        return self.parsed + self.parse_rejects


def _load(con: duckdb.DuckDBPyConnection, src: _Source, det: Detected, max_examples: int) -> FileReport:
    """One transaction: every write for the file, in the order the guarantees need.

    1. :func:`_insert_native` parses the file once, straight into the native table (the single copy of the 61
       VARCHAR columns that is kept), each row with its dedup key and its ordinal; a row that fails a value check
       goes in too, its ordinal negated, so that parsing, checking and storing are one pass over the file.
    2. :func:`_record_rejects` writes the reader's parse errors and the marked rows to ``rejects`` and deletes
       the marked rows.
    3. :func:`_drop_duplicates` deletes the file's repeats of a key (the first occurrence wins) and the rows
       whose key is already stored from an earlier file.
    4. :func:`insert_canonical` projects the rows left onto ``event_store``; then the ``files`` row, COMMIT.

    Nothing is visible to another connection, or survives a crash, before the COMMIT.
    """
    spec = det.spec
    ntab = native_table(spec.family)
    con.execute("BEGIN TRANSACTION")
    try:
        file_id = scalar(con, "SELECT nextval('file_ids')")
        stored_before = scalar(con, f"SELECT count(*) FROM (SELECT 1 FROM {ntab} LIMIT 1)") > 0
        rej_t, rej_s = f"rej_err_{file_id}", f"rej_scan_{file_id}"
        reader, cols = read_csv_sql(src.data_path, det, rej_t, rej_s)
        counts = _Counts(parsed=_insert_native(con, det, reader, cols, file_id, src.data_path))
        counts.parse_rejects, counts.value_rejects = _record_rejects(con, det, file_id, rej_t)
        _refuse_mostly_rejected(con, src, det, file_id, counts)
        counts.loaded = _drop_duplicates(con, ntab, file_id, counts.accepted, stored_before)
        if spec.canonical:
            insert_canonical(con, spec, file_id, det)
        reasons, examples = _reject_summary(con, src.path, file_id, max_examples)
        _insert_file_row(con, src, det, file_id, counts, reasons)
        for t in (rej_t, rej_s):
            con.execute(f"DROP TABLE IF EXISTS {t}")
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise EventsError(f"cannot read as {spec.name}: {str(exc).splitlines()[0]}", file=str(src.path)) from None
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return FileReport(
        str(src.path),
        "loaded",
        spec.name,
        file_id,
        counts.rows_read,
        counts.loaded,
        counts.duplicates,
        counts.rejected,
        reasons,
        examples,
    )


def _insert_native(
    con: duckdb.DuckDBPyConnection, det: Detected, reader: str, cols: list[str], file_id: int, path: Path
) -> int:
    """Parse the file into the native table in one pass and return the number of rows parsed.

    ``source_row`` is the row's ordinal among the parsed rows (1-based, file order: ``row_number() OVER ()`` runs
    over the reader's output in order); for a row that fails a value check it is negated, which marks the row for
    :func:`_record_rejects` (the check runs once, here, over the columns as stored).
    """
    spec = det.spec
    ntab = native_table(spec.family)
    native_sel, _ = native_select(det, cols)
    ncols = ", ".join(q(c) for c in NATIVE_FAMILIES[spec.family])
    con.execute(
        f"INSERT INTO {ntab} (record_key, file_id, source_row, {ncols}, extra) "
        f"SELECT {spec.id_sql}, {file_id}, CASE WHEN {check_sql(spec)} IS NULL THEN _n ELSE -_n END, {ncols}, extra "
        f"FROM (SELECT row_number() OVER () AS _n, * FROM (SELECT {native_sel} FROM {reader}))"
        # Rows that are not data (HXL tag rows, repeated header rows) are dropped after numbering, so the line
        # numbers of later rejects stay right; they are not events and are not counted as rows read.
        + (f" WHERE NOT COALESCE(({spec.non_data_sql}), false)" if spec.non_data_sql else ""),
        {"path": path.as_posix()},
    )
    return scalar(con, f"SELECT count(*) FROM {ntab} WHERE file_id = {file_id}")


def _record_rejects(con: duckdb.DuckDBPyConnection, det: Detected, file_id: int, rej_t: str) -> tuple[int, int]:
    """Write the file's rejects (parse errors from DuckDB's reader, then the rows :func:`_insert_native` marked),
    delete the marked rows from the native table, and return (parse rejects, value rejects).

    A marked row's line in the file: the header, its ordinal among the parsed rows, and the unparsable lines
    before it.
    """
    spec = det.spec
    ntab = native_table(spec.family)
    con.execute(
        f"""INSERT INTO rejects
            SELECT {file_id}, line, first(column_name ORDER BY column_idx), first(error_type ORDER BY column_idx),
                   first(error_message ORDER BY column_idx), left(first(csv_line), 2000)
            FROM {rej_t} GROUP BY line"""
    )
    parse_rejects = scalar(con, f"SELECT count(DISTINCT line) FROM {rej_t}")
    marked = f"file_id = {file_id} AND source_row < 0"
    value_rejects = scalar(con, f"SELECT count(*) FROM {ntab} WHERE {marked}")
    if value_rejects:
        header_lines = 1 if det.header is not None else 0
        srow = "(-c.source_row)"
        problem = check_sql(spec)
        raw_cols = ", ".join(q(c) for c in NATIVE_FAMILIES[spec.family])
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
                       c._raw
                FROM (SELECT source_row, {problem} AS _problem,
                             left(concat_ws({_sql_str(det.delimiter)}, {raw_cols}), 2000) AS _raw
                      FROM {ntab} WHERE {marked}) c"""
        )
        con.execute(f"DELETE FROM {ntab} WHERE {marked}")
    return parse_rejects, value_rejects


def _refuse_mostly_rejected(
    con: duckdb.DuckDBPyConnection, src: _Source, det: Detected, file_id: int, counts: _Counts
) -> None:
    """Raise (the caller rolls the file back) when every row, or more than :data:`MAX_REJECT_SHARE` of them, was
    rejected: silently keeping a handful of rows from a file read as the wrong format is worse than failing."""
    read = counts.rows_read
    if read == 0 or counts.rejected == 0:
        return
    share = counts.rejected / read
    if counts.accepted > 0 and (read < MIN_ROWS_FOR_SHARE or share <= MAX_REJECT_SHARE):
        return
    first = con.execute(
        "SELECT line, field, message FROM rejects WHERE file_id = ? ORDER BY line LIMIT 1", [file_id]
    ).fetchone()
    where = ""
    if first is not None:
        msg = " ".join(str(first[2] or "").split())[:120]
        where = f"; first at line {first[0]}: {first[1] or '-'}: {msg}"
    raise EventsError(
        f"{counts.rejected} of {read} rows rejected as {det.spec.name}; likely the wrong --format, "
        f"nothing loaded{where}",
        file=str(src.path),
    )


def _drop_duplicates(
    con: duckdb.DuckDBPyConnection, ntab: str, file_id: int, accepted: int, stored_before: bool
) -> int:
    """Delete the file's rows whose key came earlier in the file (the first occurrence wins) or is already stored
    from another file, and return the number of rows left (loaded). The grouping by key runs only when the file
    repeats a key, the anti-join only when the table held rows before this file."""
    mine = f"file_id = {file_id}"
    if scalar(con, f"SELECT count(DISTINCT record_key) FROM {ntab} WHERE {mine}") < accepted:
        con.execute(
            f"DELETE FROM {ntab} WHERE {mine} AND source_row NOT IN "
            f"(SELECT min(source_row) FROM {ntab} WHERE {mine} GROUP BY record_key)"
        )
    if stored_before:
        con.execute(
            f"DELETE FROM {ntab} WHERE {mine} AND record_key IN "
            f"(SELECT record_key FROM {ntab} WHERE file_id <> {file_id})"
        )
    return scalar(con, f"SELECT count(*) FROM {ntab} WHERE {mine}")


def _reject_summary(
    con: duckdb.DuckDBPyConnection, path: Path, file_id: int, max_examples: int
) -> tuple[dict[str, int], list[str]]:
    """Rejects per reason, and the first few as ``FILE:LINE: field: message``."""
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
    return reasons, examples


def _insert_file_row(
    con: duckdb.DuckDBPyConnection,
    src: _Source,
    det: Detected,
    file_id: int,
    counts: _Counts,
    reasons: dict[str, int],
) -> None:
    columns_from = det.mapping.origin if det.mapping else ("header" if det.header else "positional")
    con.execute(
        "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), 'loaded')",
        [
            file_id,
            str(src.path.resolve()),
            src.path.name,
            src.member,
            src.sha256,
            src.md5(),
            src.size,
            det.spec.name,
            det.spec.source,
            columns_from,
            counts.rows_read,
            counts.loaded,
            counts.duplicates,
            counts.rejected,
            json.dumps(reasons),
        ],
    )


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def insert_canonical(
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
        elif name == "licence" and spec.source in LICENCES:
            exprs.append(_sql_str(LICENCES[spec.source]))
        else:
            exprs.append(f"CAST(NULL AS {typ})")
    con.execute(
        f"INSERT INTO event_store ({', '.join(n for n, _, _ in CANONICAL_COLUMNS)}) "
        f"SELECT {', '.join(exprs)} FROM {native_table(spec.family)} f {' '.join(joins)} "
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
