"""``events fetch ucdp-ged`` / ``ucdp-candidate`` against a loopback UCDP API (tests/loopback_ucdp.py)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stamina
from pytest_httpserver import HTTPServer

from realpolitik.events.fetch import FetchError, FetchRequest, run_fetch, ucdp
from realpolitik.events.fetch.http import MAX_ATTEMPTS
from realpolitik.events.source_formats import UCDP_GED_COLUMNS

from .fetch_support import cli, fetch_request, table
from .loopback_ucdp import TOKEN, Ucdp, ged_event


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ucdp.TOKEN_ENV, TOKEN)
    monkeypatch.delenv(ucdp.VERSION_ENV, raising=False)


@pytest.fixture
def no_waits() -> Iterator[None]:
    with stamina.set_testing(True, attempts=MAX_ATTEMPTS, cap=True):
        yield


def serve(server: HTTPServer, versions: dict[str, list[dict[str, Any]]]) -> Ucdp:
    api = Ucdp(versions)
    api.install(server)
    return api


def request(server: HTTPServer, tmp_path: Path, start: str, end: str, **kw: Any) -> FetchRequest:
    source = kw.pop("source", "ucdp-ged")
    credentials = tmp_path / "no-credentials.toml"
    return fetch_request(source, tmp_path, start, end, server.url_for("/"), credentials=credentials, **kw)


EVENTS_2021 = [ged_event(i, f"2021-03-{i:02d}") for i in range(1, 6)]


def test_version_planning() -> None:
    assert ucdp.ged_version(dt.date(2021, 12, 31)) == "22.1"
    got = ucdp.candidate_months(dt.date(2025, 1, 15), dt.date(2025, 3, 2))
    assert got == [
        ("25.0.1", dt.date(2025, 1, 15), dt.date(2025, 1, 31)),
        ("25.0.2", dt.date(2025, 2, 1), dt.date(2025, 2, 28)),
        ("25.0.3", dt.date(2025, 3, 1), dt.date(2025, 3, 2)),
    ]
    assert ucdp.expected_rows(5, 3, 2) == 1 and ucdp.expected_rows(4, 2, 2) == 2


@pytest.mark.parametrize(("n", "pages"), [(5, 3), (4, 2)])  # a short last page; a last page exactly full
def test_pages_follow_next_page_url_and_match_total_count(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n: int, pages: int
) -> None:
    monkeypatch.setattr(ucdp, "PAGE_SIZE", 2)
    api = serve(httpserver, {"22.1": [*EVENTS_2021[:n], ged_event(99, "2020-12-31")]})
    result = run_fetch(request(httpserver, tmp_path, "2021-01-01", "2021-12-31"))
    assert [r.status for r in result.rows] == ["loaded"] * pages, result.rows
    assert sum(r.loaded for r in result.rows) == n and result.exit_status == 0
    assert [p for _, p in api.pages_served()] == [str(i) for i in range(pages)]
    assert all(r["token"] == TOKEN and r["pagesize"] == "2" for r in api.log)
    assert {r["StartDate"] for r in api.log} == {"2021-01-01"}
    got = table(tmp_path / "w.duckdb", "SELECT event_id, source, format, fatalities, fatalities_low FROM events")
    assert sorted(got) == sorted((str(e["id"]), "ucdp", "ucdp_ged", e["best"], e["low"]) for e in EVENTS_2021[:n])
    units = table(tmp_path / "w.duckdb", "SELECT unit, status FROM fetch_state ORDER BY length(unit), unit")
    assert [u.rsplit("#", 1)[1] for u, _ in units] == [f"page={i}" for i in range(1, pages + 1)] + ["complete"]
    # the cache holds GED-layout CSVs: GED's column names, values as the API gave them
    first = sorted((tmp_path / "cache").glob("*.csv"))[0]
    with open(first, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[: len(UCDP_GED_COLUMNS)] == UCDP_GED_COLUMNS
    assert rows[0]["date_start"] == "2021-03-01T00:00:00" and rows[0]["gwnob"] == ""


def test_rerun_of_a_complete_query_requests_nothing(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ucdp, "PAGE_SIZE", 2)
    api = serve(httpserver, {"22.1": EVENTS_2021})
    req = request(httpserver, tmp_path, "2021-01-01", "2021-12-31")
    plan = run_fetch(FetchRequest(**{**req.__dict__, "dry_run": True}))
    assert [(r.status, r.rows) for r in plan.rows] == [("planned", 2), ("planned", 2), ("planned", 1)]
    assert [r["pagesize"] for r in api.log] == ["1"] and not req.workspace.exists()
    run_fetch(req)
    api.log.clear()
    plan = run_fetch(FetchRequest(**{**req.__dict__, "dry_run": True}))
    assert [r.status for r in plan.rows] == ["skipped"] and api.log == []
    again = run_fetch(req)
    assert api.log == [] and [r.status for r in again.rows] == ["skipped"] * 3
    assert table(req.workspace, "SELECT count(*) FROM events") == [(5,)]


def test_a_short_page_is_reported_not_loaded_and_a_rerun_completes(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ucdp, "PAGE_SIZE", 2)
    api = serve(httpserver, {"22.1": EVENTS_2021})
    api.fault("22.1", 1, "short")
    req = request(httpserver, tmp_path, "2021-01-01", "2021-12-31")
    result = run_fetch(req)
    assert [r.status for r in result.rows] == ["loaded", "failed", "loaded"] and result.exit_status == 1
    assert "holds 1 events where TotalCount says 2; not loaded" in result.rows[1].message
    assert table(req.workspace, "SELECT event_id FROM events ORDER BY 1") == [("1",), ("2",), ("5",)]
    assert table(req.workspace, "SELECT count(*) FROM fetch_state WHERE unit LIKE '%#complete'") == [(0,)]
    again = run_fetch(req)  # the server answers fully now: the missing page loads, the others are not loaded twice
    assert [(r.status, r.loaded, r.duplicates) for r in again.rows] == [
        ("loaded", 0, 0),
        ("loaded", 2, 0),
        ("loaded", 0, 0),
    ]
    assert table(req.workspace, "SELECT count(*) FROM events") == [(5,)]


def test_429_with_retry_after_and_500_are_retried(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_waits: None
) -> None:
    monkeypatch.setattr(ucdp, "PAGE_SIZE", 2)
    api = serve(httpserver, {"22.1": EVENTS_2021})
    api.fault("22.1", 0, "429")
    api.fault("22.1", 2, "500")
    result = run_fetch(request(httpserver, tmp_path, "2021-01-01", "2021-12-31"))
    assert [r.status for r in result.rows] == ["loaded"] * 3
    assert [(r["page"], r["status"]) for r in api.log] == [
        ("0", "429"), ("0", "200"), ("1", "200"), ("2", "500"), ("2", "200"),
    ]  # fmt: skip


def test_token_is_required_and_never_leaks(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    api = serve(httpserver, {"22.1": EVENTS_2021})
    monkeypatch.delenv(ucdp.TOKEN_ENV)
    with pytest.raises(FetchError) as err:
        run_fetch(request(httpserver, tmp_path, "2021-01-01", "2021-12-31"))
    assert err.value.file == ucdp.TOKEN_ENV and err.value.exit_status == 2 and api.log == []
    monkeypatch.setenv(ucdp.TOKEN_ENV, "wrong-secret-token")
    with pytest.raises(FetchError) as err:
        run_fetch(request(httpserver, tmp_path, "2021-01-01", "2021-12-31"))
    assert "HTTP 403" in str(err.value) and "wrong-secret-token" not in str(err.value)
    # the token from a 0600 credentials file works, and is nowhere in the workspace or the output
    monkeypatch.delenv(ucdp.TOKEN_ENV)
    creds = tmp_path / "credentials.toml"
    creds.write_text(f'{ucdp.TOKEN_KEY} = "{TOKEN}"\n')
    creds.chmod(0o600)
    req = request(httpserver, tmp_path, "2021-01-01", "2021-12-31")
    result = run_fetch(FetchRequest(**{**req.__dict__, "credentials": creds}))
    assert result.exit_status == 0 and api.log[-1]["token"] == TOKEN
    dump = table(req.workspace, "SELECT string_agg(CAST(t AS VARCHAR), ' ') FROM (SELECT * FROM fetch_state) t")
    dump += table(req.workspace, "SELECT string_agg(CAST(t AS VARCHAR), ' ') FROM (SELECT * FROM files) t")
    assert TOKEN not in str(dump) and TOKEN not in str(result.to_dict())
    assert TOKEN not in (tmp_path / "w.duckdb").read_bytes().decode("latin-1")
    assert all(TOKEN not in p.read_text() for p in (tmp_path / "cache").glob("*.csv"))
    out = capsys.readouterr()
    assert TOKEN not in out.out + out.err


def test_next_page_url_to_another_host_is_not_followed(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ucdp, "PAGE_SIZE", 2)
    api = serve(httpserver, {"22.1": EVENTS_2021})
    api.next_host = "http://attacker.invalid"
    with pytest.raises(FetchError, match="another host"):
        run_fetch(request(httpserver, tmp_path, "2021-01-01", "2021-12-31"))
    assert len(api.log) == 1


def test_candidate_months_are_separate_versions_and_source(httpserver: HTTPServer, tmp_path: Path) -> None:
    jan = [ged_event(1, "2025-01-20"), ged_event(2, "2025-01-31", country_id=700)]
    feb = [ged_event(1, "2025-02-03"), ged_event(3, "2025-02-10")]
    api = serve(httpserver, {"25.0.1": jan, "25.0.2": feb})
    req = request(httpserver, tmp_path, "2025-01-15", "2025-02-28", source="ucdp-candidate", countries=("770",))
    result = run_fetch(req)
    assert [r.unit.split("?")[0] for r in result.rows] == ["25.0.1", "25.0.2"] and result.exit_status == 0
    assert [(r["version"], r["StartDate"], r["EndDate"], r["Country"]) for r in api.log] == [
        ("25.0.1", "2025-01-15", "2025-01-31", "770"),
        ("25.0.2", "2025-02-01", "2025-02-28", "770"),
    ]
    got = table(req.workspace, "SELECT source, format, event_id, event_date FROM events ORDER BY event_date")
    # event 1 of February repeats January's id: the same Candidate source de-duplicates it (first wins)
    assert got == [
        ("ucdp_candidate", "ucdp_candidate", "1", dt.date(2025, 1, 20)),
        ("ucdp_candidate", "ucdp_candidate", "3", dt.date(2025, 2, 10)),
    ]
    with pytest.raises(FetchError) as err:
        run_fetch(request(httpserver, tmp_path, "2025-01-01", "2025-01-31", countries=("PAK",)))
    assert err.value.file == "--country"


def test_cli_fetch_ucdp_ged(httpserver: HTTPServer, tmp_path: Path) -> None:
    serve(httpserver, {"22.1": EVENTS_2021})
    ws = tmp_path / "w.duckdb"
    args = ["events", "fetch", "ucdp-ged", "-w", str(ws), "--from", "2021-01-01", "--to", "2021-12-31"]
    args += ["--base-url", httpserver.url_for("/"), "--cache", str(tmp_path / "cache"), "--country", "770"]
    args += ["--credentials", str(tmp_path / "absent.toml")]
    proc = cli(*args, env={ucdp.TOKEN_ENV: TOKEN})
    assert proc.returncode == 0, proc.stderr
    assert "ucdp-ged: 1 loaded" in proc.stdout and TOKEN not in proc.stdout + proc.stderr
    assert table(ws, "SELECT count(*), sum(fatalities) FROM events") == [(5, sum(e["best"] for e in EVENTS_2021))]
    proc = cli(*args, env={ucdp.TOKEN_ENV: ""})
    assert proc.returncode == 2 and ucdp.TOKEN_ENV in proc.stderr and "Traceback" not in proc.stderr
