"""Request guards for the web app, as one small ASGI middleware (runs before any route sees the request).

Why these and not more: the server is meant for one analyst's machine. Loopback without a token must still
resist a hostile web page in the same browser (DNS rebinding: the Host header must be a loopback name;
cross-site form posts: an Origin that differs from Host is refused). Anywhere else, a token is checked on
every request (header, or a cookie set when the dashboard is opened with ``?token=``). Bodies are capped so an
upload cannot fill memory.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "realpolitik_token"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodyTooLargeError(Exception):
    """The request body passed the size limit while it was being read."""


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


def host_name(host_header: str) -> str:
    """``127.0.0.1:8000`` -> ``127.0.0.1``; ``[::1]:8000`` -> ``::1``."""
    return urlsplit("//" + host_header).hostname or ""


class Guard:
    """Token, Host/Origin and body-size checks on every HTTP request."""

    def __init__(self, app: ASGIApp, *, token: str | None, max_body: int) -> None:
        self.app = app
        self.token = token
        self.max_body = max_body

    def _token_ok(self, headers: dict[str, str], query: str) -> tuple[bool, bool]:
        """(authorised, came from the query string: set the cookie)."""
        assert self.token is not None
        expected = self.token.encode()
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and hmac.compare_digest(auth[7:].strip().encode(), expected):
            return True, False
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header is simply no cookie
            cookie = SimpleCookie()
        if COOKIE in cookie and hmac.compare_digest(cookie[COOKIE].value.encode(), expected):
            return True, False
        given = parse_qs(query).get("token", [""])[0]
        if given and hmac.compare_digest(given.encode(), expected):
            return True, True
        return False, False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        set_cookie = False
        if self.token is None:
            if host_name(headers.get("host", "")) not in LOOPBACK_NAMES:
                await send_error(send, 403, "this server answers only to loopback host names (start it with a token)")
                return
        else:
            ok, set_cookie = self._token_ok(headers, scope.get("query_string", b"").decode("latin-1"))
            if not ok:
                await send_error(send, 401, "a valid token is required", [(b"www-authenticate", b"Bearer")])
                return
        origin = headers.get("origin")
        if scope["method"] in UNSAFE and origin and urlsplit(origin).netloc != headers.get("host", ""):
            await send_error(send, 403, "cross-origin requests are not accepted")
            return
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await send_error(send, 413, f"request body over the limit of {self.max_body} bytes")
            return
        await self._forward(scope, receive, send, set_cookie)

    async def _forward(self, scope: Scope, receive: Receive, send: Send, set_cookie: bool) -> None:
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                ]
                if set_cookie and self.token is not None:
                    extra.append(
                        (b"set-cookie", f"{COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/".encode("latin-1"))
                    )
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLargeError:
            if not started:
                await send_error(send, 413, f"request body over the limit of {self.max_body} bytes")
