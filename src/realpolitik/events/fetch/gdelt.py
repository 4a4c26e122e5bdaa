"""``realpolitik events fetch gdelt``: GDELT 2.0 event (and mention) files for a range of days.

GDELT 2.0 publishes an events export, a mentions file and a GKG file every 15 minutes as
``YYYYMMDDHHMMSS.export.CSV.zip`` / ``.mentions.CSV.zip`` / ``.gkg.csv.zip`` under
``http://data.gdeltproject.org/gdeltv2/`` and lists every file, with its size in bytes and MD5, one per line
(``SIZE MD5 URL``) in ``masterfilelist.txt`` there (sources in docs/events-gdelt.md). The list is the only statement
of what should exist, so the fetch is driven by it:

1. stream the master list and keep the entries whose 15-minute slot lies in ``--from``..``--to`` (UTC days);
2. leave out files the workspace already loaded (``fetch_state``), so a rerun fetches only what is missing;
3. download the rest in parallel (``--parallel``), each verified against the listed size and MD5;
4. ingest each verified file in the listed order (format ``gdelt2`` / ``gdelt2_mentions``, one transaction per
   file) and record it in ``fetch_state``.

A file that fails (unreachable, truncated after all retries, a wrong MD5) is a ``failed`` row of the account and is
never loaded; every listed file in the range is a row of the account. GDELT's files cannot be filtered on the server,
so ``--country``/``--actors`` are refused for this source (filter the workspace with SQL or ``events dyads``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import httpx

from .bookkeeping import ListedDownload, already_loaded, download_and_load
from .http import fetch_lines, http_client
from .request import AccountRow, Deadline, FetchError, FetchRequest, FetchResult, Progress, base_url

SOURCE = "gdelt"
DEFAULT_BASE_URL = "http://data.gdeltproject.org/gdeltv2/"
"""GDELT 2.0's raw data folder (GDELT's own address; the files are served over plain HTTP)."""
MASTERLIST = "masterfilelist.txt"
MASTERLIST_MAX_BYTES = 2 * 1024**3
"""The full list grows by three lines every 15 minutes since February 2015; this bound only stops an endless body."""
FILE_NAME = re.compile(r"^(\d{14})\.(export|mentions|gkg)\.csv\.zip$", re.IGNORECASE)
FORMAT_OF_KIND = {"export": "gdelt2", "mentions": "gdelt2_mentions"}
SLOT = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class ListedFile:
    """One master-list entry: ``name`` is the file name (the unit of ``fetch_state``)."""

    name: str
    kind: str
    size: int
    md5: str

    @property
    def format(self) -> str:
        return FORMAT_OF_KIND[self.kind]


def _in_range(name: str, first: str, last: str) -> bool:
    return first <= name[:8] <= last


def parse_listing(lines: list[str], kinds: set[str]) -> tuple[list[ListedFile], list[AccountRow]]:
    """Master-list lines (``SIZE MD5 URL``) -> the listed files of ``kinds``, sorted by name, and a failed row for
    each line that names a file in range but cannot be read (so that no listed file goes unaccounted)."""
    files: dict[str, ListedFile] = {}
    bad: list[AccountRow] = []
    for line in lines:
        parts = line.split()
        name = parts[-1].rsplit("/", 1)[-1] if parts else ""
        m = FILE_NAME.match(name)
        if not m or m.group(2).lower() not in kinds:
            continue
        if len(parts) != 3 or not parts[0].isdigit() or not re.fullmatch(r"[0-9a-fA-F]{32}", parts[1]):
            bad.append(AccountRow(name, "failed", message=f"unreadable master list line: {line.strip()[:120]!r}"))
            continue
        files.setdefault(name, ListedFile(name, m.group(2).lower(), int(parts[0]), parts[1].lower()))
    return sorted(files.values(), key=lambda f: f.name), bad


def list_files(
    client: httpx.Client, request: FetchRequest, deadline: Deadline
) -> tuple[list[ListedFile], list[AccountRow]]:
    """The master list's files whose slot lies in the request's days (exports; mentions too with ``mentions``)."""
    first, last = request.start.strftime("%Y%m%d"), request.end.strftime("%Y%m%d")

    def keep(line: str) -> bool:
        name = line.rstrip().rsplit("/", 1)[-1]
        return FILE_NAME.match(name) is not None and _in_range(name, first, last)

    lines = fetch_lines(client, MASTERLIST, keep=keep, max_bytes=MASTERLIST_MAX_BYTES, deadline=deadline)
    kinds = {"export", "mentions"} if request.mentions else {"export"}
    return parse_listing(lines, kinds)


def unlisted_slots(files: list[ListedFile], start: dt.date, end: dt.date, now: dt.datetime | None = None) -> int:
    """15-minute slots in the days (up to now) with no export file in the list: GDELT's own gaps, reported as a
    note, since nothing can be fetched for them."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    listed = {f.name[:14] for f in files if f.kind == "export"}
    slot, stop = dt.datetime.combine(start, dt.time()), dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    missing = 0
    while slot < stop and slot <= now:
        missing += slot.strftime("%Y%m%d%H%M%S") not in listed
        slot += SLOT
    return missing


def fetch(request: FetchRequest, progress: Progress | None = None) -> FetchResult:
    """Fetch GDELT 2.0 files for the request's days into its workspace; see the module docstring."""
    if request.countries or request.actors:
        flag = "--country" if request.countries else "--actors"
        raise FetchError(
            "GDELT files cannot be filtered on the server; fetch without it and filter the workspace "
            "(SQL, or `events dyads --actors`)",
            file=flag,
        )
    deadline = Deadline(request.timeout_s)
    with http_client(base_url(request, DEFAULT_BASE_URL)) as client:
        files, bad = list_files(client, request, deadline)
        notes = []
        gaps = unlisted_slots(files, request.start, request.end)
        if gaps:
            notes.append(f"{gaps} 15-minute slot(s) in the range have no export file in GDELT's master list")
        if request.dry_run:
            done = already_loaded(request.workspace, SOURCE)
            rows = [
                AccountRow(f.name, "skipped", message="loaded by an earlier fetch")
                if f.name in done
                else AccountRow(f.name, "planned", bytes=f.size)
                for f in files
            ]
            return FetchResult(SOURCE, _merge(rows, bad), dry_run=True, notes=notes)
        rows = download_and_load(client, request, SOURCE, [_as_download(f) for f in files], deadline, progress)
    return FetchResult(SOURCE, _merge(rows, bad), dry_run=False, notes=notes)


def _merge(rows: list[AccountRow], bad: list[AccountRow]) -> list[AccountRow]:
    return sorted([*rows, *bad], key=lambda r: r.unit)


def _as_download(f: ListedFile) -> ListedDownload:
    """A master-list file as :func:`~.bookkeeping.download_and_load` takes it: the file name is the unit, the account
    label, the URL (relative to the folder) and the cache name."""
    name = f.name
    return ListedDownload(
        name, label=name, name=name, url=name, cache_name=name, size=f.size, md5=f.md5, format=f.format
    )
