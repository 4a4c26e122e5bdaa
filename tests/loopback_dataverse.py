"""A loopback Harvard Dataverse for tests, serving synthetic POLECAT weekly files.

**The POLECAT rows are synthetic.** POLECAT's licence (research and educational use only, copyright Leidos) keeps
real rows out of the repository, so :func:`polecat_file` builds rows from the documented column list
(``source_formats.POLECAT_COLUMNS``, taken second-hand from published loaders of the weekly files; see
docs/events-polecat.md). Values are invented and only shaped like the real ones (ISO3 countries, PLOVER event
types in capitals, quad labels, ``None`` for missing values).

What the server implements, and from where (addresses in docs/events-polecat.md):

* ``GET /api/datasets/:persistentId/?persistentId=doi:...``: the dataset as JSON, ``{"status": "OK", "data":
  {"latestVersion": {"files": [{"label", "dataFile": {"id", "filename", "filesize", "md5", "checksum"}}]}}}``
  (Dataverse Native API guide; field names as in rclone's Dataverse backend, which reads this response).
* ``GET /api/access/datafile/{id}``: the file's bytes (Dataverse Data Access API guide, "Basic File Access").
* ``X-Dataverse-key`` header: the API token (Dataverse API guide, Authentication). **Unverified**: whether Harvard
  Dataverse refuses anonymous reads of POLECAT with 401 or 403; this server answers 401 without the header and
  403 with a wrong token, as the guide describes for restricted content.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from realpolitik.events.source_formats import POLECAT_COLUMNS

TOKEN = "dv-test-token-0000"
DOI = "doi:10.7910/DVN/AJGVIT"


def polecat_row(event_id: str, *, date: str = "2023-01-04", **over: str) -> dict[str, str]:
    """One synthetic POLECAT event (column name -> value); ``over`` replaces values (keys with '_' for ' ')."""
    row = dict.fromkeys(POLECAT_COLUMNS, "None")
    row.update(
        {
            "Event ID": event_id,
            "Event Date": date,
            "Event Type": "ASSAULT",
            "Event Mode": "aerial",
            "Intensity": "-8.0",
            "Quad Code": "MATERIAL CONFLICT",
            "Contexts": "military",
            "Actor Name": "Pakistan Armed Forces",
            "Actor Country": "PAK",
            "Actor COW": "770",
            "Primary Actor Sector": "MIL",
            "Actor Sectors": "MIL; GOV",
            "Recipient Name": "Tehrik-i-Taliban Pakistan",
            "Recipient Country": "PAK",
            "Primary Recipient Sector": "REB",
            "Recipient Sectors": "REB",
            "Placename": "Miran Shah",
            "City": "Miran Shah",
            "Province": "Khyber Pakhtunkhwa",
            "Country": "PAK",
            "Latitude": "33.0",
            "Longitude": "70.07",
            "Source": "Synthetic Wire",
            "Publication Date": date,
            "Language": "en",
            "Version": "1.0",
        }
    )
    row.update({k.replace("_", " "): v for k, v in over.items()})
    return row


def polecat_line(row: dict[str, str], columns: list[str], *, trailing_tab: bool = False) -> str:
    return "\t".join(row.get(c, "None") for c in columns) + ("\t" if trailing_tab else "")


def header(*, intensity: str = "Intensity", extra: tuple[str, ...] = ()) -> list[str]:
    """The column list with ``Intensity`` under the name a release used, and extra columns appended."""
    return [intensity if c == "Intensity" else c for c in POLECAT_COLUMNS] + list(extra)


def quirky_file() -> tuple[bytes, dict[str, int]]:
    """A weekly file with every known quirk, and the counts ingest must report for it.

    Header: ``Event Intensity`` (the later name of ``Intensity``) and an extra ``Headline`` column, given twice at
    the top and once more in the middle (files concatenated with their headers). Data lines (8): ev-1, ev-2 (with a
    trailing tab), ev-3, ev-1 again (the same event from another story), ev-4 with a bad date, ev-5 with two stray
    fields, ev-6 with ``None`` values, ev-2 again with a trailing tab. So 8 rows read = 4 loaded (ev-1, ev-2, ev-3,
    ev-6) + 2 duplicates + 2 rejected (bad date; too many columns).
    """
    cols = header(intensity="Event Intensity", extra=("Headline",))
    cols_native = header(extra=("Headline",))

    def line(row: dict[str, str], **kw: bool) -> str:
        row = {**row, "Headline": f"Headline of {row['Event ID']}"}
        return polecat_line(row, cols_native, **kw)

    head = "\t".join(cols)
    lines = [
        head,
        head,
        line(polecat_row("ev-1")),
        line(
            polecat_row("ev-2", date="2023-01-05", Event_Type="PROTEST", Quad_Code="VERBAL CONFLICT"), trailing_tab=True
        ),
        head,
        line(polecat_row("ev-3", Event_Type="CONSULT", Quad_Code="VERBAL COOPERATION", Intensity="3.5")),
        line(polecat_row("ev-1", Source="Another Wire")),
        line(polecat_row("ev-4", date="2023-13-45")),
        line(polecat_row("ev-5")) + "\tstray\tfields",
        line(polecat_row("ev-6", Actor_Country="None", Recipient_Name="None", Latitude="None")),
        line(polecat_row("ev-2", date="2023-01-05", Event_Type="PROTEST"), trailing_tab=True),
    ]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    return data, {"rows_read": 8, "loaded": 4, "duplicates": 2, "rejected": 2}


def plain_file(ids: list[str], *, date: str = "2023-01-04") -> bytes:
    """A weekly file in the first releases' layout (``Intensity``, no extra columns)."""
    cols = header()
    lines = ["\t".join(cols)] + [polecat_line(polecat_row(i, date=date), cols) for i in ids]
    return ("\n".join(lines) + "\n").encode("utf-8")


@dataclass
class DataverseFile:
    id: int
    filename: str
    data: bytes
    md5_override: str | None = None

    def entry(self) -> dict[str, Any]:
        md5 = self.md5_override or hashlib.md5(self.data).hexdigest()
        return {
            "label": self.filename,
            "restricted": False,
            "dataFile": {
                "id": self.id,
                "filename": self.filename,
                "contentType": "text/plain",
                "filesize": len(self.data),
                "md5": md5,
                "checksum": {"type": "MD5", "value": md5},
            },
        }


@dataclass
class Dataverse:
    """The loopback server's state: the listed files and every request seen (for assertions)."""

    files: list[DataverseFile]
    token: str = TOKEN
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def downloads(self) -> list[str]:
        return [path for _, path, _ in self.requests if path.startswith("/api/access/datafile/")]

    def _auth(self, request: Request) -> Response | None:
        key = request.headers.get("X-Dataverse-key")
        if key is None:
            return Response(
                json.dumps({"status": "ERROR", "message": "Bad api key"}), 401, content_type="application/json"
            )
        if key != self.token:
            return Response(
                json.dumps({"status": "ERROR", "message": "Bad api key"}), 403, content_type="application/json"
            )
        return None

    def dataset(self, request: Request) -> Response:
        self.requests.append(("GET", request.path, dict(request.args)))
        denied = self._auth(request)
        if denied is not None:
            return denied
        if request.args.get("persistentId") != DOI:
            return Response(
                json.dumps({"status": "ERROR", "message": "not found"}), 404, content_type="application/json"
            )
        body = {"status": "OK", "data": {"id": 1, "latestVersion": {"files": [f.entry() for f in self.files]}}}
        return Response(json.dumps(body), 200, content_type="application/json")

    def datafile(self, request: Request) -> Response:
        self.requests.append(("GET", request.path, dict(request.args)))
        denied = self._auth(request)
        if denied is not None:
            return denied
        file_id = int(request.path.rstrip("/").rsplit("/", 1)[-1])
        for f in self.files:
            if f.id == file_id:
                return Response(f.data, 200, content_type="text/tab-separated-values")
        return Response("not found", 404)

    def install(self, server: HTTPServer) -> None:
        import re

        server.expect_request(re.compile(r"^/api/datasets/:persistentId/?$")).respond_with_handler(self.dataset)
        server.expect_request(re.compile(r"^/api/access/datafile/\d+/?$")).respond_with_handler(self.datafile)
