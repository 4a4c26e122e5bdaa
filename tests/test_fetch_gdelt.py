"""``realpolitik events fetch gdelt`` against a loopback GDELT server serving real rows (tests/loopback_gdelt.py).

The done-when test repackages the shared Nov 2020 rows into GDELT's native 15-minute export zips, lists them with
size and MD5 in a master list, and checks that fetching them (a real CLI subprocess) gives the same ``events`` rows
as ``realpolitik events ingest`` of the same zips, and that a file listed with a wrong MD5 is reported and not
loaded. The other tests use one day (9 files) to stay fast.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stamina
from pytest_httpserver import HTTPServer

from realpolitik.events.fetch import FetchError, FetchRequest, FetchResult, run_fetch
from realpolitik.events.fetch.gdelt import ListedFile, parse_listing, unlisted_slots
from realpolitik.events.fetch.http import MAX_ATTEMPTS

from .fetch_support import cli, fetch_request, table
from .loopback_gdelt import GDELT_URL, ExportFile, export_files, master_list

EVENT_COLUMNS = (
    "source, event_id, format, event_date, date_added, actor1_code, actor1_name, actor1_country, actor2_code, "
    "actor2_name, actor2_country, event_code, base_code, root_code, quad_class, goldstein, num_mentions, "
    "num_sources, num_articles, avg_tone, location, location_country, admin1, latitude, longitude, source_url"
)


@pytest.fixture(scope="module")
def exports(shared_data: Path) -> list[ExportFile]:
    return export_files(shared_data / "events" / "gdelt")


@pytest.fixture
def no_waits() -> Iterator[None]:
    with stamina.set_testing(True, attempts=MAX_ATTEMPTS, cap=True):
        yield


def serve(server: HTTPServer, files: list[ExportFile], **list_kw: Any) -> None:
    server.expect_request("/gdeltv2/masterfilelist.txt").respond_with_data(master_list(files, **list_kw))
    for f in files:
        server.expect_request(f"/gdeltv2/{f.name}").respond_with_data(f.data, content_type="application/zip")


def request(server: HTTPServer, tmp_path: Path, day: str = "2020-11-13", **kw: Any) -> FetchRequest:
    end, base_url = kw.pop("to", day), server.url_for("/gdeltv2/")
    return fetch_request("gdelt", tmp_path, day, end, base_url, workspace=tmp_path / "fetched.duckdb", **kw)


def events(workspace: Path) -> list[tuple[Any, ...]]:
    return table(workspace, f"SELECT {EVENT_COLUMNS} FROM events ORDER BY event_id")


def downloads(server: HTTPServer) -> list[str]:
    return [req.path.rsplit("/", 1)[-1] for req, _ in server.log if req.path.endswith(".zip")]


def day(files: list[ExportFile], prefix: str = "20201113") -> list[ExportFile]:
    return [f for f in files if f.name.startswith(prefix)]


# --- done when -------------------------------------------------------------------------------------------------------


def test_fetch_equals_ingest_and_a_wrong_md5_is_reported_not_loaded(
    httpserver: HTTPServer, exports: list[ExportFile], tmp_path: Path
) -> None:
    assert len(exports) == 32 and sum(f.rows for f in exports) == 9354
    bad = exports[5]
    serve(httpserver, exports, wrong_md5=frozenset({bad.name}))
    ws = tmp_path / "fetched.duckdb"
    args = ["events", "fetch", "gdelt", "--from", "2020-11-13", "--to", "2020-11-15", "-w", str(ws)]
    args += ["--base-url", httpserver.url_for("/gdeltv2/"), "--cache", str(tmp_path / "cache"), "--format", "json"]
    first = cli(*args)
    assert first.returncode == 1, first.stderr
    account = json.loads(first.stdout)
    units = {u["unit"]: u for u in account["units"]}
    assert sorted(units) == [f.name for f in exports]  # every listed file in range is accounted for
    assert units[bad.name]["status"] == "failed" and "md5 mismatch" in units[bad.name]["message"]
    assert all(u["status"] == "loaded" for n, u in units.items() if n != bad.name)
    assert account["totals"]["loaded"] == 9354 - bad.rows
    assert f"gdelt: 6/32 {bad.name} failed" in first.stderr.splitlines()  # a line per unit: stderr is no TTY
    assert not (tmp_path / "cache" / bad.name).exists()
    assert table(ws, f"SELECT count(*) FROM files WHERE name = '{bad.name}'") == [(0,)]
    state = table(ws, f"SELECT status, detail FROM fetch_state WHERE unit = '{bad.name}'")
    assert state[0][0] == "failed" and "md5 mismatch" in state[0][1]

    httpserver.clear()  # the list is corrected: the rerun loads only the file that failed
    serve(httpserver, exports)
    second = cli(*args)
    assert second.returncode == 0, second.stderr
    units = {u["unit"]: u for u in json.loads(second.stdout)["units"]}
    assert [n for n, u in units.items() if u["status"] == "loaded"] == [bad.name]
    assert downloads(httpserver) == [bad.name]

    ingested = tmp_path / "ingested.duckdb"
    for f in exports:
        (tmp_path / "native" / f.name).parent.mkdir(exist_ok=True)
        (tmp_path / "native" / f.name).write_bytes(f.data)
    done = cli("events", "ingest", *(str(tmp_path / "native" / f.name) for f in exports), "-w", str(ingested))
    assert done.returncode == 0, done.stderr
    fetched_rows, ingested_rows = events(ws), events(ingested)
    assert len(ingested_rows) == 9354
    assert fetched_rows == ingested_rows


# --- resumable, idempotent -------------------------------------------------------------------------------------------


def test_rerun_fetches_nothing_and_changes_nothing(
    httpserver: HTTPServer, exports: list[ExportFile], tmp_path: Path
) -> None:
    files = day(exports)
    serve(httpserver, files)
    req = request(httpserver, tmp_path)
    first = run_fetch(req)
    assert [r.status for r in first.rows] == ["loaded"] * len(files) and first.exit_status == 0
    assert first.totals().loaded == sum(f.rows for f in files)
    state = "SELECT source, unit, status, detail, rows, fetched_at FROM fetch_state ORDER BY unit"
    before = (
        events(req.workspace),
        table(req.workspace, "SELECT * FROM files ORDER BY file_id"),
        table(req.workspace, state),
    )
    httpserver.clear_log()
    seen: list[tuple[int, int, str]] = []
    second = run_fetch(req, lambda done, total, label: seen.append((done, total, label)))
    assert [r.status for r in second.rows] == ["skipped"] * len(files)
    assert second.totals().loaded == 0 and second.exit_status == 0
    assert downloads(httpserver) == [] and seen == []
    planned = run_fetch(dataclasses.replace(req, dry_run=True))
    assert {r.status for r in planned.rows} == {"skipped"} and planned.totals().bytes == 0
    after = (
        events(req.workspace),
        table(req.workspace, "SELECT * FROM files ORDER BY file_id"),
        table(req.workspace, state),
    )
    assert after == before


def test_interrupted_fetch_then_rerun_loads_only_what_is_missing(
    httpserver: HTTPServer, exports: list[ExportFile], tmp_path: Path, no_waits: None
) -> None:
    files = day(exports)
    broken = files[3]
    httpserver.expect_request("/gdeltv2/masterfilelist.txt").respond_with_data(master_list(files))
    httpserver.expect_request(f"/gdeltv2/{broken.name}").respond_with_data("down", status=503)
    for f in files:
        if f is not broken:
            httpserver.expect_request(f"/gdeltv2/{f.name}").respond_with_data(f.data)
    req = request(httpserver, tmp_path)
    first = run_fetch(req)
    status = {r.unit: r for r in first.rows}
    assert status[broken.name].status == "failed" and "HTTP 503" in status[broken.name].message
    assert first.exit_status == 1
    assert downloads(httpserver).count(broken.name) == MAX_ATTEMPTS  # retried, then given up

    httpserver.clear()
    serve(httpserver, files)
    second = run_fetch(req)
    assert [(r.unit, r.status) for r in second.rows if r.status != "skipped"] == [(broken.name, "loaded")]
    assert downloads(httpserver) == [broken.name]
    assert second.rows[3].loaded == broken.rows
    assert table(req.workspace, "SELECT count(*) FROM events") == [(sum(f.rows for f in files),)]


def test_429_with_retry_after_and_500_are_retried(
    httpserver: HTTPServer, exports: list[ExportFile], tmp_path: Path, no_waits: None
) -> None:
    files = day(exports)
    httpserver.expect_oneshot_request(f"/gdeltv2/{files[0].name}").respond_with_data(
        "later", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_oneshot_request(f"/gdeltv2/{files[1].name}").respond_with_data("oops", status=500)
    httpserver.expect_oneshot_request("/gdeltv2/masterfilelist.txt").respond_with_data("oops", status=502)
    serve(httpserver, files)
    result = run_fetch(request(httpserver, tmp_path, parallel=2))
    assert [r.status for r in result.rows] == ["loaded"] * len(files)
    got = downloads(httpserver)
    assert got.count(files[0].name) == 2 and got.count(files[1].name) == 2 and got.count(files[2].name) == 1
    assert [req.path for req, _ in httpserver.log].count("/gdeltv2/masterfilelist.txt") == 2


def test_dry_run_lists_files_and_size_and_writes_nothing(
    httpserver: HTTPServer, exports: list[ExportFile], tmp_path: Path
) -> None:
    files = day(exports, "20201114")
    serve(httpserver, files)
    ws, cache = tmp_path / "fetched.duckdb", tmp_path / "cache"
    proc = cli(
        "events", "fetch", "gdelt", "--from", "2020-11-14", "--to", "2020-11-14", "--dry-run", "-w", str(ws),
        "--base-url", httpserver.url_for("/gdeltv2/"), "--cache", str(cache),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"{len(files)} file(s) to fetch, {sum(len(f.data) for f in files)} bytes" in proc.stdout
    assert all(f.name in proc.stdout for f in files)
    assert not ws.exists() and not cache.exists()
    assert downloads(httpserver) == []


def test_country_is_refused_for_gdelt_and_bad_input_exits_2(httpserver: HTTPServer, tmp_path: Path) -> None:
    with pytest.raises(FetchError) as err:
        run_fetch(request(httpserver, tmp_path, countries=("PAK",)))
    assert err.value.file == "--country" and httpserver.log == []
    base = ["events", "fetch", "gdelt", "-w", str(tmp_path / "w.duckdb")]
    for args, flag in [
        (["--from", "2020-11-13", "--country", "PAK"], "--country:"),
        (["--from", "13/11/2020"], "--from:"),
        (["--from", "2020-11-13", "--parallel", "99"], "--parallel:"),
        (["--to", "2020-11-13"], "--from:"),
        (["--from", "2020-11-13", "--base-url", "ftp://x/"], "--base-url:"),
    ]:
        proc = cli(*base, *args)
        assert proc.returncode == 2 and proc.stderr.startswith(flag) and len(proc.stderr.splitlines()) == 1, (
            args,
            proc.stderr,
        )
    proc = cli("events", "fetch", "gdeltx", "--from", "2020-11-13", "-w", "w")
    assert proc.returncode == 2 and "known: gdelt, acled" in proc.stderr


# --- the master list -------------------------------------------------------------------------------------------------


def test_parse_listing_selects_kinds_and_accounts_for_unreadable_lines() -> None:
    lines = [
        f"150383 297a16b493de7cf6ca809a7cc31d0b93 {GDELT_URL}20201113000000.export.CSV.zip",
        f"318084 bb27f78ba45f69a17ea6ed7755e9f8ff {GDELT_URL}20201113000000.mentions.CSV.zip",
        f"10768507 ea8dde0beb0ba98810a92db068c0ce99 {GDELT_URL}20201113000000.gkg.csv.zip",
        f"{GDELT_URL}20201113001500.export.CSV.zip",  # size and MD5 missing
        f"150383 297a16b493de7cf6ca809a7cc31d0b93 {GDELT_URL}20201113000000.export.CSV.zip",  # listed twice
    ]
    files, bad = parse_listing(lines, {"export"})
    assert files == [ListedFile("20201113000000.export.CSV.zip", "export", 150383, "297a16b493de7cf6ca809a7cc31d0b93")]
    assert [(b.unit, b.status) for b in bad] == [("20201113001500.export.CSV.zip", "failed")]
    files, _ = parse_listing(lines, {"export", "mentions"})
    assert [f.format for f in files] == ["gdelt2", "gdelt2_mentions"]


def test_unlisted_slots_counts_gdelt_gaps_up_to_now() -> None:
    files, _ = parse_listing([f"1 {'0' * 32} {GDELT_URL}20201113000000.export.CSV.zip"], {"export"})
    d = dt.date(2020, 11, 13)
    assert unlisted_slots(files, d, d) == 95
    assert unlisted_slots(files, d, d, now=dt.datetime(2020, 11, 13, 1, 0)) == 4


def test_mentions_are_fetched_with_mentions_flag(
    httpserver: HTTPServer, exports: list[ExportFile], tmp_path: Path
) -> None:
    files = day(exports)[:1]
    slot = files[0].name[:14]
    mention = "\t".join(["954680550", slot, slot, "1", "example.com", "https://example.com/a", "1", "0", "0", "0",
                         "1", "100", "0", "", "", ""])  # fmt: skip
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"{slot}.mentions.CSV", mention + "\n")
    mentions = ExportFile(f"{slot}.mentions.CSV.zip", buf.getvalue(), 1)
    serve(httpserver, [*files, mentions])
    without = run_fetch(request(httpserver, tmp_path, dry_run=True))
    assert [r.unit for r in without.rows] == [files[0].name]
    result: FetchResult = run_fetch(request(httpserver, tmp_path, mentions=True))
    assert [(r.unit, r.status, r.loaded) for r in result.rows] == [
        (files[0].name, "loaded", files[0].rows),
        (mentions.name, "loaded", 1),
    ]
    assert table(tmp_path / "fetched.duckdb", "SELECT count(*) FROM native_gdelt_mentions") == [(1,)]
