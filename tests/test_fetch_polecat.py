"""``events fetch polecat`` against a loopback Harvard Dataverse (tests/loopback_dataverse.py, synthetic files)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from realpolitik.events.fetch import FetchError, FetchRequest, polecat, run_fetch

from .fetch_support import cli, fetch_request, table
from .loopback_dataverse import TOKEN, Dataverse, DataverseFile, plain_file, quirky_file


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(polecat.TOKEN_ENV, TOKEN)


def files() -> list[DataverseFile]:
    quirky, _ = quirky_file()
    return [
        DataverseFile(11, "ngecEvents.20230104.txt", quirky),
        DataverseFile(12, "ngecEventsDV-2023-01-11.txt", plain_file(["w2-1", "w2-2", "w2-3"], date="2023-01-10")),
        DataverseFile(13, "ngecEvents.20230301.txt", plain_file(["late-1"], date="2023-03-01")),
        DataverseFile(14, "ngecEvents.DV.2021.zip", b"not fetched: outside the range"),
        DataverseFile(15, "POLECAT_codebook.txt", b"no date: never fetched"),
    ]


def serve(server: HTTPServer, listed: list[DataverseFile]) -> Dataverse:
    dv = Dataverse(listed)
    dv.install(server)
    return dv


def request(
    server: HTTPServer, tmp_path: Path, start: str = "2023-01-01", end: str = "2023-01-14", **kw: Any
) -> FetchRequest:
    return fetch_request(
        "polecat", tmp_path, start, end, server.url_for("/"), credentials=tmp_path / "absent.toml", **kw
    )


def test_file_selection_by_the_dates_in_names() -> None:
    assert polecat.file_dates("ngecEvents.20230104.txt") == (dt.date(2022, 12, 29), dt.date(2023, 1, 10))
    assert polecat.file_dates("ngecEvents.DV.2021.zip") == (dt.date(2021, 1, 1), dt.date(2021, 12, 31))
    assert polecat.file_dates("codebook.txt") is None


def test_listing_md5_download_and_ingest(httpserver: HTTPServer, tmp_path: Path) -> None:
    dv = serve(httpserver, files())
    result = run_fetch(request(httpserver, tmp_path))
    assert [r.unit for r in result.rows] == ["11 ngecEvents.20230104.txt", "12 ngecEventsDV-2023-01-11.txt"]
    q = result.rows[0]
    assert (q.status, q.rows, q.loaded, q.duplicates, q.rejected) == ("loaded", 8, 4, 2, 2)
    assert (result.rows[1].status, result.rows[1].loaded) == ("loaded", 3)
    assert sorted(dv.downloads()) == ["/api/access/datafile/11", "/api/access/datafile/12"]
    assert any("POLECAT_codebook.txt" in n for n in result.notes)
    listing = [r for r in dv.requests if r[1].startswith("/api/datasets/")]
    assert listing[0][2] == {"persistentId": "doi:10.7910/DVN/AJGVIT"}
    cached = tmp_path / "cache" / "11-ngecEvents.20230104.txt"
    assert hashlib.md5(cached.read_bytes()).hexdigest() == dv.files[0].entry()["dataFile"]["md5"]
    assert table(tmp_path / "w.duckdb", "SELECT count(*), count(DISTINCT source) FROM events") == [(7, 1)]
    assert table(tmp_path / "w.duckdb", "SELECT unit, status FROM fetch_state ORDER BY unit") == [
        ("11", "loaded"),
        ("12", "loaded"),
    ]


def test_wrong_md5_is_reported_and_not_loaded_then_rerun_fetches_only_it(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    listed = files()
    listed[1].md5_override = "0" * 32
    dv = serve(httpserver, listed)
    req = request(httpserver, tmp_path)
    result = run_fetch(req)
    assert [r.status for r in result.rows] == ["loaded", "failed"] and result.exit_status == 1
    assert "md5 mismatch" in result.rows[1].message
    assert table(req.workspace, "SELECT count(*) FROM events WHERE event_id LIKE 'w2-%'") == [(0,)]
    assert not (tmp_path / "cache" / "12-ngecEventsDV-2023-01-11.txt").exists()
    listed[1].md5_override = None  # the listing is corrected
    dv.requests.clear()
    again = run_fetch(req)
    assert [r.status for r in again.rows] == ["skipped", "loaded"]
    assert dv.downloads() == ["/api/access/datafile/12"]
    dv.requests.clear()
    third = run_fetch(req)  # nothing missing: the rerun downloads nothing and loads nothing
    assert [r.status for r in third.rows] == ["skipped", "skipped"] and dv.downloads() == []
    assert table(req.workspace, "SELECT count(*) FROM events") == [(7,)]


def test_token_header_is_required_and_never_leaks(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    dv = serve(httpserver, files())
    monkeypatch.delenv(polecat.TOKEN_ENV)
    with pytest.raises(FetchError) as err:
        run_fetch(request(httpserver, tmp_path))
    assert err.value.file == polecat.TOKEN_ENV and dv.requests == []
    monkeypatch.setenv(polecat.TOKEN_ENV, "not-the-token")
    with pytest.raises(FetchError) as err:
        run_fetch(request(httpserver, tmp_path))
    assert "HTTP 403" in str(err.value) and "not-the-token" not in str(err.value)
    monkeypatch.setenv(polecat.TOKEN_ENV, TOKEN)
    result = run_fetch(request(httpserver, tmp_path))
    assert result.exit_status == 0
    assert TOKEN not in str(result.to_dict()) and TOKEN not in str(table(tmp_path / "w.duckdb", "FROM fetch_state"))
    assert TOKEN not in (tmp_path / "w.duckdb").read_bytes().decode("latin-1")
    out = capsys.readouterr()
    assert TOKEN not in out.out + out.err


def test_loopback_refuses_requests_without_the_header(httpserver: HTTPServer) -> None:
    import httpx

    serve(httpserver, files())
    resp = httpx.get(httpserver.url_for("/api/access/datafile/11"))
    assert resp.status_code == 401


def test_dry_run_and_country_refused(httpserver: HTTPServer, tmp_path: Path) -> None:
    dv = serve(httpserver, files())
    result = run_fetch(request(httpserver, tmp_path, dry_run=True))
    assert [(r.status, r.bytes) for r in result.rows] == [("planned", len(f.data)) for f in dv.files[:2]]
    assert dv.downloads() == [] and not (tmp_path / "w.duckdb").exists()
    with pytest.raises(FetchError) as err:
        run_fetch(request(httpserver, tmp_path, countries=("PAK",)))
    assert err.value.file == "--country"


def test_cli_fetch_polecat(httpserver: HTTPServer, tmp_path: Path) -> None:
    serve(httpserver, files())
    ws = tmp_path / "w.duckdb"
    args = ["events", "fetch", "polecat", "-w", str(ws), "--from", "2023-01-01", "--to", "2023-01-14"]
    args += ["--base-url", httpserver.url_for("/"), "--cache", str(tmp_path / "cache")]
    args += ["--credentials", str(tmp_path / "absent.toml")]
    proc = cli(*args, env={polecat.TOKEN_ENV: TOKEN})
    assert proc.returncode == 0, proc.stderr
    assert "polecat: 2 loaded" in proc.stdout and TOKEN not in proc.stdout + proc.stderr
    assert table(ws, "SELECT count(*) FROM events WHERE source = 'polecat'") == [(7,)]
