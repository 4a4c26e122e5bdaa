"""Ingest on synthetic files: formats, idempotency, atomicity under SIGKILL, rejects, zips, mappings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from realpolitik.cli.events import app
from realpolitik.events import ingest, masterlist, store
from realpolitik.events.errors import EventsError
from realpolitik.events.formats import GDELT2_COLUMNS

REPO = Path(__file__).resolve().parent.parent


def gdelt2_row(
    eid: int,
    *,
    date: str = "20211020",
    code: str = "043",
    a1: str = "PAKGOV",
    a2: str = "AFGGOV",
    goldstein: str = "2.8",
    **over: str,
) -> str:
    v = dict.fromkeys(GDELT2_COLUMNS, "")
    v.update(
        GLOBALEVENTID=str(eid),
        SQLDATE=date,
        MonthYear=date[:6],
        Year=date[:4],
        FractionDate="2021.8",
        Actor1Code=a1,
        Actor1Name=a1,
        Actor1CountryCode=a1[:3],
        Actor1Type1Code=a1[3:6],
        Actor2Code=a2,
        Actor2Name=a2,
        Actor2CountryCode=a2[:3],
        Actor2Type1Code=a2[3:6],
        IsRootEvent="1",
        EventCode=code,
        EventBaseCode=code[:3],
        EventRootCode=code[:2],
        QuadClass="1",
        GoldsteinScale=goldstein,
        NumMentions="4",
        NumSources="1",
        NumArticles="4",
        AvgTone="-1.5",
        ActionGeo_FullName="Kabul, Afghanistan",
        ActionGeo_CountryCode="AF",
        ActionGeo_Lat="34.5",
        ActionGeo_Long="69.2",
        DATEADDED=date + "001500",
        SOURCEURL=f"https://example.org/{eid}",
    )
    v.update(over)
    return "\t".join(v[c] for c in GDELT2_COLUMNS)


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def con(tmp_path: Path):  # type: ignore[no-untyped-def]
    c = store.connect(tmp_path / "w.duckdb")
    yield c
    c.close()


def test_gdelt2_canonical_keeps_leading_zeros(con, tmp_path: Path) -> None:
    f = write(tmp_path / "20211020001500.export.CSV", [gdelt2_row(1), gdelt2_row(2, code="0874", goldstein="10")])
    rep = ingest.ingest_file(con, f)
    assert (rep.status, rep.format, rep.rows_read, rep.loaded, rep.rejected) == ("loaded", "gdelt2", 2, 2, 0)
    rows = con.execute(
        "SELECT event_id, event_code, root_code, quad_class, goldstein, event_date, actor1_roles "
        "FROM events ORDER BY event_id"
    ).fetchall()
    assert rows[0][:5] == ("1", "043", "04", 1, 2.8)
    assert str(rows[0][5]) == "2021-10-20" and rows[0][6] == ["GOV"]
    assert rows[1][1:3] == ("0874", "08")
    native = con.execute('SELECT "EventCode", "EventRootCode" FROM native_gdelt_events ORDER BY 1').fetchall()
    assert native == [("043", "04"), ("0874", "08")]


def test_reingest_changes_nothing_and_dedups_across_files(con, tmp_path: Path) -> None:
    a = write(tmp_path / "a.export.CSV", [gdelt2_row(1), gdelt2_row(2)])
    b = write(tmp_path / "b.export.CSV", [gdelt2_row(2), gdelt2_row(3), gdelt2_row(3)])
    ingest.ingest_file(con, a)
    again = ingest.ingest_file(con, a)
    assert again.status == "skipped"
    rb = ingest.ingest_file(con, b)
    assert (rb.rows_read, rb.loaded, rb.duplicates, rb.rejected) == (3, 1, 2, 0)
    assert con.execute("SELECT count(*), count(DISTINCT event_id) FROM events").fetchone() == (3, 3)
    assert con.execute("SELECT count(*) FROM files").fetchone() == (2,)


def test_malformed_rows_are_rejected_and_accounted(con, tmp_path: Path) -> None:
    good = gdelt2_row(1)
    rows = [
        good.encode(),
        gdelt2_row(2).rsplit("\t", 3)[0].encode(),  # line 2: too few fields
        gdelt2_row(3, date="20211340").encode(),  # line 3: bad date
        gdelt2_row(4, goldstein="abc").encode(),  # line 4: bad number
        gdelt2_row(5, a1="PAKGOV").replace("PAKGOV", "PAK\xe9").encode("latin-1"),  # line 5: not UTF-8
        gdelt2_row(6).encode(),
    ]
    f = tmp_path / "bad.export.CSV"
    f.write_bytes(b"\n".join(rows) + b"\n")
    rep = ingest.ingest_file(con, f)
    assert rep.rows_read == 6 and rep.loaded == 2 and rep.rejected == 4
    assert rep.rows_read == rep.loaded + rep.duplicates + rep.rejected
    rej = con.execute("SELECT line, field, reason FROM rejects ORDER BY line").fetchall()
    assert [r[0] for r in rej] == [2, 3, 4, 5]
    assert rej[1][1:] == ("SQLDATE", "INVALID VALUE") and rej[2][1] == "GoldsteinScale"
    assert rej[0][2] == "MISSING COLUMNS" and rej[3][2] == "INVALID ENCODING"
    assert any("SQLDATE" in e for e in rep.examples)


def test_zip_and_truncated_zip(con, tmp_path: Path) -> None:
    src = write(tmp_path / "20211020001500.export.CSV", [gdelt2_row(i) for i in range(1, 200)])
    z = tmp_path / "20211020001500.export.CSV.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(src, src.name)
    rep = ingest.ingest_file(con, z)
    assert rep.loaded == 199
    cut = tmp_path / "20211020003000.export.CSV.zip"
    cut.write_bytes(z.read_bytes()[: z.stat().st_size // 2])
    with pytest.raises(EventsError, match=r"20211020003000\.export\.CSV\.zip.*truncated or corrupt zip"):
        ingest.ingest_file(con, cut)
    assert con.execute("SELECT count(*) FROM files").fetchone() == (1,)


def test_header_with_bigquery_names_and_mapping_yaml(con, tmp_path: Path) -> None:
    header = "\t".join(GDELT2_COLUMNS)
    f = write(tmp_path / "bq.tsv", [header, gdelt2_row(7)])
    rep = ingest.ingest_file(con, f)
    assert (rep.format, rep.loaded) == ("gdelt2", 1)
    # renamed columns via --columns
    renamed = ["id", "day", "a1", "a2", "code", "gs", "extra_col"]
    g = write(tmp_path / "renamed.csv", [",".join(renamed), "8,20211021,AFGINSTAL,PAKMIL,0874,10,x"])
    m = tmp_path / "map.yaml"
    m.write_text(
        textwrap.dedent("""\
        format: gdelt2
        columns: {id: GLOBALEVENTID, day: SQLDATE, a1: Actor1Code, a2: Actor2Code, code: EventCode,
                  gs: GoldsteinScale}
        """)
    )
    from realpolitik.events.formats import load_mapping_yaml

    rep2 = ingest.ingest_file(con, g, mapping=load_mapping_yaml(m))
    assert rep2.loaded == 1
    row = con.execute("SELECT actor1_code, event_code, goldstein FROM events WHERE event_id = '8'").fetchone()
    assert row == ("AFGINSTAL", "0874", 10.0)
    extra = con.execute("SELECT extra FROM native_gdelt_events WHERE record_key = '8'").fetchone()
    assert extra is not None and "extra_col" in extra[0]


def test_reduced_rows_without_id_dedup_on_content(con, tmp_path: Path) -> None:
    head = (
        "Date\tSource\tTarget\tCAMEOCode\tNumEvents\tNumArts\tQuadClass\tGoldstein\tSourceGeoType\t"
        "SourceGeoLat\tSourceGeoLong\tTargetGeoType\tTargetGeoLat\tTargetGeoLong\tActionGeoType\t"
        "ActionGeoLat\tActionGeoLong"
    )
    rows = [
        head,
        "19790101\tAFR\tFRA\t043\t1\t4\t1\t2.8\t\t\t",
        "19790101\tAFG\tPAKGOV\t190\t2\t3\t4\t-10" + "\t" * 9,
        "19790101\tAFG\tPAKGOV\t190\t2\t3\t4\t-10" + "\t" * 9,
    ]
    rep = ingest.ingest_file(con, write(tmp_path / "reduced.txt", rows))
    assert (rep.format, rep.rows_read, rep.loaded, rep.duplicates) == ("gdelt1_reduced", 3, 2, 1)
    assert con.execute("SELECT actor2_country, actor2_roles FROM events WHERE actor1_code = 'AFG'").fetchone() == (
        "PAK",
        ["GOV"],
    )


CHILD = """
import sys, time
from pathlib import Path
from realpolitik.events import ingest, store
real = ingest.insert_canonical
def slow(*args, **kwargs):
    real(*args, **kwargs)
    print("IN-TRANSACTION", flush=True)
    time.sleep(60)
ingest.insert_canonical = slow
con = store.connect(sys.argv[1])
ingest.ingest_file(con, Path(sys.argv[2]))
"""


def test_sigkill_mid_file_leaves_workspace_unchanged(tmp_path: Path) -> None:
    ws = tmp_path / "w.duckdb"
    a = write(tmp_path / "a.export.CSV", [gdelt2_row(i) for i in range(1, 50)])
    b = write(tmp_path / "b.export.CSV", [gdelt2_row(i) for i in range(40, 500)])
    con = store.connect(ws)
    ingest.ingest_file(con, a)
    con.close()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(ws), str(b)], stdout=subprocess.PIPE, env=env, text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    line = proc.stdout.readline()
    assert "IN-TRANSACTION" in line and time.monotonic() < deadline
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    con = store.connect(ws)
    assert con.execute("SELECT count(*) FROM files").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM events").fetchone() == (49,)
    assert con.execute("SELECT count(*) FROM native_gdelt_events").fetchone() == (49,)
    rep = ingest.ingest_file(con, b)
    assert (rep.loaded, rep.duplicates) == (450, 10)
    con.close()


def test_masterlist_reports_missing_and_mismatch(tmp_path: Path) -> None:
    import hashlib

    f1 = write(tmp_path / "20211020001500.export.CSV", [gdelt2_row(1)])
    f3 = write(tmp_path / "20211020004500.export.CSV", [gdelt2_row(3)])
    md5 = hashlib.md5(f1.read_bytes()).hexdigest()
    base = "http://data.gdeltproject.org/gdeltv2/"
    ml = tmp_path / "masterfilelist.txt"
    ml.write_text(
        f"{f1.stat().st_size} {md5} {base}{f1.name}\n"
        f"123 0123456789abcdef0123456789abcdef {base}20211020003000.export.CSV\n"
        f"{f3.stat().st_size} 0123456789abcdef0123456789abcdef {base}{f3.name}\n"
        f"99 0123456789abcdef0123456789abcdef {base}20211020003000.mentions.CSV\n"
    )
    rep = masterlist.check(ml, [f1, f3])
    assert rep.missing == ["20211020003000.export.CSV"]
    assert len(rep.bad_md5) == 1 and f3.name in rep.bad_md5[0]
    assert not rep.ok


def test_cli_ingest_and_errors(tmp_path: Path) -> None:
    f = write(tmp_path / "x.export.CSV", [gdelt2_row(1)])
    runner = CliRunner()
    ok = runner.invoke(
        app,
        [
            "ingest",
            str(f),
            "--workspace",
            str(tmp_path / "w.duckdb"),
            "--output",
            "json",
            "--parquet",
            str(tmp_path / "pq"),
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert '"loaded": 1' in ok.output
    assert list((tmp_path / "pq").glob("source=gdelt/month=2021-10/*.parquet"))
    bad = runner.invoke(app, ["ingest", str(f), "--workspace", str(tmp_path / "w.duckdb"), "--format", "nope"])
    assert bad.exit_code == 2 and "unknown format" in bad.output and "Traceback" not in bad.output
    junk = write(tmp_path / "junk.csv", ["a,b,c", "1,2,3"])
    bad2 = runner.invoke(app, ["ingest", str(junk), "--workspace", str(tmp_path / "w.duckdb")])
    assert bad2.exit_code == 2 and "junk.csv: header row not recognised" in bad2.output


def test_one_pass_keeps_ordinals_lines_and_only_loaded_rows(con, tmp_path: Path) -> None:
    """Ingest parses straight into the native table and deletes what it must not keep: the rows left, their
    ``source_row`` (ordinal among parsed rows), the reject lines and the canonical rows must be exactly those of a
    row-by-row reading of the file, whatever mix of parse errors, bad values and repeated keys it holds."""
    import hashlib

    first = write(tmp_path / "a.export.CSV", [gdelt2_row(i) for i in (1, 2, 3)])
    ingest.ingest_file(con, first)
    lines: list[tuple[bytes, str]] = []  # each line of the file and what it is
    for eid in range(2, 40):
        if eid % 11 == 0:
            lines.append((gdelt2_row(eid).rsplit("\t", 3)[0].encode(), "parse"))  # too few fields
        elif eid % 7 == 0:
            lines.append((gdelt2_row(eid, date="20211340").encode(), "value"))  # bad date
        elif eid % 5 == 0:
            lines.append((gdelt2_row(eid).encode(), "new"))
            lines.append((gdelt2_row(eid, code="190").encode(), "dup"))  # the same key again
        else:  # 2 and 3 are stored already, from a.export.CSV
            lines.append((gdelt2_row(eid).encode(), "dup" if eid <= 3 else "new"))
    rows = [row for row, _ in lines]
    kinds = {line: kind for line, (_, kind) in enumerate(lines, start=1)}
    f = tmp_path / "b.export.CSV"
    f.write_bytes(b"\n".join(rows) + b"\n")
    rep = ingest.ingest_file(con, f)

    counts = {k: sum(v == k for v in kinds.values()) for k in ("parse", "value", "dup", "new")}
    assert (rep.rows_read, rep.loaded, rep.duplicates, rep.rejected) == (
        len(rows),
        counts["new"],
        counts["dup"],
        counts["parse"] + counts["value"],
    )
    assert [line for (line,) in con.execute("SELECT line FROM rejects ORDER BY line").fetchall()] == [
        line for line, kind in kinds.items() if kind in ("parse", "value")
    ]
    parsed = [line for line, kind in kinds.items() if kind != "parse"]  # source_row counts parsed rows only
    expected = [(parsed.index(line) + 1, line) for line, kind in kinds.items() if kind == "new"]
    native = con.execute(
        'SELECT source_row, "EventCode" FROM native_gdelt_events WHERE file_id = ? ORDER BY source_row', [rep.file_id]
    ).fetchall()
    assert [s for s, _ in native] == [s for s, _ in expected]
    assert {code for _, code in native} == {"043"}  # the first occurrence of a repeated key is the one kept
    canonical = con.execute(
        "SELECT source_row FROM event_store WHERE file_id = ? ORDER BY source_row", [rep.file_id]
    ).fetchall()
    assert [s for (s,) in canonical] == [s for s, _ in expected]
    assert con.execute("SELECT count(*) FROM native_gdelt_events WHERE source_row < 1").fetchone() == (0,)
    md5 = con.execute("SELECT md5 FROM files WHERE file_id = ?", [rep.file_id]).fetchone()
    assert md5 == (hashlib.md5(f.read_bytes()).hexdigest(),)


def test_a_file_that_fails_leaves_no_hashing_thread(con, tmp_path: Path) -> None:
    """The MD5 runs on a thread while DuckDB parses; a file that cannot be read stops it."""
    import threading

    empty = tmp_path / "empty.export.CSV"
    empty.write_bytes(b"")
    with pytest.raises(EventsError, match="empty file"):
        ingest.ingest_file(con, empty)
    assert not [t for t in threading.enumerate() if t.name == "realpolitik-md5"]
    assert con.execute("SELECT count(*) FROM files").fetchone() == (0,)
