"""UCDP GED/Candidate and POLECAT file formats: detection, quirks, accounting and the canonical mapping.

The UCDP test reads the real shared extract (HDX copy of GED, Pakistan 2021) in place; the POLECAT files are
synthetic (built in tests/loopback_dataverse.py from the documented column list; POLECAT's licence keeps real
rows out of the repository).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from realpolitik.events import ingest, store
from realpolitik.events.errors import EventsError
from realpolitik.events.formats import FORMATS, LICENCES, detect
from realpolitik.events.source_formats import UCDP_GED_COLUMNS

from .loopback_dataverse import header, plain_file, polecat_line, polecat_row, quirky_file

Con = duckdb.DuckDBPyConnection
GED_HDX = "events/ucdp/ged_pakistan_2021_hdx.csv"
VIOLENCE = {"1": "state-based conflict", "2": "non-state conflict", "3": "one-sided violence"}


@pytest.fixture
def con(tmp_path: Path) -> Iterator[Con]:
    c = store.connect(tmp_path / "w.duckdb")
    yield c
    c.close()


def test_new_formats_are_registered_with_native_tables(con: Con) -> None:
    assert {"ucdp_ged", "ucdp_candidate", "polecat"} <= set(FORMATS)
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert {"native_ucdp_ged", "native_ucdp_candidate", "native_polecat"} <= tables
    assert {"ucdp", "ucdp_candidate", "polecat"} <= set(LICENCES)


def test_real_ged_hdx_extract_skips_hxl_row_and_keeps_estimates(con: Con, shared_data: Path) -> None:
    path = shared_data / GED_HDX
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    hxl, events = rows[0], rows[1:]
    assert hxl["year"] == "#date+year" and len(events) == 189
    assert detect(path).spec.name == "ucdp_ged"

    report = ingest.ingest_file(con, path)
    assert (report.status, report.format) == ("loaded", "ucdp_ged")
    assert (report.rows_read, report.loaded, report.duplicates, report.rejected) == (189, 189, 0, 0)
    assert con.execute("SELECT count(*) FROM rejects").fetchone() == (0,)

    stored = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT event_id, fatalities, fatalities_low, fatalities_high, event_date, actor1_name, actor2_name, "
            "source, format, licence, event_type, latitude FROM events"
        ).fetchall()
    }
    assert len(stored) == 189
    for ev in [*events[::20], max(events, key=lambda e: int(e["best"]))]:
        best, low, high, day, side_a, side_b, source, fmt, licence, vtype, lat = stored[ev["id"]]
        assert (best, low, high) == (int(ev["best"]), int(ev["low"]), int(ev["high"]))
        assert str(day) == ev["date_start"][:10]
        assert (side_a, side_b) == (ev["side_a"], ev["side_b"])
        assert (source, fmt, licence) == ("ucdp", "ucdp_ged", LICENCES["ucdp"])
        assert vtype == VIOLENCE[ev["type_of_violence"]]
        assert lat == pytest.approx(float(ev["latitude"]))
    # the largest best estimate really differs from its low/high somewhere: the three are kept apart
    assert any(v[0] != v[1] or v[0] != v[2] for v in stored.values())
    # native keeps what the canonical schema drops (date_end, source_article), verbatim
    nat = con.execute(
        "SELECT date_end, source_article, iso3 FROM native_ucdp_ged WHERE id = ?", [events[1]["id"]]
    ).fetchone()
    assert nat == (events[1]["date_end"], events[1]["source_article"], "PAK")
    # 'Government of X' sides get X's ISO3 code and the GOV role; non-state sides no country
    got = con.execute(
        "SELECT actor1_country, actor1_roles, actor2_country FROM events WHERE actor1_name = 'Government of India' "
        "AND actor2_name = 'Government of Pakistan'"
    ).fetchone()
    assert got == ("IND", ["GOV"], "PAK")
    assert con.execute(
        "SELECT DISTINCT actor2_roles FROM events WHERE actor2_name = 'TTP' AND event_type = 'state-based conflict'"
    ).fetchall() == [(["REB"],)]
    # a rerun of the same file loads nothing
    assert ingest.ingest_file(con, path).status == "skipped"


def _ged_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=UCDP_GED_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return path


def _ged_row(eid: str, **over: str) -> dict[str, str]:
    row = dict.fromkeys(UCDP_GED_COLUMNS, "")
    row.update(
        id=eid, relid=f"PAK-2025-1-{eid}", year="2025", type_of_violence="1", side_a="Government of Pakistan",
        side_b="TTP", date_start="2025-01-02T00:00:00", date_end="2025-01-02T00:00:00", best="3", low="2",
        high="5", country="Pakistan", country_id="770", latitude="33.0", longitude="70.1",
    )  # fmt: skip
    row.update(over)
    return row


def test_candidate_is_its_own_source_so_ids_never_collide_with_ged(con: Con, tmp_path: Path) -> None:
    ged = _ged_csv(tmp_path / "GEDEvent_v25_1.csv", [_ged_row("101"), _ged_row("102")])
    cand = _ged_csv(tmp_path / "GEDEvent_v25_0_1.csv", [_ged_row("101", best="9"), _ged_row("103")])
    assert detect(ged).spec.name == "ucdp_ged" and detect(cand).spec.name == "ucdp_candidate"
    assert detect(ged, forced="ucdp_candidate").spec.name == "ucdp_candidate"
    r1, r2 = ingest.ingest_file(con, ged), ingest.ingest_file(con, cand)
    assert (r1.loaded, r2.loaded, r2.duplicates) == (2, 2, 0)
    got = con.execute("SELECT source, event_id, fatalities FROM events ORDER BY 1, 2").fetchall()
    assert got == [("ucdp", "101", 3), ("ucdp", "102", 3), ("ucdp_candidate", "101", 9), ("ucdp_candidate", "103", 3)]


def test_ged_bad_values_are_rejected_with_line_numbers(con: Con, tmp_path: Path) -> None:
    rows = [_ged_row(str(i)) for i in range(1, 25)]
    rows[4]["date_start"] = "2025-02-30"
    rows[9]["best"] = "many"
    path = _ged_csv(tmp_path / "ged.csv", rows)
    report = ingest.ingest_file(con, path)
    assert (report.rows_read, report.loaded, report.rejected) == (24, 22, 2)
    got = con.execute("SELECT line, field, reason FROM rejects ORDER BY line").fetchall()
    assert got == [(6, "date_start", "INVALID VALUE"), (11, "best", "INVALID VALUE")]


def test_ucdp_header_with_wrong_forced_format_is_one_error(tmp_path: Path) -> None:
    path = _ged_csv(tmp_path / "ged.csv", [_ged_row("1")])
    with pytest.raises(EventsError, match="looks like UCDP GED"):
        detect(path, forced="acled")


def test_polecat_file_with_every_quirk_is_accounted(con: Con, tmp_path: Path) -> None:
    data, expected = quirky_file()
    path = tmp_path / "ngecEvents.20230104.txt"
    path.write_bytes(data)
    det = detect(path)
    assert det.spec.name == "polecat" and det.mapping is not None
    assert det.mapping.columns["Event Intensity"] == "Intensity"

    report = ingest.ingest_file(con, path)
    got = {k: getattr(report, k) for k in expected}
    assert got == expected, report
    assert report.reasons == {"INVALID VALUE": 1, "TOO MANY COLUMNS": 1}
    lines = [r[0] for r in con.execute("SELECT line FROM rejects ORDER BY line").fetchall()]
    assert lines == [8, 9]  # physical lines of ev-4 (bad date) and ev-5 (stray fields), header rows included

    rows = con.execute(
        "SELECT e.event_id, e.source, s.plover_code, e.plover, e.quad_class, e.event_type, e.event_text, "
        "e.actor1_country, e.actor1_roles, e.actor2_name, e.source_url, e.goldstein, e.licence "
        "FROM events e JOIN event_store s USING (source, event_id) ORDER BY e.event_id"
    ).fetchall()
    assert [r[0] for r in rows] == ["ev-1", "ev-2", "ev-3", "ev-6"]
    ev1, ev2, ev3, ev6 = rows
    assert ev1[1:9] == ("polecat", "ASSAULT", "ASSAULT", 4, "ASSAULT", "aerial", "PAK", ["GOV", "MIL"])
    assert ev1[9] == "Tehrik-i-Taliban Pakistan"
    assert ev1[10] == "Synthetic Wire"  # the first occurrence wins over the other story's copy
    assert (ev2[2], ev2[4]) == ("PROTEST", 3) and (ev3[2], ev3[4]) == ("CONSULT", 1)
    assert ev1[11] is None  # POLECAT's intensity is not put on the Goldstein scale (not documented as such)
    assert ev1[12] == LICENCES["polecat"]
    assert (ev6[7], ev6[9]) == (None, None)  # 'None' is missing, not a name
    native = con.execute(
        'SELECT "Intensity", "Headline", extra FROM native_polecat WHERE "Event ID" = \'ev-3\''
    ).fetchone()
    assert native == ("3.5", "Headline of ev-3", '{"trailing_tab":null}')


def test_polecat_first_layout_and_trailing_tab_on_header(con: Con, tmp_path: Path) -> None:
    old = tmp_path / "old.txt"
    old.write_bytes(plain_file(["a-1", "a-2"]))
    cols = header()
    tabbed = tmp_path / "tabbed.txt"
    tabbed.write_text(
        "\t".join(cols) + "\t\n" + polecat_line(polecat_row("b-1"), cols, trailing_tab=True) + "\n"
        + polecat_line(polecat_row("b-2"), cols) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    for path, n in ((old, 2), (tabbed, 2)):
        report = ingest.ingest_file(con, path)
        assert (report.format, report.rows_read, report.loaded, report.rejected) == ("polecat", n, n, 0), report
    assert con.execute("SELECT count(*) FROM native_polecat WHERE \"Intensity\" = '-8.0'").fetchone() == (4,)


def test_polecat_is_not_taken_for_icews(tmp_path: Path) -> None:
    path = tmp_path / "p.tsv"
    path.write_bytes(plain_file(["x"]))
    assert detect(path).spec.name == "polecat"
    with pytest.raises(EventsError, match="looks like POLECAT"):
        detect(path, forced="icews")
