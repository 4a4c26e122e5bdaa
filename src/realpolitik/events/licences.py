"""Whether an export holds rows whose licence restricts redistribution, and the one-line warning it then prints.

ACLED's terms of use require attribution and forbid redistributing its rows; every ACLED row carries that licence
in ``event_store.licence`` (filled at ingest from :data:`.formats.LICENCES`). A Parquet, CSV or JSON export is the
moment rows leave the workspace, so the export commands ask :func:`export_warning` (a workspace relation) or
:func:`rows_warning` (rows already in Python) and print the line on stderr: stdout stays the data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

ACLED_WARNING = (
    "warning: the output includes ACLED rows, which are subject to ACLED's terms of use "
    "(attribution required; no redistribution of the rows): https://acleddata.com/terms-of-use"
)
_RELATION = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def includes_acled(con: duckdb.DuckDBPyConnection, relation: str = "event_store") -> bool:
    """True when ``relation`` (a table or view with a ``source`` column, e.g. ``events``) holds an ACLED row, by
    source or by licence."""
    if not _RELATION.fullmatch(relation):
        raise ValueError(f"not a relation name: {relation!r}")
    cols = {str(r[0]) for r in con.execute(f"DESCRIBE {relation}").fetchall()}
    where = ["source = 'acled'"] if "source" in cols else []
    if "licence" in cols:
        where.append("licence LIKE 'ACLED%'")
    if not where:
        return False
    return con.execute(f"SELECT 1 FROM {relation} WHERE {' OR '.join(where)} LIMIT 1").fetchall() != []


def export_warning(con: duckdb.DuckDBPyConnection, relation: str = "event_store") -> str | None:
    """The warning line when exporting ``relation`` includes ACLED rows, else None."""
    return ACLED_WARNING if includes_acled(con, relation) else None


def parquet_warning(folder: Path) -> str | None:
    """The warning line when a Parquet export (partitioned ``source=<name>/``) holds an ACLED partition."""
    return ACLED_WARNING if (Path(folder) / "source=acled").is_dir() else None


def rows_warning(rows: Iterable[Mapping[str, Any]], *, acled_derived: bool = False) -> str | None:
    """The warning line for a table about to be written as CSV or JSON: when any row's ``source`` is ``acled`` (or
    its ``licence`` names ACLED), or when the caller says the whole table is derived from ACLED rows
    (``events acled``) and it is not empty."""
    for row in rows:
        if acled_derived:
            return ACLED_WARNING
        if row.get("source") == "acled" or str(row.get("licence") or "").startswith("ACLED"):
            return ACLED_WARNING
    return None
