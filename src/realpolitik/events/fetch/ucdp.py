"""``realpolitik events fetch ucdp-ged`` / ``ucdp-candidate``: UCDP events from the UCDP API.

The API (sources in docs/events-ucdp.md) serves both datasets from one resource, ``/api/gedevents/<version>``: GED
releases are numbered ``YY.1`` (yearly; ``25.1`` covers 1989 to the end of 2024) and Candidate releases ``YY.0.M``
(monthly; ``25.0.1`` is January 2025). Every call needs a version and, since February 2026, an access token in the
``x-ucdp-access-token`` header. Results come in pages: ``{"TotalCount", "TotalPages", "PreviousPageUrl",
"NextPageUrl", "Result": [events]}``; filters ``StartDate``/``EndDate`` (YYYY-MM-DD) and ``Country``
(Gleditsch-Ward codes, comma-separated) narrow the query.

What the fetch does:

1. one query per version: GED: the first release covering ``--to`` (``REALPOLITIK_UCDP_VERSION`` overrides it);
   Candidate: the release of each month in ``--from``..``--to``, its dates clipped to that month;
2. the first page gives ``TotalCount`` and ``TotalPages``; further pages follow ``NextPageUrl`` (only to the same
   host: the token must not be sent anywhere else) until it is empty;
3. each page is checked before anything is loaded: it must hold ``pagesize`` events (the last one the rest of
   ``TotalCount``); a short or long page is a ``failed`` row and is not loaded;
4. a page's events are written to a cache CSV under GED's column names and ingested with the ``ucdp_ged`` /
   ``ucdp_candidate`` format (one transaction per page), then recorded in ``fetch_state``;
5. when every page of a query is loaded and their events add up to ``TotalCount``, the query is recorded as
   complete; a rerun of a complete query makes no request (a versioned API call always returns the same data).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import httpx

from ..errors import EventsError
from ..source_formats import UCDP_GED_COLUMNS
from .bookkeeping import already_loaded, done_units, load_file, record_unit, row_from_report
from .credentials import required_credential
from .http import get, http_client, safe_url
from .request import AccountRow, Deadline, FetchError, FetchRequest, FetchResult, Progress, base_url, default_cache_dir

if TYPE_CHECKING:
    import duckdb

DEFAULT_BASE_URL = "https://ucdpapi.pcr.uu.se/"
RESOURCE = "api/gedevents"
TOKEN_HEADER = "x-ucdp-access-token"
TOKEN_ENV = "REALPOLITIK_UCDP_TOKEN"
TOKEN_KEY = "ucdp_token"
VERSION_ENV = "REALPOLITIK_UCDP_VERSION"
PAGE_SIZE = 1000
"""Events per page: the API's maximum (unverified: stated by API clients, not found in UCDP's own text)."""
FORMAT_OF_SOURCE = {"ucdp-ged": "ucdp_ged", "ucdp-candidate": "ucdp_candidate"}


@dataclass(frozen=True)
class Query:
    """One versioned API query: the unit names of its pages start with :attr:`key`."""

    version: str
    params: dict[str, str]

    @property
    def key(self) -> str:
        return f"{self.version}?{urlencode(self.params)}"

    def page_unit(self, n: int) -> str:
        return f"{self.key}#page={n}"

    @property
    def complete_unit(self) -> str:
        return f"{self.key}#complete"

    @property
    def path(self) -> str:
        return f"{RESOURCE}/{self.version}"


def ged_version(end: dt.date) -> str:
    """The first GED release covering ``end``: release YY.1 covers events up to 31 December of 20YY-1."""
    return f"{(end.year + 1) % 100}.1"


def candidate_months(start: dt.date, end: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """(version, first day, last day) of each month in the range; Candidate release YY.0.M is month M of 20YY."""
    out = []
    month = start.replace(day=1)
    while month <= end:
        nxt = (month + dt.timedelta(days=32)).replace(day=1)
        first, last = max(month, start), min(nxt - dt.timedelta(days=1), end)
        out.append((f"{month.year % 100}.0.{month.month}", first, last))
        month = nxt
    return out


def gw_countries(countries: tuple[str, ...]) -> str | None:
    """``--country`` as UCDP's ``Country`` filter: Gleditsch-Ward numeric codes, comma-separated."""
    if not countries:
        return None
    bad = [c for c in countries if not c.strip().isdigit()]
    if bad:
        raise FetchError(
            f"UCDP filters by Gleditsch-Ward country code (e.g. 770 Pakistan, 700 Afghanistan), not {bad[0]!r}",
            file="--country",
        )
    return ",".join(c.strip() for c in countries)


def plan_queries(request: FetchRequest) -> list[Query]:
    """The versioned queries a request needs (see the module docstring)."""
    base: dict[str, str] = {}
    country = gw_countries(request.countries)
    if request.source == "ucdp-ged":
        version = os.environ.get(VERSION_ENV, "").strip() or ged_version(request.end)
        spans = [(version, request.start, request.end)]
    else:
        spans = candidate_months(request.start, request.end)
    queries = []
    for version, first, last in spans:
        params = {**base, "StartDate": first.isoformat(), "EndDate": last.isoformat()}
        if country:
            params["Country"] = country
        queries.append(Query(version, params))
    return queries


def write_page_csv(events: list[dict[str, Any]], dest: Path) -> int:
    """Write a page's events under GED's column names (fields the API adds are appended, so nothing is lost) to a
    temporary file renamed into place; values are written as the JSON gave them (null as empty)."""
    extra = sorted({k for ev in events for k in ev} - set(UCDP_GED_COLUMNS))
    columns = UCDP_GED_COLUMNS + extra
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(f".{dest.name}.part")
    with open(part, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for ev in events:
            writer.writerow([_csv_value(ev.get(c)) for c in columns])
    os.replace(part, dest)
    return dest.stat().st_size


def _csv_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True)
    return str(v)


@dataclass
class Page:
    """One API answer, checked: ``events`` is its ``Result``."""

    number: int
    total_count: int
    total_pages: int
    next_url: str
    events: list[dict[str, Any]]


def _page(resp: httpx.Response, number: int, where: str) -> Page:
    try:
        body = resp.json()
        events = body["Result"] or []
        page = Page(number, int(body["TotalCount"]), int(body["TotalPages"]), body.get("NextPageUrl") or "", events)
    except (ValueError, KeyError, TypeError) as exc:
        raise FetchError(f"not a UCDP API page ({type(exc).__name__}: {exc})", file=where, exit_status=1) from None
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise FetchError("not a UCDP API page (Result is not a list of events)", file=where, exit_status=1)
    return page


def expected_rows(total_count: int, number: int, page_size: int) -> int:
    """Events page ``number`` (1-based) must hold: ``page_size``, the last page the rest of ``total_count``."""
    return max(0, min(page_size, total_count - (number - 1) * page_size))


def _same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


class _QueryRun:
    """Fetch one query's pages into the workspace: the steps 2-5 of the module docstring."""

    def __init__(self, ctx: _Context, query: Query) -> None:
        self.ctx = ctx
        self.query = query
        self.rows: list[AccountRow] = []

    def run(self) -> list[AccountRow]:
        ctx, q = self.ctx, self.query
        url = q.path + "?" + urlencode({**q.params, "pagesize": str(PAGE_SIZE), "page": "0"})
        number, total_count, total_pages, seen = 1, 0, 0, 0
        while True:
            where = safe_url(ctx.client.build_request("GET", url).url)
            try:
                page = _page(get(ctx.client, url, deadline=ctx.deadline, what=where), number, where)
            except FetchError as exc:
                if number == 1:  # nothing answered (no access, no such version): the source failed
                    raise
                self._fail(number, f"{exc.message}; not loaded")
                return self._finish(number, total_count, total_pages, seen, "an earlier page failed")
            if number == 1:
                total_count, total_pages = page.total_count, page.total_pages
                if total_pages != math.ceil(total_count / PAGE_SIZE):
                    ctx.notes.append(f"{q.key}: TotalPages {total_pages} for TotalCount {total_count} at {PAGE_SIZE}")
            seen += len(page.events)
            self._load_page(page, expected_rows(total_count, number, PAGE_SIZE))
            if ctx.progress is not None:
                ctx.progress(number, max(total_pages, number), f"{q.key} page {number}/{total_pages}")
            if number >= total_pages or not page.next_url:
                break
            if urlsplit(page.next_url).netloc and not _same_origin(page.next_url, str(ctx.client.base_url)):
                raise FetchError("NextPageUrl points to another host; not following it", file=where, exit_status=1)
            url, number = page.next_url, number + 1
        return self._finish(number if total_pages else 0, total_count, total_pages, seen, "NextPageUrl ended early")

    def _fail(self, number: int, message: str, rows: int = 0) -> None:
        unit = self.query.page_unit(number)
        record_unit(self.ctx.con, self.ctx.source, unit, "failed", message)
        self.rows.append(AccountRow(unit, "failed", rows=rows, message=message))

    def _load_page(self, page: Page, expected: int) -> None:
        ctx, unit = self.ctx, self.query.page_unit(page.number)
        if len(page.events) != expected:
            msg = f"page holds {len(page.events)} events where TotalCount says {expected}; not loaded"
            self._fail(page.number, msg, len(page.events))
            return
        digest = hashlib.sha256(self.query.key.encode()).hexdigest()[:12]
        dest = ctx.cache / f"{ctx.source}-{self.query.version}-{digest}-p{page.number:05d}.csv"
        nbytes = write_page_csv(page.events, dest)
        try:
            report = load_file(ctx.con, dest, ctx.fmt)
        except EventsError as exc:
            record_unit(ctx.con, ctx.source, unit, "failed", str(exc))
            self.rows.append(AccountRow(unit, "failed", bytes=nbytes, message=str(exc)))
            return
        row = row_from_report(unit, report, nbytes)
        record_unit(ctx.con, ctx.source, unit, row.status, report.message, report.loaded)
        self.rows.append(row)

    def _finish(self, pages: int, total_count: int, total_pages: int, seen: int, why: str) -> list[AccountRow]:
        """Account for the pages never fetched, and mark the query complete only when everything is in."""
        ctx, q = self.ctx, self.query
        for n in range(pages + 1, total_pages + 1):
            self._fail(n, f"page {n} of {total_pages} not fetched: {why}")
        if seen != total_count and all(r.status == "loaded" for r in self.rows):
            msg = f"the pages held {seen} events, TotalCount says {total_count}"
            self.rows.append(AccountRow(q.complete_unit, "failed", rows=seen, message=msg))
        elif all(r.status == "loaded" for r in self.rows):
            detail = json.dumps({"TotalCount": total_count, "TotalPages": total_pages})
            record_unit(ctx.con, ctx.source, q.complete_unit, "loaded", detail, total_count)
        return self.rows


@dataclass
class _Context:
    source: str
    fmt: str
    client: httpx.Client
    con: duckdb.DuckDBPyConnection
    deadline: Deadline
    cache: Path
    progress: Progress | None
    notes: list[str]


def _token(request: FetchRequest) -> str:
    need = "the UCDP API needs an access token (request one from UCDP, see ucdp.uu.se/apidocs)"
    return required_credential(TOKEN_KEY, env=TOKEN_ENV, path=request.credentials, need=need)


def _complete_rows(con: duckdb.DuckDBPyConnection, source: str, query: Query) -> list[AccountRow]:
    """The page rows of a query recorded as complete: skipped, nothing requested."""
    rows = con.execute(
        "SELECT unit, rows FROM fetch_state WHERE source = ? AND starts_with(unit, ?) AND unit <> ? "
        "ORDER BY length(unit), unit",
        [source, query.key + "#page=", query.complete_unit],
    ).fetchall()
    return [AccountRow(str(u), "skipped", rows=int(n or 0), message="loaded by an earlier fetch") for u, n in rows]


def fetch(request: FetchRequest, progress: Progress | None = None) -> FetchResult:
    """Fetch UCDP GED or Candidate events for the request's days into its workspace (module docstring)."""
    from .. import store

    if request.source not in FORMAT_OF_SOURCE:
        raise FetchError(f"not a UCDP source: {request.source!r}", file="SOURCE")
    if request.actors:
        raise FetchError("the UCDP fetch filters by --country (Gleditsch-Ward codes) and dates only", file="--actors")
    queries = plan_queries(request)
    token = _token(request)
    deadline = Deadline(request.timeout_s)
    notes: list[str] = []
    with http_client(base_url(request, DEFAULT_BASE_URL), headers={TOKEN_HEADER: token}) as client:
        if request.dry_run:
            done = already_loaded(request.workspace, request.source)
            return FetchResult(request.source, _plan(client, queries, deadline, done), dry_run=True, notes=notes)
        con = store.connect(request.workspace)
        try:
            cache = request.cache_dir or default_cache_dir(request.source)
            ctx = _Context(
                request.source, FORMAT_OF_SOURCE[request.source], client, con, deadline, cache, progress, notes
            )
            done = done_units(con, request.source)
            rows: list[AccountRow] = []
            for query in queries:
                if query.complete_unit in done:
                    rows.extend(_complete_rows(con, request.source, query))
                    continue
                rows.extend(_QueryRun(ctx, query).run())
        finally:
            con.close()
    return FetchResult(request.source, rows, dry_run=False, notes=notes)


def _plan(client: httpx.Client, queries: list[Query], deadline: Deadline, done: set[str]) -> list[AccountRow]:
    """``--dry-run``: one request per query with ``pagesize=1`` for its TotalCount, a planned row per page; a query
    the workspace holds completely is one skipped row, without a request."""
    rows = []
    for q in queries:
        if q.complete_unit in done:
            rows.append(AccountRow(q.complete_unit, "skipped", message="loaded by an earlier fetch"))
            continue
        url = q.path + "?" + urlencode({**q.params, "pagesize": "1", "page": "0"})
        where = safe_url(client.build_request("GET", url).url)
        total = _page(get(client, url, deadline=deadline, what=where), 1, where).total_count
        for n in range(1, math.ceil(total / PAGE_SIZE) + 1):
            rows.append(AccountRow(q.page_unit(n), "planned", rows=expected_rows(total, n, PAGE_SIZE)))
    return rows
