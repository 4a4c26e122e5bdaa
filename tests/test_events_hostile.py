"""Hostile and careless input to the event commands (issue #23, event-data half): one line and exit 2, never a
traceback, never a silently lost file, never a file that is not ours modified."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from realpolitik.cli.events import app
from realpolitik.events import store
from tests.test_events_ingest import gdelt2_row, write

runner = CliRunner()


def ingest(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["ingest", *args, "--output", "json"])


def one_line_error(res, *needles: str) -> None:  # type: ignore[no-untyped-def]
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    for n in needles:
        assert n in res.output, res.output


def test_a_file_read_as_the_wrong_format_fails_whole_and_reruns(tmp_path: Path) -> None:
    f = write(tmp_path / "20211020001500.export.CSV", [gdelt2_row(i) for i in range(1, 30)])
    ws = tmp_path / "w.duckdb"
    bad = ingest(str(f), "-w", str(ws), "--format", "gdelt1")
    one_line_error(bad, "29 of 29 rows rejected as gdelt1", "likely the wrong --format", "nothing loaded")
    con = duckdb.connect(str(ws), read_only=True)
    assert con.execute("SELECT count(*) FROM files").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM rejects").fetchone() == (0,)  # rolled back with the file
    con.close()
    good = ingest(str(f), "-w", str(ws), "--format", "gdelt2")
    assert good.exit_code == 0, good.output
    assert '"loaded": 29' in good.output


def test_more_than_half_rejected_fails_but_a_few_rejects_do_not(tmp_path: Path) -> None:
    from realpolitik.events.ingest import MAX_REJECT_SHARE, MIN_ROWS_FOR_SHARE

    n = MIN_ROWS_FOR_SHARE * 2
    n_bad = int(n * MAX_REJECT_SHARE) + 1
    rows = [gdelt2_row(i, date="20211340") if i <= n_bad else gdelt2_row(i) for i in range(1, n + 1)]
    ws = tmp_path / "w.duckdb"
    one_line_error(ingest(str(write(tmp_path / "a.export.CSV", rows)), "-w", str(ws)), f"{n_bad} of {n} rows")
    few = [gdelt2_row(i, date="20211340") if i < 102 else gdelt2_row(i) for i in range(100, 100 + n)]
    ok = ingest(str(write(tmp_path / "b.export.CSV", few)), "-w", str(ws))
    assert ok.exit_code == 0 and '"rejected": 2' in ok.output


def test_parquet_refuses_a_folder_it_did_not_create(tmp_path: Path) -> None:
    f = write(tmp_path / "x.export.CSV", [gdelt2_row(1)])
    pq = tmp_path / "it's" / "pq"
    pq.mkdir(parents=True)
    (pq / "thesis.docx").write_text("precious")
    ws = str(tmp_path / "w.duckdb")
    one_line_error(ingest(str(f), "-w", ws, "--parquet", str(pq)), "did not create", "--replace")
    assert (pq / "thesis.docx").read_text() == "precious"
    assert not (tmp_path / "w.duckdb").exists()  # refused before any work
    ok = ingest(str(f), "-w", ws, "--parquet", str(pq), "--replace")
    assert ok.exit_code == 0, ok.output
    assert (pq / store.PARQUET_MARKER).is_file() and list(pq.glob("source=gdelt/month=2021-10/*.parquet"))
    again = ingest(str(f), "-w", ws, "--parquet", str(pq))  # ours now: replaced without --replace
    assert again.exit_code == 0, again.output


def test_a_duckdb_file_that_is_not_a_workspace_is_never_modified(tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE countries (mine VARCHAR)")
    con.execute("INSERT INTO countries VALUES ('keep me')")
    con.close()
    before = other.read_bytes()
    f = write(tmp_path / "x.export.CSV", [gdelt2_row(1)])
    one_line_error(ingest(str(f), "-w", str(other)), "not a realpolitik workspace")
    one_line_error(runner.invoke(app, ["dyads", "--actors", "PAK,AFG", "-w", str(other)]), "not a realpolitik")
    assert other.read_bytes() == before


def test_an_older_workspace_needs_an_explicit_upgrade(tmp_path: Path) -> None:
    ws = tmp_path / "w.duckdb"
    con = store.connect(ws)
    con.execute("DELETE FROM meta WHERE key = 'application_id'")
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    f = write(tmp_path / "x.export.CSV", [gdelt2_row(1)])
    one_line_error(ingest(str(f), "-w", str(ws)), "older than", "realpolitik events upgrade --workspace")
    up = runner.invoke(app, ["upgrade", "--workspace", str(ws)])
    assert up.exit_code == 0 and "1 -> 2" in up.output, up.output
    assert ingest(str(f), "-w", str(ws)).exit_code == 0
    con = duckdb.connect(str(ws), read_only=True)
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    con.close()
    assert meta == {"schema_version": store.SCHEMA_VERSION, "application_id": store.APPLICATION_ID}


def test_newer_workspace_is_refused(tmp_path: Path) -> None:
    ws = tmp_path / "w.duckdb"
    con = store.connect(ws)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    f = write(tmp_path / "x.export.CSV", [gdelt2_row(1)])
    one_line_error(ingest(str(f), "-w", str(ws)), "version 99 is newer")


def test_workspace_that_is_a_folder_or_not_duckdb(tmp_path: Path) -> None:
    f = write(tmp_path / "x.export.CSV", [gdelt2_row(1)])
    folder = tmp_path / "ws"
    folder.mkdir()
    one_line_error(ingest(str(f), "-w", str(folder)), "is a folder")
    text = tmp_path / "notes.duckdb"
    text.write_text("not a database\n" * 100)
    one_line_error(ingest(str(f), "-w", str(text)), "not a DuckDB workspace")
    assert text.read_text() == "not a database\n" * 100


def test_a_locked_workspace_is_one_line(tmp_path: Path) -> None:
    ws = tmp_path / "w.duckdb"
    store.connect(ws).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(ws)!r}); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        f = write(tmp_path / "x.export.CSV", [gdelt2_row(1)])
        res = ingest(str(f), "-w", str(ws))
        one_line_error(res, "the workspace is in use by another process", "read-only command")
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    assert ingest(str(f), "-w", str(ws)).exit_code == 0


def test_cr_only_line_endings_and_a_huge_first_field(tmp_path: Path) -> None:
    ws = str(tmp_path / "w.duckdb")
    cr = tmp_path / "cr.export.CSV"
    cr.write_text("\r".join(gdelt2_row(i) for i in range(1, 5)) + "\r")
    one_line_error(ingest(str(cr), "-w", ws), "CR-only line endings")
    one_line_error(ingest(str(cr), "-w", ws, "--format", "gdelt2"), "CR-only line endings")
    big = tmp_path / "big.export.CSV"
    big.write_text(gdelt2_row(1, GLOBALEVENTID="7" * (200 * 1024)) + "\n" + gdelt2_row(2) + "\n")
    one_line_error(ingest(str(big), "-w", ws), "big.export.CSV:1:", "field larger than field limit")
