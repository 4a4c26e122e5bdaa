"""Request guards for the web app, as one small ASGI middleware (runs before any route sees the request).

Why these and not more: the server is meant for one analyst's machine. Loopback without a token must still
resist a hostile web page in the same browser (DNS rebinding: the Host header must be a loopback name;
cross-site form posts: an Origin that differs from Host is refused). Anywhere else, a token is checked on
every request: an ``Authorization: Bearer`` header, or the HttpOnly, SameSite=Strict cookie that the login page
(``/login``) sets. A token is never taken from a URL (it would land in browser history, proxies and logs), and
credentials in a URL are blanked before the access log sees it. Bodies are capped so an upload cannot fill
memory or disk: a declared ``Content-Length`` over the cap is refused at once, a chunked body as soon as its
bytes pass the cap, both 413. Expensive requests are counted per client (:class:`RateLimiter`) and refused
with 429 and ``Retry-After`` past their limit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "realpolitik_token"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOGIN_PATH = "/login"
OPEN_PATHS = frozenset({LOGIN_PATH, "/static/app.css"})
"""Paths answered without a token: the login page and its style sheet."""
PAGES = frozenset({"/", "/docs", "/edit"})
"""Pages a browser opens; without a token they redirect to the login page instead of answering 401."""

TOKEN_BYTES = 32
"""Random bytes in a token made by ``realpolitik serve --new-token`` (43 characters of base64url)."""
MIN_TOKEN_CHARS = 22
"""The shortest token accepted: 16 random bytes written in base64url take 22 characters (hex takes 32)."""
MIN_TOKEN_DISTINCT = 8
"""A token must use at least this many different characters (refuses ``aaaa…`` and ``abab…``)."""
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9._~+/=-]+$")
"""Characters a token may hold: those of base64, base64url and hex, all safe in a header and a cookie."""
CREDENTIAL_PARAMS = frozenset(
    {"token", "access_token", "auth", "authorization", "api_key", "apikey", "key", "password", "secret", "session"}
)
"""Query parameters blanked (``REDACTED``) before the request reaches the app or the access log."""
REDACTED = "REDACTED"


class TokenError(ValueError):
    """The token given to the server is too weak to guard it."""


def new_token() -> str:
    """A fresh token: :data:`TOKEN_BYTES` random bytes from the operating system, base64url."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def check_token(token: str) -> str:
    """``token`` if it is strong enough to guard a server on a network, else :class:`TokenError` saying why."""
    hint = "make one with `realpolitik serve --new-token`"
    if len(token) < MIN_TOKEN_CHARS:
        raise TokenError(
            f"the token has {len(token)} characters; at least {MIN_TOKEN_CHARS} are needed "
            f"(16 random bytes in base64url): {hint}"
        )
    if not TOKEN_PATTERN.match(token):
        raise TokenError(f"the token may hold only letters, digits and . _ ~ + / = -: {hint}")
    if len(set(token)) < MIN_TOKEN_DISTINCT:
        raise TokenError(f"the token repeats too few characters to be random: {hint}")
    return token


def client_key(scope: Scope) -> str:
    """Whom a request is counted against: the token it was authorised with (so every holder of the one token
    shares its limits), else the client's address."""
    key = scope.get("state", {}).get("client_key")
    if isinstance(key, str):
        return key
    client = scope.get("client")
    return "address:" + (str(client[0]) if client else "unknown")


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds for each (bucket, client), over a sliding window."""

    def __init__(self, limits: dict[str, tuple[int, float]]) -> None:
        self.limits = limits
        self._events: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.RLock()

    def wait(self, bucket: str, key: str, now: float | None = None) -> float:
        """Seconds until ``key`` may have one more ``bucket`` event (0: now)."""
        limit, window = self.limits[bucket]
        now = time.monotonic() if now is None else now
        with self._lock:
            events = self._events.setdefault((bucket, key), deque())
            while events and events[0] <= now - window:
                events.popleft()
            if len(events) < limit:
                return 0.0
            return max(events[0] + window - now, 0.001)

    def record(self, bucket: str, key: str, now: float | None = None) -> None:
        with self._lock:
            self._events.setdefault((bucket, key), deque()).append(time.monotonic() if now is None else now)

    def hit(self, bucket: str, key: str) -> float:
        """Count one event unless over the limit; the seconds to wait (0: counted)."""
        with self._lock:
            wait = self.wait(bucket, key)
            if wait == 0:
                self.record(bucket, key)
            return wait


def retry_after(seconds: float) -> str:
    """A ``Retry-After`` value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))


async def send_error(send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            + (headers or []),
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_redirect(send: Send, location: str) -> None:
    await send({"type": "http.response.start", "status": 303, "headers": [(b"location", location.encode())]})
    await send({"type": "http.response.body", "body": b""})


def host_name(host_header: str) -> str:
    """``127.0.0.1:8000`` -> ``127.0.0.1``; ``[::1]:8000`` -> ``::1``."""
    return urlsplit("//" + host_header).hostname or ""


def redact_url(scope: Scope, token: str | None) -> None:
    """Blank credentials in the request's URL, in place: the values of :data:`CREDENTIAL_PARAMS` and the
    server's token wherever it appears. The access log prints this same scope, so it never shows them."""
    query = scope.get("query_string", b"").decode("latin-1")
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k.lower() in CREDENTIAL_PARAMS for k, _ in pairs) or (token and token in query):
            pairs = [(k, REDACTED if k.lower() in CREDENTIAL_PARAMS else v) for k, v in pairs]
            query = urlencode(pairs)
            if token:
                query = query.replace(quote(token, safe=""), REDACTED).replace(token, REDACTED)
            scope["query_string"] = query.encode("latin-1")
    raw = scope.get("raw_path")
    if token and isinstance(raw, bytes) and token.encode() in raw:
        scope["raw_path"] = raw.replace(token.encode(), REDACTED.encode())


def token_matches(headers: dict[str, str], token: str) -> bool:
    """Whether the request carries ``token`` in its Authorization header or its cookie (never its URL)."""
    expected = token.encode()
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer ") and hmac.compare_digest(auth[7:].strip().encode(), expected):
        return True
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # a malformed cookie header is simply no cookie
        return False
    return COOKIE in cookie and hmac.compare_digest(cookie[COOKIE].value.encode(), expected)


class Guard:
    """Token, Host/Origin and body-size checks on every HTTP request."""

    def __init__(self, app: ASGIApp, *, token: str | None, max_body: int) -> None:
        self.app = app
        self.token = token
        self.max_body = max_body
        self.token_key = "token:" + hashlib.sha256(token.encode()).hexdigest()[:12] if token else None

    async def _refused(self, scope: Scope, headers: dict[str, str], send: Send) -> bool:
        """Answer (and return True) a request refused before the app sees it."""
        path, method = scope.get("path", ""), scope["method"]
        if self.token is None:
            if host_name(headers.get("host", "")) not in LOOPBACK_NAMES:
                await send_error(send, 403, "this server answers only to loopback host names (start it with a token)")
                return True
        elif path not in OPEN_PATHS and not token_matches(headers, self.token):
            if method == "GET" and path in PAGES:
                await send_redirect(send, LOGIN_PATH)
            else:
                await send_error(send, 401, "a valid token is required", [(b"www-authenticate", b"Bearer")])
            return True
        origin = headers.get("origin")
        if method in UNSAFE and origin and urlsplit(origin).netloc != headers.get("host", ""):
            await send_error(send, 403, "cross-origin requests are not accepted")
            return True
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await send_error(send, 413, f"request body over the limit of {self.max_body} bytes")
            return True
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        redact_url(scope, self.token)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if await self._refused(scope, headers, send):
            return
        if self.token_key is not None and token_matches(headers, self.token or ""):
            scope.setdefault("state", {})["client_key"] = self.token_key
        await self._forward(scope, receive, send)

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        seen = 0
        started = refused = False

        async def limited_receive() -> Message:
            """The body as sent; past the cap, a 413 goes out at once and the app is told the client left."""
            nonlocal seen, started, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    refused = True
                    if not started:
                        started = True
                        await send_error(send, 413, f"request body over the limit of {self.max_body} bytes")
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:  # the 413 has gone out; what the app answers to a vanished body is dropped
                return
            if message["type"] == "http.response.start":
                started = True
                message = dict(message)
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                ]
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


class ComputeLimit:
    """429 with ``Retry-After`` once a client passes its ``compute`` limit on the requests that run models
    (forecasts and figures; jobs have their own limits in the jobs route). Mounted inside :class:`Guard`, so a
    request is counted against the token it was authorised with."""

    RULES = (
        ("POST", re.compile(r"^/api/scenarios/[^/]+/forecast$")),
        ("GET", re.compile(r"^/api/scenarios/[^/]+/figures/[^/]+$")),
        ("GET", re.compile(r"^/api/jobs/[^/]+/figures/[^/]+$")),
    )

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and any(
            scope["method"] == m and rule.match(scope.get("path", "")) for m, rule in self.RULES
        ):
            wait = self.limiter.hit("compute", client_key(scope))
            if wait:
                limit = self.limiter.limits["compute"][0]
                message = f"over the limit of {limit} forecast and figure requests a minute for this client"
                await send_error(send, 429, message, [(b"retry-after", retry_after(wait).encode())])
                return
        await self.app(scope, receive, send)
