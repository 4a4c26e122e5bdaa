"""ACLED fetcher against a loopback server implementing ACLED's documented protocol (tests/loopback_acled.py).

Rows are synthetic. What is proved: pages and page boundaries, verification of counts, revised events replacing
stored ones, deletions applied and accounted, reruns that change nothing, resumption after a failure, the OAuth
grants (password, refresh, expiry, 401 mid-fetch, rejected credentials), secrets kept out of every output, the
licence warning of exports, and ``--actors``: the actor on either side, its windows recorded apart from the
unfiltered ones, combined with ``--country``.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import stamina
from pytest_httpserver import HTTPServer

from realpolitik.events import licences, store
from realpolitik.events.fetch import FetchError, FetchRequest, acled, acled_store
from realpolitik.events.fetch.acled_auth import ENV_EMAIL, ENV_PASSWORD, ENV_REFRESH, TOKEN_FILE
from realpolitik.events.formats import LICENCES

from .fetch_support import cli, fetch_request, table
from .loopback_acled import AcledLoopback, synthetic_event

EMAIL = "analyst@example.org"
PASSWORD = "pw-Zq8!not-a-real-password"
T0 = 1_700_000_000


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """No real credentials or config leak in; tiny pages; retries without waiting."""
    for var in (ENV_EMAIL, ENV_PASSWORD, ENV_REFRESH):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setattr(acled, "PAGE_LIMIT", 3)
    with stamina.set_testing(True, attempts=3):
        yield


@pytest.fixture
def loop(httpserver: HTTPServer) -> AcledLoopback:
    return AcledLoopback(httpserver, email=EMAIL, password=PASSWORD)


def login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_EMAIL, EMAIL)
    monkeypatch.setenv(ENV_PASSWORD, PASSWORD)


def request(
    tmp_path: Path, loop: AcledLoopback, start: str = "2024-01-01", end: str = "2024-01-31", **kw: Any
) -> FetchRequest:
    return fetch_request("acled", tmp_path, start, end, loop.base_url, **kw)


def january(loop: AcledLoopback, n: int, *, first: int = 1, country: str = "Pakistan") -> None:
    loop.add(
        *(
            synthetic_event(i, f"2024-01-{(i % 28) + 1:02d}", country=country, timestamp=T0 + i)
            for i in range(first, first + n)
        )
    )


def snapshot(ws: Path) -> dict[str, Any]:
    """Everything a fetch may change, in a comparable form."""
    con = store.connect(ws, read_only=True)
    try:
        return {
            "events": con.execute("SELECT * EXCLUDE (file_id) FROM event_store ORDER BY event_id").fetchall(),
            "native": con.execute(
                f"SELECT * EXCLUDE (file_id, source_row) FROM {store.native_table('acled')} ORDER BY record_key"
            ).fetchall(),
            "deletions": con.execute("SELECT source, event_id, deleted_at, rows_removed FROM deletions").fetchall(),
            "files": con.execute("SELECT count(*), sum(loaded) FROM files").fetchall(),
            "fetch_state": con.execute("SELECT * FROM fetch_state ORDER BY unit").fetchall(),
        }
    finally:
        con.close()


def scalar(ws: Path, sql: str, params: list[Any] | None = None) -> Any:
    rows = table(ws, sql, params)
    return rows[0][0] if rows else None


def unit_row(result: Any, prefix: str) -> Any:
    rows = [r for r in result.rows if r.unit.startswith(prefix)]
    assert len(rows) == 1, [r.unit for r in result.rows]
    return rows[0]


# --- pages ------------------------------------------------------------------------------------------------------


def test_page_boundary_mid_range_loads_every_event_with_its_licence(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch)
    january(loop, 7)  # pages of 3: 3 + 3 + 1
    result = acled.fetch(request(tmp_path, loop), None)
    ws = tmp_path / "w.duckdb"
    window = unit_row(result, "events:2024-01-01..2024-01-31")
    assert (window.status, window.rows, window.loaded, window.duplicates, window.rejected) == ("loaded", 7, 7, 0, 0)
    assert [r["query"]["page"] for r in loop.requests_to("/api/acled/read")] == ["1", "2", "3"]
    assert scalar(ws, "SELECT count(*) FROM event_store WHERE source = 'acled'") == 7
    assert scalar(ws, "SELECT count(DISTINCT licence) FROM event_store") == 1
    assert scalar(ws, "SELECT any_value(licence) FROM event_store") == LICENCES["acled"]
    assert scalar(ws, "SELECT status FROM fetch_state WHERE unit = 'events:2024-01-01..2024-01-31'") == "loaded"
    query = loop.requests_to("/api/acled/read")[0]["query"]
    assert query["event_date"] == "2024-01-01|2024-01-31" and query["event_date_where"] == "BETWEEN"
    assert query["_format"] == "json" and query["inter_num"] == "1"
    assert scalar(ws, "SELECT count(*) FROM event_store WHERE list_contains(actor2_roles, 'REB')") == 7
    assert scalar(ws, "SELECT count(DISTINCT actor1_country) FROM event_store") == 1  # PAK, from the actor name


def test_exactly_one_full_page_then_an_empty_one(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch)
    january(loop, 3)
    result = acled.fetch(request(tmp_path, loop), None)
    assert [r["query"]["page"] for r in loop.requests_to("/api/acled/read")] == ["1", "2"]
    assert unit_row(result, "events:").loaded == 3


def test_empty_result_records_the_window(tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch) -> None:
    login(monkeypatch)
    result = acled.fetch(request(tmp_path, loop), None)
    window = unit_row(result, "events:")
    assert (window.status, window.rows, window.loaded) == ("loaded", 0, 0)
    assert scalar(tmp_path / "w.duckdb", "SELECT count(*) FROM fetch_state WHERE unit LIKE 'events:%'") == 1


def test_months_are_windows_and_countries_filter_by_name_code_and_iso(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch)
    january(loop, 2)
    january(loop, 2, first=10, country="Afghanistan")
    loop.add(synthetic_event(20, "2024-02-03", timestamp=T0))
    req = request(tmp_path, loop, end="2024-02-29", countries=("Pakistan", "AFG", "999"))
    result = acled.fetch(req, None)
    windows = sorted(r.unit for r in result.rows if r.unit.startswith("events:"))
    assert windows == [
        "events:2024-01-01..2024-01-31|Afghanistan",
        "events:2024-01-01..2024-01-31|Pakistan",
        "events:2024-01-01..2024-01-31|iso=999",
        "events:2024-02-01..2024-02-29|Afghanistan",
        "events:2024-02-01..2024-02-29|Pakistan",
        "events:2024-02-01..2024-02-29|iso=999",
    ]
    queries = [r["query"] for r in loop.requests_to("/api/acled/read")]
    assert {q.get("country") for q in queries} == {"Pakistan", "Afghanistan", None}
    assert {q["iso"] for q in queries if "iso" in q} == {"999"}
    assert scalar(tmp_path / "w.duckdb", "SELECT count(*) FROM event_store") == 5


def test_a_page_whose_count_disagrees_is_not_loaded(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch)
    january(loop, 2)
    loop.bad_count = True
    result = acled.fetch(request(tmp_path, loop), None)
    window = unit_row(result, "events:")
    assert window.status == "failed" and "count says 3 rows but data holds 2" in window.message
    assert scalar(tmp_path / "w.duckdb", "SELECT count(*) FROM event_store") == 0
    assert result.exit_status == 1


@pytest.mark.parametrize("totals", [True, False])
def test_a_server_paging_by_a_smaller_size_is_caught(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch, totals: bool
) -> None:
    login(monkeypatch)
    january(loop, 5)
    loop.max_limit, loop.with_totals = 2, totals  # asked for 3 a page, sends 2
    result = acled.fetch(request(tmp_path, loop), None)
    window = unit_row(result, "events:")
    assert window.status == "failed"
    assert ("total_count says 5" if totals else "the server pages by a smaller size") in window.message
    assert (
        scalar(
            tmp_path / "w.duckdb", "SELECT count(*) FROM fetch_state WHERE unit LIKE 'events:%' AND status = 'loaded'"
        )
        == 0
    )


def test_without_totals_a_short_page_is_confirmed_by_an_empty_one(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch)
    january(loop, 4)
    loop.with_totals = False
    result = acled.fetch(request(tmp_path, loop), None)
    assert unit_row(result, "events:").loaded == 4
    assert [r["query"]["page"] for r in loop.requests_to("/api/acled/read")] == ["1", "2", "3"]


# --- revisions, deletions, reruns -------------------------------------------------------------------------------


def test_rerun_changes_nothing(tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch) -> None:
    login(monkeypatch)
    january(loop, 5)
    loop.delete("PAK99", T0 + 50)
    acled.fetch(request(tmp_path, loop), None)
    before = snapshot(tmp_path / "w.duckdb")
    again = acled.fetch(request(tmp_path, loop), None)
    assert snapshot(tmp_path / "w.duckdb") == before
    totals = again.totals()
    assert (totals.loaded, totals.updated, totals.deleted) == (0, 0, 0)
    assert not any(r.unit.startswith("events:") for r in again.rows)  # the window was skipped...
    assert unit_row(again, "updates:").status == "loaded"  # ...and only asked for what changed since
    query = loop.requests_to("/api/acled/read")[-1]["query"]
    assert query["timestamp_where"] == ">=" and int(query["timestamp"]) == T0 + 5


def test_revised_event_replaces_the_stored_version(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch)
    january(loop, 4)
    acled.fetch(request(tmp_path, loop), None)
    ws = tmp_path / "w.duckdb"
    loop.edit("PAK2", fatalities=9, location="Revised Place", timestamp=T0 + 1000)
    result = acled.fetch(request(tmp_path, loop), None)
    updates = unit_row(result, "updates:")
    assert (updates.updated, updates.loaded) == (1, 0)
    assert scalar(ws, "SELECT count(*) FROM event_store") == 4
    assert scalar(ws, "SELECT fatalities FROM event_store WHERE event_id = 'PAK2'") == 9
    assert scalar(ws, "SELECT location FROM event_store WHERE event_id = 'PAK2'") == "Revised Place"
    assert scalar(ws, "SELECT licence FROM event_store WHERE event_id = 'PAK2'") == LICENCES["acled"]
    native = store.native_table("acled")
    assert scalar(ws, f"SELECT count(*) FROM {native} WHERE record_key = 'PAK2'") == 1
    assert scalar(ws, f"SELECT timestamp FROM {native} WHERE record_key = 'PAK2'") == str(T0 + 1000)
    # the files row of the page that brought the revision counts it as loaded: rows = loaded + duplicates + rejected
    assert scalar(ws, "SELECT count(*) FROM files WHERE rows_read <> loaded + duplicates + rejected") == 0
    assert acled.fetch(request(tmp_path, loop), None).totals().updated == 0  # applied once


def test_a_revision_interrupted_after_its_page_loaded_is_applied_on_the_rerun(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ingest commits the page first and the replacement second; a kill between them leaves the page ingested (so a
    rerun's identical page is skipped by its SHA-256) and the revision unapplied, which the rerun must still apply."""
    login(monkeypatch)
    january(loop, 4)
    acled.fetch(request(tmp_path, loop), None)
    loop.edit("PAK2", fatalities=9, timestamp=T0 + 1000)
    real = acled_store.apply_revisions

    def killed(*args: object, **kwargs: object) -> int:
        raise KeyboardInterrupt  # stands in for a kill between the two transactions

    monkeypatch.setattr(acled_store, "apply_revisions", killed)
    with pytest.raises(KeyboardInterrupt):
        acled.fetch(request(tmp_path, loop), None)
    monkeypatch.setattr(acled_store, "apply_revisions", real)
    ws = tmp_path / "w.duckdb"
    assert scalar(ws, "SELECT fatalities FROM event_store WHERE event_id = 'PAK2'") != 9
    assert acled.fetch(request(tmp_path, loop), None).totals().updated == 1
    assert scalar(ws, "SELECT fatalities FROM event_store WHERE event_id = 'PAK2'") == 9
    assert scalar(ws, "SELECT count(*) FROM event_store") == 4
    assert scalar(ws, "SELECT count(*) FROM files WHERE rows_read <> loaded + duplicates + rejected") == 0


def test_an_older_or_equal_timestamp_never_replaces(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch)
    january(loop, 2)
    acled.fetch(request(tmp_path, loop), None)
    loop.edit("PAK1", fatalities=50)  # same timestamp: not a revision ACLED announced
    result = acled.fetch(request(tmp_path, loop, end="2024-01-15"), None)  # a new window for the same days
    assert result.totals().updated == 0
    assert scalar(tmp_path / "w.duckdb", "SELECT fatalities FROM event_store WHERE event_id = 'PAK1'") == 0


def test_deletions_applied_and_accounted(tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch) -> None:
    login(monkeypatch)
    january(loop, 4)
    acled.fetch(request(tmp_path, loop), None)
    ws = tmp_path / "w.duckdb"
    loop.delete("PAK3", T0 + 500)
    loop.delete("XYZ1", T0 + 600)  # an event this workspace never had
    result = acled.fetch(request(tmp_path, loop), None)
    row = unit_row(result, "deletions")
    assert (row.rows, row.deleted, row.duplicates) == (2, 1, 0)
    assert scalar(ws, "SELECT count(*) FROM event_store WHERE event_id = 'PAK3'") == 0
    assert scalar(ws, f"SELECT count(*) FROM {store.native_table('acled')} WHERE record_key = 'PAK3'") == 0
    assert scalar(ws, "SELECT count(*) FROM event_store") == 3
    con = store.connect(ws, read_only=True)
    recorded = con.execute(
        "SELECT event_id, epoch(deleted_at)::BIGINT, rows_removed FROM deletions ORDER BY 1"
    ).fetchall()
    con.close()
    assert recorded == [("PAK3", T0 + 500, 1), ("XYZ1", T0 + 600, 0)]
    # the next sync asks only for deletions since the newest applied, and records nothing twice
    again = acled.fetch(request(tmp_path, loop), None)
    assert loop.requests_to("/api/deleted/read")[-1]["query"]["deleted_timestamp"] == str(T0 + 600)
    assert unit_row(again, "deletions").deleted == 0
    assert scalar(ws, "SELECT count(*) FROM deletions") == 2


def test_first_sync_asks_for_all_deletions(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch)
    for i in range(4):
        loop.delete(f"OLD{i}", T0 - 1000 + i)  # more than a page of deletions
    result = acled.fetch(request(tmp_path, loop), None)
    first = loop.requests_to("/api/deleted/read")[0]["query"]
    assert "deleted_timestamp" not in first
    assert unit_row(result, "deletions").rows == 4
    assert scalar(tmp_path / "w.duckdb", "SELECT sum(rows_removed), count(*) FROM deletions") == 0


def test_interrupted_fetch_resumes_at_the_first_missing_window(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch)
    january(loop, 2)
    loop.add(synthetic_event(30, "2024-02-10", timestamp=T0 + 30))
    loop.fail("/api/acled/read", 500, times=3, after=1)  # January's page 1 passes, February fails 3 times
    req = request(tmp_path, loop, end="2024-02-29")
    first = acled.fetch(req, None)
    assert unit_row(first, "events:2024-01").status == "loaded"
    assert unit_row(first, "events:2024-02").status == "failed"
    assert "HTTP 500" in unit_row(first, "events:2024-02").message
    second = acled.fetch(req, None)
    assert not any(r.unit.startswith("events:2024-01") for r in second.rows)
    assert unit_row(second, "events:2024-02").loaded == 1
    assert scalar(tmp_path / "w.duckdb", "SELECT count(*) FROM event_store") == 3


def test_429_with_retry_after_and_500_then_success(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch)
    january(loop, 2)
    loop.fail("/api/acled/read", 429, headers={"Retry-After": "0"})
    loop.fail("/api/deleted/read", 500)
    result = acled.fetch(request(tmp_path, loop), None)
    assert result.exit_status == 0
    assert unit_row(result, "events:").loaded == 2
    assert len(loop.requests_to("/api/acled/read")) == 2 and len(loop.requests_to("/api/deleted/read")) == 2


# --- actors --------------------------------------------------------------------------------------------------------

TTP = "Tehrik-i-Taliban Pakistan"


def actor_events(loop: AcledLoopback) -> None:
    """TTP as actor1 (PAK1), actor2 (PAK2, AFG7) and both (PAK3); PAK4 without it; PAK5 with a longer name that
    contains it (what a LIKE filter may match)."""
    loop.add(
        synthetic_event(1, "2024-01-02", timestamp=T0 + 1, actor1=TTP),
        synthetic_event(2, "2024-01-03", timestamp=T0 + 2, actor2=TTP),
        synthetic_event(3, "2024-01-04", timestamp=T0 + 3, actor1=TTP, actor2=TTP),
        synthetic_event(4, "2024-01-05", timestamp=T0 + 4),
        synthetic_event(5, "2024-01-06", timestamp=T0 + 5, actor2=f"{TTP} - Jamaat-ul-Ahrar"),
        synthetic_event(7, "2024-01-07", country="Afghanistan", timestamp=T0 + 7, actor2=TTP),
    )


def stored_ids(ws: Path) -> list[str]:
    return [r[0] for r in table(ws, "SELECT event_id FROM event_store ORDER BY event_id")]


def test_actors_load_the_events_with_the_actor_on_either_side_once(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch)
    actor_events(loop)
    result = acled.fetch(request(tmp_path, loop, actors=(TTP,)), None)
    ws = tmp_path / "w.duckdb"
    window = unit_row(result, "events:")
    assert window.unit == f"events:2024-01-01..2024-01-31|actor={TTP}"
    assert stored_ids(ws) == ["AFG7", "PAK1", "PAK2", "PAK3"]
    # actor1 brings PAK1, PAK3; actor2 brings PAK2, PAK3 (a duplicate now), AFG7 and PAK5 (not TTP: left out)
    assert (window.status, window.rows, window.loaded, window.duplicates) == ("loaded", 5, 4, 1)
    assert "1 naming another actor left out" in window.message
    queries = [r["query"] for r in loop.requests_to("/api/acled/read")]
    assert [(q.get("actor1"), q.get("actor2"), q["page"]) for q in queries] == [
        (TTP, None, "1"),
        (None, TTP, "1"),
        (None, TTP, "2"),  # four rows on that side: pages of 3
    ]
    assert all(q["event_date"] == "2024-01-01|2024-01-31" for q in queries)
    assert scalar(ws, "SELECT count(*) FROM files WHERE rows_read <> loaded + duplicates + rejected") == 0
    states = table(ws, "SELECT unit, status FROM fetch_state WHERE unit LIKE 'events:%'")
    assert states == [(f"events:2024-01-01..2024-01-31|actor={TTP}", "loaded")]

    # the unfiltered window of the same days is not fetched yet: it brings the rest
    rest = acled.fetch(request(tmp_path, loop), None)
    plain = unit_row(rest, "events:")
    assert plain.unit == "events:2024-01-01..2024-01-31"
    assert (plain.loaded, plain.duplicates) == (2, 4)
    assert stored_ids(ws) == ["AFG7", "PAK1", "PAK2", "PAK3", "PAK4", "PAK5"]
    assert not any(r.unit.startswith("updates:") for r in rest.rows)  # the actor's windows are not this scope

    # reruns of both change nothing; each asks only for its own updates
    before = snapshot(ws)
    again = [acled.fetch(request(tmp_path, loop, actors=(TTP,)), None), acled.fetch(request(tmp_path, loop), None)]
    assert snapshot(ws) == before
    assert [unit_row(r, "updates:").unit for r in again] == [
        f"updates:2024-01-01..2024-01-31|actor={TTP}",
        "updates:2024-01-01..2024-01-31",
    ]
    assert all(r.totals().loaded == 0 and r.totals().updated == 0 for r in again)
    assert not any(row.unit.startswith("events:") for r in again for row in r.rows)


def test_an_unfiltered_window_does_not_stand_in_for_an_actor_window(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch)
    actor_events(loop)
    acled.fetch(request(tmp_path, loop), None)
    ws = tmp_path / "w.duckdb"
    assert len(stored_ids(ws)) == 6
    result = acled.fetch(request(tmp_path, loop, actors=(TTP,)), None)
    window = unit_row(result, "events:")
    assert (window.unit, window.status, window.loaded, window.duplicates) == (
        f"events:2024-01-01..2024-01-31|actor={TTP}",
        "loaded",
        0,
        5,
    )
    assert any(r["query"].get("actor1") == TTP for r in loop.requests_to("/api/acled/read"))
    assert sorted(u for (u,) in table(ws, "SELECT unit FROM fetch_state WHERE unit LIKE 'events:%'")) == [
        "events:2024-01-01..2024-01-31",
        f"events:2024-01-01..2024-01-31|actor={TTP}",
    ]
    assert len(stored_ids(ws)) == 6


def test_actors_and_countries_combine(tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch) -> None:
    login(monkeypatch)
    actor_events(loop)
    army = "Military Forces of Pakistan (2020-)"  # actor1 of PAK2, PAK4, PAK5
    result = acled.fetch(request(tmp_path, loop, countries=("PAK",), actors=(TTP, army)), None)
    assert [r.unit for r in result.rows if r.unit.startswith("events:")] == [
        f"events:2024-01-01..2024-01-31|Pakistan|actor={TTP}",
        f"events:2024-01-01..2024-01-31|Pakistan|actor={army}",
    ]
    assert stored_ids(tmp_path / "w.duckdb") == ["PAK1", "PAK2", "PAK3", "PAK4", "PAK5"]  # not AFG7
    queries = [r["query"] for r in loop.requests_to("/api/acled/read")]
    assert all(q["country"] == "Pakistan" and ("actor1" in q) != ("actor2" in q) for q in queries)
    assert {q.get("actor1") or q.get("actor2") for q in queries} == {TTP, army}


def test_actor_windows_get_their_updates_per_side(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch)
    actor_events(loop)
    acled.fetch(request(tmp_path, loop, actors=(TTP,)), None)
    loop.edit("PAK2", fatalities=7, timestamp=T0 + 100)  # TTP is its actor2
    loop.add(synthetic_event(8, "2024-01-09", timestamp=T0 + 101, actor1=TTP))  # added late
    loop.edit("PAK4", fatalities=9, timestamp=T0 + 102)  # not TTP's: not asked for
    result = acled.fetch(request(tmp_path, loop, actors=(TTP,)), None)
    updates = unit_row(result, "updates:")
    assert (updates.unit, updates.updated, updates.loaded) == (f"updates:2024-01-01..2024-01-31|actor={TTP}", 1, 1)
    ws = tmp_path / "w.duckdb"
    assert scalar(ws, "SELECT fatalities FROM event_store WHERE event_id = 'PAK2'") == 7
    assert stored_ids(ws) == ["AFG7", "PAK1", "PAK2", "PAK3", "PAK8"]
    asked = [r["query"] for r in loop.requests_to("/api/acled/read") if "timestamp" in r["query"]]
    assert {(q.get("actor1"), q.get("actor2"), q["timestamp"]) for q in asked} == {
        (TTP, None, str(T0 + 7)),
        (None, TTP, str(T0 + 7)),
    }


def test_dry_run_lists_the_actor_windows(tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch) -> None:
    actors = (TTP, " tehrik-i-taliban  pakistan", "Baloch Liberation Army")  # the second is the first again
    req = request(tmp_path, loop, end="2024-02-10", countries=("Pakistan",), actors=actors, dry_run=True)
    result = acled.fetch(req, None)
    assert [r.unit for r in result.rows] == [
        f"events:2024-01-01..2024-01-31|Pakistan|actor={TTP}",
        f"events:2024-02-01..2024-02-10|Pakistan|actor={TTP}",
        "events:2024-01-01..2024-01-31|Pakistan|actor=Baloch Liberation Army",
        "events:2024-02-01..2024-02-10|Pakistan|actor=Baloch Liberation Army",
        "deletions",
    ]
    assert {r.status for r in result.rows} == {"planned"} and loop.log == []
    login(monkeypatch)
    acled.fetch(request(tmp_path, loop, countries=("Pakistan",), actors=(TTP,)), None)
    again = acled.fetch(req, None)
    assert [r.status for r in again.rows] == ["skipped", "planned", "planned", "planned", "planned"]
    plain = acled.fetch(request(tmp_path, loop, countries=("Pakistan",), dry_run=True), None)
    assert (plain.rows[0].unit, plain.rows[0].status) == ("events:2024-01-01..2024-01-31|Pakistan", "planned")


def test_an_actor_name_with_a_bar_is_refused(tmp_path: Path, loop: AcledLoopback) -> None:
    with pytest.raises(FetchError) as info:
        acled.fetch(request(tmp_path, loop, actors=(f"{TTP}|Baloch Liberation Army",), dry_run=True), None)
    assert info.value.exit_status == 2 and "--actors" in str(info.value) and "'|'" in str(info.value)
    assert loop.log == []


# --- OAuth ---------------------------------------------------------------------------------------------------------


def test_password_grant_then_cached_token_reused(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch)
    acled.fetch(request(tmp_path, loop), None)
    acled.fetch(request(tmp_path, loop), None)
    assert loop.grants() == ["password"]
    token_file = tmp_path / "cache" / TOKEN_FILE
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600


def test_expired_access_token_uses_the_refresh_grant(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch)
    acled.fetch(request(tmp_path, loop), None)
    token_file = tmp_path / "cache" / TOKEN_FILE
    data = json.loads(token_file.read_text())
    for entry in data.values():
        entry["access_expires_at"] = 0  # expired on the client's clock
    token_file.write_text(json.dumps(data))
    acled.fetch(request(tmp_path, loop), None)
    assert loop.grants() == ["password", "refresh_token"]


def test_401_mid_fetch_refreshes_once_and_retries(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch)
    january(loop, 5)
    loop.fail("/api/acled/read", 401, after=1)  # the server revokes access tokens after the first page
    result = acled.fetch(request(tmp_path, loop), None)
    assert result.exit_status == 0 and unit_row(result, "events:").loaded == 5
    assert loop.grants() == ["password", "refresh_token"]


def test_expired_refresh_token_falls_back_to_the_password(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch)
    acled.fetch(request(tmp_path, loop), None)
    loop.expire_access_tokens()
    loop.expire_refresh_tokens()
    token_file = tmp_path / "cache" / TOKEN_FILE
    data = json.loads(token_file.read_text())
    for entry in data.values():
        entry["access_expires_at"] = 0
    token_file.write_text(json.dumps(data))
    result = acled.fetch(request(tmp_path, loop), None)
    assert result.exit_status == 0
    assert loop.grants() == ["password", "refresh_token", "password"]


def test_refresh_token_alone_works_and_its_expiry_names_the_variables(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_EMAIL, EMAIL)
    monkeypatch.setenv(ENV_PASSWORD, PASSWORD)
    acled.fetch(request(tmp_path, loop), None)
    refresh = json.loads((tmp_path / "cache" / TOKEN_FILE).read_text()).popitem()[1]["refresh_token"]
    monkeypatch.delenv(ENV_EMAIL)
    monkeypatch.delenv(ENV_PASSWORD)
    monkeypatch.setenv(ENV_REFRESH, refresh)
    acled.fetch(request(tmp_path, loop, end="2024-01-10"), None)  # a refresh-token-only account: no cache yet
    assert loop.grants() == ["password", "refresh_token"]
    loop.expire_refresh_tokens()
    (tmp_path / "cache" / TOKEN_FILE).unlink()
    with pytest.raises(FetchError) as info:
        acled.fetch(request(tmp_path, loop, end="2024-01-05"), None)
    message = str(info.value)
    assert ENV_EMAIL in message and ENV_PASSWORD in message and "\n" not in message
    assert refresh not in message


def test_token_endpoint_down_stops_the_whole_fetch(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch)
    loop.fail("/oauth/token", 503, times=10)
    with pytest.raises(FetchError) as info:
        acled.fetch(request(tmp_path, loop, end="2024-03-31"), None)
    assert info.value.exit_status == 1 and "HTTP 503" in str(info.value)
    assert len(loop.requests_to("/oauth/token")) == 3  # one request and its retries, not one per window
    assert loop.requests_to("/api/acled/read") == []


def test_a_second_401_in_a_row_stops_the_fetch(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch)
    january(loop, 2)
    loop.fail("/api/acled/read", 401, times=2)
    with pytest.raises(FetchError) as info:
        acled.fetch(request(tmp_path, loop, end="2024-02-29"), None)
    assert "HTTP 401" in str(info.value) and info.value.exit_status == 1
    assert loop.grants() == ["password", "refresh_token"]
    assert len(loop.requests_to("/api/acled/read")) == 2


@pytest.mark.parametrize("status", [400, 401])
def test_wrong_password_is_one_line_without_secrets(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    loop = AcledLoopback(httpserver, email=EMAIL, password="the-right-one", credential_error_status=status)
    login(monkeypatch)
    with pytest.raises(FetchError) as info:
        acled.fetch(request(tmp_path, loop), None)
    message = str(info.value)
    assert f"HTTP {status}" in message and ENV_PASSWORD in message and "\n" not in message
    assert PASSWORD not in message and EMAIL not in message
    assert info.value.exit_status == 2
    assert not (tmp_path / "w.duckdb").exists() or scalar(tmp_path / "w.duckdb", "SELECT count(*) FROM files") == 0


def test_no_credentials_names_the_variables(tmp_path: Path, loop: AcledLoopback) -> None:
    with pytest.raises(FetchError) as info:
        acled.fetch(request(tmp_path, loop), None)
    assert ENV_EMAIL in str(info.value) and ENV_REFRESH in str(info.value)
    assert loop.log == []


def test_credentials_file_readable_by_others_is_refused(tmp_path: Path, loop: AcledLoopback) -> None:
    config = tmp_path / "credentials.toml"
    config.write_text(f'acled_email = "{EMAIL}"\nacled_password = "{PASSWORD}"\n')
    config.chmod(0o644)
    with pytest.raises(FetchError) as info:
        acled.fetch(request(tmp_path, loop, credentials=config), None)
    assert "0644" in str(info.value) and PASSWORD not in str(info.value)
    assert loop.log == []
    config.chmod(0o600)
    january(loop, 1)
    assert acled.fetch(request(tmp_path, loop, credentials=config), None).totals().loaded == 1
    table = tmp_path / "table.toml"  # the [acled] table form of the shared credentials file
    table.write_text(f'[acled]\nemail = "{EMAIL}"\npassword = "{PASSWORD}"\n')
    table.chmod(0o600)
    (tmp_path / "cache" / TOKEN_FILE).unlink()
    acled.fetch(request(tmp_path, loop, credentials=table), None)
    assert loop.grants() == ["password", "password"]


def test_token_cache_readable_by_others_is_not_trusted(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch)
    acled.fetch(request(tmp_path, loop), None)
    token_file = tmp_path / "cache" / TOKEN_FILE
    token_file.chmod(0o644)
    acled.fetch(request(tmp_path, loop), None)
    assert loop.grants() == ["password", "password"]
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600


def test_dry_run_plans_without_network_or_credentials(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = acled.fetch(request(tmp_path, loop, end="2024-03-05", dry_run=True), None)
    assert [r.unit for r in result.rows] == [
        "events:2024-01-01..2024-01-31",
        "events:2024-02-01..2024-02-29",
        "events:2024-03-01..2024-03-05",
        "deletions",
    ]
    assert {r.status for r in result.rows} == {"planned"} and loop.log == []
    assert not (tmp_path / "w.duckdb").exists() and not (tmp_path / "cache").exists()
    monkeypatch.setenv(ENV_EMAIL, EMAIL)
    monkeypatch.setenv(ENV_PASSWORD, PASSWORD)
    acled.fetch(request(tmp_path, loop, end="2024-01-31"), None)
    again = acled.fetch(request(tmp_path, loop, end="2024-03-05", dry_run=True), None)
    assert [r.status for r in again.rows] == ["skipped", "planned", "planned", "planned"]


# --- secrets -----------------------------------------------------------------------------------------------------


def _no_secret_in(blob: bytes, secrets: list[str], where: str) -> None:
    for s in secrets:
        assert s.encode() not in blob, f"a secret appeared in {where}"


def test_secrets_never_reach_outputs_workspace_or_messages(
    tmp_path: Path,
    loop: AcledLoopback,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    login(monkeypatch)
    january(loop, 4)
    loop.fail("/api/acled/read", 401, after=1)
    loop.fail("/api/acled/read", 500, after=2)
    loop.delete("PAK4", T0 + 9)
    caplog.set_level("DEBUG")
    acled.fetch(request(tmp_path, loop), None)
    loop.fail("/api/acled/read", 500, times=5)  # a failure whose message is stored in fetch_state
    failed = acled.fetch(request(tmp_path, loop, start="2024-02-01", end="2024-02-02"), None)
    assert failed.exit_status == 1
    secrets = [PASSWORD, *loop.issued]
    assert len(loop.issued) >= 4
    out = capsys.readouterr()
    _no_secret_in((out.out + out.err + caplog.text).encode(), secrets, "output or logs")
    _no_secret_in(" ".join(r.message for r in failed.rows).encode(), secrets, "account messages")
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.name != TOKEN_FILE:  # the token cache is the one place tokens live (0600)
            _no_secret_in(path.read_bytes(), [*secrets, EMAIL], str(path.relative_to(tmp_path)))
    _no_secret_in((tmp_path / "cache" / TOKEN_FILE).read_bytes(), [PASSWORD, EMAIL], "the token cache")


def test_cli_fetch_subprocess_keeps_secrets_out(tmp_path: Path, loop: AcledLoopback) -> None:
    january(loop, 2)
    env = {
        **os.environ,
        ENV_EMAIL: EMAIL,
        ENV_PASSWORD: PASSWORD,
        "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
    }
    ws = tmp_path / "cli.duckdb"
    args = [
        "events",
        "fetch",
        "acled",
        "--workspace",
        str(ws),
        "--from",
        "2024-01-01",
        "--to",
        "2024-01-31",
        "--base-url",
        loop.base_url,
    ]
    proc = subprocess.run(
        [sys.executable, "-c", "from realpolitik.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert scalar(ws, "SELECT count(*) FROM event_store WHERE source = 'acled'") == 2
    for s in [PASSWORD, *loop.issued]:
        assert s not in proc.stdout and s not in proc.stderr
    assert loop.grants() == ["password"]
    token_file = tmp_path / "xdg-cache" / "realpolitik" / "acled" / TOKEN_FILE
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600


def test_cli_fetch_subprocess_with_actors(tmp_path: Path, loop: AcledLoopback) -> None:
    actor_events(loop)
    env = {ENV_EMAIL: EMAIL, ENV_PASSWORD: PASSWORD, "XDG_CACHE_HOME": str(tmp_path / "xdg-cache")}
    ws = tmp_path / "cli.duckdb"
    args = ["events", "fetch", "acled", "-w", str(ws), "--from", "2024-01-01", "--to", "2024-01-31"]
    proc = cli(*args, "--actors", f"{TTP},Baloch Liberation Army", "--base-url", loop.base_url, env=env)
    assert proc.returncode == 0, proc.stderr
    assert f"events:2024-01-01..2024-01-31|actor={TTP}" in proc.stdout
    assert "events:2024-01-01..2024-01-31|actor=Baloch Liberation Army" in proc.stdout
    assert stored_ids(ws) == ["AFG7", "PAK1", "PAK2", "PAK3"]
    proc = cli(*args, "--actors", f"{TTP},Baloch Liberation Army", "--dry-run", "--base-url", loop.base_url, env=env)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if "|actor=" in line]
    assert len(lines) == 2 and all("skipped" in line for line in lines), proc.stdout
    for s in [PASSWORD, *loop.issued]:
        assert s not in proc.stdout and s not in proc.stderr


# --- licences ----------------------------------------------------------------------------------------------------


def test_licence_warning_only_when_acled_rows_are_exported(
    tmp_path: Path, loop: AcledLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = tmp_path / "w.duckdb"
    con = store.connect(ws)
    assert licences.export_warning(con, "events") is None
    con.close()
    login(monkeypatch)
    january(loop, 1)
    acled.fetch(request(tmp_path, loop), None)
    con = store.connect(ws, read_only=True)
    try:
        warning = licences.export_warning(con, "events")
    finally:
        con.close()
    assert warning is not None and "ACLED" in warning and "\n" not in warning
    assert licences.rows_warning([{"source": "gdelt"}]) is None
    assert licences.rows_warning([{"source": "gdelt"}, {"source": "acled"}]) == warning
    assert licences.rows_warning([{"period": "2024-01", "events": 3}], acled_derived=True) == warning
    assert licences.rows_warning([], acled_derived=True) is None
    (tmp_path / "pq" / "source=acled").mkdir(parents=True)
    assert licences.parquet_warning(tmp_path / "pq") == warning
    assert licences.parquet_warning(tmp_path / "elsewhere") is None


def test_exports_of_acled_rows_warn_on_stderr_only(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from realpolitik.cli.events import app

    events = [synthetic_event(i, f"2024-01-0{i}", timestamp=T0) for i in range(1, 4)]
    for e in events:
        e["actor2"] = "Civilians (Afghanistan)"
    src = acled_store.write_page(tmp_path / "in", "acled-synthetic", events)
    ws, pq = tmp_path / "w.duckdb", tmp_path / "pq"
    r = CliRunner().invoke(app, ["ingest", str(src), "-w", str(ws), "--parquet", str(pq), "--quiet"])
    assert r.exit_code == 0, r.output
    assert r.stderr.count(licences.ACLED_WARNING) == 1 and licences.ACLED_WARNING not in r.stdout
    for args in (
        ["acled", "-w", str(ws), "--format", "csv"],
        ["dyads", "-w", str(ws), "--actors", "PAK,AFG", "--format", "json"],
    ):
        r = CliRunner().invoke(app, args)
        assert r.exit_code == 0, r.output
        assert r.stderr.strip() == licences.ACLED_WARNING, args
        assert licences.ACLED_WARNING not in r.stdout
    assert sum(row["n"] for row in json.loads(r.stdout)) == 3
    r = CliRunner().invoke(app, ["acled", "-w", str(ws), "--format", "table"])  # a display, not an export
    assert r.exit_code == 0 and r.stderr == ""
