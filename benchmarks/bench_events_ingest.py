"""Ingest throughput: the DuckDB ingest (``realpolitik events ingest``) against a pandas ``read_csv`` loader.

Both load the same synthetic uncompressed GDELT 2.0 export files (61 tab-separated fields) into a DuckDB table of
canonical rows. The pandas loader is the straightforward alternative: ``read_csv(dtype=str)``, typed columns
with pandas, then one bulk insert into DuckDB; it does no reject accounting, de-duplication or actor work, so the
comparison flatters pandas.

    .venv/bin/python benchmarks/bench_events_ingest.py --rows 1000000 --threads 1
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from realpolitik.events import ingest, store
from realpolitik.events.formats import GDELT2_COLUMNS


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows per file")
    ap.add_argument("--files", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1, help="DuckDB threads (1 = per-core figure)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        paths = []
        for f in range(a.files):
            p = d / f"2021010{f}000000.export.CSV"
            make_file(p, a.rows, start=f * a.rows)
            paths.append(p)
        total = a.rows * a.files
        size = sum(p.stat().st_size for p in paths) / 1e6
        print(f"{total:,} rows in {a.files} file(s), {size:.0f} MB uncompressed")

        con = store.connect(d / "w.duckdb")
        con.execute(f"SET threads = {a.threads}")
        t0 = time.perf_counter()
        reps = ingest.ingest_paths(con, paths)
        t_duck = time.perf_counter() - t0
        assert sum(r.loaded for r in reps) == total, reps
        con.close()

        con2 = duckdb.connect(str(d / "p.duckdb"))
        con2.execute(f"SET threads = {a.threads}")
        t0 = time.perf_counter()
        n = pandas_loader(paths, con2)
        t_pd = time.perf_counter() - t0
        con2.close()
        assert n == total
        print(f"duckdb ingest : {t_duck:7.2f} s  {total / t_duck:12,.0f} rows/s  (threads={a.threads})")
        print(f"pandas loader : {t_pd:7.2f} s  {total / t_pd:12,.0f} rows/s")
        print(f"ratio         : {t_pd / t_duck:.2f}x")


if __name__ == "__main__":
    main()
