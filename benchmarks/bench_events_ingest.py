"""Ingest throughput: ``realpolitik events ingest`` against DuckDB's own CSV reader and a pandas loader.

All variants read the same synthetic uncompressed GDELT 2.0 export file (61 tab-separated fields) from the page
cache, each into a fresh workspace, one at a time, and they take turns: round after round every variant runs
once, so a change in the machine's load hits all of them alike. Reported: medians (with min and max) and the
ratios; the load average before and after.

Variants (``--variants``):

* ``ingest``: :func:`realpolitik.events.ingest.ingest_paths` into a workspace file (what ``realpolitik events
  ingest`` runs; it keeps every guarantee: verbatim native fields, per-file transaction, dedup on the event id
  against what is stored, every reject accounted, canonical rows);
* ``ingest-zip``: the same from the file as a ``.CSV.zip`` (deflate, as GDELT publishes it);
* ``ctas-mem`` / ``ctas-file``: the bare reader, DuckDB's own ``CREATE TABLE t AS SELECT * FROM read_csv(...,
  delim='\\t', header=false, quote='', columns={61 x 'VARCHAR'})`` (explicit columns, no sniffing, nothing
  checked) into an in-memory database / a database file (committed);
* ``count``: ``SELECT count(*) FROM read_csv(...)`` with the same options (parsing only, nothing kept);
* ``pandas``: ``read_csv(dtype=str)``, typed canonical columns with pandas, then one bulk insert into DuckDB (no
  reject accounting, de-duplication or native copy: the comparison flatters pandas).

``--threads 1 2`` runs every variant at each DuckDB thread count. The goal of issue #25 compares ``ingest`` with
the faster of ``ctas-*`` at 1 and 2 threads (≥ 0.7×) and with ``pandas`` (≥ 5×).
``--baseline-src DIR`` adds ``ingest-base``: the ingest of another source tree (its ``src`` folder), e.g. the
code before a change. Each run is a fresh process (``--one`` runs a single variant and prints its seconds).

    .venv/bin/python benchmarks/bench_events_ingest.py --rows 1000000 --threads 1 2 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import duckdb

from realpolitik.events.formats import GDELT2_COLUMNS

VARIANTS = ("ingest", "ingest-zip", "ctas-mem", "ctas-file", "count", "pandas")
COSTS = ("ctas-mem", "ctas-file", "native", "native-checks", "native-checks-canonical", "ingest")


def make_file(path: Path, rows: int, start: int = 0) -> None:
    """Synthetic GDELT 2.0 rows written by DuckDB (fast), realistic field shapes."""
    exprs = []
    for c in GDELT2_COLUMNS:
        e = {
            "GLOBALEVENTID": f"CAST(i + {start} AS VARCHAR)",
            "SQLDATE": "strftime(DATE '2021-01-01' + CAST(i % 365 AS INTEGER), '%Y%m%d')",
            "MonthYear": "'202101'",
            "Year": "'2021'",
            "FractionDate": "'2021.0027'",
            "Actor1Code": "['PAKGOV','AFGGOV','INDGOV','CHNGOV','USA'][1 + i % 5]",
            "Actor1Name": "['PAKISTAN','AFGHANISTAN','INDIA','CHINA','UNITED STATES'][1 + i % 5]",
            "Actor1CountryCode": "['PAK','AFG','IND','CHN','USA'][1 + i % 5]",
            "Actor1Type1Code": "['GOV','GOV','GOV','GOV',''][1 + i % 5]",
            "Actor2Code": "['AFGGOV','PAKMIL','CHNGOV','IND','RUSGOV','GBR','IRNGOV'][1 + i % 7]",
            "Actor2Name": "['AFGHANISTAN','PAKISTAN','CHINA','INDIA','RUSSIA','UK','IRAN'][1 + i % 7]",
            "Actor2CountryCode": "['AFG','PAK','CHN','IND','RUS','GBR','IRN'][1 + i % 7]",
            "Actor2Type1Code": "['GOV','MIL','GOV','','GOV','','GOV'][1 + i % 7]",
            "IsRootEvent": "'1'",
            "EventCode": "['043','0874','190','112','051','036','173'][1 + i % 7]",
            "EventBaseCode": "['043','087','190','112','051','036','173'][1 + i % 7]",
            "EventRootCode": "['04','08','19','11','05','03','17'][1 + i % 7]",
            "QuadClass": "['1','2','4','3','1','1','4'][1 + i % 7]",
            "GoldsteinScale": "['2.8','7.4','-10.0','-2.0','3.4','4.0','-5.0'][1 + i % 7]",
            "NumMentions": "CAST(1 + i % 13 AS VARCHAR)",
            "NumSources": "CAST(1 + i % 3 AS VARCHAR)",
            "NumArticles": "CAST(1 + i % 11 AS VARCHAR)",
            "AvgTone": "CAST(round((i % 200) / 20.0 - 5, 4) AS VARCHAR)",
            "ActionGeo_Type": "'4'",
            "ActionGeo_FullName": "'Kabul, Kabul, Afghanistan'",
            "ActionGeo_CountryCode": "'AF'",
            "ActionGeo_ADM1Code": "'AF13'",
            "ActionGeo_Lat": "'34.5167'",
            "ActionGeo_Long": "'69.1833'",
            "ActionGeo_FeatureID": "'-3378435'",
            "DATEADDED": "strftime(DATE '2021-01-01' + CAST(i % 365 AS INTEGER), '%Y%m%d') || '001500'",
            "SOURCEURL": "'https://example.org/news/' || CAST(i AS VARCHAR)",
        }.get(c, "''")
        exprs.append(f'{e} AS "{c}"')
    duckdb.execute(
        f"COPY (SELECT {', '.join(exprs)} FROM range({rows}) t(i)) TO '{path}' "
        "(FORMAT csv, DELIMITER '\t', HEADER false, QUOTE '')"
    )


def pandas_loader(paths: list[Path], con: duckdb.DuckDBPyConnection) -> int:
    """The pandas alternative: read_csv, type the canonical columns, bulk insert."""
    import pandas as pd

    frames = []
    for p in paths:
        df = pd.read_csv(p, sep="\t", header=None, names=GDELT2_COLUMNS, dtype=str, quoting=3, keep_default_na=False)
        out = pd.DataFrame(
            {
                "source": "gdelt",
                "event_id": df["GLOBALEVENTID"],
                "event_date": pd.to_datetime(df["SQLDATE"], format="%Y%m%d", errors="coerce"),
                "date_added": pd.to_datetime(df["DATEADDED"], format="%Y%m%d%H%M%S", errors="coerce"),
                "actor1_code": df["Actor1Code"],
                "actor1_country": df["Actor1CountryCode"],
                "actor2_code": df["Actor2Code"],
                "actor2_country": df["Actor2CountryCode"],
                "event_code": df["EventCode"],
                "root_code": df["EventCode"].str[:2],
                "quad_class": pd.to_numeric(df["QuadClass"], errors="coerce").astype("Int8"),
                "goldstein": pd.to_numeric(df["GoldsteinScale"], errors="coerce"),
                "num_mentions": pd.to_numeric(df["NumMentions"], errors="coerce").astype("Int32"),
                "num_sources": pd.to_numeric(df["NumSources"], errors="coerce").astype("Int32"),
                "avg_tone": pd.to_numeric(df["AvgTone"], errors="coerce"),
                "latitude": pd.to_numeric(df["ActionGeo_Lat"], errors="coerce"),
                "longitude": pd.to_numeric(df["ActionGeo_Long"], errors="coerce"),
                "source_url": df["SOURCEURL"],
            }
        )
        frames.append(out)
    allrows = pd.concat(frames, ignore_index=True)
    con.register("pdf", allrows)
    con.execute("CREATE OR REPLACE TABLE pandas_events AS SELECT * FROM pdf")
    return len(allrows)


def bare_reader(path: Path) -> str:
    """DuckDB's reader with everything given up front: all 61 columns VARCHAR, no sniffing."""
    cols = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in GDELT2_COLUMNS) + "}"
    return f"read_csv('{path.as_posix()}', delim='\t', header=false, quote='', columns={cols})"


class Timer:
    """Wall-clock and CPU seconds (all threads of this process) of a block."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def ladder(con: duckdb.DuckDBPyConnection, path: Path, variant: str) -> None:
    """The ingest's write path built up one guarantee at a time (``--costs``), from the ingest's own SQL:
    ``native`` parses into the native table (verbatim fields, record key, row ordinal) and commits;
    ``native-checks`` adds the value checks; ``native-checks-canonical`` adds the canonical rows."""
    from realpolitik.events import ingest
    from realpolitik.events.formats import detect
    from realpolitik.events.store import NATIVE_FAMILIES, native_table

    det = detect(path)
    spec = det.spec
    reader, cols = ingest.read_csv_sql(path, det, "rej_err", "rej_scan")
    native_sel, _ = ingest.native_select(det, cols)
    ncols = ", ".join(f'"{c}"' for c in NATIVE_FAMILIES[spec.family])
    check = ingest.check_sql(spec) if variant != "native" else "NULL"
    con.execute("BEGIN TRANSACTION")
    con.execute(
        f"INSERT INTO {native_table(spec.family)} (record_key, file_id, source_row, {ncols}, extra) "
        f"SELECT {spec.id_sql}, 1, CASE WHEN {check} IS NULL THEN _n ELSE -_n END, {ncols}, extra "
        f"FROM (SELECT row_number() OVER () AS _n, * FROM (SELECT {native_sel} FROM {reader}))",
        {"path": path.as_posix()},  # ingest's reader takes the path as a parameter
    )
    if variant == "native-checks-canonical":
        ingest.insert_canonical(con, spec, 1, det)
    con.execute("COMMIT")


def run_one(variant: str, path: Path, threads: int, workdir: Path) -> tuple[float, float, int]:
    """One timed run in this process: (wall seconds, CPU seconds, rows)."""
    from realpolitik.events import ingest, store

    if variant.startswith(("ingest", "native")):
        con = store.connect(workdir / "w.duckdb")  # schema and lookups: set-up, not timed
        con.execute(f"SET threads = {threads}")
        with Timer() as t:
            if variant.startswith("ingest"):
                reports = ingest.ingest_paths(con, [path])
            else:
                ladder(con, path, variant)
        if variant.startswith("ingest"):
            assert all(r.status == "loaded" and r.rejected == 0 for r in reports), reports
            rows = sum(r.loaded for r in reports)
        else:
            rows = _count(con, "SELECT count(*) FROM native_gdelt_events")
    elif variant == "pandas":
        con = duckdb.connect(str(workdir / "p.duckdb"))
        con.execute(f"SET threads = {threads}")
        with Timer() as t:
            rows = pandas_loader([path], con)
    elif variant == "count":
        con = duckdb.connect()
        con.execute(f"SET threads = {threads}")
        with Timer() as t:
            rows = _count(con, f"SELECT count(*) FROM {bare_reader(path)}")
    else:  # ctas-mem, ctas-file
        con = duckdb.connect(":memory:" if variant == "ctas-mem" else str(workdir / "c.duckdb"))
        con.execute(f"SET threads = {threads}")
        with Timer() as t:
            con.execute(f"CREATE TABLE t AS SELECT * FROM {bare_reader(path)}")
        rows = _count(con, "SELECT count(*) FROM t")
    con.close()
    return t.wall, t.cpu, rows


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def spawn(variant: str, path: Path, threads: int, src: Path | None) -> tuple[float, float, int]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    argv = [sys.executable, __file__, "--one", variant, "--file", str(path), "--threads", str(threads)]
    out = subprocess.run(argv, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{variant} failed:\n{out.stderr}")
    wall, cpu, rows = out.stdout.strip().splitlines()[-1].split()  # DuckDB may draw a progress bar before
    return float(wall), float(cpu), int(rows)


def zipped(path: Path) -> Path:
    z = path.with_name(path.name + ".zip")
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.write(path, path.name)
    return z


Runs = dict[tuple[str, int], list[tuple[float, float]]]


def report(results: Runs, rows: int) -> None:
    wall = {k: statistics.median(w for w, _ in v) for k, v in results.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in results.items()}
    print(f"{'variant':24} {'threads':>7} {'wall s':>7} {'min':>6} {'max':>6} {'CPU s':>6} {'rows/s (wall)':>14}")
    for key, runs in results.items():
        ws = [w for w, _ in runs]
        print(
            f"{key[0]:24} {key[1]:7d} {wall[key]:7.2f} {min(ws):6.2f} {max(ws):6.2f} {cpu[key]:6.2f} "
            f"{rows / wall[key]:14,.0f}"
        )

    def best(name: str) -> tuple[str, int] | None:
        keys = [k for k in wall if k[0] == name]
        return min(keys, key=wall.__getitem__) if keys else None

    for name in ("ingest", "ingest-zip", "ingest-base"):
        mine = best(name)
        if mine is None:
            continue
        line = f"{name} ({mine[1]} thread(s), {rows / wall[mine]:,.0f} rows/s):"
        for ref in ("ctas-mem", "ctas-file", "pandas"):
            other = best(ref)
            if other is not None:
                line += f" {wall[other] / wall[mine]:.2f}x {ref} ({other[1]} thread(s))"
                line += f" [CPU {cpu[other] / cpu[mine]:.2f}x];"
        print(line.rstrip(";"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows in the file")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="DuckDB thread counts to run")
    ap.add_argument("--repeat", type=int, default=3, help="rounds")
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=sorted({*VARIANTS, *COSTS}))
    ap.add_argument("--costs", action="store_true", help="the cost of each guarantee: " + ", ".join(COSTS))
    ap.add_argument("--baseline-src", type=Path, help="also time the ingest of this source tree's src/ folder")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        with tempfile.TemporaryDirectory(prefix="rp-bench-") as tmp:
            wall, cpu, rows = run_one(a.one.removesuffix("-base"), a.file, a.threads[0], Path(tmp))
        print(wall, cpu, rows)
        return
    variants = list(COSTS) if a.costs else a.variants
    with tempfile.TemporaryDirectory(prefix="rp-bench-") as tmp:
        path = Path(tmp) / "20210101000000.export.CSV"
        make_file(path, a.rows)
        print(f"{a.rows:,} rows, {path.stat().st_size / 1e6:.0f} MB uncompressed; {os.cpu_count()} cores")
        files: dict[str, tuple[Path, Path | None]] = {}
        for v in variants:
            files[v] = (zipped(path) if v == "ingest-zip" else path, None)
        if a.baseline_src is not None:
            files["ingest-base"] = (path, a.baseline_src.resolve())
        load0 = os.getloadavg()
        results: Runs = {(v, t): [] for t in a.threads for v in files}
        for _ in range(a.repeat):
            for t in a.threads:
                for v, (p, src) in files.items():
                    wall, cpu, rows = spawn(v, p, t, src)
                    assert rows == a.rows, (v, rows)
                    results[v, t].append((wall, cpu))
        load1 = os.getloadavg()
        report(results, a.rows)
        print(f"load average (1 min) before {load0[0]:.2f}, after {load1[0]:.2f}")


if __name__ == "__main__":
    main()
