"""Engines beyond one DuckDB process: ingest-to-Parquet and dyad indicators on a Dask cluster.

``--engine duckdb`` (default) runs everything in the workspace's DuckDB. ``--engine dask`` spreads the same work
over Dask workers, each running DuckDB on its share:

* **Ingest to Parquet** in two stages. Stage 1, one task per input file: the worker ingests the file into an
  in-memory workspace with the same code as the DuckDB engine (:func:`ingest.ingest_file`, actor resolution) and
  writes its resolved events to Parquet, hash-bucketed on ``(source, event_id)``. Stage 2, one task per bucket:
  duplicates are dropped (first file in the given order, then first row, wins: the DuckDB engine's rule) and the
  rows are written partitioned ``source=/month=``. The output folder is replaced atomically (written beside it,
  then renamed). Intermediate files live in a folder next to the output, so on more than one machine that folder
  must be on a shared filesystem.
* **Indicators over Parquet**: each task computes the additive partial sums of :func:`indicators.partial_sql`
  over a group of Parquet files; the client adds them and computes the indicators with :func:`indicators.final_sql`.
  Goldstein sums are exact decimals, so results equal the DuckDB engine's.

Differences from the DuckDB engine, documented: mention-derived ``confidence`` is filled only from mentions in the
same file (files are ingested separately); a file given twice is ingested twice and its rows count as duplicates.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from . import actors as actors_mod
from . import ingest, store
from .errors import EventsError
from .formats import ColumnMapping
from .indicators import Reliability, SqlParams, final_sql, pairs_of, partial_sql, resolve_actors

ENGINES = ("duckdb", "dask")


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, workers: int = 2) -> Iterator[Any]:
    """A ``distributed.Client`` on ``scheduler`` or on a fresh LocalCluster (loopback, worker processes)."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _lit(s: str) -> str:
    """A string literal, for the one place DuckDB takes no parameter: the target path of ``COPY ... TO``."""
    return "'" + s.replace("'", "''") + "'"


def _stage1(
    path: str,
    order: int,
    tmp: str,
    buckets: int,
    forced_format: str | None,
    mapping: ColumnMapping | None,
    table: actors_mod.ActorTable,
) -> dict[str, Any]:
    con = duckdb.connect()
    try:
        con.execute("SET threads = 1")
        store.ensure_schema(con)
        try:
            rep = ingest.ingest_file(con, Path(path), forced_format=forced_format, mapping=mapping)
        except EventsError as exc:
            return ingest.FileReport(path, "error", message=str(exc)).to_dict()
        actors_mod.install(con, table)
        out = Path(tmp) / f"f{order:06d}"
        con.execute(
            f"COPY (SELECT * REPLACE ({order + 1} AS file_id), {order} AS _file_order, "
            f"CAST(hash(source, event_id) % {buckets} AS INTEGER) AS _bucket FROM events_resolved) "
            f"TO {_lit(out.as_posix())} (FORMAT parquet, PARTITION_BY (_bucket))"
        )
        return rep.to_dict()
    finally:
        con.close()


def _stage2(bucket: int, tmp: str, out: str) -> dict[int, int]:
    files = sorted(glob.glob(f"{tmp}/f*/_bucket={bucket}/*.parquet"))
    if not files:
        return {}
    con = duckdb.connect()
    try:
        con.execute("SET threads = 1")
        con.execute(
            """CREATE TEMP TABLE kept AS
                SELECT * FROM read_parquet(CAST($files AS VARCHAR[]), hive_partitioning = false)
                QUALIFY row_number() OVER (PARTITION BY source, event_id ORDER BY _file_order, source_row) = 1""",
            {"files": files},
        )
        con.execute(
            f"COPY (SELECT * EXCLUDE (_file_order) FROM kept) TO {_lit(f'{out}/b{bucket:04d}')} "
            "(FORMAT parquet, PARTITION_BY (source, month))"
        )
        return {int(o): int(n) for o, n in con.execute("SELECT _file_order, count(*) FROM kept GROUP BY 1").fetchall()}
    finally:
        con.close()


def dask_ingest_parquet(
    client: Any,
    paths: Sequence[Path],
    out_dir: Path,
    *,
    buckets: int = 8,
    forced_format: str | None = None,
    mapping: ColumnMapping | None = None,
    actor_table: actors_mod.ActorTable | None = None,
    replace: bool = False,
) -> list[ingest.FileReport]:
    """Ingest ``paths`` on the cluster into Parquet under ``out_dir`` (see module doc); one report per file.
    ``out_dir`` is refused as :func:`store.check_parquet_target` says unless ``replace``."""
    files = ingest.expand_paths(list(paths))
    table = actor_table or actors_mod.default_actors()
    out_dir = Path(out_dir).resolve()
    store.check_parquet_target(out_dir, replace=replace)
    work = store.parquet_workdir(out_dir)
    try:
        (work / "stage").mkdir()
        (work / "out").mkdir()
        futs = [
            client.submit(_stage1, str(p), i, str(work / "stage"), buckets, forced_format, mapping, table, pure=False)
            for i, p in enumerate(files)
        ]
        reports = [ingest.FileReport(**r) for r in client.gather(futs)]
        futs2 = [client.submit(_stage2, b, str(work / "stage"), str(work / "out"), pure=False) for b in range(buckets)]
        kept: dict[int, int] = {}
        for part in client.gather(futs2):
            for o, n in part.items():
                kept[o] = kept.get(o, 0) + n
        final = work / "final"
        final.mkdir()
        store.mark_parquet(final)
        for f in sorted((work / "out").glob("b*/source=*/month=*/*.parquet")):
            bucket = f.parts[-4]
            dest = final / f.parts[-3] / f.parts[-2]
            dest.mkdir(parents=True, exist_ok=True)
            os.replace(f, dest / f"{bucket}-{f.name}")
        if out_dir.exists():
            old = work / "old"
            os.replace(out_dir, old)
        os.replace(final, out_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for i, r in enumerate(reports):
        if r.status == "loaded":
            accepted = r.loaded + r.duplicates
            r.loaded = kept.get(i, 0)
            r.duplicates = accepted - r.loaded
    return reports


def _partials(files: list[str], dyads: str, totals: str, params: SqlParams) -> tuple[pa.Table, pa.Table]:
    con = duckdb.connect()
    try:
        con.execute("SET threads = 1")
        return (
            con.sql(dyads, params={**params.used(dyads), "files": files}).to_arrow_table(),
            con.sql(totals, params={**params.used(totals), "files": files}).to_arrow_table(),
        )
    finally:
        con.close()


def dask_dyad_indicators(
    client: Any,
    parquet_dir: Path | str,
    actors: Sequence[str],
    *,
    freq: str = "month",
    directed: bool = False,
    reliability: Reliability | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    sources: Sequence[str] | None = None,
    chunks: int | None = None,
) -> pa.Table:
    """:func:`indicators.dyad_indicators` over a Parquet folder, partial sums computed on the Dask workers."""
    root = Path(parquet_dir)
    files = sorted(str(p) for p in root.glob("**/*.parquet")) if root.is_dir() else [str(root)]
    if not files:
        raise EventsError("no Parquet files", file=str(parquet_dir))
    specs = resolve_actors(actors)
    params = SqlParams()
    dyads, totals = partial_sql(
        "read_parquet(CAST($files AS VARCHAR[]), hive_partitioning = true, union_by_name = true)",  # files: per task
        specs,
        freq=freq,
        directed=directed,
        reliability=reliability or Reliability(),
        start=start,
        end=end,
        sources=sources,
        params=params,
    )
    n = chunks or max(1, 4 * len(client.scheduler_info().get("workers", {})))
    groups = [files[i::n] for i in range(min(n, len(files)))]
    parts = client.gather([client.submit(_partials, g, dyads, totals, params, pure=False) for g in groups])
    dp = pa.concat_tables([p[0] for p in parts], promote_options="permissive")
    tp = pa.concat_tables([p[1] for p in parts], promote_options="permissive")
    con = duckdb.connect()
    try:
        con.register("dp", dp)
        con.register("tp", tp)
        final = SqlParams()
        query = final_sql("SELECT * FROM dp", "SELECT * FROM tp", freq, pairs_of(specs, directed), final)
        return con.sql(query, params=final.used(query)).to_arrow_table()
    finally:
        con.close()


def duckdb_parquet_indicators(parquet_dir: Path | str, actors: Sequence[str], **kw: Any) -> pa.Table:
    """The DuckDB engine over a Parquet folder (no workspace needed)."""
    from .indicators import dyad_indicators

    con = duckdb.connect()
    try:
        return dyad_indicators(con, actors, parquet=str(parquet_dir), **kw)
    finally:
        con.close()
