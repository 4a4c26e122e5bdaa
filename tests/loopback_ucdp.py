"""A loopback UCDP API for tests: ``GET /api/gedevents/<version>`` with synthetic GED events.

What it implements, and from where (addresses in docs/events-ucdp.md):

* versioned resource ``/api/gedevents/<version>`` for GED (``24.1``) and Candidate (``25.0.1``) releases
  (UCDP API documentation: every call names a version);
* ``x-ucdp-access-token`` header (UCDP API documentation: token required since February 2026): 401 without it.
  **Unverified**: the status for a wrong token; this server answers 403;
* ``pagesize`` and ``page`` query parameters, pages numbered from 0; the JSON envelope ``TotalCount``,
  ``TotalPages``, ``PreviousPageUrl``, ``NextPageUrl`` (empty on the last page), ``Result``. **Unverified**: the
  0-based numbering and the empty NextPageUrl on the last page come from an API response example published by a
  third party (apis.io), not from UCDP's text; the maximum page size of 1000 from API clients;
* filters ``StartDate``/``EndDate`` (YYYY-MM-DD) and ``Country`` (comma-separated Gleditsch-Ward codes).
  **Unverified**: which date the API compares; this server keeps events whose ``date_start`` day lies in the range.

The events are synthetic (field names and value shapes of GED; ids, places and numbers invented).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from realpolitik.events.source_formats import UCDP_GED_COLUMNS

TOKEN = "ucdp-test-token-1234"


def ged_event(eid: int, day: str = "2021-03-01", *, country_id: int = 770, **over: Any) -> dict[str, Any]:
    """One synthetic event as the API returns it (JSON types: numbers as numbers, dates with a 'T')."""
    ev: dict[str, Any] = dict.fromkeys(UCDP_GED_COLUMNS)
    ev.update(
        id=eid, relid=f"PAK-2021-1-{eid}", year=int(day[:4]), active_year=True, code_status="Clear",
        type_of_violence=1, conflict_name="Pakistan: Government", dyad_name="Government of Pakistan - TTP",
        side_a="Government of Pakistan", side_b="TTP", number_of_sources=2, source_article="Synthetic Wire",
        source_office="SW", where_prec=2, where_coordinates="Miran Shah", adm_1="Khyber Pakhtunkhwa",
        latitude=33.0 + eid / 1000, longitude=70.07, country="Pakistan", country_id=country_id, region="Asia",
        date_prec=1, date_start=f"{day}T00:00:00", date_end=f"{day}T00:00:00", deaths_a=1, deaths_b=eid % 5,
        deaths_civilians=0, deaths_unknown=0, best=1 + eid % 5, low=1, high=3 + eid % 7, gwnoa="770", gwnob=None,
    )  # fmt: skip
    ev.update(over)
    return ev


@dataclass
class Ucdp:
    """The server's state: events per version, one-shot faults per (version, page), and a log of requests."""

    versions: dict[str, list[dict[str, Any]]]
    token: str = TOKEN
    faults: dict[tuple[str, int], list[str]] = field(default_factory=lambda: defaultdict(list))
    next_host: str | None = None  # write NextPageUrl for another host (the fetcher must not follow it)
    log: list[dict[str, str]] = field(default_factory=list)
    base: str = ""

    def fault(self, version: str, page: int, *kinds: str) -> None:
        """Queue faults for a page, served in order before the real answer: '429', '500', 'short'."""
        self.faults[(version, page)].extend(kinds)

    def pages_served(self) -> list[tuple[str, str]]:
        return [(r["version"], r.get("page", "")) for r in self.log if r.get("status") == "200"]

    def handle(self, request: Request) -> Response:
        version = request.path.rstrip("/").rsplit("/", 1)[-1]
        entry = {"version": version, **dict(request.args)}
        entry["token"] = request.headers.get("x-ucdp-access-token", "")
        self.log.append(entry)
        resp = self._answer(request, version)
        entry["status"] = str(resp.status_code)
        return resp

    def _answer(self, request: Request, version: str) -> Response:
        token = request.headers.get("x-ucdp-access-token")
        if token is None:
            return Response("API token required. Add header: x-ucdp-access-token", 401)
        if token != self.token:
            return Response("Invalid API token", 403)
        if version not in self.versions:
            return Response(f"No such version {version}", 404)
        size = min(int(request.args.get("pagesize", "100")), 1000)
        page = int(request.args.get("page", "0"))
        events = self._filtered(self.versions[version], request.args)
        queued = self.faults.get((version, page))
        fault = queued.pop(0) if queued else None
        if fault == "429":
            return Response("slow down", 429, headers={"Retry-After": "1"})
        if fault == "500":
            return Response("oops", 500)
        chunk = events[page * size : (page + 1) * size]
        if fault == "short":
            chunk = chunk[:-1]
        pages = math.ceil(len(events) / size)
        args = {k: v for k, v in request.args.items() if k != "page"}

        def url(n: int) -> str:
            host = self.next_host or self.base
            return f"{host}/api/gedevents/{version}?{urlencode({**args, 'page': n})}"

        body = {
            "TotalCount": len(events),
            "TotalPages": pages,
            "PreviousPageUrl": url(page - 1) if page > 0 else "",
            "NextPageUrl": url(page + 1) if page + 1 < pages else "",
            "Result": chunk,
        }
        return Response(json.dumps(body), 200, content_type="application/json")

    @staticmethod
    def _filtered(events: list[dict[str, Any]], args: Any) -> list[dict[str, Any]]:
        start, end = args.get("StartDate"), args.get("EndDate")
        countries = {int(c) for c in args.get("Country", "").split(",") if c}
        out = []
        for ev in events:
            day = str(ev["date_start"])[:10]
            if (start and day < start) or (end and day > end):
                continue
            if countries and ev["country_id"] not in countries:
                continue
            out.append(ev)
        return out

    def install(self, server: HTTPServer) -> None:
        import re

        self.base = server.url_for("/").rstrip("/")
        server.expect_request(re.compile(r"^/api/gedevents/[0-9.]+/?$")).respond_with_handler(self.handle)
