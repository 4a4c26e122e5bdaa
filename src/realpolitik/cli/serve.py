"""``realpolitik serve``: the dashboard and REST API."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .common import fail

Host = Annotated[str, typer.Option(help="Address to bind; beyond loopback a token is required.")]
Port = Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")]
Workspace = Annotated[
    Path | None, typer.Option("--workspace", "-w", help="Event workspace (DuckDB); uploads and jobs go beside it.")
]
Token = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="REALPOLITIK_TOKEN",
        show_envvar=True,
        help="Token required on every request: at least 22 characters (16 random bytes); see --new-token.",
    ),
]
NewToken = Annotated[bool, typer.Option("--new-token", help="Print a fresh random token (32 bytes) and exit.")]
CertFile = Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="TLS certificate (PEM): serve https.")]
KeyFile = Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="TLS private key (PEM).")]
JobsPerMinute = Annotated[int, typer.Option(min=1, help="Jobs one client may start in any minute.")]
JobsAtOnce = Annotated[int, typer.Option(min=1, help="Jobs one client may have queued or running at once.")]
ComputePerMinute = Annotated[int, typer.Option(min=1, help="Forecast and figure requests per client and minute.")]
KeepHours = Annotated[float, typer.Option(min=0, help="Hours a finished job and its files are kept.")]
KeepJobs = Annotated[int, typer.Option(min=0, help="Finished jobs kept at most (the oldest deleted first).")]


def checked_token(host: str, token: str | None) -> str | None:
    """The token, or one line and exit 2: none beyond loopback, or too weak."""
    from ..web.app import is_loopback
    from ..web.security import TokenError, check_token

    if not is_loopback(host) and not token:
        fail(f"binding to {host} needs a token: pass --token or set REALPOLITIK_TOKEN")
    try:
        return check_token(token) if token else None
    except TokenError as exc:
        fail(f"refusing the token: {exc}")


def serve(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    workspace: Workspace = None,
    token: Token = None,
    new_token: NewToken = False,
    certfile: CertFile = None,
    keyfile: KeyFile = None,
    jobs_per_minute: JobsPerMinute = 10,
    jobs_at_once: JobsAtOnce = 2,
    compute_per_minute: ComputePerMinute = 120,
    keep_hours: KeepHours = 24.0,
    keep_jobs: KeepJobs = 100,
) -> None:
    """The dashboard and REST API (OpenAPI at /docs); loopback only unless a token is given."""
    if new_token:
        from ..web.security import new_token as make_token

        print(make_token())
        return
    from ..web import serve as run_server
    from ..web.app import url_for
    from ..web.common import Limits

    token = checked_token(host, token or None)
    if workspace is not None and not workspace.is_file():
        print(f"{workspace}: no event workspace yet; event endpoints answer 404 until it exists", file=sys.stderr)
    url = url_for(host, port, certfile is not None)
    print(f"serving on {url}" + (f" (sign in at {url}login with the token)" if token else ""), file=sys.stderr)
    limits = Limits(
        jobs_per_minute=jobs_per_minute,
        jobs_at_once=jobs_at_once,
        compute_per_minute=compute_per_minute,
        keep_hours=keep_hours,
        keep_count=keep_jobs,
    )
    try:
        run_server(host, port, workspace, token, certfile=certfile, keyfile=keyfile, limits=limits)
    except ValueError as exc:
        fail(str(exc))
