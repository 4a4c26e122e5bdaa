"""Hostile and careless input to the event commands (issue #23, event-data half): one line and exit 2, never a
traceback, never a silently lost file, never a file that is not ours modified."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from realpolitik.cli.events import app
from realpolitik.events import formats, readable, store
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
    assert up.exit_code == 0 and f"1 -> {store.SCHEMA_VERSION}" in up.output, up.output
    assert ingest(str(f), "-w", str(ws)).exit_code == 0
    con = duckdb.connect(str(ws), read_only=True)
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    con.close()
    assert meta == {"schema_version": store.SCHEMA_VERSION, "application_id": store.APPLICATION_ID}


def test_a_version_2_workspace_upgrades_to_3_keeping_its_rows(tmp_path: Path) -> None:
    """Version 3 appends four canonical columns and the fetch tables; rows already there keep their values and get
    their source's licence."""
    ws = tmp_path / "w.duckdb"
    f = write(tmp_path / "x.export.CSV", [gdelt2_row(1), gdelt2_row(2)])
    assert ingest(str(f), "-w", str(ws)).exit_code == 0
    con = duckdb.connect(str(ws))  # turn it into what version 2 wrote
    con.execute("DROP VIEW events")
    for column in store.V3_COLUMNS:
        con.execute(f"ALTER TABLE event_store DROP COLUMN {column}")
    con.execute(  # version 2's view had these columns (and a few derived ones the dyads do not read)
        "CREATE VIEW events AS SELECT e.*, c.plover AS plover, strftime(e.event_date, '%Y-%m') AS month "
        "FROM event_store e LEFT JOIN cameo_codes c ON c.code = e.event_code"
    )
    con.execute("DROP TABLE fetch_state")
    con.execute("DROP TABLE deletions")
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    con.close()
    one_line_error(ingest(str(f), "-w", str(ws)), "older than 3", "events upgrade")
    read = runner.invoke(app, ["dyads", "--actors", "PAK,AFG", "-w", str(ws), "--format", "json"])
    assert read.exit_code == 0 and sum(r["n"] for r in json.loads(read.stdout)) == 2, read.output  # read as it is
    up = runner.invoke(app, ["upgrade", "--workspace", str(ws)])
    assert up.exit_code == 0 and "2 -> 3" in up.output, up.output
    g = write(tmp_path / "y.export.CSV", [gdelt2_row(3)])
    assert ingest(str(g), "-w", str(ws)).exit_code == 0
    con = duckdb.connect(str(ws), read_only=True)
    rows = con.execute("SELECT event_id, licence, fatalities_low, plover FROM events ORDER BY event_id").fetchall()
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    con.close()
    assert [r[0] for r in rows] == ["1", "2", "3"]
    assert {r[1] for r in rows} == {formats.LICENCES["gdelt"]} and {r[2] for r in rows} == {None}
    assert {"fetch_state", "deletions"} <= tables


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


BOMB = """a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_yaml_bombs_in_actor_tables_and_column_mappings_are_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB)
    f = write(tmp_path / "x.export.CSV", [gdelt2_row(1)])
    ws = str(tmp_path / "w.duckdb")
    started = time.monotonic()
    one_line_error(ingest(str(f), "-w", ws, "--actors", str(bomb)), "bomb.yaml:", "MAX_YAML_NODES")
    one_line_error(ingest(str(f), "-w", ws, "--columns", str(bomb)), "bomb.yaml:", "MAX_YAML_NODES")
    assert time.monotonic() - started < 5


def test_devices_fifos_and_folders_are_refused_as_event_inputs(tmp_path: Path) -> None:
    ws = str(tmp_path / "w.duckdb")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    started = time.monotonic()
    one_line_error(ingest(str(fifo), "-w", ws), "pipe.csv", "not a regular file")
    one_line_error(ingest("/dev/zero", "-w", ws, "--format", "gdelt2"), "/dev/zero", "not a regular file")
    f = write(tmp_path / "x.export.CSV", [gdelt2_row(1)])
    one_line_error(ingest(str(f), "-w", ws, "--masterlist", "/dev/zero"), "/dev/zero", "not a regular file")
    one_line_error(ingest(str(f), "-w", ws, "--actors", str(fifo)), "pipe.csv", "not a regular file")
    assert time.monotonic() - started < 10


def test_a_zip_bomb_is_refused_before_it_fills_the_disk(tmp_path: Path) -> None:
    """A member of zeros compresses about 1000:1; it is refused from its declared size, and a member whose header
    lies about its size is stopped while streaming, either way with nothing left in the temporary folder."""
    ws = str(tmp_path / "w.duckdb")
    bomb = tmp_path / "20201113000000.export.CSV.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("20201113000000.export.CSV", b"0" * (64 * 1024 * 1024))
    assert bomb.stat().st_size < 200_000
    before = set(Path(tempfile.gettempdir()).glob(f"{readable.UNZIP_PREFIX}*"))
    one_line_error(ingest(str(bomb), "-w", ws), "export.CSV.zip", "zip bomb")
    liar = tmp_path / "liar.export.CSV.zip"
    data = bytearray(bomb.read_bytes())
    for header in (b"PK\x03\x04", b"PK\x01\x02"):  # rewrite the declared inflated size in both headers
        at = data.find(header)
        offset = 22 if header == b"PK\x03\x04" else 24
        data[at + offset : at + offset + 4] = (1000).to_bytes(4, "little")
    liar.write_bytes(bytes(data))
    res = ingest(str(liar), "-w", ws)
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "zip bomb" in res.output or "corrupt zip" in res.output, res.output
    assert set(Path(tempfile.gettempdir()).glob(f"{readable.UNZIP_PREFIX}*")) <= before


def test_extraction_folders_of_killed_ingests_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    left = Path(tempfile.gettempdir()) / f"{readable.UNZIP_PREFIX}{pid}-abcdefgh"
    left.mkdir()
    (left / "20201113000000.export.CSV").write_text("half a file")
    mine = Path(tempfile.mkdtemp(prefix=f"{readable.UNZIP_PREFIX}{os.getpid()}-"))
    try:
        removed = readable.clean_unzip_leftovers()
        assert left in removed and not left.exists()
        assert mine.exists()  # a running ingest's folder is kept
    finally:
        shutil.rmtree(mine, ignore_errors=True)
        shutil.rmtree(left, ignore_errors=True)


def test_quotes_and_brackets_in_user_text_are_data_not_sql(tmp_path: Path) -> None:
    """Paths, actor codes and dates reach DuckDB as parameters: a quote or a glob bracket in them is data."""
    folder = tmp_path / "it's [odd]"
    folder.mkdir()
    ws = folder / "w'ws.duckdb"
    f = write(folder / "x'y.export.CSV", [gdelt2_row(1), gdelt2_row(2, a1="AFGGOV", a2="PAKGOV")])
    assert ingest(str(f), "-w", str(ws), "--parquet", str(folder / "p'q")).exit_code == 0
    for source in (["-w", str(ws)], ["--parquet", str(folder / "p'q")]):
        res = runner.invoke(app, ["dyads", "--actors", "PAK,AFG", *source, "--format", "json"])
        assert res.exit_code == 0, res.output
        assert sum(r["n"] for r in json.loads(res.output)) == 2
    one_line_error(
        runner.invoke(app, ["dyads", "--actors", "PAK,X'); DROP TABLE files; --", "-w", str(ws)]), "--actors"
    )
    con = duckdb.connect(str(ws), read_only=True)
    assert con.execute("SELECT count(*) FROM files").fetchone() == (1,)
    con.close()


def test_every_source_has_a_licence_for_its_rows() -> None:
    """Rows carry their terms (ACLED's forbid redistribution), so no format may load rows without one."""
    assert {spec.source for spec in formats.FORMATS.values()} <= set(formats.LICENCES)
    assert "redistribut" in formats.LICENCES["acled"]


def test_parquet_work_folders_of_killed_exports_are_removed_by_the_next(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    killed = tmp_path / f".pq.{int(dead.stdout)}.tmp-abcdefgh"
    running = tmp_path / f".pq.{os.getpid()}.tmp-abcdefgh"
    legacy = tmp_path / ".pq.old"
    unrelated = tmp_path / ".pq-notes"
    for folder in (killed, running, legacy, unrelated):
        (folder / "data").mkdir(parents=True)
    old = time.time() - 2 * store.LEFTOVER_AGE_S
    os.utime(legacy, (old, old))
    f = write(tmp_path / "x.export.CSV", [gdelt2_row(1)])
    assert ingest(str(f), "-w", str(tmp_path / "w.duckdb"), "--parquet", str(tmp_path / "pq")).exit_code == 0
    assert not killed.exists() and not legacy.exists()
    assert running.exists() and unrelated.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".pq")) == sorted(
        [running.name, unrelated.name]
    )
