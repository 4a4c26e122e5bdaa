"""A loopback ACLED API for tests: the OAuth token endpoint and the ``acled`` and ``deleted`` read endpoints.

It implements the protocol as ACLED documents it and as ACLED's own R client (acledR 1.0.1, CRAN) uses it; see
docs/events-acled.md for the addresses. Details marked UNVERIFIED below are not in the official material found
(they come from third-party reports or from the OAuth 2.0 standard) and are what the fetcher must tolerate:

* token endpoint ``POST /oauth/token``, form-encoded, ``client_id=acled``, ``grant_type=password`` with
  ``username``/``password`` (acledR ``acled_auth``: ``httr2::oauth_client("acled", "https://acleddata.com/oauth/
  token")`` + ``req_oauth_password``; ACLED's Power BI guide: the same four form fields). ``grant_type=
  refresh_token`` with ``refresh_token`` and ``client_id``: the OAuth 2.0 refresh grant (RFC 6749 s. 6).
  UNVERIFIED: the refresh grant's exact fields, the error status and body for bad credentials (this server answers
  ``credential_error_status``, 401 by default, 400 ``invalid_grant`` being the RFC's answer) and the lifetimes
  (24 h access, 14 days refresh: third-party reports quoting ACLED's getting-started page).
* data: ``GET /api/acled/read?_format=json`` with ``event_date=A|B&event_date_where=BETWEEN``, ``country``,
  ``iso``, ``timestamp`` (with ``timestamp_where=>=``), ``inter_num=1`` (actor types as codes, not labels),
  ``limit``, ``page`` (acledR ``acled_api``), sent with
  ``Authorization: Bearer <access token>`` (Power BI guide). Rows come newest event date first (ACLED API guide).
  The envelope ``status``/``success``/``count``/``data`` (ACLED: "status, count, last update, and more");
  ``total_count`` only with ``with_total=true`` (UNVERIFIED: an ACLED e-mail to users, quoted in a third-party
  issue). The default page size here is 5000 (UNVERIFIED).
* actors: ``actor1=NAME`` and ``actor2=NAME`` (ACLED API guide, ACLED endpoint, table 1 "Query filters": both of
  type LIKE; acledR passes such filters through ``...``). Several values joined by ``|`` match any of them, as
  ``country`` does (ACLED: "complex queries (``|``, ``:OR:`` and ``&``)"). UNVERIFIED: what ACLED's LIKE matches
  (this server: the value anywhere in the name, ignoring case, as third-party clients report; a whole-name match
  would only send fewer rows, which the fetcher filters to the whole name anyway), and ``:OR:`` between two
  filters (e.g. ``actor1=X:OR:actor2=X``, seen only in third-party code), which this server does not implement.
* deletions: ``GET /api/deleted/read?_format=json`` with ``deleted_timestamp`` (+ ``deleted_timestamp_where=>=``),
  ``limit``, ``page``; rows hold ``event_id_cnty`` and ``deleted_timestamp`` (acledR ``acled_deletions_api``).
  UNVERIFIED: the order of the rows (oldest first here).

All rows a test puts in are synthetic.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

ACCESS_TTL = 24 * 3600
REFRESH_TTL = 14 * 24 * 3600
DEFAULT_LIMIT = 5000  # UNVERIFIED

INTER_LABELS = {
    1: "State forces",
    2: "Rebel group",
    3: "Political militia",
    4: "Identity militia",
    5: "Rioters",
    6: "Protesters",
    7: "Civilians",
    8: "External/Other forces",
}
"""ACLED's actor-type labels (ACLED codebook); the API sends them unless ``inter_num=1`` asks for the codes."""

COUNTRIES = {"Pakistan": 586, "Afghanistan": 4, "Testland": 999}
PREFIX = {"Pakistan": "PAK", "Afghanistan": "AFG", "Testland": "TST"}


def synthetic_event(
    n: int,
    day: str,
    *,
    country: str = "Pakistan",
    timestamp: int = 1_700_000_000,
    fatalities: int = 0,
    actor1: str | None = None,
    actor2: str = "Test Armed Group",
) -> dict[str, Any]:
    """One made-up event in ACLED's field layout (the API sends numbers as JSON numbers or strings; both occur)."""
    return {
        "event_id_cnty": f"{PREFIX[country]}{n}",
        "event_date": day,
        "year": int(day[:4]),
        "time_precision": 1,
        "disorder_type": "Political violence",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "actor1": actor1 if actor1 is not None else f"Military Forces of {country} (2020-)",
        "assoc_actor_1": "",
        "inter1": 1,
        "actor2": actor2,
        "assoc_actor_2": "",
        "inter2": 2,
        "interaction": 12,
        "civilian_targeting": "",
        "iso": COUNTRIES[country],
        "region": "Test Region",
        "country": country,
        "admin1": "Province A",
        "admin2": "District B",
        "admin3": "",
        "location": f"Place {n}",
        "latitude": "30.0000",
        "longitude": "70.0000",
        "geo_precision": 1,
        "source": "Test Source",
        "source_scale": "National",
        "notes": f'Synthetic event {n}, with a comma and "quotes".',
        "fatalities": fatalities,
        "tags": "",
        "timestamp": timestamp,
    }


@dataclass
class Fault:
    """A canned failure for the next matching request(s)."""

    path: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    after: int = 0  # let this many matching requests through first


class AcledLoopback:
    """The ACLED API on a pytest-httpserver. ``events`` and ``deleted`` are the server's data; ``log`` records each
    request's path, grant type and query (never secrets: passwords and tokens are replaced by ``***``)."""

    def __init__(
        self,
        server: HTTPServer,
        *,
        email: str = "analyst@example.org",
        password: str = "correct horse battery staple",
        access_ttl: float = ACCESS_TTL,
        refresh_ttl: float = REFRESH_TTL,
        credential_error_status: int = 401,
    ) -> None:
        self.server = server
        self.email = email
        self.password = password
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self.credential_error_status = credential_error_status
        self.events: dict[str, dict[str, Any]] = {}
        self.deleted: list[dict[str, Any]] = []
        self.access_tokens: dict[str, float] = {}  # token -> expiry (server clock)
        self.refresh_tokens: dict[str, float] = {}
        self.issued: list[str] = []  # every token handed out, so tests can look for them in outputs
        self.faults: list[Fault] = []
        self.log: list[dict[str, Any]] = []
        self.bad_count = False  # report a wrong ``count`` (a truncated page)
        self.with_totals = True  # honour ``with_total=true``
        self.max_limit: int | None = None  # a server that pages by a smaller size than asked
        self.offset = 0.0  # added to the server clock
        self._lock = threading.Lock()
        server.expect_request("/oauth/token", method="POST").respond_with_handler(self._token)
        server.expect_request("/api/acled/read", method="GET").respond_with_handler(self._read)
        server.expect_request("/api/deleted/read", method="GET").respond_with_handler(self._deleted_read)

    # --- test controls -------------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def add(self, *events: dict[str, Any]) -> None:
        for e in events:
            self.events[str(e["event_id_cnty"])] = dict(e)

    def edit(self, event_id: str, **changes: Any) -> None:
        self.events[event_id].update(changes)

    def delete(self, event_id: str, deleted_timestamp: int) -> None:
        self.events.pop(event_id, None)
        self.deleted.append({"event_id_cnty": event_id, "deleted_timestamp": deleted_timestamp})

    def fail(
        self, path: str, status: int, *, times: int = 1, after: int = 0, headers: dict[str, str] | None = None
    ) -> None:
        self.faults.append(Fault(path, status, headers or {}, times, after))

    def expire_access_tokens(self) -> None:
        with self._lock:
            self.access_tokens.clear()

    def expire_refresh_tokens(self) -> None:
        with self._lock:
            self.refresh_tokens.clear()

    def requests_to(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.log if r["path"] == path]

    def grants(self) -> list[str]:
        return [r["grant_type"] for r in self.requests_to("/oauth/token")]

    # --- protocol --------------------------------------------------------------------------------------------------

    def _now(self) -> float:
        return time.time() + self.offset

    def _fault(self, path: str) -> Response | None:
        with self._lock:
            for f in self.faults:
                if f.path != path or f.times <= 0:
                    continue
                if f.after > 0:
                    f.after -= 1
                    continue
                f.times -= 1
                if f.status == 401:
                    self.access_tokens.clear()
                    return _json({"status": 401, "success": False, "error": "Unauthorized"}, 401)
                return _json({"status": f.status, "success": False, "error": "canned failure"}, f.status, f.headers)
        return None

    def _issue(self) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        now = self._now()
        with self._lock:
            self.access_tokens[access] = now + self.access_ttl
            self.refresh_tokens[refresh] = now + self.refresh_ttl
            self.issued += [access, refresh]
        return {
            "token_type": "Bearer",
            "expires_in": int(self.access_ttl),
            "access_token": access,
            "refresh_token": refresh,
        }

    def _token(self, request: Request) -> Response:
        form = request.form
        grant = form.get("grant_type", "")
        self.log.append({"path": "/oauth/token", "grant_type": grant, "query": {}})
        if (fault := self._fault("/oauth/token")) is not None:
            return fault
        if request.mimetype != "application/x-www-form-urlencoded":
            return _json({"error": "invalid_request"}, 400)
        if form.get("client_id") != "acled":
            return _json({"error": "invalid_client"}, 401)
        if grant == "password":
            if form.get("username") != self.email or form.get("password") != self.password:
                return _json(
                    {"error": "invalid_grant", "error_description": "The user credentials were incorrect."},
                    self.credential_error_status,
                )
            return _json(self._issue())
        if grant == "refresh_token":
            token = form.get("refresh_token", "")
            with self._lock:
                expiry = self.refresh_tokens.pop(token, None)  # a refresh token is used once (RFC 6749 s. 6 allows)
            if expiry is None or expiry < self._now():
                return _json({"error": "invalid_grant", "error_description": "The refresh token is invalid."}, 400)
            return _json(self._issue())
        return _json({"error": "unsupported_grant_type"}, 400)

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return False
        with self._lock:
            expiry = self.access_tokens.get(header[len("Bearer ") :])
        return expiry is not None and expiry >= self._now()

    def _begin(self, request: Request, path: str) -> Response | None:
        self.log.append({"path": path, "grant_type": None, "query": dict(request.args)})
        if (fault := self._fault(path)) is not None:
            return fault
        if not self._authorized(request):
            return _json({"status": 401, "success": False, "error": "Unauthorized"}, 401)
        if request.args.get("_format", "json") != "json":
            return _json({"status": 400, "success": False, "error": "this loopback serves JSON only"}, 400)
        return None

    def _read(self, request: Request) -> Response:
        if (early := self._begin(request, "/api/acled/read")) is not None:
            return early
        args = request.args
        rows = list(self.events.values())
        if "event_date" in args:
            if args.get("event_date_where", "").upper() != "BETWEEN" or "|" not in args["event_date"]:
                return _json({"status": 400, "success": False, "error": "expected an event_date range"}, 400)
            lo, hi = args["event_date"].split("|", 1)
            rows = [r for r in rows if lo <= r["event_date"] <= hi]
        if "country" in args:
            wanted = set(args["country"].split("|"))
            rows = [r for r in rows if r["country"] in wanted]
        if "iso" in args:
            wanted_iso = {int(v) for v in args["iso"].split("|")}
            rows = [r for r in rows if int(r["iso"]) in wanted_iso]
        for side in ("actor1", "actor2"):  # ACLED's LIKE type, read as "contains, ignoring case" (UNVERIFIED)
            if side in args:
                names = [v.casefold() for v in args[side].split("|")]
                rows = [r for r in rows if any(n in str(r[side]).casefold() for n in names)]
        if "timestamp" in args:
            if args.get("timestamp_where") != ">=":
                return _json({"status": 400, "success": False, "error": "expected timestamp_where=>="}, 400)
            since = int(args["timestamp"])
            rows = [r for r in rows if int(r["timestamp"]) >= since]
        rows.sort(key=lambda r: (r["event_date"], r["event_id_cnty"]), reverse=True)
        if args.get("inter_num") != "1":
            rows = [_labelled(r) for r in rows]
        return self._page(rows, args)

    def _deleted_read(self, request: Request) -> Response:
        if (early := self._begin(request, "/api/deleted/read")) is not None:
            return early
        args = request.args
        rows = list(self.deleted)
        if "deleted_timestamp" in args:
            if args.get("deleted_timestamp_where") != ">=":
                return _json({"status": 400, "success": False, "error": "expected deleted_timestamp_where=>="}, 400)
            since = int(args["deleted_timestamp"])
            rows = [r for r in rows if int(r["deleted_timestamp"]) >= since]
        rows.sort(key=lambda r: (int(r["deleted_timestamp"]), r["event_id_cnty"]))
        return self._page(rows, args)

    def _page(self, rows: list[dict[str, Any]], args: Any) -> Response:
        limit = int(args.get("limit", DEFAULT_LIMIT))
        if self.max_limit is not None:
            limit = min(limit or self.max_limit, self.max_limit)
        page = int(args.get("page", 1))
        chunk = rows if limit == 0 else rows[(page - 1) * limit : page * limit]
        body: dict[str, Any] = {
            "status": 200,
            "success": True,
            "last_update": 0,
            "count": len(chunk) + (1 if self.bad_count and chunk else 0),
            "messages": [],
            "data": chunk,
            "filename": "acled_loopback",
        }
        if args.get("with_total") == "true" and self.with_totals:
            body["total_count"] = len(rows)
        return _json(body)


def _labelled(row: dict[str, Any]) -> dict[str, Any]:
    """A row as the API sends it without ``inter_num=1``: actor types as labels, the interaction as 'A-B'."""
    out = dict(row)
    for col in ("inter1", "inter2"):
        out[col] = INTER_LABELS.get(int(row[col]), "") if str(row[col]).isdigit() else row[col]
    if str(row["interaction"]).isdigit():
        out["interaction"] = "-".join(INTER_LABELS.get(int(d), d) for d in str(row["interaction"]))
    return out


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers or {}, content_type="application/json")
