"""Ingest every real event file in the shared reference data: detection, accounting, the columns that matter."""

from __future__ import annotations

import csv
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
    ("acled/acled_old_dummy.csv", "acled", 326),
    ("gdelt/20201114.csv", "gdelt2", 2601),
    ("gdelt/20201115.csv", "gdelt2", 3929),
    ("icews/icews_sample.csv", "icews_csv", 4993),
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


@pytest.mark.reference
def test_icews_csv_gets_its_leading_zeros_back(shared_data: Path, tmp_path: Path) -> None:
    """icews_sample.csv wrote CAMEO codes as numbers ('40'); the same events in the Dataverse .tab keep '040'.
    Canonical codes must equal the .tab's (read with the csv module), native codes stay as the file wrote them."""
    ev = shared_data / "events/icews"
    with open(ev / "events.2018.sample.tab", newline="", encoding="utf-8") as fh:
        tab = {r["Event ID"]: r["CAMEO Code"] for r in csv.DictReader(fh, delimiter="\t")}
    with open(ev / "icews_sample.csv", newline="", encoding="utf-8") as fh:
        raw = {r["event_id"]: r["cameo_code"] for r in csv.DictReader(fh)}
    assert sum(1 for k in tab if raw[k] != tab[k]) > 1000  # the quirk is real
    con = store.connect(tmp_path / "w.duckdb")
    rep = ingest.ingest_file(con, ev / "icews_sample.csv")
    assert (rep.format, rep.loaded, rep.rejected) == ("icews_csv", len(raw), 0)
    got = dict(con.execute("SELECT event_id, event_code FROM events WHERE source = 'icews'").fetchall())
    assert {k: got[k] for k in tab} == tab
    assert all(len(c) in (3, 4) for c in got.values())
    native = dict(con.execute("""SELECT "Event ID", "CAMEO Code" FROM native_icews""").fetchall())
    assert native == raw
    extra = con.execute("SELECT extra FROM native_icews WHERE \"Event ID\" = '32889836'").fetchone()
    assert extra == ('{"year":"2018","yearmonth":"201806"}',)
    # the same events again from the .tab are duplicates, not new rows
    again = ingest.ingest_file(con, ev / "events.2018.sample.tab")
    assert (again.loaded, again.duplicates) == (0, len(tab))
    con.close()
