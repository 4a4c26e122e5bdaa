"""The FastAPI application: REST API under ``/api``, the dashboard at ``/``, and ``serve()`` for the CLI.

Errors always leave as JSON ``{"error": message}`` (validation errors add ``problems``), never as a
traceback; unexpected exceptions are logged on the server and answered with a generic message.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from .api import Services, build_router
from .jobs import JobStore
from .scenarios import ScenarioStore
from .security import Guard

log = logging.getLogger("realpolitik.web")
MAX_BODY = 4 * 1024 * 1024
TOKEN_ENV = "REALPOLITIK_TOKEN"


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


def create_app(workspace: Path | None = None, token: str | None = None, *, data_dir: Path | None = None) -> FastAPI:
    """Build the app. ``data_dir`` (default: ``WORKSPACE.web/``, or a temporary folder without a workspace)
    holds uploaded scenarios and lab jobs; ``token``, when given, is required on every request."""
    folder = data_dir or data_dir_for(workspace) or Path(tempfile.mkdtemp(prefix="realpolitik-web-"))
    folder.mkdir(parents=True, exist_ok=True)
    scenarios = ScenarioStore(folder / "scenarios")
    jobs = JobStore(folder / "jobs")

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
    )
    app.state.workspace = workspace
    app.state.data_dir = folder
    app.state.jobs = jobs
    app.state.scenarios = scenarios
    app.state.services = Services(scenarios, jobs, workspace)
    _errors(app)
    app.include_router(build_router())
    static = Path(__file__).with_name("static")
    app.mount("/static", StaticFiles(directory=static), name="static")
    env = Environment(loader=PackageLoader("realpolitik.web", "templates"), autoescape=select_autoescape(["j2"]))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard() -> HTMLResponse:
        from ..workflows.text import CAVEAT

        html = env.get_template("dashboard.html.j2").render(version=__version__, caveat=CAVEAT)
        return HTMLResponse(
            html,
            headers={
                "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                "script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
            },
        )

    app.add_middleware(Guard, token=token, max_body=MAX_BODY)
    return app


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workspace: Path | None = None,
    token: str | None = None,
    *,
    data_dir: Path | None = None,
    log_level: str = "info",
) -> None:
    """Run the app with uvicorn. Binding beyond loopback needs a token (argument or ``REALPOLITIK_TOKEN``).

    Uploads and jobs go to ``data_dir``, else ``WORKSPACE.web/`` beside the workspace, else the user's data
    directory (``$XDG_DATA_HOME/realpolitik/web``, default ``~/.local/share/realpolitik/web``), never the current
    folder, so that they survive a restart.
    Raises ``ValueError`` for a non-loopback host without a token (the CLI prints it and exits 2).
    """
    import uvicorn

    token = token or os.environ.get(TOKEN_ENV) or None
    if not is_loopback(host) and not token:
        raise ValueError(f"binding to {host} needs a token: pass --token or set {TOKEN_ENV}")
    folder = serve_data_dir(workspace, data_dir)
    app = create_app(workspace, token, data_dir=folder)
    config: dict[str, Any] = {"host": host, "port": port, "log_level": log_level, "server_header": False}
    uvicorn.run(app, **config)
