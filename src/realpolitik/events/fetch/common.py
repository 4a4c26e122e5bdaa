"""What every ``realpolitik events fetch`` source shares: requests with retries, verified downloads, credentials,
the per-unit account, and the ``fetch_state`` bookkeeping that makes a fetch resumable and idempotent.

Why one module: the guarantees users rely on (a download is complete and verified before anything reaches the
workspace; 429/5xx and dropped connections are retried with backoff and Retry-After; a fetch stops at its deadline;
secrets never appear in output) must hold for every source, so each source module calls these functions rather
than talking to ``httpx`` itself.

Rows reach the workspace only through :func:`load_file`, i.e. :func:`realpolitik.events.ingest.ingest_file`: one
transaction per file, a file with a known SHA-256 skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import random
import re
import stat
import time
import tomllib
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import stamina

from ..errors import EventsError

if TYPE_CHECKING:
    import duckdb

    from ..ingest import FileReport

MAX_PARALLEL = 16
"""Upper bound on ``--parallel``: more concurrent downloads than this only invites 429s from public servers."""
MAX_ATTEMPTS = 6
"""Attempts per request (the first plus five retries) for transport errors, 429 and 5xx."""
RETRY_AFTER_MAX_S = 300.0
"""A server's Retry-After is honoured up to this many seconds; a longer one is waited for only this long."""
WAIT_INITIAL_S = 1.0
"""First exponential backoff (then 2 s, 4 s, ... plus up to 1 s jitter, at most :data:`WAIT_MAX_S`)."""
WAIT_MAX_S = 60.0
WAIT_JITTER_S = 1.0
MAX_DOWNLOAD_BYTES = 4 * 1024**3
"""A download larger than this is refused (a server sending an endless body must not fill the disk)."""
CHUNK_BYTES = 1 << 16

SECRET_PARAM = re.compile(r"key|token|secret|passw|auth|email|session|signature|^code$", re.IGNORECASE)
"""Query parameters whose values are replaced by ``***`` in every URL we print (:func:`safe_url`)."""

Progress = Callable[[int, int, str], None]
"""``progress(done, total, label)``: called after each unit with the number of units finished so far."""


class FetchError(EventsError):
    """A fetch problem, printed as one line: ``file`` is the URL (secrets removed) or the parameter name.

    ``exit_status`` is 2 for bad input (an option, a credentials file) and 1 for a source that could not be
    reached or answered wrongly (the input was fine; a rerun may succeed)."""

    def __init__(self, message: str, *, file: str | None = None, exit_status: int = 2) -> None:
        super().__init__(message, file=file)
        self.exit_status = exit_status


@dataclass(frozen=True)
class FetchRequest:
    """What to fetch. Dates are inclusive days (UTC for sources that publish timestamps)."""

    source: str
    workspace: Path
    start: dt.date
    end: dt.date
    base_url: str | None = None
    countries: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    mentions: bool = False
    dry_run: bool = False
    cache_dir: Path | None = None
    parallel: int = 4
    timeout_s: float = 3600.0
    credentials: Path | None = None


@dataclass
class AccountRow:
    """One fetched unit (a file, a page, a window): what was downloaded and what became of its rows.

    ``status``: ``loaded`` (ingested now), ``skipped`` (loaded by an earlier fetch), ``planned`` (``--dry-run``),
    ``failed`` (``message`` says why; nothing of it was loaded)."""

    unit: str
    status: str
    bytes: int = 0
    rows: int = 0
    loaded: int = 0
    duplicates: int = 0
    rejected: int = 0
    updated: int = 0
    deleted: int = 0
    message: str = ""


ACCOUNT_NUMBERS = ("bytes", "rows", "loaded", "duplicates", "rejected", "updated", "deleted")


@dataclass
class FetchResult:
    """The accounting of one fetch: a row per unit, in the order the units were listed."""

    source: str
    rows: list[AccountRow]
    dry_run: bool
    notes: list[str] = field(default_factory=list)

    def totals(self) -> AccountRow:
        total = AccountRow("total", self.summary())
        for name in ACCOUNT_NUMBERS:
            setattr(total, name, sum(getattr(r, name) for r in self.rows))
        return total

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for r in self.rows:
            counts[r.status] = counts.get(r.status, 0) + 1
        return ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing"

    @property
    def failed(self) -> list[AccountRow]:
        return [r for r in self.rows if r.status == "failed"]

    @property
    def exit_status(self) -> int:
        """0 when every unit was loaded, skipped or planned; 1 when any failed."""
        return 1 if self.failed else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "units": [{f.name: getattr(r, f.name) for f in fields(AccountRow)} for r in self.rows],
            "totals": {f.name: getattr(self.totals(), f.name) for f in fields(AccountRow)},
            "notes": list(self.notes),
        }


class Deadline:
    """The overall time limit of a fetch (``--timeout``): every request and retry wait is bounded by it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = float(seconds)
        self._end = time.monotonic() + self.seconds

    def remaining(self) -> float:
        return max(0.0, self._end - time.monotonic())

    def passed(self) -> bool:
        return self.remaining() <= 0.0

    def check(self, what: str) -> None:
        if self.passed():
            raise FetchError(f"the fetch deadline ({self.seconds:g} s, --timeout) passed", file=what, exit_status=1)


# --- URLs, paths ----------------------------------------------------------------------------------------------------


def safe_url(url: str | httpx.URL) -> str:
    """``url`` with user info dropped and secret-looking query values replaced by ``***``: what we may print."""
    parts = urlsplit(str(url))
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = urlencode(
        [(k, "***" if SECRET_PARAM.search(k) else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)],
        safe="*",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _xdg(var: str, fallback: str) -> Path:
    value = os.environ.get(var, "")
    return Path(value) if value and Path(value).is_absolute() else Path.home() / fallback


def default_cache_dir(source: str) -> Path:
    """``$XDG_CACHE_HOME/realpolitik/<source>`` (``~/.cache/realpolitik/<source>``)."""
    return _xdg("XDG_CACHE_HOME", ".cache") / "realpolitik" / source


def base_url(request: FetchRequest, default: str) -> str:
    """``--base-url`` (or the source's ``default``) as a folder URL ending in ``/``; anything but http(s) is refused."""
    base = request.base_url or default
    if not base.startswith(("http://", "https://")):
        raise FetchError(f"not an http(s) URL: {base!r}", file="--base-url")
    return base if base.endswith("/") else base + "/"


def default_credentials_path() -> Path:
    """``$XDG_CONFIG_HOME/realpolitik/credentials.toml`` (``~/.config/realpolitik/credentials.toml``)."""
    return _xdg("XDG_CONFIG_HOME", ".config") / "realpolitik" / "credentials.toml"


# --- requests with retries --------------------------------------------------------------------------------------------


class _RedactURLs(logging.Filter):
    """httpx logs each request's full URL at INFO; query strings may carry keys, so they pass through
    :func:`safe_url` before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(safe_url(a) if isinstance(a, httpx.URL) else a for a in record.args)
        return True


_REDACT = _RedactURLs()


def http_client(base_url: str, *, headers: dict[str, str] | None = None, timeout: float = 60.0) -> httpx.Client:
    """An ``httpx.Client`` for one source: redirects followed, a per-request ``timeout`` (each request is further
    cut to the fetch deadline), a User-Agent naming realpolitik, and httpx's request log stripped of secrets."""
    from ... import __version__

    logging.getLogger("httpx").addFilter(_REDACT)  # a set: adding it again changes nothing

    merged = {"User-Agent": f"realpolitik/{__version__} (events fetch)", **(headers or {})}
    return httpx.Client(base_url=base_url, headers=merged, timeout=timeout, follow_redirects=True)


class _TransientError(Exception):
    """A failure worth retrying (429, 5xx, a dropped connection, a truncated body). Its text is what stamina logs,
    so it carries the safe URL and the status, never headers or secrets."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110 section 10.2.3); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


class _Backoff:
    """stamina's ``on=`` hook: retry :class:`_TransientError` only, waiting the server's Retry-After (capped at
    :data:`RETRY_AFTER_MAX_S`) when it gave one, else exponential backoff with jitter; give up (``cut``) when the
    wait would pass the deadline, so a fetch never overruns ``--timeout`` by sleeping."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline
        self.retries = 0
        self.cut = False

    def __call__(self, exc: Exception) -> bool | float:
        if not isinstance(exc, _TransientError):
            return False
        self.retries += 1
        if exc.retry_after is not None:
            wait = min(exc.retry_after, RETRY_AFTER_MAX_S)
        else:
            wait = min(WAIT_MAX_S, WAIT_INITIAL_S * 2 ** (self.retries - 1) + random.uniform(0, WAIT_JITTER_S))
        if wait >= self.deadline.remaining():
            self.cut = True
            return False
        return wait


def _check_status(resp: httpx.Response, where: str) -> None:
    code = resp.status_code
    if code == 429 or code >= 500:
        raise _TransientError(f"{where}: HTTP {code}", retry_after_seconds(resp.headers.get("Retry-After")))
    if code >= 400:
        raise FetchError(f"HTTP {code} {resp.reason_phrase}".strip(), file=where, exit_status=1)


def _retrying(deadline: Deadline, what: str, attempt: Callable[[], httpx.Response]) -> httpx.Response:
    """Run ``attempt`` under stamina until it returns, turning the last transient failure into a FetchError."""
    deadline.check(what)
    last: _TransientError | None = None
    backoff = _Backoff(deadline)
    try:
        for retry in stamina.retry_context(on=backoff, attempts=MAX_ATTEMPTS, timeout=None):
            with retry:
                try:
                    return attempt()
                except httpx.TransportError as exc:  # its text may hold the URL: keep only the kind
                    last = _TransientError(f"{what}: {type(exc).__name__}")
                    raise last from None
    except _TransientError as exc:
        last = exc
    detail = last.message.split(": ", 1)[-1] if last else "no answer"
    if backoff.cut or deadline.passed():
        raise FetchError(
            f"{detail}; retrying would pass the fetch deadline (--timeout)", file=what, exit_status=1
        ) from None
    raise FetchError(f"{detail} (gave up after retries)", file=what, exit_status=1) from None


def _request(
    client: httpx.Client, method: str, url: str, *, deadline: Deadline, what: str | None, **kw: Any
) -> httpx.Response:
    where = what or safe_url(client.build_request(method, url, params=kw.get("params")).url)

    def attempt() -> httpx.Response:
        deadline.check(where)
        timeout = min(deadline.remaining(), client.timeout.read or 60.0)
        resp = client.request(method, url, timeout=timeout, **kw)
        _check_status(resp, where)
        return resp

    return _retrying(deadline, where, attempt)


def get(
    client: httpx.Client,
    url: str,
    *,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    deadline: Deadline,
    what: str | None = None,
) -> httpx.Response:
    """GET with retries: transport errors, 429 and 5xx are retried (exponential backoff, or the server's
    Retry-After up to :data:`RETRY_AFTER_MAX_S`), at most :data:`MAX_ATTEMPTS` times and never past ``deadline``;
    another 4xx raises :class:`FetchError` naming the status. ``what`` names the request in messages (default: the
    URL with secrets removed)."""
    return _request(client, "GET", url, params=params, headers=headers, deadline=deadline, what=what)


def post(
    client: httpx.Client,
    url: str,
    *,
    data: dict[str, Any] | None = None,
    json: Any = None,
    headers: dict[str, str] | None = None,
    deadline: Deadline,
    what: str | None = None,
) -> httpx.Response:
    """POST with the retry rules of :func:`get` (for token endpoints and search APIs)."""
    return _request(client, "POST", url, data=data, json=json, headers=headers, deadline=deadline, what=what)


def fetch_lines(
    client: httpx.Client,
    url: str,
    *,
    keep: Callable[[str], bool],
    max_bytes: int,
    deadline: Deadline,
    what: str | None = None,
) -> list[str]:
    """The lines of a (large) text listing for which ``keep`` is true, streamed with the retry rules of
    :func:`get`: nothing but the kept lines is held in memory or written anywhere. A body over ``max_bytes`` is
    refused; one shorter than its Content-Length is retried."""
    where = what or safe_url(client.build_request("GET", url).url)
    kept: list[str] = []

    def attempt() -> httpx.Response:
        deadline.check(where)
        kept.clear()
        timeout = min(deadline.remaining(), client.timeout.read or 60.0)
        with client.stream("GET", url, timeout=timeout) as resp:
            _check_status(resp, where)
            got = 0
            for line in resp.iter_lines():
                got += len(line) + 1
                if got > max_bytes + 1:
                    raise FetchError(f"listing larger than {max_bytes} bytes", file=where, exit_status=1)
                if keep(line):
                    kept.append(line)
            declared = resp.headers.get("Content-Length")
            if declared and declared.isdigit() and resp.num_bytes_downloaded < int(declared):
                raise _TransientError(f"{where}: truncated body ({resp.num_bytes_downloaded} of {declared} bytes)")
            return resp

    _retrying(deadline, where, attempt)
    return kept


# --- verified downloads ----------------------------------------------------------------------------------------------


def file_md5(path: Path) -> str:
    md5 = hashlib.md5()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            md5.update(chunk)
    return md5.hexdigest()


def verified(path: Path, *, size: int | None, md5: str | None) -> bool:
    """True when ``path`` exists and matches the given size and MD5, at least one of which is given."""
    if (size is None and md5 is None) or not path.is_file():
        return False
    if size is not None and path.stat().st_size != size:
        return False
    return md5 is None or file_md5(path) == md5.lower()


def download(
    client: httpx.Client,
    url: str,
    dest: Path,
    *,
    size: int | None = None,
    md5: str | None = None,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    deadline: Deadline,
    what: str | None = None,
) -> Path:
    """Download ``url`` to ``dest``, complete and verified, or raise :class:`FetchError`.

    The body streams to a hidden ``.part`` file beside ``dest`` and is renamed into place only after its size and
    MD5 (when given) match, so ``dest`` is never a partial file. A body shorter than ``size`` (or than its
    Content-Length) is retried like a dropped connection; a wrong MD5 is not retried (``md5 mismatch``); a body
    longer than ``size`` or ``max_bytes`` is refused. A ``dest`` already present and matching ``size``/``md5`` is
    kept without a request (how an interrupted fetch resumes)."""
    dest = Path(dest)
    if verified(dest, size=size, md5=md5):
        return dest
    where = what or safe_url(client.build_request("GET", url).url)
    if size is not None and size > max_bytes:
        raise FetchError(f"listed size {size} bytes exceeds the limit of {max_bytes}", file=where, exit_status=1)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(f".{dest.name}.part")
    digest: list[str] = []

    def attempt() -> httpx.Response:
        deadline.check(where)
        timeout = min(deadline.remaining(), client.timeout.read or 60.0)
        with client.stream("GET", url, timeout=timeout) as resp:
            _check_status(resp, where)
            digest[:] = [_stream_to(resp, part, size=size, max_bytes=max_bytes, where=where)]
            return resp

    try:
        _retrying(deadline, where, attempt)
        if md5 is not None and digest[0] != md5.lower():
            raise FetchError(f"md5 mismatch: got {digest[0]}, the list says {md5.lower()}", file=where, exit_status=1)
        os.replace(part, dest)
    finally:
        part.unlink(missing_ok=True)
    return dest


def _stream_to(resp: httpx.Response, part: Path, *, size: int | None, max_bytes: int, where: str) -> str:
    """Write the body to ``part``; return its MD5. Short bodies are :class:`_TransientError` (retried)."""
    limit = min(max_bytes, size) if size is not None else max_bytes
    declared = resp.headers.get("Content-Length")
    md5 = hashlib.md5()
    got = 0
    with open(part, "wb") as fh:
        for chunk in resp.iter_bytes(CHUNK_BYTES):
            got += len(chunk)
            if got > limit:
                expected = f"the listed {size}" if size is not None and size <= max_bytes else f"the limit {max_bytes}"
                raise FetchError(f"body longer than {expected} bytes", file=where, exit_status=1)
            md5.update(chunk)
            fh.write(chunk)
    if (size is not None and got < size) or (declared and declared.isdigit() and got < int(declared)):
        raise _TransientError(f"{where}: truncated body ({got} of {size if size is not None else declared} bytes)")
    return md5.hexdigest()


# --- credentials -----------------------------------------------------------------------------------------------------


def credential(key: str, *, env: str, path: Path | None) -> str | None:
    """A secret for ``key``: the environment variable ``env`` first, then the TOML config file ``path`` (default
    :func:`default_credentials_path`), ``key = "value"`` (``section.key`` for a table). None when neither has it.

    The file is refused unless only its owner may read it (mode 0600 or stricter): a secret readable by others is
    already leaked. Values are never put in messages."""
    value = os.environ.get(env, "")
    if value:
        return value
    path = Path(path) if path is not None else default_credentials_path()
    if not path.is_file():
        return None
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise FetchError(
            f"credentials file is mode {mode:04o}; it must be readable by its owner only (chmod 600)",
            file=str(path),
        )
    try:
        data: Any = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:  # tomllib's message gives line and column, never the text
        raise FetchError(f"not valid TOML ({exc})", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FetchError(f"cannot read credentials file ({type(exc).__name__})", file=str(path)) from None
    for part in key.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    if data is None:
        return None
    if not isinstance(data, str):
        raise FetchError(f"{key}: expected a string", file=str(path))
    return data or None


def required_credential(key: str, *, env: str, path: Path | None, need: str) -> str:
    """:func:`credential`, or a :class:`FetchError` naming ``env`` that says what is needed (``need``) and where
    to put it."""
    value = credential(key, env=env, path=path)
    if not value:
        raise FetchError(f"{need}; set {env} or {key} in the credentials file", file=env)
    return value


# --- the workspace side ----------------------------------------------------------------------------------------------


def load_file(con: duckdb.DuckDBPyConnection, path: Path, fmt: str) -> FileReport:
    """Ingest a downloaded, verified file (one transaction; a file already ingested, same SHA-256, is skipped)."""
    from ..ingest import ingest_file

    return ingest_file(con, path, forced_format=fmt)


def done_units(con: duckdb.DuckDBPyConnection, source: str) -> set[str]:
    """Units of ``source`` recorded as loaded: what a rerun skips."""
    rows = con.execute("SELECT unit FROM fetch_state WHERE source = ? AND status = 'loaded'", [source]).fetchall()
    return {str(r[0]) for r in rows}


def already_loaded(workspace: Path, source: str) -> set[str]:
    """For ``--dry-run``: the units of ``source`` an existing workspace has loaded, read without writing anything
    (nothing for a missing workspace, or one from before ``fetch_state``)."""
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


def record_unit(
    con: duckdb.DuckDBPyConnection, source: str, unit: str, status: str, detail: str = "", rows: int = 0
) -> None:
    """Record (or replace) the state of one unit. ``detail`` must not hold secrets (it is stored)."""
    con.execute(
        "INSERT OR REPLACE INTO fetch_state (source, unit, status, detail, rows, fetched_at) "
        "VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP)",
        [source, unit, status, detail, rows],
    )


def row_from_report(unit: str, report: FileReport, nbytes: int) -> AccountRow:
    """The account row of a file that :func:`load_file` ingested (or skipped as already ingested)."""
    status = "loaded" if report.status in ("loaded", "skipped") else "failed"
    return AccountRow(
        unit,
        status,
        bytes=nbytes,
        rows=report.rows_read,
        loaded=report.loaded,
        duplicates=report.duplicates,
        rejected=report.rejected,
        message=report.message,
    )


# --- listed files: parallel downloads, ingested in order ------------------------------------------------------------


@dataclass(frozen=True)
class ListedDownload:
    """One file a source's listing names, as :func:`download_and_load` needs it.

    ``unit`` is its ``fetch_state`` unit, ``label`` its account row's unit (the unit with what a reader needs to
    recognise it), ``name`` what the progress line shows; ``url`` is relative to the client's base URL and
    ``cache_name`` the file name in the cache folder. ``note``, when given, prefixes the detail recorded in
    ``fetch_state`` (the file's name, where the unit is only an id)."""

    unit: str
    label: str
    name: str
    url: str
    cache_name: str
    size: int | None
    md5: str | None
    format: str
    note: str = ""


def download_and_load(
    client: httpx.Client,
    request: FetchRequest,
    source: str,
    files: Sequence[ListedDownload],
    deadline: Deadline,
    progress: Progress | None,
) -> list[AccountRow]:
    """Download the files the workspace has not loaded, ``request.parallel`` at a time, and ingest each in the
    listed order as soon as its download is done, so the workspace fills in a repeatable order while downloads
    overlap. Files loaded before are skipped rows; the account has one row per file, in the listed order."""
    from .. import store

    cache = request.cache_dir or default_cache_dir(source)
    con = store.connect(request.workspace)
    try:
        done = done_units(con, source)
        todo = [f for f in files if f.unit not in done]
        rows = {
            f.unit: AccountRow(f.label, "skipped", message="loaded by an earlier fetch")
            for f in files
            if f.unit in done
        }
        pool = ThreadPoolExecutor(max_workers=request.parallel, thread_name_prefix=f"realpolitik-{source}")
        try:
            futures = {
                f.unit: pool.submit(
                    download, client, f.url, cache / f.cache_name, size=f.size, md5=f.md5, deadline=deadline
                )
                for f in todo
            }
            for i, f in enumerate(todo, 1):
                rows[f.unit] = _load_download(con, source, f, futures[f.unit])
                if progress is not None:
                    progress(i, len(todo), f"{f.name} {rows[f.unit].status}")
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    finally:
        con.close()
    return [rows[f.unit] for f in files]


def _load_download(con: duckdb.DuckDBPyConnection, source: str, f: ListedDownload, future: Future[Path]) -> AccountRow:
    """Ingest one verified download and record it; a failed download or ingest is a failed row, nothing loaded."""
    try:
        path = future.result()
        report = load_file(con, path, f.format)
    except EventsError as exc:
        message = exc.message if isinstance(exc, FetchError) else str(exc)
        record_unit(con, source, f.unit, "failed", message)
        return AccountRow(f.label, "failed", message=message)
    row = row_from_report(f.label, report, f.size or path.stat().st_size)
    detail = f"{f.note}: {report.message}".rstrip(": ") if f.note else report.message
    record_unit(con, source, f.unit, row.status, detail, report.loaded)
    return row
