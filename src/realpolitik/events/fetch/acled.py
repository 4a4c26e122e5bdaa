"""``realpolitik events fetch acled``: ACLED events for a date range, kept in step with ACLED's edits and deletions.

ACLED is a living dataset: it adds events late, revises past ones (a new ``timestamp``, same ``event_id_cnty``) and
deletes some. A copy that only ever appends drifts from it. So a fetch does three things (protocol and sources in
docs/events-acled.md):

1. **Windows.** Each calendar month of ``--from``..``--to`` (per ``--country`` and ``--actors`` value, if given)
   not fetched before is read from ``/api/acled/read`` page by page (``limit``/``page``) until a short page. Each
   page is verified (its ``count`` against its rows; at the end the rows against ``total_count``), written to a
   cache CSV with ACLED's column names and ingested with the ``acled`` format (one transaction per page). The window
   is then recorded in ``fetch_state``: a rerun skips it, an interrupted fetch resumes at the first window not
   recorded.
2. **Updates.** For windows fetched before, one query with ``timestamp >= `` the newest timestamp seen there (how
   ACLED's own ``acled_update`` keeps a copy current) brings new and revised events. A revised row (a newer
   ``timestamp`` than the stored one) replaces the stored version, native and canonical, in one transaction
   (:func:`.acled_store.apply_revisions`); it is counted as ``updated``.
3. **Deletions.** ``/api/deleted/read`` since the newest deletion already applied (everything on the first sync):
   the events are removed from ``event_store`` and ``native_acled`` and each deletion is recorded in ``deletions``
   (``rows_removed`` 0 for an event this workspace never had), all in one transaction.

**Actors.** An ``--actors`` value is an ACLED actor name, and an event matches when it is ``actor1`` or ``actor2``.
ACLED documents an ``actor1`` and an ``actor2`` filter; a way to ask for either side in one query (its ``:OR:``)
is not confirmed, so each window (and updates query) is asked twice, once per side. An event with the actor on
both sides comes twice and the second copy counts as a duplicate (ingest de-duplicates on ``event_id_cnty``). Both
filters are of ACLED's LIKE type, which may match more than the whole name (a sub-unit such as "Police Forces of
Pakistan (2018-) Counter Terrorism Department"), so rows whose actor is not the name given (ignoring case) are left
out before anything is written. The actor is part of the ``fetch_state`` unit: an actor's window and the
unfiltered window are recorded apart and neither stands in for the other.

A page whose rows are all stored with the same timestamp is not written or ingested again, so a rerun against an
unchanged server changes nothing. Requests go one at a time (pages depend on each other; ``--parallel`` is unused).
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from .. import store
from .acled_auth import (
    AuthError,
    Credentials,
    TokenCache,
    TokenSession,
    UnauthorizedError,
    load_credentials,
    response_hook,
)
from .acled_store import DELETIONS_UNIT, SOURCE, apply_deletions, load_page, row_timestamp, unix_time
from .bookkeeping import already_loaded, done_units, record_unit
from .http import get, http_client, safe_url
from .request import AccountRow, Deadline, FetchError, FetchRequest, FetchResult, Progress, default_cache_dir

if TYPE_CHECKING:
    import duckdb

DEFAULT_BASE_URL = "https://acleddata.com"
READ_PATH = "/api/acled/read"
DELETED_PATH = "/api/deleted/read"
PAGE_LIMIT = 5000
"""Rows asked for per page (``limit``). ACLED's default and maximum page size are UNVERIFIED; any size works
because paging stops at the first page shorter than this."""
CODES = {"inter_num": 1}
"""Actor types (``inter1``, ``inter2``, ``interaction``) as ACLED's numeric codes, as in ACLED's CSV exports and
what the ``acled`` format's role mapping reads; without it the API sends labels ("State forces")."""
ACTOR_SIDES = ("actor1", "actor2")

Api = Callable[[str, dict[str, Any]], dict[str, Any]]


# --- units ---------------------------------------------------------------------------------------------------------


def month_windows(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Calendar months of ``start``..``end`` (inclusive), the first and last clipped to the range."""
    out: list[tuple[dt.date, dt.date]] = []
    first = start
    while first <= end:
        last_day = calendar.monthrange(first.year, first.month)[1]
        last = min(end, first.replace(day=last_day))
        out.append((first, last))
        first = last + dt.timedelta(days=1)
    return out


def country_filters(countries: tuple[str, ...]) -> list[tuple[str, dict[str, str]]]:
    """``--country`` values as (label, query): a numeric ISO 3166 code filters ``iso``, a three-letter code is
    turned into its name through the package's country table, anything else is an ACLED country name."""
    if not countries:
        return [("", {})]
    names = {iso3: name for iso3, name, _ in store.country_rows()}
    out: list[tuple[str, dict[str, str]]] = []
    for raw in countries:
        value = raw.strip()
        if value.isdigit():
            out.append((f"iso={int(value)}", {"iso": str(int(value))}))
        elif re.fullmatch(r"[A-Z]{3}", value) and value in names:
            out.append((names[value], {"country": names[value]}))
        elif value:
            out.append((value, {"country": value}))
    return out


def actor_names(actors: tuple[str, ...]) -> list[str]:
    """``--actors`` values with blanks tidied, each once (the first spelling of names equal but for case, which
    match the same rows). A ``|`` is refused: ACLED reads it as "or" between values (its complex queries), so the
    name would silently become two filters; and ``fetch_state`` units use it as a separator."""
    names: list[str] = []
    for raw in actors:
        name = " ".join(raw.split())
        if "|" in name:
            raise FetchError(f"an ACLED actor name cannot contain '|': {name!r}", file="--actors")
        if name and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    return names


def scopes(request: FetchRequest) -> list[tuple[str, dict[str, str], str]]:
    """(label, country query, actor) for each ``--country`` value and each ``--actors`` value (both ANDed in every
    query). The label names both in the units (``Pakistan|actor=Tehrik-i-Taliban Pakistan``); without filters it is
    empty, so the units of an unfiltered fetch are the same as before actor filters existed."""
    out: list[tuple[str, dict[str, str], str]] = []
    for country, query in country_filters(request.countries):
        for actor in actor_names(request.actors) or [""]:
            label = "|".join(part for part in (country, f"actor={actor}" if actor else "") if part)
            out.append((label, query, actor))
    return out


def sides(actor: str) -> list[tuple[str, dict[str, str]]]:
    """The queries that together ask for ``actor`` on either side, as (side, filter): ``actor1=NAME`` and
    ``actor2=NAME``; one query without a filter when there is no actor."""
    return [(side, {side: actor}) for side in ACTOR_SIDES] if actor else [("", {})]


def names_actor(row: dict[str, Any], side: str, actor: str) -> bool:
    """Whether ``row``'s ``side`` is ``actor`` itself (ignoring case and surrounding blanks), not merely a name that
    ACLED's LIKE filter matched."""
    return " ".join(str(row.get(side) or "").split()).casefold() == actor.casefold()


def window_unit(first: dt.date, last: dt.date, label: str) -> str:
    return f"events:{first.isoformat()}..{last.isoformat()}" + (f"|{label}" if label else "")


def updates_unit(done: list[tuple[str, dt.date, dt.date]], label: str) -> str:
    first, last = min(d for _, d, _ in done), max(d for _, _, d in done)
    return f"updates:{first.isoformat()}..{last.isoformat()}" + (f"|{label}" if label else "")


# --- the API -----------------------------------------------------------------------------------------------------


def make_api(client: httpx.Client, session: TokenSession, deadline: Deadline) -> Api:
    """``api(path, params) -> JSON body``: a GET with the bearer token, retried by :func:`.http.get` on 429/5xx;
    a 401 renews the token once and retries, a second 401 stops the fetch."""

    def call(path: str, params: dict[str, Any]) -> dict[str, Any]:
        query = {"_format": "json", **params}
        what = safe_url(client.build_request("GET", path, params=query).url)
        for attempt in (1, 2):
            try:
                resp = get(client, path, params=query, headers=session.headers(), deadline=deadline, what=what)
            except UnauthorizedError:
                if attempt == 2:
                    raise AuthError(
                        "ACLED refused a fresh access token (HTTP 401); the account may lack API access",
                        file=what,
                        exit_status=1,
                    ) from None
                session.renew()
                continue
            return _envelope(resp, what)
        raise AssertionError("unreachable")

    return call


def _envelope(resp: httpx.Response, what: str) -> dict[str, Any]:
    """The JSON answer, checked: ``success`` not false, ``data`` a list of objects, ``count`` equal to its length."""
    try:
        body = resp.json()
    except ValueError:
        raise FetchError("the answer is not JSON", file=what, exit_status=1) from None
    if not isinstance(body, dict):
        raise FetchError("the answer is not a JSON object", file=what, exit_status=1)
    status = body.get("status", 200)
    if body.get("success") is False or status not in (200, "200"):
        note = " ".join(str(body.get("error") or body.get("messages") or "").split())[:160]
        raise FetchError(f"ACLED answered status {status}, success false: {note}", file=what, exit_status=1)
    data = body.get("data")
    if not isinstance(data, list) or not all(isinstance(r, dict) and r.get("event_id_cnty") for r in data):
        raise FetchError("the answer's data is not a list of events with event_id_cnty", file=what, exit_status=1)
    count = body.get("count")
    if count is not None and str(count).isdigit() and int(count) != len(data):
        raise FetchError(f"count says {count} rows but data holds {len(data)}", file=what, exit_status=1)
    return body


def pages(api: Api, path: str, params: dict[str, Any]) -> Any:
    """Yield each page's rows until a page shorter than :data:`PAGE_LIMIT`; then check the total the API gave.

    A server that pages by a smaller size than asked would make every page short. With ``total_count`` that shows
    as a total mismatch; without it, a short page is confirmed by asking for the next one, which must be empty.
    Either way the window fails (and is not recorded) instead of silently missing rows."""
    page, seen, total = 1, 0, None
    while True:
        body = api(path, {**params, "limit": PAGE_LIMIT, "page": page, "with_total": "true"})
        rows: list[dict[str, Any]] = body["data"]
        if str(body.get("total_count", "")).isdigit():
            total = int(body["total_count"])
        seen += len(rows)
        yield page, rows
        if len(rows) < PAGE_LIMIT:
            break
        page += 1
    if total is None and 0 < len(rows):
        after = api(path, {**params, "limit": PAGE_LIMIT, "page": page + 1, "with_total": "true"})["data"]
        if after:
            raise FetchError(
                f"page {page} held {len(rows)} rows (fewer than limit={PAGE_LIMIT}) but page {page + 1} is not empty: "
                "the server pages by a smaller size",
                file=path,
                exit_status=1,
            )
    if total is not None and seen != total:
        raise FetchError(f"pages held {seen} rows but total_count says {total}", file=path, exit_status=1)


# --- pages into the workspace ----------------------------------------------------------------------------------------


# --- the three passes --------------------------------------------------------------------------------------------


def read_pages(
    con: duckdb.DuckDBPyConnection, api: Api, folder: Path, unit: str, query: dict[str, Any], actor: str = ""
) -> tuple[AccountRow, int]:
    """Every page of a window or updates query into the workspace (with an actor: of its query per side, keeping the
    rows that name the actor on that side); the account and the newest timestamp kept."""
    acc = AccountRow(unit, "loaded")
    newest, other = -1, 0
    for side, actor_filter in sides(actor):
        stem = f"{unit}-{side}" if side else unit
        for page, received in pages(api, READ_PATH, {**query, **actor_filter, **CODES}):
            rows = [r for r in received if names_actor(r, side, actor)] if side else received
            other += len(received) - len(rows)
            newest = max([newest, *(row_timestamp(r) for r in rows)])
            load_page(con, folder, f"{stem}-p{page}", rows, acc)
    acc.message = f"{acc.rows} rows" + (f", {acc.updated} revised" if acc.updated else "")
    if other:
        acc.message += f", {other} naming another actor left out"
    return acc, newest


def fetch_window(
    con: duckdb.DuckDBPyConnection, api: Api, folder: Path, unit: str, query: dict[str, Any], actor: str = ""
) -> AccountRow:
    """One window, recorded in ``fetch_state`` only when all its pages (of both sides, for an actor) loaded, with the
    newest ``timestamp`` seen (an empty window records none)."""
    acc, newest = read_pages(con, api, folder, unit, query, actor)
    record_unit(con, SOURCE, unit, "loaded", detail=_mark(newest), rows=acc.rows)
    return acc


def _mark(timestamp: int) -> str:
    return f"max_timestamp={timestamp}" if timestamp > 0 else ""


def unit_since(con: duckdb.DuckDBPyConnection, units: list[str]) -> int:
    """The oldest ``max_timestamp`` recorded for ``units``: updates are asked for from there on (0: everything)."""
    rows = con.execute(
        "SELECT detail FROM fetch_state WHERE source = ? AND unit IN (SELECT unnest(?))", [SOURCE, units]
    ).fetchall()
    values = [int(m.group(1)) for (d,) in rows if (m := re.search(r"max_timestamp=(\d+)", str(d or "")))]
    return min(values) if values else 0


def fetch_updates(
    con: duckdb.DuckDBPyConnection,
    api: Api,
    folder: Path,
    unit: str,
    done: list[tuple[str, dt.date, dt.date]],
    base: dict[str, str],
    actor: str = "",
) -> AccountRow:
    """New and revised events of the windows fetched before, in one query (one per side for an actor) from their
    oldest ``max_timestamp`` (everything when none of them held an event); then those windows record the newest
    timestamp seen. The query itself is not a unit of ``fetch_state``, and a window's entry changes only when that
    timestamp does, so a rerun against an unchanged server writes nothing."""
    units = [u for u, _, _ in done]
    since = unit_since(con, units)
    first, last = min(d for _, d, _ in done), max(d for _, _, d in done)
    query = {
        **base,
        "event_date": f"{first}|{last}",
        "event_date_where": "BETWEEN",
        "timestamp": since,
        "timestamp_where": ">=",
    }
    acc, newest = read_pages(con, api, folder, unit, query, actor)
    mark = _mark(max(newest, since))
    for u, detail, rows in con.execute(
        "SELECT unit, detail, rows FROM fetch_state WHERE source = ? AND unit IN (SELECT unnest(?))", [SOURCE, units]
    ).fetchall():
        if (detail or "") != mark:
            record_unit(con, SOURCE, str(u), "loaded", mark, int(rows or 0))
    acc.message = f"since timestamp {since}: " + acc.message
    return acc


def fetch_deletions(con: duckdb.DuckDBPyConnection, api: Api) -> AccountRow:
    """ACLED's deletions since the newest one applied (all of them on the first sync), applied in one transaction."""
    rows = con.execute(
        "SELECT detail FROM fetch_state WHERE source = ? AND unit = ? AND status = 'loaded'", [SOURCE, DELETIONS_UNIT]
    ).fetchall()
    m = re.search(r"since=(\d+)", str(rows[0][0])) if rows else None
    since = int(m.group(1)) if m else None
    query: dict[str, Any] = {} if since is None else {"deleted_timestamp": since, "deleted_timestamp_where": ">="}
    received: dict[str, int] = {}
    for _, rows in pages(api, DELETED_PATH, query):
        for r in rows:
            ts = unix_time(r.get("deleted_timestamp"))
            received[str(r["event_id_cnty"])] = max(ts, received.get(str(r["event_id_cnty"]), -1))
    newest = max([since or 0, *received.values()])
    new, removed = apply_deletions(con, received, newest, since)
    acc = AccountRow(DELETIONS_UNIT, "loaded", rows=len(received), duplicates=len(received) - new, deleted=removed)
    acc.message = f"{new} deletions recorded, {removed} events removed" + (f" (since {since})" if since else "")
    return acc


# --- entry point -------------------------------------------------------------------------------------------------


def plan(request: FetchRequest) -> list[tuple[str, str, dict[str, str], str, dt.date, dt.date]]:
    """(unit, label, country query, actor, first, last) for every window of the request."""
    return [
        (window_unit(a, b, label), label, query, actor, a, b)
        for label, query, actor in scopes(request)
        for a, b in month_windows(request.start, request.end)
    ]


def fetch(request: FetchRequest, progress: Progress | None = None) -> FetchResult:
    """Fetch ACLED into ``request.workspace`` (see the module docstring); ``dry_run`` lists the windows only."""
    if request.mentions:
        raise FetchError("ACLED has no mentions files (--mentions is for gdelt)", file="--mentions")
    actor_names(request.actors)  # a bad name stops the fetch before anything is asked or planned
    base_url = (request.base_url or DEFAULT_BASE_URL).rstrip("/")
    cache_dir = Path(request.cache_dir) if request.cache_dir is not None else default_cache_dir(SOURCE)
    if request.dry_run:
        done = already_loaded(Path(request.workspace), SOURCE)
        rows = [AccountRow(u, "skipped" if u in done else "planned") for u, *_ in plan(request)]
        return FetchResult(SOURCE, [*rows, AccountRow(DELETIONS_UNIT, "planned")], True)
    creds = load_credentials(request.credentials)
    deadline = Deadline(request.timeout_s)
    con = store.connect(request.workspace)
    try:
        with http_client(base_url) as client:
            client.event_hooks = {"response": [response_hook]}
            session = TokenSession(client, creds, TokenCache(cache_dir, base_url, _account(creds)), deadline)
            return _run(con, make_api(client, session, deadline), request, cache_dir / "pages", progress)
    finally:
        con.close()


def _account(creds: Credentials) -> str:
    return creds.email.lower() if creds.email else "refresh-token"


def _run(
    con: duckdb.DuckDBPyConnection, api: Api, request: FetchRequest, folder: Path, progress: Progress | None
) -> FetchResult:
    done = done_units(con, SOURCE)
    units = plan(request)
    labels = {label: (query, actor) for _, label, query, actor, _, _ in units}
    total = len([u for u in units if u[0] not in done]) + len(labels) + 1
    result = FetchResult(SOURCE, [], False)
    step = 0

    def run_unit(unit: str, work: Callable[[], AccountRow]) -> None:
        nonlocal step
        try:
            result.rows.append(work())
        except FetchError as exc:
            if exc.exit_status != 1 or isinstance(exc, AuthError):
                raise
            record_unit(con, SOURCE, unit, "failed", detail=exc.message[:200])
            result.rows.append(AccountRow(unit, "failed", message=str(exc)))
        step += 1
        if progress is not None:
            progress(step, total, unit)

    for unit, _, query, actor, a, b in units:
        if unit not in done:
            q_ = {**query, "event_date": f"{a}|{b}", "event_date_where": "BETWEEN"}
            run_unit(unit, functools.partial(fetch_window, con, api, folder, unit, q_, actor))
    for label, (query, actor) in labels.items():
        before = [(u, a, b) for u, lab, _, _, a, b in units if lab == label and u in done]
        if before:
            unit = updates_unit(before, label)
            run_unit(unit, functools.partial(fetch_updates, con, api, folder, unit, before, query, actor))
        else:
            step += 1
    run_unit(DELETIONS_UNIT, functools.partial(fetch_deletions, con, api))
    return result
