"""``realpolitik events fetch polecat``: POLECAT weekly files from Harvard Dataverse.

POLECAT is published as one Dataverse dataset (doi:10.7910/DVN/AJGVIT): a tab-separated file per week for the
current year and a zip per earlier year. The Dataverse API (sources in docs/events-polecat.md) gives what is needed
for a verified, resumable fetch:

1. ``GET /api/datasets/:persistentId/?persistentId=doi:...`` lists the dataset's files with their database id,
   name, size and MD5 (``data.latestVersion.files[].dataFile``);
2. files whose name dates them inside ``--from``..``--to`` are kept (a weekly file dated within six days of the
   range, a yearly file of a year in it); files already recorded in ``fetch_state`` (unit: the file id) are skipped,
   so a rerun downloads nothing it has;
3. ``GET /api/access/datafile/{id}`` downloads each file to the cache, verified against the listed size and MD5 (a
   file Dataverse ingested as tabular data is fetched as the uploaded original, ``format=original``, which the
   listed original size describes);
4. each verified file is ingested with the ``polecat`` format (one transaction per file) and recorded.

Every request carries the Dataverse API token in the ``X-Dataverse-key`` header (``REALPOLITIK_DATAVERSE_TOKEN`` or
``dataverse_token`` in the credentials file); the token is never printed or stored.
"""

from __future__ import annotations

import datetime as dt
import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from ..errors import EventsError
from .common import (
    AccountRow,
    Deadline,
    FetchError,
    FetchRequest,
    FetchResult,
    Progress,
    credential,
    default_cache_dir,
    done_units,
    download,
    get,
    http_client,
    load_file,
    record_unit,
    row_from_report,
)

if TYPE_CHECKING:
    import duckdb

SOURCE = "polecat"
DEFAULT_BASE_URL = "https://dataverse.harvard.edu/"
DATASET_DOI = "doi:10.7910/DVN/AJGVIT"
TOKEN_HEADER = "X-Dataverse-key"
TOKEN_ENV = "REALPOLITIK_DATAVERSE_TOKEN"
TOKEN_KEY = "dataverse_token"
DATA_SUFFIXES = (".txt", ".tsv", ".tab", ".csv", ".zip")
WEEK = dt.timedelta(days=6)
_DAY = re.compile(r"(?<!\d)(20\d\d)-?([01]\d)-?([0-3]\d)(?!\d)")
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


@dataclass(frozen=True)
class DataFile:
    """One listed file: ``id`` is the unit of ``fetch_state``; ``size``/``md5`` describe what is downloaded."""

    id: int
    name: str
    size: int | None
    md5: str | None
    original: bool  # Dataverse ingested it: download the uploaded original

    @property
    def unit(self) -> str:
        return str(self.id)

    @property
    def cache_name(self) -> str:
        return f"{self.id}-{re.sub(r'[^A-Za-z0-9._-]', '_', Path(self.name).name)}"


def file_dates(name: str) -> tuple[dt.date, dt.date] | None:
    """The days a file name covers: a weekly file's date (with six days either side, since whether the date opens
    or closes the week is not documented), a yearly file's whole year; None for a name without a date."""
    for m in _DAY.finditer(name):
        try:
            day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue
        return day - WEEK, day + WEEK
    years = _YEAR.findall(name)
    if len(years) == 1:
        return dt.date(int(years[0]), 1, 1), dt.date(int(years[0]), 12, 31)
    return None


def parse_files(body: Any) -> list[DataFile]:
    """The data files of a Native API dataset answer (``data.latestVersion.files[].dataFile``)."""
    try:
        entries = body["data"]["latestVersion"]["files"]
        out = []
        for entry in entries:
            f = entry["dataFile"]
            original = bool(f.get("originalFileFormat"))
            name = str((f.get("originalFileName") if original else None) or f.get("filename") or entry["label"])
            size = f.get("originalFileSize") if original else f.get("filesize")
            checksum = f.get("checksum") or {}
            md5 = f.get("md5") or (checksum.get("value") if str(checksum.get("type", "")).upper() == "MD5" else None)
            out.append(DataFile(int(f["id"]), name, int(size) if size is not None else None, md5, original))
    except (KeyError, TypeError, ValueError) as exc:
        raise FetchError(f"not a Dataverse dataset answer ({type(exc).__name__}: {exc})", exit_status=1) from None
    return out


def select_files(files: list[DataFile], start: dt.date, end: dt.date) -> tuple[list[DataFile], list[str]]:
    """Data files dated into the range, sorted by their date then name; and the data files with no date."""
    chosen: list[tuple[dt.date, str, DataFile]] = []
    undated: list[str] = []
    for f in files:
        if not f.name.lower().endswith(DATA_SUFFIXES):
            continue
        span = file_dates(f.name)
        if span is None:
            undated.append(f.name)
        elif span[0] <= end and span[1] >= start:
            chosen.append((span[0], f.name, f))
    return [f for _, _, f in sorted(chosen, key=lambda t: (t[0], t[1]))], sorted(undated)


def _token(request: FetchRequest) -> str:
    token = credential(TOKEN_KEY, env=TOKEN_ENV, path=request.credentials)
    if not token:
        raise FetchError(
            f"Harvard Dataverse needs an API token for POLECAT (create one under your Dataverse account, API Token); "
            f"set {TOKEN_ENV} or {TOKEN_KEY} in the credentials file",
            file=TOKEN_ENV,
        )
    return token


def _base_url(request: FetchRequest) -> str:
    base = request.base_url or DEFAULT_BASE_URL
    if not base.startswith(("http://", "https://")):
        raise FetchError(f"not an http(s) URL: {base!r}", file="--base-url")
    return base if base.endswith("/") else base + "/"


def list_dataset(client: httpx.Client, deadline: Deadline) -> list[DataFile]:
    resp = get(client, "api/datasets/:persistentId/", params={"persistentId": DATASET_DOI}, deadline=deadline)
    try:
        body = resp.json()
    except ValueError:
        raise FetchError("the dataset answer is not JSON", file=DATASET_DOI, exit_status=1) from None
    return parse_files(body)


def fetch(request: FetchRequest, progress: Progress | None = None) -> FetchResult:
    """Fetch the POLECAT files dated into the request's days (module docstring)."""
    if request.countries or request.actors:
        flag = "--country" if request.countries else "--actors"
        raise FetchError("POLECAT's weekly files cannot be filtered on the server; filter the workspace", file=flag)
    token = _token(request)
    deadline = Deadline(request.timeout_s)
    with http_client(_base_url(request), headers={TOKEN_HEADER: token}) as client:
        files, undated = select_files(list_dataset(client, deadline), request.start, request.end)
        notes = [f"{len(undated)} data file(s) without a date in their name not fetched: {', '.join(undated)}"]
        notes = notes if undated else []
        if request.dry_run:
            done = already_loaded(request.workspace, SOURCE)
            rows = [
                AccountRow(f"{f.unit} {f.name}", "skipped" if f.unit in done else "planned", bytes=f.size or 0)
                for f in files
            ]
            return FetchResult(SOURCE, rows, dry_run=True, notes=notes)
        rows = _fetch_files(client, request, files, deadline, progress)
    return FetchResult(SOURCE, rows, dry_run=False, notes=notes)


def already_loaded(workspace: Path, source: str) -> set[str]:
    """For ``--dry-run``: the units an existing workspace has loaded, read without writing anything."""
    import duckdb

    from .. import store

    if not workspace.is_file():
        return set()
    con = store.connect(workspace, read_only=True)
    try:
        return done_units(con, source)
    except duckdb.Error:  # a workspace from before fetch_state
        return set()
    finally:
        con.close()


def _fetch_files(
    client: httpx.Client, request: FetchRequest, files: list[DataFile], deadline: Deadline, progress: Progress | None
) -> list[AccountRow]:
    """Download what is missing in parallel; ingest in date order as each download completes."""
    from .. import store

    cache = request.cache_dir or default_cache_dir(SOURCE)
    con = store.connect(request.workspace)
    try:
        done = done_units(con, SOURCE)
        todo = [f for f in files if f.unit not in done]
        rows = {
            f.unit: AccountRow(f"{f.unit} {f.name}", "skipped", message="loaded by an earlier fetch")
            for f in files
            if f.unit in done
        }
        pool = ThreadPoolExecutor(max_workers=request.parallel, thread_name_prefix="realpolitik-polecat")
        try:
            futures = {f.unit: pool.submit(_download, client, f, cache, deadline) for f in todo}
            for i, f in enumerate(todo, 1):
                rows[f.unit] = _load(con, f, futures[f.unit])
                if progress is not None:
                    progress(i, len(todo), f"{f.name} {rows[f.unit].status}")
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    finally:
        con.close()
    return [rows[f.unit] for f in files]


def _download(client: httpx.Client, f: DataFile, cache: Path, deadline: Deadline) -> Path:
    url = f"api/access/datafile/{f.id}" + ("?format=original" if f.original else "")
    return download(client, url, cache / f.cache_name, size=f.size, md5=f.md5, deadline=deadline)


def _load(con: duckdb.DuckDBPyConnection, f: DataFile, future: Future[Path]) -> AccountRow:
    """Ingest one verified file and record it; a failed download or ingest is a failed row, nothing loaded."""
    label = f"{f.unit} {f.name}"
    try:
        path = future.result()
        report = load_file(con, path, "polecat")
    except EventsError as exc:
        message = exc.message if isinstance(exc, FetchError) else str(exc)
        record_unit(con, SOURCE, f.unit, "failed", message)
        return AccountRow(label, "failed", message=message)
    row = row_from_report(label, report, f.size or path.stat().st_size)
    record_unit(con, SOURCE, f.unit, row.status, f"{f.name}: {report.message}".rstrip(": "), report.loaded)
    return row
