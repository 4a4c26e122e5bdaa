"""The Dask engine (LocalCluster on 127.0.0.1, two worker processes) gives the DuckDB engine's results."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from realpolitik.cli.events import app
from realpolitik.events import actors, engines, indicators, ingest, store
from tests.test_events_ingest import gdelt2_row, write

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def files(tmp: Path) -> list[Path]:
    pairs = [("PAKGOV", "AFGGOV"), ("AFGGOV", "PAKMIL"), ("PAKGOV", "INDGOV"), ("USAGOV", "GBRGOV"), ("PAK", "AFG")]
    out = []
    eid = 0
    for f in range(4):
        rows = []
        for i in range(60):
            eid += 1
            a1, a2 = pairs[i % len(pairs)]
            day = f"2021{9 + f % 3:02d}{1 + i % 28:02d}"
            rows.append(
                gdelt2_row(
                    eid,
                    date=day,
                    a1=a1,
                    a2=a2,
                    code=["043", "190", "112", "057"][i % 4],
                    QuadClass=str(1 + i % 4),
                    goldstein=f"{(i % 21) - 10}.{i % 10}",
                    NumMentions=str(1 + i % 7),
                )
            )
        rows.append(gdelt2_row(eid - 70 if f else 1, a1="PAKGOV", a2="AFGGOV"))  # a duplicate of an earlier id
        out.append(write(tmp / f"{f}.export.CSV", rows))
    return out


def test_dask_ingest_and_indicators_equal_duckdb(tmp_path: Path, client: object) -> None:
    src = files(tmp_path)
    con = store.connect(tmp_path / "w.duckdb")
    reps = ingest.ingest_paths(con, src)
    actors.install(con)
    dreps = engines.dask_ingest_parquet(client, src, tmp_path / "pq")
    assert [(r.loaded, r.duplicates) for r in reps] == [(r.loaded, r.duplicates) for r in dreps]
    assert sum(r.duplicates for r in dreps) == 4
    for tokens, kw in (
        (["pakistan", "taliban", "india"], {"freq": "month"}),
        (["PAK", "AFG"], {"freq": "week", "directed": True}),
        (["pakistan", "taliban"], {"freq": "day", "reliability": indicators.Reliability(min_mentions=3)}),
    ):
        a = indicators.dyad_indicators(con, tokens, **kw)  # type: ignore[arg-type]
        b = engines.dask_dyad_indicators(client, tmp_path / "pq", tokens, **kw)  # type: ignore[arg-type]
        c = engines.duckdb_parquet_indicators(tmp_path / "pq", tokens, **kw)
        assert a.num_rows > 0 and a.equals(b) and a.equals(c), tokens
    n = con.execute("SELECT count(*) FROM events").fetchone()
    params = indicators.SqlParams()
    query = f"SELECT count(*) FROM {indicators.parquet_relation(str(tmp_path / 'pq'), params)}"
    m = duckdb.execute(query, params.used(query)).fetchone()
    assert n == m == (240,)
    con.close()


def test_cli_engine_dask(tmp_path: Path, client: object) -> None:
    src = files(tmp_path)
    addr = client.scheduler.address  # type: ignore[attr-defined]
    r = CliRunner().invoke(
        app,
        [
            "ingest",
            *map(str, src),
            "--engine",
            "dask",
            "--parquet",
            str(tmp_path / "pq"),
            "--scheduler",
            addr,
            "--output",
            "json",
        ],
    )
    assert r.exit_code == 0, r.output
    assert sum(x["loaded"] for x in json.loads(r.output)) == 240
    r = CliRunner().invoke(
        app,
        [
            "dyads",
            "--parquet",
            str(tmp_path / "pq"),
            "--engine",
            "dask",
            "--scheduler",
            addr,
            "--actors",
            "PAK,AFG",
            "--format",
            "json",
        ],
    )
    assert r.exit_code == 0, r.output
    r2 = CliRunner().invoke(
        app, ["dyads", "--parquet", str(tmp_path / "pq"), "--actors", "PAK,AFG", "--format", "json"]
    )
    assert json.loads(r.output) == json.loads(r2.output)
    bad = CliRunner().invoke(app, ["ingest", str(src[0]), "--engine", "dask"])
    assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1


def test_dask_ingest_fails_a_mostly_rejected_file_whole(tmp_path: Path, client: object) -> None:
    """The Dask engine applies the DuckDB engine's rule: a file read as the wrong format (every row rejected) is an
    error with nothing of it in the Parquet output, and the other files still load."""
    good = write(tmp_path / "good.export.CSV", [gdelt2_row(1), gdelt2_row(2)])
    wrong = write(tmp_path / "wrong.export.CSV", [gdelt2_row(i) for i in range(10, 40)])
    reports = engines.dask_ingest_parquet(client, [good], tmp_path / "pq0")
    reports += engines.dask_ingest_parquet(client, [wrong], tmp_path / "pq1", forced_format="icews")
    assert [r.status for r in reports] == ["loaded", "error"]
    assert "rejected" in (reports[1].message or "")
    assert list((tmp_path / "pq0").glob("**/*.parquet")) and not list((tmp_path / "pq1").glob("**/*.parquet"))
