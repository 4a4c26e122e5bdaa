"""The FastAPI application: REST API under ``/api``, the dashboard at ``/``, and ``serve()`` for the CLI.

Errors always leave as JSON ``{"error": message}`` (validation errors add ``problems``), never as a
traceback; unexpected exceptions are logged on the server and answered with a generic message.

The pages (dashboard, API docs at ``/docs``, login) load nothing from elsewhere: the docs are the Swagger UI
files shipped in ``static/swagger-ui/`` (with their licence), under the same Content-Security-Policy as the
dashboard, so they work on a machine without a network.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import ssl
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from .api import Services, build_router
from .common import Limits, client, limiter
from .jobs import JobStore
from .scenarios import ScenarioStore
from .security import COOKIE, ComputeLimit, Guard, check_token, retry_after, token_matches

log = logging.getLogger("realpolitik.web")
MAX_BODY = Limits.max_body
TOKEN_ENV = "REALPOLITIK_TOKEN"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
"""The Content-Security-Policy of every page: nothing inline, nothing from elsewhere."""


def data_dir_for(workspace: Path | None) -> Path | None:
    """Where the app keeps uploads and jobs: ``WORKSPACE.web/`` beside the workspace file."""
    if workspace is None:
        return None
    return workspace.with_name(workspace.name + ".web")


def user_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_DATA_HOME/realpolitik/web``, or ``~/.local/share/realpolitik/web`` (the XDG base directory rule:
    an unset, empty or relative ``XDG_DATA_HOME`` is ignored), so the server never writes to the current folder."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "realpolitik" / "web"


def serve_data_dir(workspace: Path | None, data_dir: Path | None = None) -> Path:
    """The folder ``serve`` keeps uploads and jobs in: ``data_dir`` if given, else beside the workspace, else
    the user's data directory (:func:`user_data_dir`)."""
    return data_dir or data_dir_for(workspace) or user_data_dir()


def _errors(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            ".".join(str(p) for p in e.get("loc", ())) + ": " + str(e.get("msg", "invalid")) for e in exc.errors()
        ]
        return JSONResponse({"error": "invalid request", "problems": problems[:50]}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse({"error": f"internal error ({type(exc).__name__}); see the server log"}, status_code=500)


def page(html: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(html, status_code=status, headers={"content-security-policy": CSP})


def _pages(app: FastAPI, env: Environment, token: str | None) -> None:
    """The dashboard, the scenario editor, the offline API docs and the login page."""
    from ..workflows.text import CAVEAT

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard() -> HTMLResponse:
        return page(env.get_template("dashboard.html.j2").render(version=__version__, caveat=CAVEAT))

    @app.get("/edit", response_class=HTMLResponse, include_in_schema=False)
    def edit() -> HTMLResponse:
        return page(env.get_template("editor.html.j2").render(version=__version__, caveat=CAVEAT))

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> HTMLResponse:
        return page(env.get_template("docs.html.j2").render(version=__version__))

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form() -> Response:
        if token is None:
            return RedirectResponse("/", status_code=303)
        return page(env.get_template("login.html.j2").render(version=__version__, message=""))

    @app.post("/login", response_class=HTMLResponse, include_in_schema=False)
    async def login(request: Request) -> Response:
        if token is None:
            return RedirectResponse("/", status_code=303)
        wait = limiter(request).hit("login", client(request))
        if wait:
            return JSONResponse(
                {"error": "too many login attempts; try again later"},
                status_code=429,
                headers={"retry-after": retry_after(wait)},
            )
        given = parse_qs((await request.body()).decode("utf-8", "replace")).get("token", [""])[0].strip()
        if not token_matches({"authorization": f"Bearer {given}"}, token):
            html = env.get_template("login.html.j2").render(version=__version__, message="That token is not valid.")
            return page(html, 401)
        response = RedirectResponse("/", status_code=303)
        secure = request.url.scheme == "https"
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/")
        return response


def create_app(
    workspace: Path | None = None,
    token: str | None = None,
    *,
    data_dir: Path | None = None,
    limits: Limits | None = None,
) -> FastAPI:
    """Build the app. ``data_dir`` (default: ``WORKSPACE.web/``, or a temporary folder without a workspace)
    holds uploaded scenarios and lab jobs; ``token``, when given, is required on every request and must be
    strong (:func:`~realpolitik.web.security.check_token`: ``ValueError`` otherwise); ``limits`` bound what each
    client may ask (:class:`~realpolitik.web.common.Limits`, defaults documented in docs/web.md)."""
    token = check_token(token) if token else None
    limits = limits or Limits()
    folder = data_dir or data_dir_for(workspace) or Path(tempfile.mkdtemp(prefix="realpolitik-web-"))
    folder.mkdir(parents=True, exist_ok=True)
    scenarios = ScenarioStore(folder / "scenarios")
    jobs = JobStore(folder / "jobs", keep_hours=limits.keep_hours, keep_count=limits.keep_count)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.shutdown()

    app = FastAPI(
        title="realpolitik",
        version=__version__,
        description="Bargaining forecasts and strategy experiments. Model output is an estimate from the "
        "scenario's inputs, not a prediction of fact and not a recommendation.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.workspace = workspace
    app.state.data_dir = folder
    app.state.jobs = jobs
    app.state.scenarios = scenarios
    app.state.services = Services(scenarios, jobs, workspace)
    app.state.limits = limits
    app.state.limiter = limits.limiter()
    _errors(app)
    app.include_router(build_router())
    app.mount("/static", StaticFiles(directory=Path(__file__).with_name("static")), name="static")
    env = Environment(loader=PackageLoader("realpolitik.web", "templates"), autoescape=select_autoescape(["j2"]))
    _pages(app, env, token)
    app.add_middleware(ComputeLimit, limiter=app.state.limiter)
    app.add_middleware(Guard, token=token, max_body=limits.max_body)
    return app


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tls_options(certfile: Path | None, keyfile: Path | None) -> dict[str, Any]:
    """uvicorn's TLS settings, after checking that the pair loads; ``ValueError`` saying why not."""
    if certfile is None and keyfile is None:
        return {}
    if certfile is None or keyfile is None:
        raise ValueError("TLS needs both --certfile and --keyfile")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(certfile, keyfile)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"cannot serve TLS with {certfile} and {keyfile}: {exc}") from None
    return {"ssl_certfile": str(certfile), "ssl_keyfile": str(keyfile)}


def url_for(host: str, port: int, tls: bool) -> str:
    return f"{'https' if tls else 'http'}://{'[' + host + ']' if ':' in host else host}:{port}/"


def plain_http_warning(host: str, port: int) -> str:
    return (
        f"warning: serving {url_for(host, port, False)} beyond this machine without TLS: the token, the session "
        "cookie, every scenario and every result cross the network in clear text, where anyone on the path can "
        "read them and reuse the token; pass --certfile and --keyfile to serve https"
    )


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workspace: Path | None = None,
    token: str | None = None,
    *,
    data_dir: Path | None = None,
    log_level: str = "info",
    certfile: Path | None = None,
    keyfile: Path | None = None,
    limits: Limits | None = None,
) -> None:
    """Run the app with uvicorn. Binding beyond loopback needs a token (argument or ``REALPOLITIK_TOKEN``), and
    without TLS (``certfile`` and ``keyfile``) it prints a warning on stderr.

    Uploads and jobs go to ``data_dir``, else ``WORKSPACE.web/`` beside the workspace, else the user's data
    directory (``$XDG_DATA_HOME/realpolitik/web``, default ``~/.local/share/realpolitik/web``), never the current
    folder, so that they survive a restart.
    Raises ``ValueError`` for a non-loopback host without a token, a weak token or an unusable certificate (the
    CLI prints it and exits 2).
    """
    import uvicorn

    token = token or os.environ.get(TOKEN_ENV) or None
    if not is_loopback(host) and not token:
        raise ValueError(f"binding to {host} needs a token: pass --token or set {TOKEN_ENV}")
    if token:
        check_token(token)
    tls = tls_options(certfile, keyfile)
    if not is_loopback(host) and not tls:
        print(plain_http_warning(host, port), file=sys.stderr)
    folder = serve_data_dir(workspace, data_dir)
    app = create_app(workspace, token, data_dir=folder, limits=limits)
    config: dict[str, Any] = {"host": host, "port": port, "log_level": log_level, "server_header": False, **tls}
    uvicorn.run(app, **config)
