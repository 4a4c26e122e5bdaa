"""HTTP for every fetch source: a client, GET/POST with retries, streamed listings and verified downloads.

Why a module of its own: the guarantees users rely on (429/5xx and dropped connections are retried with backoff
and Retry-After; no request or retry wait passes the fetch deadline; a download is complete and verified before
anything uses it; secrets never appear in output) must hold for every source, so each source calls these functions
rather than talking to ``httpx`` itself. Only the source modules import this one, so ``httpx`` loads only when a
fetch runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import stamina

from .request import Deadline, FetchError

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


def safe_url(url: str | httpx.URL) -> str:
    """``url`` with user info dropped and secret-looking query values replaced by ``***``: what we may print."""
    parts = urlsplit(str(url))
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = urlencode(
        [(k, "***" if SECRET_PARAM.search(k) else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)],
        safe="*",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


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
