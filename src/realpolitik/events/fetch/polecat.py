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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from .bookkeeping import ListedDownload, already_loaded, download_and_load
from .credentials import required_credential
from .http import get, http_client
from .request import AccountRow, Deadline, FetchError, FetchRequest, FetchResult, Progress, base_url

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
    need = "Harvard Dataverse needs an API token for POLECAT (create one under your Dataverse account, API Token)"
    return required_credential(TOKEN_KEY, env=TOKEN_ENV, path=request.credentials, need=need)


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
    with http_client(base_url(request, DEFAULT_BASE_URL), headers={TOKEN_HEADER: token}) as client:
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
        rows = download_and_load(client, request, SOURCE, [_as_download(f) for f in files], deadline, progress)
    return FetchResult(SOURCE, rows, dry_run=False, notes=notes)


def _as_download(f: DataFile) -> ListedDownload:
    """A dataset file as :func:`~.bookkeeping.download_and_load` takes it: the file id is the unit, its name goes into
    the account label and the recorded detail; a file Dataverse ingested is downloaded as the uploaded original."""
    url = f"api/access/datafile/{f.id}" + ("?format=original" if f.original else "")
    return ListedDownload(
        f.unit,
        label=f"{f.unit} {f.name}",
        name=f.name,
        url=url,
        cache_name=f.cache_name,
        size=f.size,
        md5=f.md5,
        format="polecat",
        note=f.name,
    )
