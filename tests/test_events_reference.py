"""Ingest every real event file in the shared reference data: detection, accounting, the columns that matter."""

from __future__ import annotations

from pathlib import Path

import pytest

from realpolitik.events import ingest, store

CASES = [
    ("gdelt/20201113.csv", "gdelt2", 2824),
    ("gdelt/v1/databasePrimer.csv", "gdelt1", 10),
    ("gdelt/v1/reduced_19790101-03.txt", "gdelt1_reduced", 999),
    ("gdelt/gdeltpyr/mentionssamp.csv", "gdelt2_mentions", 1635),
    ("icews/events.2018.sample.tab", "icews", 3705),
    ("acled/acled_old_deletion_dummy.csv", "acled", 9000),
]


@pytest.mark.reference
@pytest.mark.parametrize(("rel", "fmt", "rows"), CASES)
def test_real_file_detected_and_accounted(shared_data: Path, tmp_path: Path, rel: str, fmt: str, rows: int) -> None:
    con = store.connect(tmp_path / "w.duckdb")
    rep = ingest.ingest_file(con, shared_data / "events" / rel)
    assert rep.format == fmt and rep.rows_read == rows, rep
    assert rep.rows_read == rep.loaded + rep.duplicates + rep.rejected
    assert rep.rejected == 0, rep.examples
    again = ingest.ingest_file(con, shared_data / "events" / rel)
    assert again.status == "skipped"
    con.close()


@pytest.mark.reference
def test_renamed_2020_columns_land_in_the_right_place(shared_data: Path, tmp_path: Path) -> None:
    con = store.connect(tmp_path / "w.duckdb")
    ingest.ingest_file(con, shared_data / "events/gdelt/20201113.csv")
    row = con.execute(
        "SELECT actor1_code, actor1_country, event_code, base_code, root_code, confidence, location_country "
        "FROM events WHERE event_id = '954680550'"
    ).fetchone()
    # Actor_1_Country_Code holds Actor1Code; EventRootCode '19'; Confidence carried from the extract
    assert row == ("AFG", "AFG", "190", "190", "19", 10.0, "AF")
    zeros = con.execute("SELECT base_code, root_code FROM events WHERE event_code = '042' LIMIT 1").fetchone()
    assert zeros == ("042", "04")  # the file wrote '42' and '4'
    native = con.execute("""SELECT "EventRootCode" FROM native_gdelt_events WHERE "EventCode" = '042' LIMIT 1""")
    assert native.fetchone() == ("4",)  # verbatim
    tal = con.execute(
        "SELECT count(*) FROM events WHERE actor1_code LIKE 'AFGINSTAL%' OR actor2_code LIKE 'AFGINSTAL%'"
    ).fetchone()
    assert tal is not None and tal[0] > 0
    con.close()


@pytest.mark.reference
def test_mentions_fill_confidence(shared_data: Path, tmp_path: Path) -> None:
    con = store.connect(tmp_path / "w.duckdb")
    ingest.ingest_file(con, shared_data / "events/gdelt/gdeltpyr/mentionssamp.csv")
    n = con.execute("SELECT count(*), count(DISTINCT event_id) FROM mention_confidence").fetchone()
    assert n is not None and n[0] == n[1] > 0
    con.close()
