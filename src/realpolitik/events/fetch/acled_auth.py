"""ACLED's OAuth tokens: the password grant, the refresh grant, a token cache outside the workspace, and credentials.

Since September 2025 ACLED's API takes a bearer token from its OAuth endpoint ``POST /oauth/token`` (client id
``acled``; form fields ``grant_type=password``, ``username`` = the account's e-mail, ``password``), as ACLED's own
R client does (acledR ``acled_auth``) and ACLED's Power BI guide shows; the old access keys stopped working.

Why a cache: an access token lasts 24 hours and a refresh token 14 days (both UNVERIFIED: third-party reports of
ACLED's getting-started page), so a fetch a day needs the password at most every two weeks. The cache lives in
the fetch cache folder (never in the workspace), mode 0600, keyed by server and account so a loopback test never
meets a real token. Why hooks: a 401 from the API and a rejected grant from the token endpoint must be told apart
from other HTTP errors (which :mod:`.http` reports as one-line failures) without reading error texts.

Secrets (password, tokens) are never printed, logged, stored in the workspace or put in an exception.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from .credentials import credential
from .http import post
from .request import Deadline, FetchError

TOKEN_PATH = "/oauth/token"
CLIENT_ID = "acled"
ACCESS_LIFETIME_S = 24 * 3600
"""Used when the token answer lacks ``expires_in`` (UNVERIFIED lifetime, see the module docstring)."""
REFRESH_LIFETIME_S = 14 * 24 * 3600
"""How long a refresh token is assumed to last (UNVERIFIED; the token answer does not say). A refresh token the
server rejects earlier is dropped and the password grant used instead."""
EARLY_S = 60.0
"""A token is renewed this long (at most a tenth of its lifetime) before it expires, so it never dies mid-request."""

ENV_EMAIL = "REALPOLITIK_ACLED_EMAIL"
ENV_PASSWORD = "REALPOLITIK_ACLED_PASSWORD"
ENV_REFRESH = "REALPOLITIK_ACLED_REFRESH_TOKEN"
TOKEN_WHAT = "ACLED token endpoint"
TOKEN_FILE = "oauth-tokens.json"


class AuthError(FetchError):
    """No usable token (credentials missing or refused, the token endpoint unreachable): the whole fetch stops,
    since every later request would fail the same way."""


class UnauthorizedError(Exception):
    """The API answered 401: the access token was refused (expired or revoked)."""


class GrantRejectedError(Exception):
    """The token endpoint refused a grant (400/401). ``error`` is the OAuth error code, never the description."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(f"HTTP {status} {error}".strip())
        self.status = status
        self.error = error


def response_hook(response: httpx.Response) -> None:
    """httpx response hook: raise :class:`GrantRejectedError` for a refused grant and :class:`UnauthorizedError`
    for a 401 from the API, before :mod:`.http` turns them into generic failures."""
    code = response.status_code
    if response.request.url.path.endswith(TOKEN_PATH) and code in (400, 401):
        response.read()
        error = ""
        try:
            body = response.json()
            raw = body.get("error") if isinstance(body, dict) else None
            if isinstance(raw, str) and re.fullmatch(r"[a-z_]{1,40}", raw):
                error = raw  # an OAuth error code (RFC 6749 s. 5.2); the free-text description is never kept
        except ValueError:
            pass
        raise GrantRejectedError(code, error)
    if code == 401:
        raise UnauthorizedError()


@dataclass(frozen=True)
class Credentials:
    """What the user gave: e-mail and password, and/or a refresh token. ``repr`` shows which, never the values."""

    email: str | None
    password: str | None
    refresh_token: str | None

    def __repr__(self) -> str:
        given = [n for n in ("email", "password", "refresh_token") if getattr(self, n)]
        return f"Credentials(given={given})"

    @property
    def has_password(self) -> bool:
        return bool(self.email and self.password)


def load_credentials(config: Path | None) -> Credentials:
    """Environment variables first, then the config file: ``acled_email``, ``acled_password``,
    ``acled_refresh_token``, or the same names without the prefix in an ``[acled]`` table (the file is refused
    unless mode 0600, see :func:`.credentials.credential`)."""

    def one(name: str, env: str) -> str | None:
        return credential(f"acled_{name}", env=env, path=config) or credential(f"acled.{name}", env=env, path=config)

    creds = Credentials(one("email", ENV_EMAIL), one("password", ENV_PASSWORD), one("refresh_token", ENV_REFRESH))
    if not creds.has_password and not creds.refresh_token:
        raise AuthError(
            f"no ACLED credentials: set {ENV_EMAIL} and {ENV_PASSWORD} (or {ENV_REFRESH}), or acled_email and "
            "acled_password in the credentials file (mode 0600)",
            file="credentials",
        )
    return creds


@dataclass
class Tokens:
    access_token: str
    access_expires_at: float
    refresh_token: str | None
    refresh_expires_at: float

    def access_valid(self, now: float) -> bool:
        return bool(self.access_token) and now < self.access_expires_at

    def refresh_valid(self, now: float) -> bool:
        return bool(self.refresh_token) and now < self.refresh_expires_at


class TokenCache:
    """Tokens on disk (``<cache dir>/oauth-tokens.json``, mode 0600), one entry per server and account.

    A cache file readable by others is ignored (and replaced by a 0600 one): its tokens may already be leaked."""

    def __init__(self, cache_dir: Path, base_url: str, account: str) -> None:
        self.path = Path(cache_dir) / TOKEN_FILE
        self.key = hashlib.sha256(f"{base_url}\n{account}".encode()).hexdigest()[:24]

    def _all(self) -> dict[str, Any]:
        try:
            if stat.S_IMODE(self.path.stat().st_mode) & 0o077:
                return {}
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def load(self) -> Tokens | None:
        entry = self._all().get(self.key)
        if not isinstance(entry, dict):
            return None
        try:
            return Tokens(
                str(entry["access_token"]),
                float(entry["access_expires_at"]),
                str(entry["refresh_token"]) if entry.get("refresh_token") else None,
                float(entry["refresh_expires_at"]),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def save(self, tokens: Tokens | None) -> None:
        """Write (or with None remove) this entry; the file is created 0600 and replaced atomically."""
        data = self._all()
        if tokens is None:
            data.pop(self.key, None)
        else:
            data[self.key] = tokens.__dict__
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)


class TokenSession:
    """Hands out a valid access token: the cached one, else a refresh grant, else the password grant.

    An expired or rejected refresh token falls back to the password grant when e-mail and password are given;
    without them the fetch stops with one line naming the variables to set."""

    def __init__(
        self, client: httpx.Client, creds: Credentials, cache: TokenCache, deadline: Deadline, clock: Any = time.time
    ) -> None:
        self.client = client
        self.creds = creds
        self.cache = cache
        self.deadline = deadline
        self.clock = clock
        self.tokens = cache.load()

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token()}"}

    def access_token(self) -> str:
        now = self.clock()
        if self.tokens is not None and self.tokens.access_valid(now):
            return self.tokens.access_token
        for refresh in self._refresh_candidates(now):
            try:
                return self._grant({"grant_type": "refresh_token", "refresh_token": refresh})
            except GrantRejectedError:
                continue
        if not self.creds.has_password:
            self.cache.save(None)
            raise AuthError(
                f"the ACLED refresh token was rejected or has expired; set {ENV_EMAIL} and {ENV_PASSWORD} "
                f"(or a new {ENV_REFRESH})",
                file=TOKEN_WHAT,
            )
        try:
            return self._grant(
                {"grant_type": "password", "username": self.creds.email or "", "password": self.creds.password or ""}
            )
        except GrantRejectedError as exc:
            self.cache.save(None)
            raise AuthError(
                f"ACLED refused the e-mail and password ({exc}); check {ENV_EMAIL} and {ENV_PASSWORD} "
                "(or acled_email / acled_password in the credentials file)",
                file=TOKEN_WHAT,
            ) from None

    def renew(self) -> None:
        """After a 401: forget the access token, so the next :meth:`access_token` refreshes it."""
        if self.tokens is not None:
            self.tokens.access_expires_at = 0.0

    def _refresh_candidates(self, now: float) -> list[str]:
        out: list[str] = []
        if self.tokens is not None and self.tokens.refresh_token and self.tokens.refresh_valid(now):
            out.append(self.tokens.refresh_token)
        if self.creds.refresh_token and self.creds.refresh_token not in out:
            out.append(self.creds.refresh_token)
        return out

    def _grant(self, fields: dict[str, str]) -> str:
        """POST one grant (form-encoded, client id ``acled``); store and return the new access token."""
        try:
            resp = post(
                self.client,
                TOKEN_PATH,
                data={**fields, "client_id": CLIENT_ID},
                deadline=self.deadline,
                what=TOKEN_WHAT,
            )
        except FetchError as exc:  # unreachable, 5xx after retries, another 4xx: no token, no fetch
            raise AuthError(exc.message, file=exc.file, exit_status=1) from None
        try:
            body = resp.json()
        except ValueError:
            raise AuthError("the token answer is not JSON", file=TOKEN_WHAT, exit_status=1) from None
        access = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(access, str) or not access:
            raise AuthError("the token answer holds no access_token", file=TOKEN_WHAT, exit_status=1)
        lifetime = body.get("expires_in")
        life = float(lifetime) if isinstance(lifetime, int | float) and lifetime > 0 else float(ACCESS_LIFETIME_S)
        now = self.clock()
        refresh = body.get("refresh_token")
        keep_refresh = refresh if isinstance(refresh, str) and refresh else None
        self.tokens = Tokens(
            access,
            now + life - min(EARLY_S, life / 10),
            keep_refresh,
            now + REFRESH_LIFETIME_S - EARLY_S if keep_refresh else 0.0,
        )
        self.cache.save(self.tokens)
        return access
