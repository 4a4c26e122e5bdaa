"""Monthly dyad query over synthetic Parquet: generation by DuckDB itself, then the indicator query timed.

    .venv/bin/python benchmarks/bench_events_query.py --rows 10000000 --out /tmp/events_synth
    .venv/bin/python benchmarks/bench_events_query.py --rows 100000000 --out /tmp/events_synth100m

Rows have the columns the indicators read (``events_resolved`` shape, trimmed): 20 years of dates, 12 analytic
actors and their countries, quad class, Goldstein, mentions, sources, confidence; one Parquet file per year.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import duckdb

from realpolitik.events.indicators import dyad_indicators, parquet_relation

ACTORS = [
    "pakistan",
    "taliban",
    "india",
    "china",
    "russia",
    "iran",
    "qatar",
    "united_states",
    "ttp",
    "uae",
    "uzbekistan",
    "turkmenistan",
]
COUNTRIES = ["PAK", "AFG", "IND", "CHN", "RUS", "IRN", "QAT", "USA", "PAK", "ARE", "UZB", "TKM"]


def generate(out: Path, rows: int) -> float:
    if out.exists():
        shutil.rmtree(out)
    a = "[" + ", ".join(f"'{x}'" for x in ACTORS) + "]"
    c = "[" + ", ".join(f"'{x}'" for x in COUNTRIES) + "]"
    t0 = time.perf_counter()
    duckdb.execute(f"""
        COPY (
          SELECT 'gdelt' AS source, CAST(i AS VARCHAR) AS event_id,
                 CAST(DATE '2005-01-01' + CAST(hash(i) % 7300 AS INTEGER) AS DATE) AS event_date,
                 {a}[1 + CAST(hash(i + 1) % 12 AS INTEGER)] AS actor1,
                 {a}[1 + CAST(hash(i + 2) % 12 AS INTEGER)] AS actor2,
                 {c}[1 + CAST(hash(i + 1) % 12 AS INTEGER)] AS actor1_country,
                 {c}[1 + CAST(hash(i + 2) % 12 AS INTEGER)] AS actor2_country,
                 CAST(1 + hash(i + 3) % 4 AS TINYINT) AS quad_class,
                 CAST((hash(i + 4) % 201) / 10.0 - 10 AS DOUBLE) AS goldstein,
                 CAST(1 + hash(i + 5) % 20 AS INTEGER) AS num_mentions,
                 CAST(1 + hash(i + 6) % 4 AS INTEGER) AS num_sources,
                 CAST(10 * (1 + hash(i + 7) % 10) AS DOUBLE) AS confidence,
                 year(event_date) AS year
          FROM range({rows}) t(i))
        TO '{out}' (FORMAT parquet, PARTITION_BY (year), ROW_GROUP_SIZE 1000000)""")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--out", type=Path, default=Path("/tmp/events_synth"))
    ap.add_argument("--reuse", action="store_true", help="skip generation if --out exists")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    if not (a.reuse and a.out.exists()):
        print(f"generated {a.rows:,} rows in {generate(a.out, a.rows):.1f} s")
    size = sum(p.stat().st_size for p in a.out.glob("**/*.parquet")) / 1e9
    threads = duckdb.execute("SELECT current_setting('threads')").fetchone()
    print(f"parquet: {size:.2f} GB, threads={threads}")
    con = duckdb.connect()
    rel = parquet_relation(str(a.out))
    for tokens in (["pakistan", "taliban"], ["PAK", "AFG"]):
        for i in range(a.repeat):
            t0 = time.perf_counter()
            t = dyad_indicators(con, tokens, freq="month", relation=rel)
            dt_ = time.perf_counter() - t0
            print(
                f"monthly dyads {','.join(tokens)} run {i + 1}: {dt_:.2f} s ({t.num_rows} rows, "
                f"n total {sum(t.column('n').to_pylist()):,})"
            )


if __name__ == "__main__":
    main()
