"""``realpolitik serve``: the dashboard and REST API."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .common import fail


def serve(
    host: Annotated[str, typer.Option(help="Address to bind; beyond loopback a token is required.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-w", help="Event workspace (DuckDB); uploads and jobs go beside it."),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option("--token", envvar="REALPOLITIK_TOKEN", show_envvar=True, help="Token required on every request."),
    ] = None,
) -> None:
    """The dashboard and REST API (OpenAPI at /docs); loopback only unless a token is given."""
    from ..web import serve as run_server
    from ..web.app import is_loopback

    token = token or None
    if not is_loopback(host) and not token:
        fail(f"binding to {host} needs a token: pass --token or set REALPOLITIK_TOKEN")
    if workspace is not None and not workspace.is_file():
        print(f"{workspace}: no event workspace yet; event endpoints answer 404 until it exists", file=sys.stderr)
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    print(f"serving on {url}" + ("?token=..." if token else ""), file=sys.stderr)
    try:
        run_server(host=host, port=port, workspace=workspace, token=token)
    except ValueError as exc:
        fail(str(exc))
