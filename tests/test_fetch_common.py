"""The shared fetch machinery (``realpolitik.events.fetch``: ``request``, ``http``, ``credentials``,
``bookkeeping``) against a loopback HTTP server.

No test touches the internet: servers are pytest-httpserver instances on 127.0.0.1 (or httpx's MockTransport where a
transport error has to be produced on demand). Retry waits are switched off with ``stamina.set_testing`` except in
the one test that measures that Retry-After is honoured.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import stamina
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from realpolitik.cli.fetch import SOURCE_NAMES
from realpolitik.events import store
from realpolitik.events.fetch import SOURCES, FetchRequest, run_fetch
from realpolitik.events.fetch.bookkeeping import done_units, record_unit
from realpolitik.events.fetch.credentials import credential
from realpolitik.events.fetch.http import (
    MAX_ATTEMPTS,
    RETRY_AFTER_MAX_S,
    _Backoff,
    _TransientError,
    download,
    fetch_lines,
    get,
    http_client,
    post,
    retry_after_seconds,
    safe_url,
)
from realpolitik.events.fetch.request import AccountRow, Deadline, FetchError, FetchResult

SECRET = "s3cr3t-t0ken-value-4711"


@pytest.fixture
def no_waits() -> Iterator[None]:
    with stamina.set_testing(True, attempts=MAX_ATTEMPTS, cap=True):
        yield


def client_for(server: HTTPServer, **kw: object) -> httpx.Client:
    return http_client(server.url_for("/"), **kw)  # type: ignore[arg-type]


def paths(server: HTTPServer) -> list[str]:
    return [req.path for req, _ in server.log]


# --- retries ---------------------------------------------------------------------------------------------------------


def test_429_with_retry_after_is_waited_for_then_retried(httpserver: HTTPServer) -> None:
    """Real waits (no testing mode): the server's Retry-After of 1 s is honoured before the second attempt."""
    httpserver.expect_oneshot_request("/list").respond_with_data("slow down", status=429, headers={"Retry-After": "1"})
    httpserver.expect_request("/list").respond_with_data("ok")
    t0 = time.monotonic()
    with client_for(httpserver) as client:
        resp = get(client, "list", deadline=Deadline(30))
    assert resp.text == "ok"
    assert paths(httpserver) == ["/list", "/list"]
    assert time.monotonic() - t0 >= 0.95


def test_backoff_hook_uses_retry_after_capped_and_gives_up_past_the_deadline() -> None:
    hook = _Backoff(Deadline(10_000))
    assert hook(_TransientError("x", retry_after=7.0)) == 7.0
    assert hook(_TransientError("x", retry_after=10 * RETRY_AFTER_MAX_S)) == RETRY_AFTER_MAX_S
    assert 4.0 <= hook(_TransientError("x")) <= 5.0  # no Retry-After: exponential backoff (third retry: 4 s + jitter)
    assert hook(ValueError("not transient")) is False
    short = _Backoff(Deadline(2))
    assert short(_TransientError("x", retry_after=60.0)) is False and short.cut


def test_retry_after_forms() -> None:
    now = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_500_then_success(httpserver: HTTPServer, no_waits: None) -> None:
    httpserver.expect_oneshot_request("/a").respond_with_data("boom", status=500)
    httpserver.expect_oneshot_request("/a").respond_with_data("boom", status=503)
    httpserver.expect_request("/a").respond_with_data("fine")
    with client_for(httpserver) as client:
        assert get(client, "a", deadline=Deadline(30)).text == "fine"
    assert paths(httpserver) == ["/a"] * 3


def test_persistent_500_gives_up_after_max_attempts(httpserver: HTTPServer, no_waits: None) -> None:
    httpserver.expect_request("/a").respond_with_data("boom", status=502)
    with client_for(httpserver) as client, pytest.raises(FetchError) as err:
        get(client, "a", deadline=Deadline(30))
    assert len(httpserver.log) == MAX_ATTEMPTS
    assert "HTTP 502" in str(err.value) and err.value.exit_status == 1


def test_other_4xx_is_not_retried(httpserver: HTTPServer, no_waits: None) -> None:
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    with client_for(httpserver) as client, pytest.raises(FetchError, match="HTTP 404"):
        get(client, "gone", deadline=Deadline(30))
    assert len(httpserver.log) == 1


def test_transport_error_is_retried_then_succeeds(no_waits: None) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) < 3:
            raise httpx.ConnectError(f"connection refused to {request.url}")
        return httpx.Response(200, text="up")

    with httpx.Client(base_url="http://127.0.0.1:9/", transport=httpx.MockTransport(handler)) as client:
        assert post(client, "token", data={"a": "b"}, deadline=Deadline(30)).text == "up"
    assert len(calls) == 3


def test_nothing_listening_is_a_fetch_error_after_retries(no_waits: None) -> None:
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with http_client(f"http://127.0.0.1:{port}/") as client, pytest.raises(FetchError, match="ConnectError"):
        get(client, "x", deadline=Deadline(30))


# --- downloads -------------------------------------------------------------------------------------------------------

BODY = bytes(range(256)) * 400  # 100 kB


def test_truncated_download_is_retried(httpserver: HTTPServer, tmp_path: Path, no_waits: None) -> None:
    httpserver.expect_oneshot_request("/f.zip").respond_with_data(BODY[:1000])
    httpserver.expect_request("/f.zip").respond_with_data(BODY)
    md5 = hashlib.md5(BODY).hexdigest()
    with client_for(httpserver) as client:
        out = download(client, "f.zip", tmp_path / "f.zip", size=len(BODY), md5=md5, deadline=Deadline(30))
    assert out.read_bytes() == BODY
    assert len(httpserver.log) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.zip"]  # no .part left behind


def test_md5_mismatch_is_reported_and_nothing_is_kept(httpserver: HTTPServer, tmp_path: Path, no_waits: None) -> None:
    httpserver.expect_request("/f.zip").respond_with_data(BODY)
    with client_for(httpserver) as client, pytest.raises(FetchError, match="md5 mismatch") as err:
        download(client, "f.zip", tmp_path / "f.zip", size=len(BODY), md5="0" * 32, deadline=Deadline(30))
    assert err.value.file is not None and err.value.file.endswith("/f.zip")
    assert list(tmp_path.iterdir()) == []
    assert len(httpserver.log) == 1  # a wrong MD5 is not a transient failure


def test_body_longer_than_listed_is_refused(httpserver: HTTPServer, tmp_path: Path, no_waits: None) -> None:
    httpserver.expect_request("/f.zip").respond_with_data(BODY)
    with client_for(httpserver) as client, pytest.raises(FetchError, match="longer than"):
        download(client, "f.zip", tmp_path / "f.zip", size=100, deadline=Deadline(30))
    assert list(tmp_path.iterdir()) == []


def test_verified_file_in_cache_is_not_downloaded_again(httpserver: HTTPServer, tmp_path: Path) -> None:
    (tmp_path / "f.zip").write_bytes(BODY)
    with client_for(httpserver) as client:
        download(
            client, "f.zip", tmp_path / "f.zip", size=len(BODY), md5=hashlib.md5(BODY).hexdigest(), deadline=Deadline(5)
        )
    assert httpserver.log == []


def test_fetch_lines_keeps_only_wanted_lines(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/list.txt").respond_with_data("a 1\nb 2\na 3\n")
    with client_for(httpserver) as client:
        kept = fetch_lines(client, "list.txt", keep=lambda s: s.startswith("a"), max_bytes=100, deadline=Deadline(5))
        assert kept == ["a 1", "a 3"]
        with pytest.raises(FetchError, match="larger than"):
            fetch_lines(client, "list.txt", keep=lambda s: True, max_bytes=4, deadline=Deadline(5))


# --- deadline --------------------------------------------------------------------------------------------------------


def test_deadline_stops_requests_and_retries(httpserver: HTTPServer) -> None:
    gone = Deadline(0.01)
    time.sleep(0.02)
    assert gone.remaining() == 0.0
    with pytest.raises(FetchError, match="deadline"):
        gone.check("masterfilelist.txt")
    httpserver.expect_request("/a").respond_with_data("boom", status=500)
    with client_for(httpserver) as client:
        with pytest.raises(FetchError, match="deadline"):
            get(client, "a", deadline=gone)
        assert httpserver.log == []  # nothing sent once the deadline has passed
        t0 = time.monotonic()
        with pytest.raises(FetchError):
            get(client, "a", deadline=Deadline(1.5))  # real backoff: 1 s, then 2 s would pass the deadline
        assert time.monotonic() - t0 < 4.0


# --- credentials and secrets -----------------------------------------------------------------------------------------


def test_credential_env_first_then_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "credentials.toml"
    cfg.write_text(f'acled_key = "from-file"\n[ucdp]\ntoken = "{SECRET}"\n', encoding="utf-8")
    os.chmod(cfg, 0o600)
    monkeypatch.delenv("RP_TEST_KEY", raising=False)
    assert credential("acled_key", env="RP_TEST_KEY", path=cfg) == "from-file"
    assert credential("ucdp.token", env="RP_TEST_KEY", path=cfg) == SECRET
    assert credential("absent", env="RP_TEST_KEY", path=cfg) is None
    assert credential("absent", env="RP_TEST_KEY", path=tmp_path / "none.toml") is None
    monkeypatch.setenv("RP_TEST_KEY", "from-env")
    assert credential("acled_key", env="RP_TEST_KEY", path=cfg) == "from-env"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_credential_file_readable_by_others_is_refused(
    tmp_path: Path, mode: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RP_TEST_KEY", raising=False)
    cfg = tmp_path / "credentials.toml"
    cfg.write_text(f'key = "{SECRET}"\n', encoding="utf-8")
    os.chmod(cfg, mode)
    with pytest.raises(FetchError, match="chmod 600") as err:
        credential("key", env="RP_TEST_KEY", path=cfg)
    assert SECRET not in str(err.value) and err.value.exit_status == 2


def test_bad_toml_message_does_not_quote_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RP_TEST_KEY", raising=False)
    cfg = tmp_path / "credentials.toml"
    cfg.write_text(f"key = {SECRET}\n", encoding="utf-8")  # unquoted: not TOML
    os.chmod(cfg, 0o600)
    with pytest.raises(FetchError, match="not valid TOML") as err:
        credential("key", env="RP_TEST_KEY", path=cfg)
    assert SECRET not in str(err.value)


def test_secrets_never_in_errors_or_logs(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str], no_waits: None
) -> None:
    def always_fail(request: Request) -> Response:
        return Response(f"echo {request.args.get('api_key')}", status=503)

    httpserver.expect_request("/api").respond_with_handler(always_fail)
    httpserver.expect_request("/denied").respond_with_data("denied", status=401)
    caplog.set_level(logging.DEBUG)
    with client_for(httpserver, headers={"Authorization": f"Bearer {SECRET}"}) as client:
        with pytest.raises(FetchError) as err1:
            get(client, "api", params={"api_key": SECRET, "email": SECRET, "page": 2}, deadline=Deadline(30))
        with pytest.raises(FetchError) as err2:
            post(client, "denied", data={"password": SECRET}, deadline=Deadline(30))
    captured = capsys.readouterr()
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug"))  # not the server's
    assert "api_key=***" in ours  # httpx's request log, redacted
    for text in (str(err1.value), str(err2.value), ours, captured.out, captured.err):
        assert SECRET not in text
    assert "api_key=***" in str(err1.value) and "page=2" in str(err1.value)
    assert len(httpserver.log) == MAX_ATTEMPTS + 1  # the 503s were retried, the 401 was not
    assert httpserver.log[0][0].args["api_key"] == SECRET  # the secret did reach the server


def test_safe_url() -> None:
    assert safe_url("https://user:pw@api.example/x?key=1&page=2&access_token=abc&code=9&country_code=PAK") == (
        "https://api.example/x?key=***&page=2&access_token=***&code=***&country_code=PAK"
    )


# --- workspace bookkeeping, results, dispatch ------------------------------------------------------------------------


def test_record_and_done_units(tmp_path: Path) -> None:
    con = store.connect(tmp_path / "w.duckdb")
    try:
        record_unit(con, "gdelt", "a.zip", "failed", "md5 mismatch")
        record_unit(con, "gdelt", "b.zip", "loaded", rows=5)
        record_unit(con, "acled", "a.zip", "loaded")
        assert done_units(con, "gdelt") == {"b.zip"}
        record_unit(con, "gdelt", "a.zip", "loaded", rows=3)  # a rerun replaces the failed row
        assert done_units(con, "gdelt") == {"a.zip", "b.zip"}
        assert con.execute("SELECT count(*) FROM fetch_state").fetchone() == (3,)
    finally:
        con.close()


def test_result_totals_and_exit_status() -> None:
    rows = [AccountRow("a", "loaded", bytes=10, rows=5, loaded=4, duplicates=1), AccountRow("b", "skipped")]
    result = FetchResult("gdelt", rows, dry_run=False)
    total = result.totals()
    assert (total.bytes, total.rows, total.loaded, total.duplicates) == (10, 5, 4, 1)
    assert result.exit_status == 0 and result.summary() == "1 loaded, 1 skipped"
    result.rows.append(AccountRow("c", "failed", message="md5 mismatch"))
    assert result.exit_status == 1
    assert result.to_dict()["totals"]["unit"] == "total"


def test_run_fetch_rejects_unknown_source_and_bad_parameters(tmp_path: Path) -> None:
    base = FetchRequest("gdelt", tmp_path / "w.duckdb", dt.date(2020, 1, 2), dt.date(2020, 1, 3))
    with pytest.raises(FetchError, match="known: gdelt") as err:
        run_fetch(dataclasses.replace(base, source="nope"))
    assert err.value.file == "SOURCE"
    with pytest.raises(FetchError) as err:
        run_fetch(dataclasses.replace(base, parallel=0))
    assert err.value.file == "--parallel"
    with pytest.raises(FetchError) as err:
        run_fetch(dataclasses.replace(base, start=dt.date(2020, 2, 1)))
    assert err.value.file == "--from"
    assert set(SOURCES) == {"gdelt", "acled", "ucdp-ged", "ucdp-candidate", "polecat"}
    assert tuple(SOURCES) == SOURCE_NAMES  # the CLI lists them without importing httpx at start-up
    assert not (tmp_path / "w.duckdb").exists()
